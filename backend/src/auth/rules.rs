//! The rules of signing in, as pure decisions: how long each token lives, when a session has
//! expired, which hosts and origins a request may name, which Salesforce hosts tokens may come
//! from, and who may lose the admin role. Unit-tested from data.

use shared::SalesforceEnvironment;

const MINUTE: i64 = 60 * 1000;
const HOUR: i64 = 60 * MINUTE;

/// A session unused this long is over.
pub const SESSION_IDLE_MS: i64 = 12 * HOUR;
/// A session is over this long after it began, however used.
pub const SESSION_LIFETIME_MS: i64 = 7 * 24 * HOUR;
/// A session's last use is written at most this often (every request would be a write).
pub const TOUCH_EVERY_MS: i64 = MINUTE;
/// The setup link printed by `serve`.
pub const SETUP_TOKEN_LIFETIME_MS: i64 = 24 * HOUR;
/// A sign-in link an admin made.
pub const SIGN_IN_LINK_LIFETIME_MS: i64 = 24 * HOUR;
/// A Canvas Kit ticket: the card is redrawn each time a teammate opens a conversation.
pub const TICKET_LIFETIME_MS: i64 = 15 * MINUTE;
/// An OAuth flow (Intercom or Salesforce) must come back within this long.
pub const FLOW_LIFETIME_MS: i64 = 15 * MINUTE;

/// What a stored session is worth at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    /// Good; `touch`: record this use (the last one written is over a minute old).
    Live {
        touch: bool,
    },
    Expired,
}

pub fn check_session(last_seen_at: i64, expires_at: i64, now: i64) -> SessionCheck {
    if now >= expires_at || now - last_seen_at >= SESSION_IDLE_MS {
        SessionCheck::Expired
    } else {
        SessionCheck::Live {
            touch: now - last_seen_at >= TOUCH_EVERY_MS,
        }
    }
}

/// Whether a token that expires at `expires_at` is still good at `now`.
pub fn unexpired(expires_at: i64, now: i64) -> bool {
    now < expires_at
}

/// How the installation's workspace was connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntercomConnection {
    /// A private app's access token, pasted in.
    Token,
    /// The public app's OAuth.
    OAuth,
}

impl IntercomConnection {
    pub fn as_str(self) -> &'static str {
        match self {
            IntercomConnection::Token => "token",
            IntercomConnection::OAuth => "oauth",
        }
    }

    pub fn parse(stored: &str) -> IntercomConnection {
        match stored {
            "oauth" => IntercomConnection::OAuth,
            _ => IntercomConnection::Token,
        }
    }
}

/// Sign-in links are the way in where "Sign in with Intercom" is not: a workspace connected
/// through a private app.
pub fn sign_in_links_allowed(connection: IntercomConnection) -> bool {
    connection == IntercomConnection::Token
}

/// Why an admin may not take the admin role from a teammate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleRefusal {
    #[error("this teammate is not an admin")]
    NotAnAdmin,
    #[error("this is the installation's last admin: make another teammate admin first")]
    LastAdmin,
}

pub fn may_revoke_admin(admins: &[String], teammate_id: &str) -> Result<(), RoleRefusal> {
    if !admins.iter().any(|a| a == teammate_id) {
        Err(RoleRefusal::NotAnAdmin)
    } else if admins.len() <= 1 {
        Err(RoleRefusal::LastAdmin)
    } else {
        Ok(())
    }
}

/// The hosts (`Host` header) and origins (`Origin` header) that name this server: requests
/// naming another are refused (DNS rebinding, cross-site writes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins {
    hosts: Vec<String>,
    origins: Vec<String>,
    /// Cookies carry `Secure`: the public URL is https.
    pub secure: bool,
}

