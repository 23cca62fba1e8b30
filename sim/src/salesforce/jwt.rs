//! The OAuth JWT bearer flow: an RS256 assertion signed with the connected app's private key,
//! checked against its configured public key (`iss` = consumer key, `sub` = username,
//! `aud` = the login host, `exp` in the future).

use super::soql::FieldValue;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;

use super::api::AppState;

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
}

/// The user id the assertion logs in as, or the `error_description` Salesforce gives.
pub fn verify(shared: &AppState, assertion: Option<&String>) -> Result<String, &'static str> {
    let assertion = assertion.ok_or("invalid assertion")?;
    let pem = shared
        .config
        .jwt_public_key_pem
        .as_deref()
        .ok_or("invalid assertion")?;
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| "invalid assertion")?;
    let mut validation = Validation::new(Algorithm::RS256);
    // The audience is the login host; this org is its own login host, and the real
    // hosts are accepted too so that configs written for production work unchanged.
    validation.set_audience(&[
        shared.base_url.as_str(),
        "https://login.salesforce.com",
        "https://test.salesforce.com",
    ]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let data = decode::<Claims>(assertion, &key, &validation).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => "expired authorization code",
        jsonwebtoken::errors::ErrorKind::InvalidAudience => "audience is invalid",
        _ => "invalid assertion",
    })?;
    if data.claims.iss != shared.app.client_id {
        return Err("invalid_client_id");
    }
    let org = shared.org.read();
    org.find_by("User", "Username", &data.claims.sub)
        .first()
        .filter(|u| u.get("IsActive") == FieldValue::Bool(true))
        .map(|u| u.id().to_owned())
        .ok_or("user hasn't approved this consumer")
}
