//! Describe (global, per object, layouts) and the UI API picklist values per record type. Object
//! describes, one record type's layout and its picklist values answer `If-Modified-Since`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::Digest;

use super::api::{AppState, check_version};
use super::error::ApiError;
use super::schema::{Field, MASTER_RECORD_TYPE, Object, RecordTypeDef, schema};
use super::soql::FieldKind;

fn object_flags(obj: &Object, v: &str) -> Map<String, Value> {
    let json = json!({
        "activateable": false,
        "createable": obj.createable,
        "custom": false,
        "customSetting": false,
        "deletable": obj.deletable,
        "deprecatedAndHidden": false,
        "feedEnabled": matches!(obj.name, "Account" | "Contact" | "Lead" | "Opportunity" | "Case"),
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": obj.createable,
        "mergeable": matches!(obj.name, "Account" | "Contact" | "Lead" | "Case"),
        "name": obj.name,
        "queryable": true,
        "replicateable": true,
        "retrieveable": true,
        "searchable": obj.createable,
        "triggerable": obj.createable,
        "undeletable": obj.deletable,
        "updateable": obj.updateable,
        "urls": {
            "sobject": format!("/services/data/v{v}/sobjects/{}", obj.name),
            "describe": format!("/services/data/v{v}/sobjects/{}/describe", obj.name),
            "rowTemplate": format!("/services/data/v{v}/sobjects/{}/{{ID}}", obj.name),
        },
    });
    match json {
        Value::Object(m) => m,
        _ => unreachable!("object literal"),
    }
}

pub async fn global(
    State(shared): State<AppState>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    if not_modified(&shared, &headers) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let sobjects: Vec<Value> = schema()
        .objects
        .iter()
        .map(|o| Value::Object(object_flags(o, &v)))
        .collect();
    Ok(with_last_modified(
        &shared,
        json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}),
    ))
}

pub async fn basic_info(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = super::rest::object(&sobject)?;
    let org = shared.org.read();
    let recent: Vec<Value> = org
        .table(obj.name)
        .iter()
        .rev()
        .filter(|r| !r.is_deleted())
        .take(5)
        .map(|r| {
            let id = r.id();
            let mut m = Map::new();
            m.insert("attributes".into(), json!({"type": obj.name, "url": format!("/services/data/v{v}/sobjects/{}/{id}", obj.name)}));
            m.insert("Id".into(), json!(id));
            if let Some(name) = obj.fields.iter().find(|f| f.name_field) {
                m.insert(name.name.into(), r.value(name.name));
            }
            Value::Object(m)
        })
        .collect();
    Ok(
        axum::Json(json!({"objectDescribe": object_flags(obj, &v), "recentItems": recent}))
            .into_response(),
    )
}

fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `If-Modified-Since` at or after the last metadata change: the cached describe is current.
fn not_modified(shared: &AppState, headers: &HeaderMap) -> bool {
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| chrono::DateTime::parse_from_rfc2822(s).ok())
        .is_some_and(|since| since.with_timezone(&chrono::Utc) >= shared.metadata_modified)
}

fn with_last_modified(shared: &AppState, body: Value) -> Response {
    let mut resp = axum::Json(body).into_response();
    if let Ok(v) = http_date(shared.metadata_modified).parse() {
        resp.headers_mut().insert(header::LAST_MODIFIED, v);
    }
    resp
}

/// Base64 bitmap of controlling-value indexes, as describe's `validFor`.
fn valid_for_bitmap(controller: &Field, valid: &[&str]) -> String {
    let n = controller.picklist.len();
    let mut bytes = vec![0u8; n.div_ceil(8).max(1)];
    for (i, v) in controller.picklist.iter().enumerate() {
        if valid.contains(&v.value) {
            bytes[i / 8] |= 0x80 >> (i % 8);
        }
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn soap_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Id | FieldKind::Reference => "tns:ID",
        FieldKind::Boolean => "xsd:boolean",
        FieldKind::Int => "xsd:int",
        FieldKind::Long => "xsd:long",
        FieldKind::Double | FieldKind::Currency | FieldKind::Percent => "xsd:double",
        FieldKind::Date => "xsd:date",
        FieldKind::DateTime => "xsd:dateTime",
        FieldKind::Time => "xsd:time",
        FieldKind::Address => "urn:address",
        FieldKind::Location => "urn:location",
        _ => "xsd:string",
    }
}

