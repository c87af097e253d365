//! Matching the contractor a report names against a vendor's names: people
//! write "Acme Learning, Inc.", "ACME Learning" and "Acme Learning LLC" for
//! the same company, so case, punctuation, spacing and the legal-form words
//! "Inc." and "LLC" are ignored.

/// Legal-form words that do not tell two companies apart.
const LEGAL_FORMS: [&str; 3] = ["inc", "incorporated", "llc"];

/// The form in which two names are compared: lowercase letters and digits
/// of every word but the legal-form ones ("Acme Learning, Inc." →
/// "acmelearning"). Empty when the name has nothing else.
pub fn vendor_key(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|word| !word.is_empty() && !LEGAL_FORMS.contains(&word.as_str()))
        .collect()
}

/// A vendor's name and aliases, as matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    keys: Vec<String>,
}

impl Names {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            keys: names
                .into_iter()
                .map(vendor_key)
                .filter(|key| !key.is_empty())
                .collect(),
        }
    }

    /// Whether `contractor` is one of these names.
    pub fn matches(&self, contractor: &str) -> bool {
        let key = vendor_key(contractor);
        !key.is_empty() && self.keys.contains(&key)
    }

    /// Whether any of `other`'s names is one of these (two vendors may not
    /// share a name, or an incident would match both).
    pub fn overlaps(&self, other: &Names) -> bool {
        self.keys.iter().any(|key| other.keys.contains(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_punctuation_and_legal_forms_are_ignored() {
        let names = Names::new(["Acme Learning, Inc.", "ACME-SIS"]);
        for same in [
            "acme learning",
            "ACME LEARNING LLC",
            "Acme Learning Inc",
            "Acme  Learning, LLC.",
            "acme sis",
        ] {
            assert!(names.matches(same), "{same}");
        }
        for other in ["Acme", "Acme Learning Corp", "Inc.", ""] {
            assert!(!names.matches(other), "{other}");
        }
    }
}
