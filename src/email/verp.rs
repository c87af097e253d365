//! VERP: each message's envelope sender is `local+<token>@domain`, built
//! from `email.bounce_address`, so that the bounce coming back to it names
//! the message it returns without guessing from a recipient address.
//!
//! The token is the message's id and a 48-bit HMAC of it under a key
//! derived from the audit key, in lowercase unpadded base32 (36 characters;
//! mail systems may fold a local part's case). A stranger who sends a fake
//! bounce cannot forge a token for someone else's message, and reading one
//! needs no lookup table: the id is in it and the MAC proves it ours. Every
//! instance sharing a database shares the audit key, so any of them reads
//! the bounces of all.

use crate::settings::VERP_TOKEN_LEN;
use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// The MAC's bytes after the id's 16: 2^-48 is the chance of a guess.
const MAC_BYTES: usize = 6;

pub struct Verp {
    key: [u8; 32],
    local: String,
    domain: String,
}

impl Verp {
    /// `key` is the audit key's derivation for `"verp"`.
    pub fn new(bounce_address: &lettre::Address, key: [u8; 32]) -> Self {
        Self {
            key,
            local: bounce_address.user().to_owned(),
            domain: bounce_address.domain().to_owned(),
        }
    }

    /// The envelope sender of the message `email_id`.
    pub fn sender(&self, email_id: Uuid) -> lettre::Address {
        lettre::Address::new(
            format!("{}+{}", self.local, self.token(email_id)),
            &self.domain,
        )
        .expect("a checked bounce address with a base32 tag is still an address")
    }

    pub fn token(&self, email_id: Uuid) -> String {
        let mut bytes = email_id.as_bytes().to_vec();
        bytes.extend_from_slice(&self.mac(email_id)[..MAC_BYTES]);
        BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
    }

    /// The message a token names, if the token is one of ours.
    pub fn email_id(&self, token: &str) -> Option<Uuid> {
        if token.len() != VERP_TOKEN_LEN {
            return None;
        }
        let bytes = BASE32_NOPAD
            .decode(token.to_ascii_uppercase().as_bytes())
            .ok()?;
        let (id, mac) = bytes.split_at_checked(16)?;
        let id = Uuid::from_slice(id).ok()?;
        self.keyed(id).verify_truncated_left(mac).ok()?;
        Some(id)
    }

    /// Every message named by a VERP address of ours in `text` (a header's
    /// value, a DSN field), in order of appearance, verified.
    pub fn find(&self, text: &str) -> Vec<Uuid> {
        let lower = text.to_ascii_lowercase();
        let prefix = format!("{}+", self.local.to_ascii_lowercase());
        let suffix = format!("@{}", self.domain.to_ascii_lowercase());
        let mut found = Vec::new();
        let mut rest = lower.as_str();
        while let Some(at) = rest.find(&prefix) {
            let after = &rest[at + prefix.len()..];
            let token: String = after
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if after[token.len()..].starts_with(&suffix) {
                if let Some(id) = self.email_id(&token) {
                    if !found.contains(&id) {
                        found.push(id);
                    }
                }
            }
            rest = &rest[at + prefix.len()..];
        }
        found
    }

    fn keyed(&self, email_id: Uuid) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(email_id.as_bytes());
        mac
    }

    fn mac(&self, email_id: Uuid) -> [u8; 32] {
        self.keyed(email_id).finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verp(key: u8) -> Verp {
        Verp::new(
            &"bounces@district.example".parse().expect("a valid address"),
            [key; 32],
        )
    }

    #[test]
    fn a_token_names_its_message_and_only_under_its_key() {
        let id = Uuid::now_v7();
        let ours = verp(1);
        let token = ours.token(id);
        assert_eq!(token.len(), VERP_TOKEN_LEN);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(ours.email_id(&token), Some(id));
        assert_eq!(
            ours.email_id(&token.to_ascii_uppercase()),
            Some(id),
            "case folded"
        );
        assert_eq!(verp(2).email_id(&token), None, "another key");
        let mut forged = token.clone().into_bytes();
        forged[3] = if forged[3] == b'a' { b'b' } else { b'a' };
        let forged = String::from_utf8(forged).expect("ASCII");
        assert_eq!(ours.email_id(&forged), None, "another id with the old MAC");
        let sender = ours.sender(id).to_string();
        assert_eq!(sender, format!("bounces+{token}@district.example"));
        assert!(sender.len() <= 64 + 1 + "district.example".len());
    }

    #[test]
    fn finds_its_addresses_in_header_text() {
        let ours = verp(1);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let text = format!(
            "rfc822; Bounces+{}@District.Example, <bounces+{}@district.example> bounces+zzz@district.example",
            ours.token(a).to_ascii_uppercase(),
            ours.token(b)
        );
        assert_eq!(ours.find(&text), [a, b]);
        assert!(ours.find("bounces@district.example").is_empty());
    }
}
