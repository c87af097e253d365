//! What leaked, in the words a parent reads: each data element's display
//! name in the guardian's language, grouped by data class.
//!
//! The names are taxonomy data (`display` in `config/taxonomy.toml`; English
//! and Spanish ship, a district's override may add languages). A language
//! without its own word falls back to English; an element the taxonomy does
//! not know is shown as the reporter typed it, never dropped (the staff pages
//! flag it for review).

use super::taxonomy::{Classification, ClassifiedElement, Taxonomy};
use crate::domain::DataClass;
use serde::Serialize;
use std::collections::BTreeSet;

/// The language every element has a word in.
pub const FALLBACK_LANGUAGE: &str = "en";

/// One data class and the elements of it that were exposed, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassInWords {
    pub code: DataClass,
    /// The class in English ("directory information"); a template for
    /// another language words the class itself by `code`.
    pub description: &'static str,
    pub elements: Vec<String>,
}

impl Taxonomy {
    /// Every language some element has a word in, English always among them.
    pub fn languages(&self) -> BTreeSet<String> {
        self.elements()
            .iter()
            .flat_map(|element| element.display.keys().cloned())
            .chain(std::iter::once(FALLBACK_LANGUAGE.to_owned()))
            .collect()
    }

    /// One element in `language` (a primary subtag such as "es").
    pub fn words(&self, element: &ClassifiedElement, language: &str) -> String {
        let Some(known) = element
            .canonical
            .as_deref()
            .and_then(|name| self.lookup(name))
        else {
            return element.name.trim().to_owned();
        };
        known
            .display
            .get(language)
            .or_else(|| known.display.get(FALLBACK_LANGUAGE))
            .cloned()
            .unwrap_or_else(|| known.name.replace('_', " "))
    }

    /// The exposed elements grouped by class, in the classes' order, each
    /// word once.
    pub fn in_words(&self, classification: &Classification, language: &str) -> Vec<ClassInWords> {
        let classes: BTreeSet<DataClass> = classification
            .elements
            .iter()
            .map(|element| element.class)
            .chain(classification.classes.iter().copied())
            .collect();
        classes
            .into_iter()
            .map(|class| {
                let mut elements: Vec<String> = Vec::new();
                for element in classification.elements.iter().filter(|e| e.class == class) {
                    let word = self.words(element, language);
                    if !word.is_empty() && !elements.contains(&word) {
                        elements.push(word);
                    }
                }
                ClassInWords {
                    code: class,
                    description: class.describe(),
                    elements,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn every_embedded_element_has_english_and_spanish_words() {
        let taxonomy = Taxonomy::embedded();
        for element in taxonomy.elements() {
            for language in ["en", "es"] {
                assert!(
                    element.display.contains_key(language),
                    "{} has no {language} display name",
                    element.name
                );
            }
        }
        assert_eq!(
            taxonomy.languages().into_iter().collect::<Vec<_>>(),
            ["en", "es"]
        );
    }

    #[test]
    fn grouped_by_class_in_the_guardians_language() {
        let taxonomy = Taxonomy::embedded();
        let classification = taxonomy.classify(&names(&[
            "Grades",
            "DOB",
            "IEP",
            "photo",
            "grades",
            "lunch pin",
        ]));
        let english = taxonomy.in_words(&classification, "en");
        assert_eq!(
            english,
            [
                ClassInWords {
                    code: DataClass::DirectoryInformation,
                    description: "directory information",
                    elements: names(&["date of birth", "student photograph"]),
                },
                ClassInWords {
                    code: DataClass::StudentInformation,
                    description: "student information (not directory information)",
                    // The unknown element as typed, not dropped.
                    elements: names(&["grades", "special education and IEP status", "lunch pin"]),
                },
            ]
        );
        let spanish = taxonomy.in_words(&classification, "es");
        assert_eq!(
            spanish[1].elements,
            names(&[
                "calificaciones",
                "educación especial y estado del IEP",
                "lunch pin"
            ])
        );
        // A language the taxonomy has no words in reads English.
        assert_eq!(taxonomy.in_words(&classification, "pt"), english);
    }
}
