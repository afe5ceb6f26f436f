//! Random secrets (session, setup and share-link tokens) and their stored hashes.
//!
//! Only the SHA-256 of a token is stored, so a copy of the database does not grant access.
//! Leaves out password hashing, which is slow on purpose and lives with the login code.

use sha2::{Digest, Sha256};

/// A fresh 256-bit random token, hex encoded (64 characters).
pub fn generate() -> Result<String, crate::StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| crate::StoreError::Backend(Box::new(err)))?;
    Ok(hex::encode(bytes))
}

/// The hash under which a token is stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = super::generate().unwrap();
        let b = super::generate().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(super::hash("abc"), super::hash("abc"));
        assert_eq!(super::hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
