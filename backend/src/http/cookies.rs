//! The cookies this server sets: the session (`HttpOnly`, `SameSite=Lax`, `Secure` under
//! https) and the one binding an OAuth flow to the browser that started it.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::rules::{FLOW_LIFETIME_MS, SESSION_LIFETIME_MS};
use crate::auth::{FLOW_COOKIE, SESSION_COOKIE};

/// The value of the cookie `name` in the request, if sent.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn set(name: &str, value: String, path: &str, max_age_ms: i64, secure: bool) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::milliseconds(max_age_ms))
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("cookie values are URL-safe")
}

/// `Set-Cookie` for a new session.
pub fn session(token: &SecretString, secure: bool) -> HeaderValue {
    set(
        SESSION_COOKIE,
        token.expose_secret().to_owned(),
        "/",
        SESSION_LIFETIME_MS,
        secure,
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session(secure: bool) -> HeaderValue {
    set(SESSION_COOKIE, String::new(), "/", 0, secure)
}

/// `Set-Cookie` binding an OAuth flow to this browser; the callback reads it back.
pub fn flow(binding: &SecretString, secure: bool) -> HeaderValue {
    set(
        FLOW_COOKIE,
        binding.expose_secret().to_owned(),
        "/oauth",
        FLOW_LIFETIME_MS,
        secure,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_under_https() {
        let token = SecretString::from("abc");
        let plain = session(&token, false).to_str().unwrap().to_owned();
        assert!(plain.starts_with("sfbridge_session=abc;"), "{plain}");
        assert!(plain.contains("HttpOnly"), "{plain}");
        assert!(plain.contains("SameSite=Lax"), "{plain}");
        assert!(plain.contains("Path=/"), "{plain}");
        assert!(!plain.contains("Secure"), "{plain}");
        assert!(session(&token, true).to_str().unwrap().contains("Secure"));
        assert!(clear_session(false).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn reads_one_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sfbridge_session=tok; b=2"),
        );
        assert_eq!(read(&headers, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(read(&headers, FLOW_COOKIE), None);
    }
}
