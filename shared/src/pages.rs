//! Which web pages belong to which bundle of the front end.
//!
//! Teammates' pages (the inbox card, cases, the demo inbox, signing in) are one small wasm
//! bundle; the admin pages (Connections, and setup and settings as they come) are a second
//! one that only admins load. The server picks the HTML entry of a page's bundle by this
//! table, and the pages use it to tell a link within their bundle (followed by the router)
//! from a link to the other one (a full page load).

/// A front-end bundle: its own wasm, JS glue and HTML entry in `dist/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    /// The pages every teammate opens, kept under the teammate budget.
    Teammate,
    /// The pages only admins open.
    Admin,
}

/// First path segments of the admin pages. A new admin page adds its segment here (and its
/// route to the admin app); every other path is the teammate bundle's, unknown ones
/// included (its not-found page is the small one).
pub const ADMIN_SECTIONS: &[&str] = &["connections", "setup", "team"];

impl Bundle {
    /// The bundle whose router owns `path` (a URL path, query and fragment excluded). The
    /// home page is the admin bundle's: it leads admins to Connections, teammates to the inbox.
    pub fn of(path: &str) -> Bundle {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if first.is_empty() || ADMIN_SECTIONS.contains(&first) {
            Bundle::Admin
        } else {
            Bundle::Teammate
        }
    }

    /// The HTML entry the server answers the bundle's pages with.
    pub fn entry(self) -> &'static str {
        match self {
            Bundle::Teammate => "index.html",
            Bundle::Admin => "admin.html",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bundle;

    #[test]
    fn each_page_belongs_to_its_bundle() {
        for (path, bundle) in [
            ("/", Bundle::Admin),
            ("", Bundle::Admin),
            ("/connections", Bundle::Admin),
            ("/connections/", Bundle::Admin),
            ("/card/215", Bundle::Teammate),
            ("/case/215", Bundle::Teammate),
            ("/inbox", Bundle::Teammate),
            ("/inbox/77", Bundle::Teammate),
            ("/setup", Bundle::Admin),
            ("/setup/webhooks", Bundle::Admin),
            ("/team", Bundle::Admin),
            ("/signin", Bundle::Teammate),
            ("/connectionsx", Bundle::Teammate),
            ("/no/such/page", Bundle::Teammate),
        ] {
            assert_eq!(Bundle::of(path), bundle, "{path}");
        }
        assert_eq!(Bundle::Teammate.entry(), "index.html");
        assert_eq!(Bundle::Admin.entry(), "admin.html");
    }
}