impl Origins {
    /// From the public URL. `loopback_aliases`: the URL was not configured but defaulted from
    /// a loopback address, so `localhost` and the other loopback names of the port count too.
    pub fn new(public_url: &str, loopback_aliases: bool) -> Origins {
        let url = url::Url::parse(public_url).expect("the public URL was checked at start");
        let scheme = url.scheme().to_owned();
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = url.port();
        let with_port = |host: &str| match port {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let mut names = vec![host];
        if loopback_aliases {
            for alias in ["localhost", "127.0.0.1", "[::1]"] {
                if !names.iter().any(|n| n == alias) {
                    names.push(alias.to_owned());
                }
            }
        }
        let hosts: Vec<String> = names.iter().map(|n| with_port(n)).collect();
        let origins = hosts.iter().map(|h| format!("{scheme}://{h}")).collect();
        Origins {
            hosts,
            origins,
            secure: scheme == "https",
        }
    }

    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        host.is_some_and(|h| {
            self.hosts
                .iter()
                .any(|ok| ok.eq_ignore_ascii_case(h.trim()))
        })
    }

    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        origin.is_some_and(|o| {
            self.origins
                .iter()
                .any(|ok| ok.eq_ignore_ascii_case(o.trim().trim_end_matches('/')))
        })
    }
}

/// Salesforce's own domains: tokens and login pages are trusted only there (or on a host the
/// operator allows, like a simulator).
const SALESFORCE_DOMAINS: &[&str] = &[".salesforce.com", ".force.com", ".cloudforce.com"];

/// A Salesforce URL (login host or `instance_url`) checked: `https` on a Salesforce domain, or
/// a host in `allowed` (`host:port` as written in the configuration). The URL's origin.
pub fn salesforce_url(url: &str, allowed: &[String]) -> Result<String, String> {
    let text = url.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let parsed = url::Url::parse(&with_scheme)
        .map_err(|_| format!("{text:?} is not a URL like https://acme.my.salesforce.com"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("{text:?} has no host"))?
        .to_ascii_lowercase();
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("{text:?} carries a user name or password"));
    }
    let authority = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let origin = parsed.origin().ascii_serialization();
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(&authority)) {
        return Ok(origin);
    }
    let salesforce = SALESFORCE_DOMAINS.iter().any(|d| host.ends_with(d));
    if parsed.scheme() == "https" && parsed.port().is_none() && salesforce {
        Ok(origin)
    } else {
        Err(format!(
            "{host} is not a Salesforce host (https on *.salesforce.com, *.force.com or a My \
             Domain) nor one this server allows (salesforce_allowed_hosts)"
        ))
    }
}

