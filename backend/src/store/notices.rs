//! Notices between the processes sharing one database: PostgreSQL's own `NOTIFY` and `LISTEN`.
//! On SQLite (one process) there is nobody to tell, so sending does nothing and listening
//! yields nothing.

use sqlx::postgres::PgListener;

use super::{Db, Store, StoreError};

/// The channel card-cache invalidations travel on.
pub const CARDS_CHANNEL: &str = "sfbridge_cards";

/// PostgreSQL refuses a `NOTIFY` payload of 8,000 bytes or more.
pub const MAX_PAYLOAD: usize = 7_900;

/// What a listening process hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// One payload, as sent.
    Payload(String),
    /// The connection dropped and was made again: notices sent meanwhile are lost.
    Missed,
}

/// A process's subscription to one channel.
pub struct Notices {
    listener: Option<PgListener>,
}

impl Store {
    /// Tells every process listening on `channel` (this one too) `payload`, which must be shorter
    /// than [`MAX_PAYLOAD`].
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        if let Db::Postgres(pool) = &self.pool {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Starts hearing `channel`; on SQLite, a subscription that never hears anything.
    pub async fn listen(&self, channel: &str) -> Result<Notices, StoreError> {
        let listener = match &self.pool {
            Db::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(channel).await?;
                Some(listener)
            }
            Db::Sqlite(_) => None,
        };
        Ok(Notices { listener })
    }
}

impl Notices {
    /// The next notice; waits forever on SQLite. A database that cannot be reached is an
    /// error; the next call connects again (and says [`Notice::Missed`] first).
    pub async fn next(&mut self) -> Result<Notice, StoreError> {
        match &mut self.listener {
            None => std::future::pending().await,
            Some(listener) => Ok(match listener.try_recv().await? {
                Some(notification) => Notice::Payload(notification.payload().to_owned()),
                None => Notice::Missed,
            }),
        }
    }
}
