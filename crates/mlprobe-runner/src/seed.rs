//! Seeds derived from text, so that a random draw is named by what it is.

use sha2::{Digest, Sha256};

/// A seed derived from text, stable across platforms and versions.
pub fn derive_seed(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The SHA-256 of `text`, in hexadecimal: the hash of cache keys.
pub fn hex_digest(text: &str) -> String {
    hex_digest_bytes(text.as_bytes())
}

/// The SHA-256 of `bytes`, in hexadecimal.
pub fn hex_digest_bytes(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_digests_are_stable() {
        assert_eq!(derive_seed("a"), derive_seed("a"));
        assert_ne!(derive_seed("a"), derive_seed("b"));
        assert_eq!(
            hex_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
