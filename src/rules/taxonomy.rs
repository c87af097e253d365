//! Classification of exposed data elements into data classes.
//!
//! The taxonomy is data (`config/taxonomy.toml`, embedded; a district may
//! replace it). Names match case-insensitively, ignoring spaces, hyphens and
//! underscores. An unknown element is classed `student_information`, the
//! strictest clock, and listed in `needs_review`: filing never fails for it.

use crate::domain::{DataClass, InfoCategory};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use utoipa::ToSchema;

pub const EMBEDDED: &str = include_str!("../../config/taxonomy.toml");

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Element {
    pub name: String,
    pub class: DataClass,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The personal-information categories the element holds, for rules
    /// that apply only to a statute's "personal information".
    #[serde(default)]
    pub categories: Vec<InfoCategory>,
    /// The element in plain words, per language tag ("en", "es"), as
    /// notices say it; see `element_words`.
    #[serde(default)]
    pub display: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    element: Vec<Element>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    elements: Vec<Element>,
    /// normalized name or alias -> index into `elements`
    index: HashMap<String, usize>,
}

/// One submitted element and what it was classed as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClassifiedElement {
    /// As submitted.
    pub name: String,
    /// The taxonomy's name for it; null when unknown.
    pub canonical: Option<String>,
    pub class: DataClass,
}

/// What the submitted data elements were classed as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Classification {
    pub classes: BTreeSet<DataClass>,
    pub elements: Vec<ClassifiedElement>,
    /// Elements the taxonomy does not know, classed `student_information`.
    pub needs_review: Vec<String>,
}

