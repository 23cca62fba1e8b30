//! The two demo worlds describe the same customers: identity mapping, owners and company sync
//! have something to match, something that matches nothing, and a person matching two records.
//! Checked through each service's public API, as sfbridge will see them.

use std::collections::HashSet;

use serde_json::Value;
use sim::intercom::IntercomSim;
use sim::salesforce::SalesforceSim;

struct Worlds {
    salesforce: SalesforceSim,
    intercom: IntercomSim,
    http: reqwest::Client,
}

impl Worlds {
    async fn soql(&self, query: &str) -> Vec<Value> {
        let answer: Value = self
            .http
            .get(format!(
                "{}/services/data/v62.0/query",
                self.salesforce.url()
            ))
            .query(&[("q", query)])
            .bearer_auth(self.salesforce.access_token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["records"].as_array().cloned().unwrap_or_default()
    }

    async fn intercom(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.intercom.url()))
            .bearer_auth(self.intercom.access_token())
            .header("Intercom-Version", "2.11")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[tokio::test]
async fn the_demo_workspace_and_org_describe_the_same_customers() {
    let worlds = Worlds {
        salesforce: SalesforceSim::start(Default::default()).await.unwrap(),
        intercom: IntercomSim::start(Default::default()).await.unwrap(),
        http: reqwest::Client::new(),
    };

    // Every teammate is an active Salesforce user with the same email and name.
    let admins = worlds.intercom("/admins").await;
    for admin in admins["admins"].as_array().unwrap() {
        let email = admin["email"].as_str().unwrap();
        let users = worlds
            .soql(&format!(
                "SELECT Name, IsActive FROM User WHERE Email = {}",
                quoted(email)
            ))
            .await;
        assert_eq!(users.len(), 1, "teammate {email}");
        assert_eq!(users[0]["Name"], admin["name"], "teammate {email}");
        assert_eq!(users[0]["IsActive"], true);
    }

    let contacts = worlds.intercom("/contacts?per_page=150").await;
    let (mut by_id, mut by_email_only, mut nothing, mut two) = (0, 0, 0, 0);
    for person in contacts["data"].as_array().unwrap() {
        let email = person["email"].as_str().unwrap();
        let by_email = worlds
            .soql(&format!(
                "SELECT Id FROM Contact WHERE Email = {}",
                quoted(email)
            ))
            .await
            .len()
            + worlds
                .soql(&format!(
                    "SELECT Id FROM Lead WHERE Email = {} AND IsConverted = false",
                    quoted(email)
                ))
                .await
                .len();
        match person["external_id"].as_str() {
            Some(external_id) if external_id.starts_with("u-") => {
                let matched = worlds
                    .soql(&format!(
                        "SELECT Email FROM Contact WHERE Intercom_Contact_Id__c = {}",
                        quoted(external_id)
                    ))
                    .await;
                assert_eq!(matched.len(), 1, "{external_id}");
                assert_eq!(matched[0]["Email"], person["email"], "{external_id}");
                by_id += 1;
            }
            _ if by_email == 0 => nothing += 1,
            _ => by_email_only += 1,
        }
        if by_email == 2 {
            two += 1;
        }
    }
    assert_eq!(by_id, 12, "users matched by external id");
    assert!(
        by_email_only >= 3,
        "leads matched by email: {by_email_only}"
    );
    assert!(nothing >= 3, "people matching nothing: {nothing}");
    assert_eq!(two, 1, "exactly one person matches two records");

    // Companies carry account numbers, apart from the ones meant to match nothing.
    let accounts: HashSet<String> = worlds
        .soql("SELECT AccountNumber FROM Account")
        .await
        .iter()
        .filter_map(|a| a["AccountNumber"].as_str().map(str::to_owned))
        .collect();
    let companies = worlds.intercom("/companies/scroll").await;
    let ids: Vec<&str> = companies["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["company_id"].as_str().unwrap())
        .collect();
    let matching = ids.iter().filter(|id| accounts.contains(**id)).count();
    assert!(matching >= 9, "companies matching accounts: {ids:?}");
    assert!(matching < ids.len(), "some company matches no account");

    worlds.salesforce.shutdown().await;
    worlds.intercom.shutdown().await;
}
