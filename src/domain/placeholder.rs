//! Placeholders in a notice's wording: `[FILL IN: what to write here]`.
//!
//! The shipped wording makes no claim breachd cannot know. A sentence that
//! depends on facts only the district has (what it has done, whom it told)
//! is a placeholder the administrator fills in or deletes; approval refuses
//! a draft that still holds one (docs/email.md).

/// How a placeholder opens; matched without regard to case.
pub const OPENING: &str = "[FILL IN";

/// Each placeholder in `text`, as written (up to its closing bracket, or to
/// the end of the text where it is never closed).
pub fn placeholders(text: &str) -> Vec<&str> {
    let lower = text.to_ascii_lowercase();
    let opening = OPENING.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = lower[from..].find(&opening) {
        let start = from + offset;
        let end = text[start..]
            .find(']')
            .map_or(text.len(), |close| start + close + 1);
        found.push(&text[start..end]);
        from = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn finds_each_placeholder_as_written() {
        assert_eq!(
            placeholders("We told [FILL IN: whom] on [fill in: the date]."),
            ["[FILL IN: whom]", "[fill in: the date]"]
        );
        assert!(placeholders("We told the State Police on May 2.").is_empty());
        assert_eq!(placeholders("Unclosed [FILL IN: whom"), ["[FILL IN: whom"]);
        // Other brackets are the district's own text.
        assert!(placeholders("See [1] and [the portal].").is_empty());
    }

    #[test]
    fn text_beyond_ascii_is_cut_at_character_boundaries() {
        assert_eq!(
            placeholders("Informamos a [FILL IN: quién — policía] ayer"),
            ["[FILL IN: quién — policía]"]
        );
    }
}
