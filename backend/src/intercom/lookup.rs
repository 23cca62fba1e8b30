//! Finding people and companies by their identity keys, for links made from the Salesforce
//! side: one contact search per batch of keys, one company lookup per `company_id`.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::records::{self, CompanyRecord, PersonRecord};
use super::{Client, IntercomError};

/// The most contacts one search page holds.
const SEARCH_PAGE: usize = 150;
/// Keys per search: a key rarely matches more than a couple of people, so the answer fits a page.
const KEYS_PER_SEARCH: usize = 50;

#[derive(Deserialize)]
struct ItemList {
    #[serde(default)]
    data: Vec<Map<String, Value>>,
}

impl Client {
    /// `POST /contacts/search`: the people whose `field` (`email`, `external_id`) is one of
    /// `values`; one search per `KEYS_PER_SEARCH` values, so each answer fits one page.
    pub async fn people_with(
        &self,
        field: &str,
        values: &[String],
    ) -> Result<Vec<PersonRecord>, IntercomError> {
        let mut people = Vec::new();
        for chunk in values.chunks(KEYS_PER_SEARCH) {
            let body = json!({
                "query": {"field": field, "operator": "IN", "value": chunk},
                "pagination": {"per_page": SEARCH_PAGE},
            });
            let list: ItemList = self
                .send_json(Method::POST, &["contacts", "search"], &body)
                .await?;
            for item in &list.data {
                people.push(records::person(item)?);
            }
        }
        Ok(people)
    }

    /// `GET /companies?company_id=`: the company with this id of the workspace's, if any.
    pub async fn company_with_id(
        &self,
        company_id: &str,
    ) -> Result<Option<CompanyRecord>, IntercomError> {
        match self
            .get_json::<ItemList>(&["companies"], &[("company_id", company_id.to_owned())])
            .await
        {
            Ok(list) => list.data.first().map(records::company).transpose(),
            Err(IntercomError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
