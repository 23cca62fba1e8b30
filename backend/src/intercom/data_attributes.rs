//! Data attributes: the workspace's person and company attributes, as the sync rules read them.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use shared::sync::{IntercomAttribute, IntercomDataType, IntercomModel};

use super::{Client, IntercomError};

/// `GET /data_attributes`: `{"type":"list","data":[..]}`.
#[derive(Deserialize)]
struct AttributeList {
    data: Vec<Attribute>,
}

#[derive(Deserialize)]
struct Attribute {
    name: String,
    full_name: Option<String>,
    label: Option<String>,
    data_type: String,
    #[serde(default)]
    api_writable: bool,
    #[serde(default)]
    custom: bool,
    #[serde(default)]
    archived: bool,
}

fn model_name(model: IntercomModel) -> &'static str {
    match model {
        IntercomModel::Person => "contact",
        IntercomModel::Company => "company",
    }
}

fn data_type(name: &str) -> Option<IntercomDataType> {
    match name {
        "string" => Some(IntercomDataType::String),
        "integer" => Some(IntercomDataType::Integer),
        "float" => Some(IntercomDataType::Float),
        "boolean" => Some(IntercomDataType::Boolean),
        "date" | "datetime" => Some(IntercomDataType::Date),
        _ => None,
    }
}

impl Attribute {
    /// `None` for archived attributes and types the sync does not know (lists, objects).
    fn into_attribute(self, model: IntercomModel) -> Option<IntercomAttribute> {
        if self.archived {
            return None;
        }
        let data_type = data_type(&self.data_type)?;
        let name = self.full_name.unwrap_or_else(|| {
            if self.custom {
                format!("custom_attributes.{}", self.name)
            } else {
                self.name.clone()
            }
        });
        Some(IntercomAttribute {
            model,
            label: self.label.unwrap_or_else(|| name.clone()),
            name,
            data_type,
            api_writable: self.api_writable,
            custom: self.custom,
        })
    }
}

impl Client {
    /// `GET /data_attributes?model=contact|company`: the model's live attributes.
    pub async fn data_attributes(
        &self,
        model: IntercomModel,
    ) -> Result<Vec<IntercomAttribute>, IntercomError> {
        let list: AttributeList = self
            .get_json(
                &["data_attributes"],
                &[("model", model_name(model).to_owned())],
            )
            .await?;
        Ok(list
            .data
            .into_iter()
            .filter_map(|a| a.into_attribute(model))
            .collect())
    }

    /// `POST /data_attributes`: creates a custom attribute (`name` without the
    /// `custom_attributes.` prefix).
    pub async fn create_data_attribute(
        &self,
        model: IntercomModel,
        name: &str,
        data_type: IntercomDataType,
    ) -> Result<IntercomAttribute, IntercomError> {
        let wire_type = match data_type {
            IntercomDataType::String => "string",
            IntercomDataType::Integer => "integer",
            IntercomDataType::Float => "float",
            IntercomDataType::Boolean => "boolean",
            IntercomDataType::Date => "datetime",
        };
        let body = json!({"name": name, "model": model_name(model), "data_type": wire_type});
        let created: Attribute = self
            .send_json(Method::POST, &["data_attributes"], &body)
            .await?;
        created.into_attribute(model).ok_or_else(|| {
            IntercomError::Unexpected(format!("the new attribute {name} came back unusable"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_attributes_get_their_full_name_and_archived_ones_are_left_out() {
        let list: AttributeList = serde_json::from_str(
            r#"{"type":"list","data":[
                {"type":"data_attribute","name":"monthly_spend","full_name":"monthly_spend","label":"Monthly Spend","data_type":"float","api_writable":true,"custom":false,"archived":false,"model":"company"},
                {"type":"data_attribute","name":"plan_tier","label":"plan_tier","data_type":"string","api_writable":true,"custom":true,"archived":false,"model":"company"},
                {"type":"data_attribute","name":"old","full_name":"custom_attributes.old","data_type":"string","api_writable":true,"custom":true,"archived":true,"model":"company"},
                {"type":"data_attribute","name":"tags","full_name":"tags","data_type":"list","api_writable":false,"custom":false,"archived":false,"model":"company"}
            ]}"#,
        )
        .unwrap();
        let attrs: Vec<IntercomAttribute> = list
            .data
            .into_iter()
            .filter_map(|a| a.into_attribute(IntercomModel::Company))
            .collect();
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].data_type, IntercomDataType::Float);
        assert_eq!(attrs[1].name, "custom_attributes.plan_tier");
        assert!(attrs[1].custom);
    }
}
