//! Secrets at rest: tokens and client secrets are sealed with XChaCha20-Poly1305 before they
//! reach the database, and only opened in memory as [`SecretString`]s, which never print.
//!
//! Each ciphertext is bound to its row and column (the associated data), so a sealed value
//! copied into another row or column does not open.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// The 32-byte key that seals secrets. Debug output is redacted.
pub struct SecretKey(SecretBox<[u8; KEY_LEN]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error(
        "is not base64 (expected 32 random bytes, base64-encoded, e.g. from `openssl rand -base64 32`)"
    )]
    NotBase64,
    #[error("decodes to {0} bytes; it must be exactly 32 random bytes, base64-encoded")]
    WrongLength(usize),
}

impl Clone for SecretKey {
    fn clone(&self) -> Self {
        Self(SecretBox::new(Box::new(*self.0.expose_secret())))
    }
}

impl SecretKey {
    pub fn from_base64(encoded: &SecretString) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(encoded.expose_secret().trim())
            .map_err(|_| KeyError::NotBase64)?;
        let key: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongLength(bytes.len()))?;
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    pub fn generate() -> Self {
        let mut key = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        Self(SecretBox::new(Box::new(key)))
    }

    /// The key as base64, for writing the demo's key file.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.0.expose_secret()))
    }
}

/// A sealed secret as stored: nonce followed by the ciphertext and tag.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(pub Vec<u8>);

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a stored secret could not be decrypted: the secret key changed, or the value was altered")]
pub struct OpenError;

/// Seals and opens secrets with one key, and signs short-lived tokens (Canvas Kit tickets)
/// with a key derived from it.
#[derive(Clone)]
pub struct Cipher {
    aead: XChaCha20Poly1305,
    /// HMAC-SHA256 of a fixed label under the secret key: signing never uses the sealing key.
    signing: std::sync::Arc<SecretBox<[u8; KEY_LEN]>>,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher")
    }
}

impl Cipher {
    pub fn new(key: &SecretKey) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.0.expose_secret())
            .expect("HMAC takes a key of any length");
        mac.update(b"sfbridge/signing-key/v1");
        let signing: [u8; KEY_LEN] = mac.finalize().into_bytes().into();
        Self {
            aead: XChaCha20Poly1305::new(key.0.expose_secret().into()),
            signing: std::sync::Arc::new(SecretBox::new(Box::new(signing))),
        }
    }

    /// The HMAC-SHA256 of `message` under the signing key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.signing.expose_secret())
            .expect("HMAC takes a key of any length");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }

    /// Whether `tag` is [`Cipher::sign`] of `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.signing.expose_secret())
            .expect("HMAC takes a key of any length");
        mac.update(message);
        mac.verify_slice(tag).is_ok()
    }

    /// `context` names where the value lives (e.g. `installations/<id>/salesforce_access_token`).
    pub fn seal(&self, secret: &SecretString, context: &str) -> Sealed {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.expose_secret().as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any message that fits in memory");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Sealed(out)
    }

    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<SecretString, OpenError> {
        if sealed.0.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, body) = sealed.0.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_in_their_own_place_with_their_own_key() {
        let cipher = Cipher::new(&SecretKey::generate());
        let token = SecretString::from("00Dx0000000BV7z!AR8AQP0jITN80ESEsj5EbaZTFG0R");
        let sealed = cipher.seal(&token, "installations/a/salesforce_access_token");
        assert!(
            !String::from_utf8_lossy(&sealed.0).contains("AR8AQP0j"),
            "ciphertext must not contain the token"
        );
        let opened = cipher
            .open(&sealed, "installations/a/salesforce_access_token")
            .unwrap();
        assert_eq!(opened.expose_secret(), token.expose_secret());
        assert_eq!(
            cipher
                .open(&sealed, "installations/b/salesforce_access_token")
                .unwrap_err(),
            OpenError
        );
        let other = Cipher::new(&SecretKey::generate());
        assert!(
            other
                .open(&sealed, "installations/a/salesforce_access_token")
                .is_err()
        );
        assert!(cipher.open(&Sealed(vec![1, 2, 3]), "x").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        let key = SecretKey::generate();
        assert!(SecretKey::from_base64(&key.to_base64()).is_ok());
        assert_eq!(
            SecretKey::from_base64(&SecretString::from("!!!")).unwrap_err(),
            KeyError::NotBase64
        );
        assert_eq!(
            SecretKey::from_base64(&SecretString::from(STANDARD.encode([0u8; 16]))).unwrap_err(),
            KeyError::WrongLength(16)
        );
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }
}
