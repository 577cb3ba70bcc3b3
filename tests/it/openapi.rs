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
