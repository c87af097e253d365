//! Durations as configuration spells them ("30s", "500ms", "5m", "2h"):
//! parsed once, here, for every setting and every escalation lead time.

use std::time::Duration;

/// "30s", "500ms", "5m", "2h".
pub fn parse_std_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as \"30s\", \"5m\" or \"2h\""))?;
    let duration = match unit {
        "ms" => Duration::from_millis(count),
        "s" => Duration::from_secs(count),
        "m" => Duration::from_secs(
            count
                .checked_mul(60)
                .ok_or_else(|| format!("{text:?} is too long"))?,
        ),
        "h" => Duration::from_secs(
            count
                .checked_mul(3600)
                .ok_or_else(|| format!("{text:?} is too long"))?,
        ),
        _ => return Err(format!("{text:?} has an unknown unit (ms, s, m or h)")),
    };
    if duration.is_zero() {
        return Err(format!("{text:?} must be more than zero"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_std_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_std_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_std_duration("0s").is_err());
        assert!(parse_std_duration("soon").is_err());
    }
}
