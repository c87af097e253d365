//! The link a guardian answers through: `{server.public_url}/consent/{token}`.
//!
//! The token is the guardian's id (one guardian of one campaign) and a
//! 128-bit HMAC of it under a key derived from the audit key (as the VERP
//! tokens are, `email::verp`), in lowercase unpadded base32. A forged or
//! altered token is refused before anything is looked up, and every
//! instance sharing a database (hence the audit key) reads the links of
//! all. That the link answers once is the store's business (the guardian's
//! `answered_at`), not the token's: the token never changes.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// The MAC's bytes after the id's 16: a link is public, so the full 128 bits.
const MAC_BYTES: usize = 16;
/// 32 bytes in unpadded base32.
pub const TOKEN_LEN: usize = 52;

pub struct ConsentTokens {
    key: [u8; 32],
}

impl ConsentTokens {
    /// `key` is the audit key's derivation for `"consent"`.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    pub fn token(&self, guardian_id: Uuid) -> String {
        let mut bytes = guardian_id.as_bytes().to_vec();
        bytes.extend_from_slice(&self.mac(guardian_id)[..MAC_BYTES]);
        BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
    }

    /// The guardian a token names, if the token is one of ours.
    pub fn guardian(&self, token: &str) -> Option<Uuid> {
        if token.len() != TOKEN_LEN || !token.is_ascii() {
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

    fn keyed(&self, guardian_id: Uuid) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(b"breachd consent link v1\n");
        mac.update(guardian_id.as_bytes());
        mac
    }

    fn mac(&self, guardian_id: Uuid) -> [u8; 32] {
        self.keyed(guardian_id).finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_guardian_and_only_under_its_key() {
        let id = Uuid::now_v7();
        let ours = ConsentTokens::new([1; 32]);
        let token = ours.token(id);
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(ours.guardian(&token), Some(id));
        // Mail clients and people may change the case of a link.
        assert_eq!(ours.guardian(&token.to_ascii_uppercase()), Some(id));
        // Another key (another district's, or a guess) does not verify.
        assert_eq!(ConsentTokens::new([2; 32]).guardian(&token), None);
    }

    #[test]
    fn an_altered_or_malformed_token_names_no_one() {
        let ours = ConsentTokens::new([7; 32]);
        let id = Uuid::now_v7();
        let token = ours.token(id);
        // Another guardian's id under the first one's MAC.
        let other = ours.token(Uuid::now_v7());
        let spliced = format!("{}{}", &other[..26], &token[26..]);
        assert_eq!(ours.guardian(&spliced), None);
        // A character in the middle of the MAC, not the last one (whose
        // spare bits a decoder may refuse on their own).
        let mut flipped = token.clone().into_bytes();
        flipped[40] = if flipped[40] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            ours.guardian(std::str::from_utf8(&flipped).expect("ascii")),
            None
        );
        let longer = format!("{token}a");
        let accented = "é".repeat(26);
        for bad in [
            "",
            "x",
            &token[..TOKEN_LEN - 1],
            longer.as_str(),
            accented.as_str(),
        ] {
            assert_eq!(ours.guardian(bad), None, "{bad}");
        }
    }
}
