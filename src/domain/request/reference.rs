//! The reference a requester is given: short enough to read over the
//! phone, never the database id, and without letters that look alike.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Crockford's base-32 alphabet: no I, L, O or U, so a reference read
/// aloud or copied by hand survives.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// "PR-" and eight characters (40 random bits): collisions are refused by
/// the store's unique index, and a guess finds nothing, since the reference
/// opens no page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reference(String);

impl Reference {
    /// From 40 random bits (the caller draws them: this module reads no
    /// random source).
    pub fn from_bits(bits: u64) -> Self {
        let mut text = String::from("PR-");
        for i in (0..8).rev() {
            let index = ((bits >> (i * 5)) & 0x1f) as usize;
            text.push(char::from(ALPHABET[index]));
            if i == 4 {
                text.push('-');
            }
        }
        Self(text)
    }

    /// A stored reference, as it was written.
    pub fn stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_unambiguous_characters_in_two_groups() {
        let reference = Reference::from_bits(0xff_ffff_ffff);
        assert_eq!(reference.as_str(), "PR-ZZZZ-ZZZZ");
        let reference = Reference::from_bits(0x12_3456_789a);
        assert_eq!(reference.as_str().len(), 12);
        assert!(!reference.as_str()[3..].contains(['I', 'L', 'O', 'U']));
    }
}