pub fn field_json(obj: &Object, f: &Field) -> Value {
    let controller = f.controller.and_then(|c| obj.field(c));
    let picklist: Vec<Value> = f
        .picklist
        .iter()
        .map(|p| {
            json!({"active": true, "defaultValue": p.default, "label": p.label, "value": p.value,
                   "validFor": controller.map(|c| json!(valid_for_bitmap(c, &p.valid_for))).unwrap_or(Value::Null)})
        })
        .collect();
    let text_like = f.is_text() || matches!(f.kind, FieldKind::Picklist | FieldKind::Multipicklist);
    let length = if text_like || matches!(f.kind, FieldKind::Id | FieldKind::Reference) {
        f.length
    } else {
        0
    };
    let byte_length = if matches!(f.kind, FieldKind::Id | FieldKind::Reference) {
        f.length
    } else {
        length * 3
    };
    let filterable = !(matches!(f.kind, FieldKind::Address | FieldKind::Location)
        || f.kind == FieldKind::Textarea && f.length > 255);
    let head = json!({
        "aggregatable": filterable && f.kind != FieldKind::Boolean,
        "autoNumber": f.auto_number,
        "byteLength": byte_length,
        "calculated": f.formula.is_some(),
        "calculatedFormula": f.formula,
        "cascadeDelete": false,
        "caseSensitive": false,
        "compoundFieldName": f.compound,
        "controllerName": f.controller,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": f.default_value(),
        "defaultValueFormula": null,
        "defaultedOnCreate": f.defaulted_on_create,
        "dependentPicklist": f.controller.is_some(),
        "deprecatedAndHidden": false,
        "digits": if matches!(f.kind, FieldKind::Int) { f.precision } else { 0 },
        "externalId": f.external_id,
        "filterable": filterable,
        "groupable": filterable && !matches!(f.kind, FieldKind::Double | FieldKind::Currency | FieldKind::Percent | FieldKind::DateTime),
        "htmlFormatted": false,
    });
    let rest = json!({
        "idLookup": f.id_lookup,
        "inlineHelpText": null,
        "label": f.label,
        "length": length,
        "name": f.name,
        "nameField": f.name_field,
        "namePointing": f.reference_to.len() > 1,
        "nillable": f.nillable,
        "permissionable": f.nillable && f.createable,
        "picklistValues": picklist,
        "polymorphicForeignKey": f.reference_to.len() > 1,
        "precision": if matches!(f.kind, FieldKind::Double | FieldKind::Currency | FieldKind::Percent) { f.precision } else { 0 },
        "referenceTo": f.reference_to,
        "relationshipName": f.relationship_name,
        "relationshipOrder": null,
        "restrictedPicklist": f.restricted,
        "scale": f.scale,
        "soapType": soap_type(f.kind),
        "sortable": filterable,
        "type": f.type_name(),
        "unique": f.unique,
        "updateable": f.updateable,
        "writeRequiresMasterRead": false,
    });
    let (Value::Object(mut a), Value::Object(b)) = (head, rest) else {
        unreachable!("object literals")
    };
    a.extend(b);
    Value::Object(a)
}

fn record_type_infos(obj: &Object, v: &str) -> Vec<Value> {
    let info = |id: &str, dev: &str, name: &str, master: bool, default: bool| {
        json!({"active": true, "available": true, "defaultRecordTypeMapping": default, "developerName": dev,
               "master": master, "name": name, "recordTypeId": id,
               "urls": {"layout": format!("/services/data/v{v}/sobjects/{}/describe/layouts/{id}", obj.name)}})
    };
    let mut out: Vec<Value> = obj
        .record_types
        .iter()
        .map(|rt| info(rt.id, rt.developer_name, rt.name, false, rt.default))
        .collect();
    out.push(info(
        MASTER_RECORD_TYPE,
        "Master",
        "Master",
        true,
        obj.record_types.is_empty(),
    ));
    out
}

fn child_relationships(obj: &Object) -> Vec<Value> {
    let mut out = Vec::new();
    for other in &schema().objects {
        for f in other
            .fields
            .iter()
            .filter(|f| f.reference_to.contains(&obj.name))
        {
            let rel = obj
                .children
                .iter()
                .find(|c| c.object == other.name && c.field == f.name);
            out.push(json!({
                "cascadeDelete": rel.is_some_and(|r| r.cascade_delete),
                "childSObject": other.name,
                "deprecatedAndHidden": false,
                "field": f.name,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
                "relationshipName": rel.map(|r| r.name),
                "restrictedDelete": false,
            }));
        }
    }
    out
}

