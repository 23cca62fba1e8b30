//! The case form inside Intercom's inbox (Canvas Kit). "Create case" on the card opens it; the
//! record type dropdown and controlling picklists redraw it with what was typed; "File case"
//! files it through [`Cases::file`], so the validation, the owner rule and the one-case-per-form
//! guarantee are the case page's. The form instance travels in the canvas's `stored_data`.

use serde_json::Value;
use shared::case_form::{
    CaseForm, CaseFormView, CaseSubmission, FieldErrors, FieldType, FormInstanceId, FormValues,
};

use super::{CaseError, Cases, Who};
use crate::card::ContactIdentity;
use crate::intercom::canvas::{
    CanvasRequest, CaseCanvas, component_ids, read_values, render_case_filed, render_case_form,
    stored_case,
};

/// Whether the Submit request belongs to the case form.
pub fn handles(request: &CanvasRequest) -> bool {
    request.component_id.as_deref().is_some_and(|c| {
        [
            component_ids::CREATE_CASE,
            component_ids::CASE_RECORD_TYPE,
            component_ids::FILE_CASE,
        ]
        .contains(&c)
            || c.starts_with(component_ids::CASE_FIELD_PREFIX)
    })
}

impl Cases<'_> {
    /// The canvas answering a case form Submit. An error means no form could be drawn at all.
    pub async fn canvas(
        &self,
        installation_id: &str,
        request: &CanvasRequest,
        contact: Option<&ContactIdentity>,
    ) -> Result<Value, CaseError> {
        let conversation_id = request.conversation_id.clone().unwrap_or_default();
        let view = self
            .form(installation_id, &conversation_id, Who::Contact(contact))
            .await?;
        let component = request.component_id.as_deref().unwrap_or_default();
        let (stored_form, stored_record_type) = stored_case(request);
        let instance = match stored_form.map(FormInstanceId::parse) {
            Some(Ok(id)) if component != component_ids::CREATE_CASE => id,
            _ => FormInstanceId::parse(&uuid::Uuid::new_v4().to_string())
                .expect("a UUID is a form instance id"),
        };
        let schema = &view.schema;
        let shown = schema.form_for(stored_record_type);
        let (form, values) = match component {
            component_ids::CREATE_CASE => {
                let form = schema.initial_selection().form();
                (form, self.initial(&view, form))
            }
            component_ids::CASE_RECORD_TYPE => {
                let chosen = request.input(component_ids::CASE_RECORD_TYPE);
                let form = schema.form_for(chosen).or(shown);
                let mut values = self.initial(&view, form);
                // Typed text follows to the other record type's form; choices start over.
                if let (Some(before), Some(after)) = (shown, form) {
                    let typed = read_values(request, before, &self.initial(&view, Some(before)));
                    for (name, value) in typed.iter() {
                        if after
                            .field(name)
                            .is_some_and(|f| keeps_input(&f.field_type))
                        {
                            values.set(name, value);
                        }
                    }
                }
                (form, values)
            }
            _ => {
                let values = shown
                    .map(|form| {
                        let mut values =
                            read_values(request, form, &self.initial(&view, Some(form)));
                        form.drop_disallowed(&mut values);
                        values
                    })
                    .unwrap_or_default();
                (shown, values)
            }
        };
        let draw = |errors: &FieldErrors, notice: Option<&str>| {
            render_case_form(&CaseCanvas {
                conversation_id: &conversation_id,
                form_instance_id: instance.as_str(),
                schema,
                form,
                values: &values,
                errors,
                notice,
            })
        };
        let Some(chosen) = form.filter(|_| component == component_ids::FILE_CASE) else {
            return Ok(draw(&FieldErrors::default(), None));
        };
        let submission = CaseSubmission {
            conversation_id: conversation_id.clone(),
            form_instance_id: instance.clone(),
            record_type_id: chosen.record_type.as_ref().map(|rt| rt.id.clone()),
            values: values.clone(),
        };
        Ok(
            match self
                .file(
                    installation_id,
                    &submission,
                    Who::Contact(contact),
                    &request.admin_id,
                )
                .await
            {
                Ok(filed) => render_case_filed(&filed, &conversation_id),
                Err(CaseError::Invalid(errors) | CaseError::Refused(errors)) => draw(&errors, None),
                Err(error) => draw(&FieldErrors::default(), Some(&error.for_people())),
            },
        )
    }

    fn initial(&self, view: &CaseFormView, form: Option<&CaseForm>) -> FormValues {
        form.map(|f| f.initial_values(&view.conversation))
            .unwrap_or_default()
    }
}

/// Inputs whose text carries over to another record type's form (choices do not).
fn keeps_input(field_type: &FieldType) -> bool {
    !matches!(
        field_type,
        FieldType::Picklist(_) | FieldType::MultiPicklist(_) | FieldType::Lookup(_)
    )
}
