//! Companies: read one, for the name a person's Lead carries.

use serde_json::{Map, Value};

use super::records::{self, CompanyRecord};
use super::{Client, IntercomError};

impl Client {
    /// `GET /companies/{id}`.
    pub async fn company(&self, id: &str) -> Result<CompanyRecord, IntercomError> {
        let item: Map<String, Value> = self.get_json(&["companies", id], &[]).await?;
        records::company(&item)
    }
}
