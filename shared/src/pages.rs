//! Which web pages belong to which bundle of the front end.
//!
//! The inbox card and the case form, which Intercom's inbox opens in its narrow panel, are a
//! small bundle each that mounts its page directly (no router); the other teammate pages (the
//! demo inbox, signing in, the not-found page) are a third; the admin pages (Connections,
//! setup, team, and settings as they come) a fourth that only admins load. The server picks
//! the HTML entry of a page's bundle by this table, and the pages use it to tell a link within
//! their bundle (followed by the router) from a link to another one (a full page load).

/// A front-end bundle: its own wasm, JS glue and HTML entry in `dist/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    /// `/card/:conversation_id`, the inbox card alone.
    Card,
    /// `/case/:conversation_id`, the case form reached from the card.
    Case,
    /// The other pages every teammate may open: the demo inbox, signing in, not found.
    Teammate,
    /// The pages only admins open.
    Admin,
}

/// First path segments of the admin pages. A new admin page adds its segment here (and its
/// route to the admin app); every path neither an admin page nor a card or case page is the
/// teammate bundle's, unknown ones included (its not-found page is a small one).
pub const ADMIN_SECTIONS: &[&str] = &["connections", "setup", "team", "settings"];

/// The admin areas of the header's navigation, shown to admins only: where each leads and
/// its label.
pub const ADMIN_NAV: [(&str, &str); 3] = [
    ("/connections", "Connections"),
    ("/team", "Team"),
    ("/settings/people", "Settings"),
];

impl Bundle {
    /// Every bundle, each once.
    pub const ALL: [Bundle; 4] = [Bundle::Card, Bundle::Case, Bundle::Teammate, Bundle::Admin];

    /// The bundle whose page `path` is (a URL path, query and fragment excluded). The home
    /// page is the admin bundle's: it leads admins to Connections, teammates to the inbox.
    pub fn of(path: &str) -> Bundle {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        match first {
            "card" => Bundle::Card,
            "case" => Bundle::Case,
            "" => Bundle::Admin,
            _ if ADMIN_SECTIONS.contains(&first) => Bundle::Admin,
            _ => Bundle::Teammate,
        }
    }

    /// The stem of the bundle's files: `dist/pkg/<name>.js`, `dist/pkg/<name>_bg.wasm`,
    /// `dist/boot/<name>.js`.
    pub fn name(self) -> &'static str {
        match self {
            Bundle::Card => "card",
            Bundle::Case => "case",
            Bundle::Teammate => "teammate",
            Bundle::Admin => "admin",
        }
    }

    /// The HTML entry the server answers the bundle's pages with.
    pub fn entry(self) -> &'static str {
        match self {
            Bundle::Card => "card.html",
            Bundle::Case => "case.html",
            Bundle::Teammate => "index.html",
            Bundle::Admin => "admin.html",
        }
    }

    /// The id a page of this bundle names after its first segment (`/card/<id>`), decoding
    /// being the caller's; `None` when `path` is not exactly `/<segment>/<id>`.
    pub fn page_id(self, path: &str) -> Option<&str> {
        let rest = path.strip_prefix('/')?.strip_prefix(self.name())?;
        let id = rest.strip_prefix('/')?;
        (!id.is_empty() && !id.contains('/')).then_some(id)
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
            ("/card/215", Bundle::Card),
            ("/card/", Bundle::Card),
            ("/case/215", Bundle::Case),
            ("/cards", Bundle::Teammate),
            ("/inbox", Bundle::Teammate),
            ("/inbox/77", Bundle::Teammate),
            ("/setup", Bundle::Admin),
            ("/setup/webhooks", Bundle::Admin),
            ("/team", Bundle::Admin),
            ("/settings", Bundle::Admin),
            ("/settings/people", Bundle::Admin),
            ("/signin", Bundle::Teammate),
            ("/connectionsx", Bundle::Teammate),
            ("/no/such/page", Bundle::Teammate),
        ] {
            assert_eq!(Bundle::of(path), bundle, "{path}");
        }
        let entries: Vec<_> = Bundle::ALL.iter().map(|b| b.entry()).collect();
        assert_eq!(
            entries,
            ["card.html", "case.html", "index.html", "admin.html"]
        );
    }

    #[test]
    fn a_card_or_case_page_names_one_conversation() {
        assert_eq!(Bundle::Card.page_id("/card/215"), Some("215"));
        assert_eq!(Bundle::Case.page_id("/case/a%2Fb"), Some("a%2Fb"));
        for path in [
            "/card",
            "/card/",
            "/card/1/2",
            "/cards/1",
            "/case/1",
            "card/1",
        ] {
            assert_eq!(Bundle::Card.page_id(path), None, "{path}");
        }
    }
}
