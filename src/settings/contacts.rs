//! `[contacts]`: role name → mailboxes. Reminders and digests address roles,
//! so every role they name is checked against this table.

use super::raw::OneOrMany;
use super::values::parse_mailbox;
use super::Problems;
use lettre::message::Mailbox;
use std::collections::BTreeMap;

pub(crate) type Contacts = BTreeMap<String, Vec<Mailbox>>;

pub(crate) fn parse(raw: BTreeMap<String, OneOrMany>, problems: &mut Problems) -> Contacts {
    let mut contacts = BTreeMap::new();
    for (role, addresses) in raw {
        if !is_identifier(&role) {
            problems.push(
                &format!("contacts.{role}"),
                "a role name is lowercase letters, digits and underscores".into(),
            );
        }
        let parsed = problems.parse_each(
            &format!("contacts.{role}"),
            &addresses.into_vec(),
            parse_mailbox,
        );
        contacts.insert(role, parsed);
    }
    contacts
}

/// Checks that every role of the list at `key` is under `[contacts]`, and
/// hands the list back.
pub(crate) fn known_roles(
    key: &str,
    roles: Vec<String>,
    contacts: &Contacts,
    problems: &mut Problems,
) -> Vec<String> {
    for (i, role) in roles.iter().enumerate() {
        if !contacts.contains_key(role) {
            problems.push(
                &format!("{key}[{i}]"),
                format!("{role:?} is not a role under [contacts]"),
            );
        }
    }
    roles
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
