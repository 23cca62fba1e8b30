//! Database URLs: `sqlite://path` (or `sqlite::memory:`) and `postgres://..`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A database URL whose scheme has been checked. A PostgreSQL password never prints.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(PostgresUrl),
}

#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(String);

impl PostgresUrl {
    /// The full URL, password included: only for handing to the driver.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDatabaseUrl {
    #[error("is empty; expected sqlite://<path> or postgres://<user>@<host>/<database>")]
    Empty,
    #[error(
        "{0:?} has an unsupported scheme; expected sqlite://<path> or postgres://<user>@<host>/<database>"
    )]
    UnsupportedScheme(String),
    #[error("{0:?} names no file; expected sqlite://<path>, e.g. sqlite://data/sfbridge.db")]
    MissingPath(String),
    #[error("{0:?} is not a valid PostgreSQL URL: {1}")]
    BadPostgres(String, String),
}

impl FromStr for DatabaseUrl {
    type Err = InvalidDatabaseUrl;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(InvalidDatabaseUrl::Empty);
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            if rest == ":memory:" {
                return Ok(DatabaseUrl::Sqlite(PathBuf::from(":memory:")));
            }
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(InvalidDatabaseUrl::MissingPath(s.to_owned()));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            let parsed = url::Url::parse(s)
                .map_err(|e| InvalidDatabaseUrl::BadPostgres(redact(s), e.to_string()))?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(InvalidDatabaseUrl::BadPostgres(
                    redact(s),
                    "it names no host".into(),
                ));
            }
            return Ok(DatabaseUrl::Postgres(PostgresUrl(s.to_owned())));
        }
        let scheme = s.split_once(':').map(|(scheme, _)| scheme).unwrap_or(s);
        Err(InvalidDatabaseUrl::UnsupportedScheme(scheme.to_owned()))
    }
}

/// The URL with any password replaced, for messages and logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(&url.0)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_choose_the_database() {
        assert_eq!(
            "sqlite://data/sfbridge.db".parse(),
            Ok(DatabaseUrl::Sqlite("data/sfbridge.db".into()))
        );
        assert_eq!(
            "sqlite:///tmp/x.db".parse(),
            Ok(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert_eq!(
            "sqlite::memory:".parse(),
            Ok(DatabaseUrl::Sqlite(":memory:".into()))
        );
        assert!(matches!(
            "postgres://postgres@127.0.0.1:5432/test".parse(),
            Ok(DatabaseUrl::Postgres(_))
        ));
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert_eq!(
            "nope://x".parse::<DatabaseUrl>(),
            Err(InvalidDatabaseUrl::UnsupportedScheme("nope".into()))
        );
        assert_eq!("".parse::<DatabaseUrl>(), Err(InvalidDatabaseUrl::Empty));
        assert!(matches!(
            "sqlite://".parse::<DatabaseUrl>(),
            Err(InvalidDatabaseUrl::MissingPath(_))
        ));
        assert!(matches!(
            "postgres://".parse::<DatabaseUrl>(),
            Err(InvalidDatabaseUrl::BadPostgres(..))
        ));
    }

    #[test]
    fn passwords_never_print() {
        let url: DatabaseUrl = "postgres://app:hunter2@db.internal/sfbridge"
            .parse()
            .unwrap();
        assert!(!url.to_string().contains("hunter2"));
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
