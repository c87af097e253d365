//! Counts in words people read: "1 student", "3 students", never
//! "student(s)".

/// `n` and the noun in its number.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_and_many() {
        assert_eq!(super::count(1u64, "student", "students"), "1 student");
        assert_eq!(super::count(0u64, "student", "students"), "0 students");
        assert_eq!(
            super::count(2u64, "policy overlay", "policy overlays"),
            "2 policy overlays"
        );
    }
}
