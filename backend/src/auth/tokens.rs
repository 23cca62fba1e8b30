//! Tokens people hold (setup links, session cookies, sign-in links, OAuth flow cookies) and the
//! signed tickets of the Canvas Kit card. A token is 32 random bytes; only its SHA-256 is stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::Cipher;

/// A fresh random token, URL-safe.
pub fn new_token() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored for a token: its SHA-256, hex. The token itself never reaches the database.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// [`hash`] of a token held as a secret.
pub fn hash_secret(token: &SecretString) -> String {
    hash(token.expose_secret())
}

/// What a Canvas Kit ticket says: this teammate of this installation, until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    #[serde(rename = "i")]
    pub installation_id: String,
    #[serde(rename = "a")]
    pub admin_id: String,
    /// Unix milliseconds.
    #[serde(rename = "e")]
    pub expires_at: i64,
}

/// `payload.signature`, both base64url: the payload is the ticket as JSON.
pub fn sign_ticket(cipher: &Cipher, ticket: &Ticket) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(ticket).expect("a ticket serialises"));
    let signature = URL_SAFE_NO_PAD.encode(cipher.sign(payload.as_bytes()));
    format!("{payload}.{signature}")
}

/// The ticket, if `text` carries a valid signature (expiry is the caller's rule to check).
pub fn open_ticket(cipher: &Cipher, text: &str) -> Option<Ticket> {
    let (payload, signature) = text.trim().split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    if !cipher.verify(payload.as_bytes(), &signature) {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SecretKey;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_hashes() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 43);
        let stored = hash_secret(&a);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(a.expose_secret()));
        assert_eq!(stored, hash(a.expose_secret()));
    }

    #[test]
    fn a_ticket_opens_only_with_its_signature_and_key() {
        let cipher = Cipher::new(&SecretKey::generate());
        let ticket = Ticket {
            installation_id: "acme".into(),
            admin_id: "991267401".into(),
            expires_at: 1_700_000_000_000,
        };
        let text = sign_ticket(&cipher, &ticket);
        assert_eq!(open_ticket(&cipher, &text), Some(ticket.clone()));

        let other = Cipher::new(&SecretKey::generate());
        assert_eq!(open_ticket(&other, &text), None);

        // Another teammate's payload under this signature.
        let forged = Ticket {
            admin_id: "1".into(),
            ..ticket
        };
        let (_, signature) = text.split_once('.').unwrap();
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            open_ticket(&cipher, &format!("{payload}.{signature}")),
            None
        );
        assert_eq!(open_ticket(&cipher, "no-dot"), None);
        assert_eq!(open_ticket(&cipher, "a.b"), None);
    }
}
