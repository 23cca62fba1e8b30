//! Teammates: the admin behind the access token (`/me`) and the workspace's admins.

use shared::owner::Teammate;

use super::wire::{AdminList, MeBody};
use super::{Client, IntercomError};

/// The workspace and admin behind an access token (`GET /me`). The token's admin is the
/// teammate who installed the app (the owner rule's last fallback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    /// `app.id_code`.
    pub workspace_id: String,
    /// The admin's id, as teammates are named everywhere else.
    pub admin_id: String,
    /// The admin's name.
    pub admin_name: Option<String>,
    /// The admin's email.
    pub admin_email: Option<String>,
    /// Whether Intercom verified that email (`None`: not said).
    pub email_verified: Option<bool>,
    /// The workspace's name.
    pub app_name: Option<String>,
}

impl Me {
    /// The installing teammate, as the owner rule takes it.
    pub fn teammate(&self) -> Teammate {
        Teammate {
            id: self.admin_id.clone(),
            name: self.admin_name.clone().unwrap_or_default(),
            email: self.admin_email.clone(),
        }
    }
}

impl Client {
    /// `GET /me`: the workspace and the admin behind the token.
    pub async fn me(&self) -> Result<Me, IntercomError> {
        let me: MeBody = self.get_json(&["me"], &[]).await?;
        Ok(Me {
            workspace_id: me.app.id_code,
            admin_id: me.id,
            admin_name: me.name,
            admin_email: me.email,
            email_verified: me.email_verified,
            app_name: me.app.name,
        })
    }

    /// `GET /admins`: every teammate of the workspace.
    pub async fn admins(&self) -> Result<Vec<Teammate>, IntercomError> {
        let list: AdminList = self.get_json(&["admins"], &[]).await?;
        Ok(list
            .admins
            .into_iter()
            .map(|a| Teammate {
                id: a.id,
                name: a.name.unwrap_or_default(),
                email: a.email.filter(|e| !e.trim().is_empty()),
            })
            .collect())
    }
}
