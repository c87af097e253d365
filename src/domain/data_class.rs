//! The four classes of student data that Connecticut's student-privacy law
//! (Conn. Gen. Stat. § 10-234aa) and FERPA (34 CFR 99.3) distinguish. Which
//! class an exposed element falls into decides the contractor's clock.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// The four classes of student data the law distinguishes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DataClass {
    /// Information a district may publish under its annual FERPA notice.
    DirectoryInformation,
    /// Personally identifiable information that is not directory information;
    /// the strictest clock, and the class of anything not recognised.
    StudentInformation,
    StudentRecords,
    StudentGeneratedContent,
}

impl DataClass {
    pub const ALL: [DataClass; 4] = [
        DataClass::DirectoryInformation,
        DataClass::StudentInformation,
        DataClass::StudentRecords,
        DataClass::StudentGeneratedContent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataClass::DirectoryInformation => "directory_information",
            DataClass::StudentInformation => "student_information",
            DataClass::StudentRecords => "student_records",
            DataClass::StudentGeneratedContent => "student_generated_content",
        }
    }

    /// Wording for letters and web pages.
    pub fn describe(self) -> &'static str {
        match self {
            DataClass::DirectoryInformation => "directory information",
            DataClass::StudentInformation => "student information (not directory information)",
            DataClass::StudentRecords => "student records",
            DataClass::StudentGeneratedContent => "student-generated content",
        }
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DataClass::ALL
            .into_iter()
            .find(|class| class.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown data class {s:?} (expected one of directory_information, student_information, student_records, student_generated_content)"
                )
            })
    }
}