pub async fn object(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = super::rest::object(&sobject)?;
    if not_modified(&shared, &headers) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut m = object_flags(obj, &v);
    m.insert(
        "fields".into(),
        Value::Array(obj.fields.iter().map(|f| field_json(obj, f)).collect()),
    );
    m.insert(
        "childRelationships".into(),
        Value::Array(child_relationships(obj)),
    );
    m.insert(
        "recordTypeInfos".into(),
        Value::Array(record_type_infos(obj, &v)),
    );
    m.insert("listviewable".into(), Value::Null);
    m.insert("lookupLayoutable".into(), Value::Null);
    m.insert("searchLayoutable".into(), Value::Null);
    if let Some(Value::Object(urls)) = m.get_mut("urls") {
        let b = &shared.base_url;
        urls.insert("uiDetailTemplate".into(), json!(format!("{b}/{{ID}}")));
        urls.insert("uiEditTemplate".into(), json!(format!("{b}/{{ID}}/e")));
        urls.insert(
            "uiNewRecord".into(),
            json!(format!("{b}/{}/e", obj.key_prefix)),
        );
        urls.insert(
            "layouts".into(),
            json!(format!(
                "/services/data/v{v}/sobjects/{}/describe/layouts",
                obj.name
            )),
        );
    }
    Ok(with_last_modified(&shared, Value::Object(m)))
}

fn master_layout(obj: &Object) -> Vec<(&'static str, Vec<(&'static str, bool)>)> {
    let fields = obj
        .fields
        .iter()
        .filter(|f| f.createable && f.compound.is_none())
        .map(|f| (f.name, f.required()))
        .collect();
    vec![("Information", fields)]
}

fn layout_json(obj: &Object, rt: Option<&RecordTypeDef>) -> Value {
    let sections = rt
        .map(|rt| rt.layout.clone())
        .unwrap_or_else(|| master_layout(obj));
    let mut tab = 0;
    let section_json = |sections: &[(&str, Vec<(&str, bool)>)],
                        tab: &mut u32,
                        edit: bool|
     -> Vec<Value> {
        sections
            .iter()
            .map(|(heading, fields)| {
                let rows: Vec<Value> = fields
                    .iter()
                    .filter_map(|(name, required)| {
                        let f = obj.field(name)?;
                        *tab += 1;
                        Some(json!({
                            "layoutItems": [{
                                "editableForNew": edit && f.createable,
                                "editableForUpdate": edit && f.updateable,
                                "label": f.label,
                                "layoutComponents": [{"details": field_json(obj, f), "displayLines": 1, "tabOrder": *tab, "type": "Field", "value": f.name}],
                                "placeholder": false,
                                "required": *required || f.required(),
                            }],
                            "numItems": 1,
                        }))
                    })
                    .collect();
                json!({"collapsed": false, "columns": 1, "heading": heading, "layoutRows": rows, "rows": rows.len(),
                       "tabOrder": "TopToBottom", "useCollapsibleSection": false, "useHeading": true})
            })
            .collect()
    };
    let edit = section_json(&sections, &mut tab, true);
    let detail = section_json(&sections, &mut tab, false);
    let id_seed = rt.map(|r| r.id).unwrap_or(MASTER_RECORD_TYPE);
    let layout_id = super::ids::make(
        "00h",
        u64::from(sha2::Sha256::digest(format!("{}{id_seed}", obj.name))[0]) + 1,
    );
    json!({
        "buttonLayoutSection": null,
        "detailLayoutSections": detail,
        "editLayoutSections": edit,
        "feedView": null,
        "highlightsPanelLayoutSection": null,
        "id": layout_id,
        "multirowEditLayoutSections": [],
        "offlineLinks": [],
        "quickActionList": {"quickActionListItems": []},
        "relatedContent": null,
        "relatedLists": [],
        "saveOptions": [],
    })
}

fn record_type_for(obj: &Object, rt: &str) -> Result<Option<&'static RecordTypeDef>, ApiError> {
    let obj: &'static Object = super::rest::object(obj.name)?;
    if rt == MASTER_RECORD_TYPE || rt == &MASTER_RECORD_TYPE[..15] {
        return Ok(None);
    }
    obj.record_type(rt)
        .map(Some)
        .ok_or_else(ApiError::not_found)
}

