//! The taxonomy as this district configured it (`GET /api/v1/data-elements`).

use crate::domain::DataClass;
use crate::rules::Taxonomy;
use serde::Serialize;
use utoipa::ToSchema;

/// What happens to an element the taxonomy does not know.
const UNKNOWN_ELEMENTS: &str = "classed student_information and listed in needs_review";

/// The taxonomy as this district configured it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataElements {
    pub elements: Vec<DataElement>,
    pub classes: Vec<DataClassDescription>,
    /// What happens to an element the taxonomy does not know.
    pub unknown_elements: &'static str,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataElement {
    /// The canonical name.
    pub name: String,
    pub class: DataClass,
    /// Other names matched to it.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataClassDescription {
    pub class: DataClass,
    pub description: &'static str,
}

pub fn data_elements(taxonomy: &Taxonomy) -> DataElements {
    DataElements {
        elements: taxonomy
            .elements()
            .iter()
            .map(|element| DataElement {
                name: element.name.clone(),
                class: element.class,
                aliases: element.aliases.clone(),
            })
            .collect(),
        classes: DataClass::ALL
            .iter()
            .map(|&class| DataClassDescription {
                class,
                description: class.describe(),
            })
            .collect(),
        unknown_elements: UNKNOWN_ELEMENTS,
    }
}
