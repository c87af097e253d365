//! What kind of agreement binds a vendor, and where it stands.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of agreement a district signs with a vendor (seed policies:
/// Connecticut's contracts, Natick's data privacy agreements, Auburn's terms
/// of service and data sharing agreements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    Dpa,
    Contract,
    TermsOfService,
    DataSharingAgreement,
}

impl AgreementKind {
    pub const ALL: [AgreementKind; 4] = [
        AgreementKind::Dpa,
        AgreementKind::Contract,
        AgreementKind::TermsOfService,
        AgreementKind::DataSharingAgreement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgreementKind::Dpa => "dpa",
            AgreementKind::Contract => "contract",
            AgreementKind::TermsOfService => "terms_of_service",
            AgreementKind::DataSharingAgreement => "data_sharing_agreement",
        }
    }

    /// In words, for pages people read.
    pub fn label(self) -> &'static str {
        match self {
            AgreementKind::Dpa => "Data privacy agreement",
            AgreementKind::Contract => "Contract",
            AgreementKind::TermsOfService => "Terms of service",
            AgreementKind::DataSharingAgreement => "Data sharing agreement",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Where an agreement stands. Only `Signed` binds the vendor; the others
/// say why nothing binds it yet or any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    #[default]
    None,
    Requested,
    Signed,
    Refused,
    Expired,
    Terminated,
}

impl AgreementStatus {
    pub const ALL: [AgreementStatus; 6] = [
        AgreementStatus::None,
        AgreementStatus::Requested,
        AgreementStatus::Signed,
        AgreementStatus::Refused,
        AgreementStatus::Expired,
        AgreementStatus::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::None => "none",
            AgreementStatus::Requested => "requested",
            AgreementStatus::Signed => "signed",
            AgreementStatus::Refused => "refused",
            AgreementStatus::Expired => "expired",
            AgreementStatus::Terminated => "terminated",
        }
    }

    /// In words, for pages people read.
    pub fn label(self) -> &'static str {
        match self {
            AgreementStatus::None => "no agreement",
            AgreementStatus::Requested => "requested, not signed",
            AgreementStatus::Signed => "signed",
            AgreementStatus::Refused => "refused by the vendor",
            AgreementStatus::Expired => "expired",
            AgreementStatus::Terminated => "terminated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

impl fmt::Display for AgreementStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip() {
        for kind in AgreementKind::ALL {
            assert_eq!(AgreementKind::parse(kind.as_str()), Some(kind));
        }
        for status in AgreementStatus::ALL {
            assert_eq!(AgreementStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AgreementKind::parse("DPA"), None);
        assert_eq!(AgreementStatus::parse("active"), None);
    }
}
