//! Who may call the API. Apps are registered in a workspace's Developer Hub (client id, client
//! secret, redirect URLs, webhook subscriptions); an app installed in a workspace holds access
//! tokens there: its own workspace's from the start, any other's through OAuth. The
//! `Registry` is plain bookkeeping that takes the time as an argument, so code expiry is
//! decided without reading a clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;

use super::webhooks::Hub;

/// An app as the Developer Hub knows it. Webhook subscriptions belong to the app, not to a
/// workspace: it hears from every workspace it is installed in.
pub(crate) struct App {
    pub name: String,
    pub client_id: String,
    /// Signs webhooks (`X-Hub-Signature`) and Canvas Kit requests (`X-Body-Signature`), and
    /// authenticates the app at the token exchange.
    pub client_secret: String,
    redirect_urls: RwLock<Vec<String>>,
    pub hub: Arc<Hub>,
}

impl App {
    pub fn new(
        name: String,
        client_id: String,
        client_secret: String,
        retry_delay: Duration,
    ) -> App {
        let hub = Hub::start(&client_secret, retry_delay);
        App {
            name,
            client_id,
            client_secret,
            redirect_urls: RwLock::new(Vec::new()),
            hub,
        }
    }

    /// The app's redirect URLs; the first is the default when the authorize URL names none.
    pub fn redirect_urls(&self) -> Vec<String> {
        self.redirect_urls.read().clone()
    }

    /// Adds a redirect URL as the Developer Hub does: an absolute `https` URL (plain `http` only
    /// on a loopback host, so local servers can take part). Adding one twice changes nothing.
    pub fn add_redirect_url(&self, url: &str) -> Result<(), String> {
        check_redirect_url(url)?;
        let mut urls = self.redirect_urls.write();
        if !urls.iter().any(|u| u == url) {
            urls.push(url.to_owned());
        }
        Ok(())
    }

    /// Where to send the teammate back: `asked` when it is one of the app's redirect URLs
    /// (compared exactly), else the first one when none was asked.
    pub fn redirect_target(&self, asked: Option<&str>) -> Result<String, String> {
        let urls = self.redirect_urls.read();
        match asked {
            Some(url) if urls.iter().any(|u| u == url) => Ok(url.to_owned()),
            Some(url) => Err(format!(
                "redirect_uri {url:?} is not one of the redirect URLs of the app {:?}",
                self.name
            )),
            None => urls
                .first()
                .cloned()
                .ok_or_else(|| format!("the app {:?} has no redirect URL", self.name)),
        }
    }
}

fn check_redirect_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url)
        .map_err(|e| format!("redirect URL {url:?} is not an absolute URL: {e}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "redirect URL {url:?} must use https (http only on a loopback host)"
        )),
    }
}

/// What an access token stands for: an app installed in a workspace, authorized by a teammate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub workspace_id: String,
    pub client_id: String,
    /// The teammate who authorized the app; `/me` answers with them.
    pub admin_id: u64,
}

struct Token {
    grant: Grant,
    revoked: bool,
    /// Issue order, so an installation's newest token can be told apart.
    seq: u64,
}

struct Code {
    grant: Grant,
    expires_at: Instant,
}

/// Who is calling, as the gate found it from the bearer token (the workspace travels beside it).
#[derive(Clone)]
pub(crate) struct Caller {
    /// The teammate the token acts for.
    pub admin_id: u64,
    pub app: Arc<App>,
}

/// Who decides the next authorization without the page being shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve as this teammate (of whichever workspace has them).
    ApproveAs(u64),
    Deny,
}

/// What a bearer token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Access {
    Granted(Grant),
    /// A token that was valid once; `workspace_id` is where it belonged.
    Revoked {
        workspace_id: String,
    },
    Unknown,
}

/// Why a code was not exchanged for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeRefusal {
    /// Never issued, or already exchanged (codes are single-use).
    Unknown,
    Expired,
    /// Issued to another app.
    OtherClient,
}

impl CodeRefusal {
    pub fn message(self) -> &'static str {
        match self {
            CodeRefusal::Unknown => "Authorization code not found or already used",
            CodeRefusal::Expired => "Authorization code expired",
            CodeRefusal::OtherClient => "Authorization code was issued to another app",
        }
    }
}

/// Every token and code the simulator issued.
#[derive(Default)]
pub(crate) struct Registry {
    tokens: HashMap<String, Token>,
    codes: HashMap<String, Code>,
    next: Option<Decision>,
    seq: u64,
}

impl Registry {
    pub fn add_token(&mut self, token: &str, grant: Grant) {
        self.seq += 1;
        self.tokens.insert(
            token.to_owned(),
            Token {
                grant,
                revoked: false,
                seq: self.seq,
            },
        );
    }

    pub fn access(&self, token: &str) -> Access {
        match self.tokens.get(token) {
            Some(t) if t.revoked => Access::Revoked {
                workspace_id: t.grant.workspace_id.clone(),
            },
            Some(t) => Access::Granted(t.grant.clone()),
            None => Access::Unknown,
        }
    }

    /// The newest live token of an app in a workspace.
    pub fn newest_token(&self, workspace_id: &str, client_id: &str) -> Option<String> {
        self.tokens
            .iter()
            .filter(|(_, t)| {
                !t.revoked && t.grant.workspace_id == workspace_id && t.grant.client_id == client_id
            })
            .max_by_key(|(_, t)| t.seq)
            .map(|(token, _)| token.clone())
    }