/// The matching key: lowercase with spaces, hyphens and underscores removed.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Taxonomy {
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawTaxonomy = toml::from_str(text).map_err(|error| error.to_string())?;
        Self::new(raw.element)
    }

    pub fn embedded() -> Self {
        Self::parse(EMBEDDED).expect("the embedded taxonomy is checked by a unit test")
    }

    fn new(elements: Vec<Element>) -> Result<Self, String> {
        let mut index: HashMap<String, usize> = HashMap::new();
        for (position, element) in elements.iter().enumerate() {
            for name in std::iter::once(&element.name).chain(&element.aliases) {
                let key = normalize(name);
                if key.is_empty() {
                    return Err(format!("element {:?} has an empty alias", element.name));
                }
                if let Some(&other) = index.get(&key) {
                    if other != position {
                        return Err(format!(
                            "{name:?} names both {:?} and {:?}",
                            elements[other].name, element.name
                        ));
                    }
                }
                index.insert(key, position);
            }
        }
        Ok(Self { elements, index })
    }

    /// Narrows directory information to what the district designated in its
    /// annual FERPA notice; every other directory element becomes
    /// student_information. Only elements the taxonomy classes as directory
    /// information may be designated.
    pub fn with_directory_designation(
        mut self,
        designated: &[String],
    ) -> Result<Self, Vec<String>> {
        let mut keep = BTreeSet::new();
        let mut errors = Vec::new();
        for name in designated {
            match self.lookup(name) {
                Some(element) if element.class == DataClass::DirectoryInformation => {
                    keep.insert(element.name.clone());
                }
                Some(element) => errors.push(format!(
                    "{name:?} is {} and cannot be designated directory information",
                    element.class
                )),
                None => errors.push(format!("{name:?} is not an element of the taxonomy")),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        for element in &mut self.elements {
            if element.class == DataClass::DirectoryInformation && !keep.contains(&element.name) {
                element.class = DataClass::StudentInformation;
            }
        }
        Ok(self)
    }

    pub fn lookup(&self, name: &str) -> Option<&Element> {
        self.index.get(&normalize(name)).map(|&i| &self.elements[i])
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The personal-information categories of classified elements: an
    /// element the taxonomy does not know counts as `Unknown`, which meets
    /// every definition (the strict reading).
    pub fn categories(&self, classification: &Classification) -> BTreeSet<InfoCategory> {
        classification
            .elements
            .iter()
            .flat_map(|element| {
                match element
                    .canonical
                    .as_deref()
                    .and_then(|name| self.lookup(name))
                {
                    Some(known) => known.categories.clone(),
                    None => vec![InfoCategory::Unknown],
                }
            })
            .collect()
    }

    pub fn classify(&self, names: &[String]) -> Classification {
        let mut classes = BTreeSet::new();
        let mut elements = Vec::with_capacity(names.len());
        let mut needs_review = Vec::new();
        for name in names {
            let (canonical, class) = match self.lookup(name) {
                Some(element) => (Some(element.name.clone()), element.class),
                None => {
                    needs_review.push(name.clone());
                    (None, DataClass::StudentInformation)
                }
            };
            classes.insert(class);
            elements.push(ClassifiedElement {
                name: name.clone(),
                canonical,
                class,
            });
        }
        Classification {
            classes,
            elements,
            needs_review,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DataClass::*;

    #[test]
    fn aliases_from_the_issue_and_design() {
        let taxonomy = Taxonomy::embedded();
        // (submitted name, expected canonical element, class)
        let cases = [
            ("photo", "photograph", DirectoryInformation),
            ("photograph", "photograph", DirectoryInformation),
            ("student photo", "photograph", DirectoryInformation),
            ("Student-Photo", "photograph", DirectoryInformation),
            ("dob", "date_of_birth", DirectoryInformation),
            ("Date of Birth", "date_of_birth", DirectoryInformation),
            ("ssn", "ssn", StudentInformation),
            ("Social Security Number", "ssn", StudentInformation),
            ("social_security_number", "ssn", StudentInformation),
            ("iep", "special_education", StudentInformation),
            ("IEP status", "special_education", StudentInformation),
            (
                "special education status",
                "special_education",
                StudentInformation,
            ),
            ("student_name", "student_name", DirectoryInformation),
            ("home_address", "home_address", DirectoryInformation),
            ("grades", "grades", StudentInformation),
            (
                "free/reduced lunch",
                "free_reduced_lunch",
                StudentInformation,
            ),
            ("biometric", "biometric", StudentInformation),
            ("transcript", "student_records", StudentRecords),
            (
                "essays",
                "student_generated_content",
                StudentGeneratedContent,
            ),
        ];
        for (name, canonical, class) in cases {
            let element = taxonomy
                .lookup(name)
                .unwrap_or_else(|| panic!("{name} unknown"));
            assert_eq!(
                (element.name.as_str(), element.class),
                (canonical, class),
                "{name}"
            );
        }
    }

    #[test]
    fn unknown_elements_are_strict_and_flagged() {
        let taxonomy = Taxonomy::embedded();
        let result = taxonomy.classify(&["cafeteria_badge_hash".into(), "student_name".into()]);
        assert_eq!(result.needs_review, ["cafeteria_badge_hash"]);
        assert_eq!(
            result.classes,
            [DirectoryInformation, StudentInformation].into()
        );
        assert_eq!(result.elements[0].canonical, None);
        assert_eq!(result.elements[0].class, StudentInformation);
    }

    #[test]
    fn a_district_can_narrow_its_directory_information() {
        let taxonomy = Taxonomy::embedded()
            .with_directory_designation(&["student_name".into(), "grade level".into()])
            .unwrap();
        assert_eq!(taxonomy.lookup("name").unwrap().class, DirectoryInformation);
        assert_eq!(taxonomy.lookup("photo").unwrap().class, StudentInformation);
        let errors = Taxonomy::embedded()
            .with_directory_designation(&["ssn".into(), "nonsense".into()])
            .unwrap_err();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn categories_of_personal_information() {
        use InfoCategory::*;
        let taxonomy = Taxonomy::embedded();
        // (submitted elements, expected categories, why)
        let cases: [(&[&str], &[InfoCategory], &str); 4] = [
            (&["student name", "ssn"], &[Name, Ssn], "a name and an SSN"),
            (
                &["grades"],
                &[],
                "grades are no statute's personal information",
            ),
            (
                &["drivers license"],
                &[DriversLicense, GovernmentId],
                "a licence or other government ID",
            ),
            (
                &["cafeteria_badge_hash"],
                &[Unknown],
                "unknown: may be anything",
            ),
        ];
        for (names, expected, why) in cases {
            let names: Vec<String> = names.iter().map(|&n| n.to_owned()).collect();
            let got = taxonomy.categories(&taxonomy.classify(&names));
            assert_eq!(got, expected.iter().copied().collect(), "{why}");
        }
    }

    #[test]
    fn colliding_aliases_are_refused() {
        let text = r#"
            [[element]]
            name = "a"
            class = "student_information"
            aliases = ["x y"]
            [[element]]
            name = "b"
            class = "student_records"
            aliases = ["X-Y"]
        "#;
        assert!(Taxonomy::parse(text).unwrap_err().contains("names both"));
    }
}
