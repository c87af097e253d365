//! Parental consent where a vendor will not sign the data privacy
//! agreement: what a guardian answers, how the answer reached the district,
//! where each student stands (a decline by any guardian wins), and the
//! signed link a guardian answers through (`token`).

pub mod token;

use serde::Serialize;

/// A guardian's answer about one student.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Consented,
    Declined,
}

impl Answer {
    pub const ALL: [Answer; 2] = [Answer::Consented, Answer::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Consented => "consented",
            Answer::Declined => "declined",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|answer| answer.as_str() == text)
            .ok_or_else(|| "must be consented or declined".to_owned())
    }
}

/// How an answer reached the district: through the emailed link, or by a
/// way staff record it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Received {
    Link,
    Paper,
    Phone,
    Email,
    InPerson,
}

impl Received {
    pub const ALL: [Received; 5] = [
        Received::Link,
        Received::Paper,
        Received::Phone,
        Received::Email,
        Received::InPerson,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Received::Link => "link",
            Received::Paper => "paper",
            Received::Phone => "phone",
            Received::Email => "email",
            Received::InPerson => "in_person",
        }
    }

    /// In words, for the staff page.
    pub fn label(self) -> &'static str {
        match self {
            Received::Link => "through the emailed link",
            Received::Paper => "on paper",
            Received::Phone => "by telephone",
            Received::Email => "by email",
            Received::InPerson => "in person",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|way| way.as_str() == text)
    }

    /// The ways staff record an answer from: every way but the link, which
    /// only the guardian's own answer on the public page uses.
    pub fn parse_staff(text: &str) -> Result<Self, String> {
        match Self::parse(text) {
            Some(way) if way != Received::Link => Ok(way),
            _ => Err("must be paper, phone, email or in_person".to_owned()),
        }
    }
}

/// Where a student stands in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentStatus {
    Consented,
    Declined,
    NoAnswer,
}

impl StudentStatus {
    /// The reading that protects the child: any decline (through the link
    /// or recorded by staff, earlier or later) makes the student declined;
    /// consented needs at least one consent and no decline; otherwise no
    /// answer. Answers are kept, never replaced, so a later consent does not
    /// undo a decline.
    pub fn of(answers: impl IntoIterator<Item = Answer>) -> Self {
        let mut status = StudentStatus::NoAnswer;
        for answer in answers {
            match answer {
                Answer::Declined => return StudentStatus::Declined,
                Answer::Consented => status = StudentStatus::Consented,
            }
        }
        status
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StudentStatus::Consented => "consented",
            StudentStatus::Declined => "declined",
            StudentStatus::NoAnswer => "no_answer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StudentStatus::Consented => "consented",
            StudentStatus::Declined => "declined",
            StudentStatus::NoAnswer => "no answer",
        }
    }
}

/// "your child Maya": the first word of a student's name, the least the
/// guardian's page and email need to tell two children apart.
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decline_by_any_guardian_wins() {
        use Answer::*;
        assert_eq!(StudentStatus::of([]), StudentStatus::NoAnswer);
        assert_eq!(StudentStatus::of([Consented]), StudentStatus::Consented);
        assert_eq!(
            StudentStatus::of([Consented, Declined]),
            StudentStatus::Declined
        );
        assert_eq!(
            StudentStatus::of([Declined, Consented]),
            StudentStatus::Declined
        );
    }

    #[test]
    fn staff_never_record_an_answer_as_given_through_the_link() {
        assert_eq!(Received::parse_staff("paper"), Ok(Received::Paper));
        assert!(Received::parse_staff("link").is_err());
        assert!(Received::parse_staff("fax").is_err());
        assert_eq!(Answer::parse("declined"), Ok(Answer::Declined));
        assert!(Answer::parse("yes").is_err());
    }

    #[test]
    fn the_first_name_is_the_first_word() {
        assert_eq!(first_name("  Maya  Lopez "), "Maya");
        assert_eq!(first_name(""), "");
    }
}