/// Sandboxes log in at test.salesforce.com or a `*.sandbox.my.salesforce.com` My Domain.
pub fn environment_of_my_domain(origin: &str) -> SalesforceEnvironment {
    if origin.contains(".sandbox.my.salesforce.com") || origin.contains("://test.salesforce.com") {
        SalesforceEnvironment::Sandbox
    } else {
        SalesforceEnvironment::Production
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_old() {
        let start = 1_000_000;
        let end = start + SESSION_LIFETIME_MS;
        assert_eq!(
            check_session(start, end, start),
            SessionCheck::Live { touch: false }
        );
        assert_eq!(
            check_session(start, end, start + TOUCH_EVERY_MS),
            SessionCheck::Live { touch: true }
        );
        assert_eq!(
            check_session(start, end, start + SESSION_IDLE_MS - 1),
            SessionCheck::Live { touch: true }
        );
        assert_eq!(
            check_session(start, end, start + SESSION_IDLE_MS),
            SessionCheck::Expired
        );
        // Used a minute ago, but past its absolute end.
        assert_eq!(check_session(end - MINUTE, end, end), SessionCheck::Expired);
        assert!(unexpired(10, 9));
        assert!(!unexpired(10, 10));
    }

    #[test]
    fn the_last_admin_stays() {
        let admins = vec!["1".to_owned(), "2".to_owned()];
        assert_eq!(may_revoke_admin(&admins, "2"), Ok(()));
        assert_eq!(may_revoke_admin(&admins, "3"), Err(RoleRefusal::NotAnAdmin));
        assert_eq!(
            may_revoke_admin(&admins[..1], "1"),
            Err(RoleRefusal::LastAdmin)
        );
    }

    #[test]
    fn links_are_for_private_apps() {
        assert!(sign_in_links_allowed(IntercomConnection::Token));
        assert!(!sign_in_links_allowed(IntercomConnection::OAuth));
        assert_eq!(
            IntercomConnection::parse("oauth"),
            IntercomConnection::OAuth
        );
        assert_eq!(
            IntercomConnection::parse("token"),
            IntercomConnection::Token
        );
    }

    #[test]
    fn only_the_public_url_names_this_server() {
        let public = Origins::new("https://sfbridge.example.com", false);
        assert!(public.secure);
        assert!(public.host_allowed(Some("sfbridge.example.com")));
        assert!(public.host_allowed(Some("SFBRIDGE.example.com")));
        assert!(!public.host_allowed(Some("sfbridge.example.com:8443")));
        assert!(!public.host_allowed(Some("evil.example")));
        assert!(!public.host_allowed(None));
        assert!(public.origin_allowed(Some("https://sfbridge.example.com")));
        assert!(!public.origin_allowed(Some("http://sfbridge.example.com")));
        assert!(!public.origin_allowed(Some("https://evil.example")));
        assert!(!public.origin_allowed(Some("null")));
        assert!(!public.origin_allowed(None));

        let local = Origins::new("http://127.0.0.1:8080", true);
        assert!(!local.secure);
        assert!(local.host_allowed(Some("localhost:8080")));
        assert!(local.host_allowed(Some("127.0.0.1:8080")));
        assert!(!local.host_allowed(Some("localhost:9090")));
        assert!(!local.host_allowed(Some("rebound.evil.example:8080")));
        assert!(local.origin_allowed(Some("http://localhost:8080")));

        let configured = Origins::new("http://127.0.0.1:8080", false);
        assert!(!configured.host_allowed(Some("localhost:8080")));
    }

    #[test]
    fn salesforce_urls_are_https_on_salesforce_or_allowed() {
        let none: Vec<String> = Vec::new();
        for good in [
            "https://login.salesforce.com",
            "https://test.salesforce.com/",
            "https://acme.my.salesforce.com",
            "acme--uat.sandbox.my.salesforce.com",
            "https://na139.salesforce.com",
            "https://acme.lightning.force.com",
        ] {
            assert!(salesforce_url(good, &none).is_ok(), "{good}");
        }
        assert_eq!(
            salesforce_url("acme.my.salesforce.com/path?x", &none).unwrap(),
            "https://acme.my.salesforce.com"
        );
        for bad in [
            "http://acme.my.salesforce.com",
            "https://salesforce.com.evil.example",
            "https://evilsalesforce.com",
            "https://acme.my.salesforce.com:8443",
            "https://user:pw@acme.my.salesforce.com",
            "http://127.0.0.1:8081",
            "not a url",
        ] {
            assert!(salesforce_url(bad, &none).is_err(), "{bad}");
        }
        let sim = vec!["127.0.0.1:8081".to_owned()];
        assert_eq!(
            salesforce_url("http://127.0.0.1:8081/", &sim).unwrap(),
            "http://127.0.0.1:8081"
        );
        assert!(salesforce_url("http://127.0.0.1:8082", &sim).is_err());
    }

    #[test]
    fn my_domains_of_sandboxes_are_sandboxes() {
        assert_eq!(
            environment_of_my_domain("https://acme--uat.sandbox.my.salesforce.com"),
            SalesforceEnvironment::Sandbox
        );
        assert_eq!(
            environment_of_my_domain("https://acme.my.salesforce.com"),
            SalesforceEnvironment::Production
        );
    }
}
