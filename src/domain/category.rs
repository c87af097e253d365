//! Categories of "personal information" as the breach statutes define it:
//! most require a person's name together with one of a list of elements
//! (Conn. Gen. Stat. § 36a-701b; 815 ILCS 530/5), a few count an element
//! alone (a username with its password). Taxonomy elements are marked with
//! the categories they hold; a rule names the categories its statute lists.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfoCategory {
    /// A person's name (first name or initial and last name).
    Name,
    Ssn,
    DriversLicense,
    /// Passport, military or other government identification number.
    GovernmentId,
    /// Account, credit- or debit-card number.
    FinancialAccount,
    Medical,
    HealthInsurance,
    /// A username or email address with its password or security answer.
    Credentials,
    Biometric,
    StudentId,
    DateOfBirth,
    Geolocation,
    /// An element the taxonomy does not know: it may be any category, so a
    /// rule needing personal information applies (the strict reading).
    #[serde(skip_deserializing)]
    Unknown,
}

impl InfoCategory {
    pub const ALL: [InfoCategory; 13] = [
        InfoCategory::Name,
        InfoCategory::Ssn,
        InfoCategory::DriversLicense,
        InfoCategory::GovernmentId,
        InfoCategory::FinancialAccount,
        InfoCategory::Medical,
        InfoCategory::HealthInsurance,
        InfoCategory::Credentials,
        InfoCategory::Biometric,
        InfoCategory::StudentId,
        InfoCategory::DateOfBirth,
        InfoCategory::Geolocation,
        InfoCategory::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InfoCategory::Name => "name",
            InfoCategory::Ssn => "ssn",
            InfoCategory::DriversLicense => "drivers_license",
            InfoCategory::GovernmentId => "government_id",
            InfoCategory::FinancialAccount => "financial_account",
            InfoCategory::Medical => "medical",
            InfoCategory::HealthInsurance => "health_insurance",
            InfoCategory::Credentials => "credentials",
            InfoCategory::Biometric => "biometric",
            InfoCategory::StudentId => "student_id",
            InfoCategory::DateOfBirth => "date_of_birth",
            InfoCategory::Geolocation => "geolocation",
            InfoCategory::Unknown => "unknown",
        }
    }
}

impl fmt::Display for InfoCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InfoCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InfoCategory::ALL
            .into_iter()
            .filter(|category| *category != InfoCategory::Unknown)
            .find(|category| category.as_str() == s)
            .ok_or_else(|| format!("unknown personal-information category {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_not_a_pack_word() {
        for category in InfoCategory::ALL {
            if category == InfoCategory::Unknown {
                assert!("unknown".parse::<InfoCategory>().is_err());
                let parsed: Result<InfoCategory, _> = serde_json::from_str("\"unknown\"");
                assert!(parsed.is_err());
            } else {
                assert_eq!(category.as_str().parse::<InfoCategory>(), Ok(category));
            }
        }
    }
}
