//! Each instance kind serves its own OpenAPI document: every API route it has, nothing
//! it has not, and a description on every response (as OpenAPI 3.1 requires).

use rehabops::config::InstanceKind;

use crate::helpers::TestApp;

async fn check(kind: InstanceKind) -> serde_json::Value {
    let app = TestApp::spawn(kind).await;
    let doc = app.client().get("/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().expect("paths").clone();
    let rules = app.state.policy.rules().to_vec();
    for (path, item) in &paths {
        assert!(
            rules.iter().any(|r| r.path == path),
            "{kind:?} documents {path}, which it does not serve"
        );
        for (method, op) in item.as_object().expect("item") {
            for (status, r) in op["responses"].as_object().expect("responses") {
                let d = r["description"].as_str().unwrap_or_default();
                assert!(
                    !d.trim().is_empty(),
                    "{method} {path} {status}: no description"
                );
            }
        }
    }
    for r in rules.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        if r.path == "/api/v1/openapi.json" {
            continue;
        }
        let method = r.method.as_str().to_lowercase();
        assert!(
            paths.get(r.path).is_some_and(|p| p.get(&method).is_some()),
            "{kind:?}: {method} {} is served but not documented",
            r.path
        );
    }
    doc
}

#[tokio::test]
async fn a_centre_documents_its_own_api() {
    let doc = check(InstanceKind::Centre).await;
    assert!(doc["paths"]["/api/v1/beds"].is_object());
    assert!(doc["paths"].get("/api/v1/summaries").is_none());
}

#[tokio::test]
async fn the_department_documents_its_own_api() {
    let doc = check(InstanceKind::Department).await;
    assert!(doc["paths"]["/api/v1/summaries"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/centre-keys/{code}"]["get"].is_object());
    assert!(doc["paths"].get("/api/v1/beds").is_none());
}

/// What the server answers is in the document: a body missing a field it needs is
/// refused, so the schema says the field is required; every operation can answer 400
/// (unreadable query, path or body), a path naming a record 404, a body 422; and an
/// optional query parameter may be sent empty (a form's empty field means "not set").
#[tokio::test]
async fn the_document_says_what_the_server_answers() {
    let doc = check(InstanceKind::Centre).await;
    let schemas = &doc["components"]["schemas"];
    let required = |name: &str| -> Vec<String> {
        schemas[name]["required"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(required("ResidentForm").contains(&"full_name".to_owned()));
    assert!(required("AdmissionForm").contains(&"admission_type".to_owned()));
    assert!(required("AssignForm").contains(&"bed_id".to_owned()));
    assert!(!required("ResidentForm").contains(&"id_number".to_owned()));
    assert!(schemas["ApiError"]["required"].is_array());
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let responses = &op["responses"];
            assert!(responses["400"].is_object(), "{method} {path}: no 400");
            if path.contains('{') {
                assert!(responses["404"].is_object(), "{method} {path}: no 404");
            }
            if op.get("requestBody").is_some() {
                assert!(responses["422"].is_object(), "{method} {path}: no 422");
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "query" && p["required"] != true {
                    assert_eq!(p["allowEmptyValue"], true, "{method} {path} {}", p["name"]);
                }
            }
        }
    }
}

/// A JSON number written with a zero fraction is the integer JSON Schema says it is.
#[tokio::test]
async fn an_integer_written_as_2253_point_0_is_read() {
    let app = TestApp::spawn(InstanceKind::Centre).await;
    let mut c = app.login_as(rehabops::auth::Role::Director).await;
    let r = c
        .post_json_raw(
            "/api/v1/roll-calls/999999/confirm",
            r#"{"missing_line_ids": [2253.0], "note": ""}"#,
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::NOT_FOUND, "{}", r.body);
}