pub async fn layouts(
    State(shared): State<AppState>,
    Path((version, sobject)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let _ = shared;
    let v = check_version(&version)?;
    let obj = super::rest::object(&sobject)?;
    let mut layouts = Vec::new();
    let mut mappings = Vec::new();
    let rts: Vec<Option<&RecordTypeDef>> = if obj.record_types.is_empty() {
        vec![None]
    } else {
        obj.record_types.iter().map(Some).collect()
    };
    for rt in rts {
        let layout = layout_json(obj, rt);
        let id = rt.map(|r| r.id).unwrap_or(MASTER_RECORD_TYPE);
        mappings.push(json!({
            "available": true, "defaultRecordTypeMapping": rt.is_none_or(|r| r.default), "developerName": rt.map(|r| r.developer_name).unwrap_or("Master"),
            "layoutId": layout["id"], "master": rt.is_none(), "name": rt.map(|r| r.name).unwrap_or("Master"), "recordTypeId": id,
            "urls": {"layout": format!("/services/data/v{v}/sobjects/{}/describe/layouts/{id}", obj.name)},
        }));
        layouts.push(layout);
    }
    Ok(axum::Json(json!({"layouts": layouts, "recordTypeMappings": mappings, "recordTypeSelectorRequired": [obj.record_types.len() > 1]}))
        .into_response())
}

pub async fn layout(
    State(shared): State<AppState>,
    Path((version, sobject, rt)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_version(&version)?;
    let obj = super::rest::object(&sobject)?;
    let rt = record_type_for(obj, &rt)?;
    if not_modified(&shared, &headers) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok(with_last_modified(&shared, layout_json(obj, rt)))
}

fn etag(value: &Value) -> String {
    hex::encode(&sha2::Sha256::digest(value.to_string().as_bytes())[..16])
}

fn picklist_json(
    obj: &Object,
    f: &Field,
    rt: Option<&RecordTypeDef>,
    v: &str,
    rt_id: &str,
) -> Value {
    let allowed = rt
        .and_then(|rt| rt.picklists.iter().find(|(name, _)| *name == f.name))
        .map(|(_, vals)| vals);
    let controller = f.controller.and_then(|c| obj.field(c));
    let controller_values: Map<String, Value> = controller
        .map(|c| {
            c.picklist
                .iter()
                .enumerate()
                .map(|(i, p)| (p.value.to_owned(), json!(i)))
                .collect()
        })
        .unwrap_or_default();
    let values: Vec<Value> = f
        .picklist
        .iter()
        .filter(|p| allowed.is_none_or(|a| a.contains(&p.value)))
        .map(|p| {
            let valid_for: Vec<Value> = controller
                .map(|c| {
                    c.picklist
                        .iter()
                        .enumerate()
                        .filter(|(_, cv)| p.valid_for.contains(&cv.value))
                        .map(|(i, _)| json!(i))
                        .collect()
                })
                .unwrap_or_default();
            json!({"attributes": null, "label": p.label, "validFor": valid_for, "value": p.value})
        })
        .collect();
    let default = rt
        .and_then(|rt| {
            rt.defaults
                .iter()
                .find(|(name, _)| *name == f.name)
                .map(|(_, d)| *d)
        })
        .or_else(|| f.default_value())
        .map(|d| json!({"attributes": null, "label": d, "validFor": [], "value": d}))
        .unwrap_or(Value::Null);
    let mut out = json!({
        "controllerValues": controller_values,
        "defaultValue": default,
        "url": format!("/services/data/v{v}/ui-api/object-info/{}/picklist-values/{rt_id}/{}", obj.name, f.name),
        "values": values,
    });
    out["eTag"] = json!(etag(&out));
    out
}

pub async fn picklists(
    State(shared): State<AppState>,
    Path((version, sobject, rt)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let v = check_version(&version)?;
    let obj = super::rest::object(&sobject)?;
    let rt_def = record_type_for(obj, &rt)?;
    if not_modified(&shared, &headers) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let rt_id = rt_def.map(|r| r.id).unwrap_or(MASTER_RECORD_TYPE);
    let fields: Map<String, Value> = obj
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Picklist | FieldKind::Multipicklist))
        .map(|f| (f.name.to_owned(), picklist_json(obj, f, rt_def, &v, rt_id)))
        .collect();
    let mut out = json!({"picklistFieldValues": fields});
    out["eTag"] = json!(etag(&out));
    Ok(with_last_modified(&shared, out))
}

pub async fn picklist(
    State(shared): State<AppState>,
    Path((version, sobject, rt, field)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let _ = shared;
    let v = check_version(&version)?;
    let obj = super::rest::object(&sobject)?;
    let rt_def = record_type_for(obj, &rt)?;
    let rt_id = rt_def.map(|r| r.id).unwrap_or(MASTER_RECORD_TYPE);
    let f = obj
        .field(&field)
        .filter(|f| matches!(f.kind, FieldKind::Picklist | FieldKind::Multipicklist))
        .ok_or_else(ApiError::not_found)?;
    Ok(axum::Json(picklist_json(obj, f, rt_def, &v, rt_id)).into_response())
}