    /// Revokes every token of an app in a workspace (the app is uninstalled); how many.
    pub fn revoke_installation(&mut self, workspace_id: &str, client_id: &str) -> usize {
        let mut revoked = 0;
        for t in self.tokens.values_mut().filter(|t| {
            !t.revoked && t.grant.workspace_id == workspace_id && t.grant.client_id == client_id
        }) {
            t.revoked = true;
            revoked += 1;
        }
        revoked
    }

    pub fn issue_code(&mut self, code: &str, grant: Grant, now: Instant, ttl: Duration) {
        self.codes.insert(
            code.to_owned(),
            Code {
                grant,
                expires_at: now + ttl,
            },
        );
    }

    /// Exchanges a code for what it grants. A code is gone after any attempt to use it.
    pub fn redeem(
        &mut self,
        code: &str,
        client_id: &str,
        now: Instant,
    ) -> Result<Grant, CodeRefusal> {
        let found = self.codes.remove(code).ok_or(CodeRefusal::Unknown)?;
        if now >= found.expires_at {
            return Err(CodeRefusal::Expired);
        }
        if found.grant.client_id != client_id {
            return Err(CodeRefusal::OtherClient);
        }
        Ok(found.grant)
    }

    /// Forgets codes past their expiry, so abandoned flows do not pile up.
    pub fn drop_expired_codes(&mut self, now: Instant) {
        self.codes.retain(|_, c| now < c.expires_at);
    }

    pub fn set_next(&mut self, decision: Decision) {
        self.next = Some(decision);
    }

    pub fn take_next(&mut self) -> Option<Decision> {
        self.next.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(ws: &str, client: &str, admin: u64) -> Grant {
        Grant {
            workspace_id: ws.into(),
            client_id: client.into(),
            admin_id: admin,
        }
    }

    #[test]
    fn codes_are_single_use_and_expire() {
        let mut r = Registry::default();
        let t0 = Instant::now();
        let ttl = Duration::from_secs(300);
        r.issue_code("c1", grant("ws1", "app", 7), t0, ttl);
        assert_eq!(r.redeem("c1", "app", t0), Ok(grant("ws1", "app", 7)));
        assert_eq!(r.redeem("c1", "app", t0), Err(CodeRefusal::Unknown));

        r.issue_code("c2", grant("ws1", "app", 7), t0, ttl);
        assert_eq!(
            r.redeem("c2", "app", t0 + ttl),
            Err(CodeRefusal::Expired),
            "a code is dead at its expiry"
        );
        r.issue_code("c3", grant("ws1", "app", 7), t0, ttl);
        assert_eq!(r.redeem("c3", "other", t0), Err(CodeRefusal::OtherClient));
        assert_eq!(r.redeem("c3", "app", t0), Err(CodeRefusal::Unknown));

        r.issue_code("c4", grant("ws1", "app", 7), t0, ttl);
        r.issue_code("c5", grant("ws1", "app", 7), t0 + ttl, ttl);
        r.drop_expired_codes(t0 + ttl);
        assert_eq!(r.redeem("c4", "app", t0), Err(CodeRefusal::Unknown));
        assert!(r.redeem("c5", "app", t0 + ttl).is_ok());
    }

    #[test]
    fn uninstalling_revokes_only_that_installation() {
        let mut r = Registry::default();
        r.add_token("a1", grant("ws1", "app", 1));
        r.add_token("a2", grant("ws1", "app", 2));
        r.add_token("b1", grant("ws2", "app", 3));
        r.add_token("o1", grant("ws1", "other", 1));
        assert_eq!(r.newest_token("ws1", "app").as_deref(), Some("a2"));
        assert_eq!(r.revoke_installation("ws1", "app"), 2);
        assert_eq!(
            r.access("a1"),
            Access::Revoked {
                workspace_id: "ws1".into()
            }
        );
        assert_eq!(r.newest_token("ws1", "app"), None);
        assert_eq!(r.access("b1"), Access::Granted(grant("ws2", "app", 3)));
        assert_eq!(r.access("o1"), Access::Granted(grant("ws1", "other", 1)));
        assert_eq!(r.access("nope"), Access::Unknown);
    }

    #[tokio::test]
    async fn redirect_urls_match_exactly_and_need_https_off_loopback() {
        let app = App::new("a".into(), "c".into(), "s".into(), Duration::from_secs(60));
        assert!(
            app.redirect_target(None)
                .unwrap_err()
                .contains("no redirect URL")
        );
        assert!(app.add_redirect_url("http://example.com/cb").is_err());
        assert!(app.add_redirect_url("/cb").is_err());
        app.add_redirect_url("https://example.com/cb").unwrap();
        app.add_redirect_url("http://127.0.0.1:8080/cb").unwrap();
        app.add_redirect_url("http://localhost/cb").unwrap();
        app.add_redirect_url("https://example.com/cb").unwrap();
        assert_eq!(app.redirect_urls().len(), 3);
        assert_eq!(
            app.redirect_target(None).as_deref(),
            Ok("https://example.com/cb")
        );
        assert_eq!(
            app.redirect_target(Some("http://127.0.0.1:8080/cb"))
                .as_deref(),
            Ok("http://127.0.0.1:8080/cb")
        );
        assert!(
            app.redirect_target(Some("https://example.com/cb/"))
                .is_err()
        );
    }
}
