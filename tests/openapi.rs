//! The OpenAPI document (`/openapi.json`) against the router it describes: every documented
//! operation is served, every route is registered through its documentation, every
//! documented query parameter is one its route takes, and every reference resolves. The
//! document itself is validated against the OpenAPI 3.1 schema in the web tests.

mod common;

use std::collections::BTreeSet;

use common::TestApp;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The (method, path) of every operation of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = vec![];
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method.to_owned(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// A value for a path parameter that reaches the handler.
fn sample(name: &str, path: &str, sheet: i64) -> String {
    match name {
        "id" if path.starts_with("/api/imports") => "an-import".into(),
        "id" if path.starts_with("/ogc") => sheet.to_string(),
        "id" => sheet.to_string(),
        "insee" | "code" => "62193".into(),
        // The three collections' items have paths of their own; this one is for the others.
        "collection" if path == "/ogc/collections/{collection}/items" => "nowhere".into(),
        "collection" => "initiatives".into(),
        "z" | "x" => "0".into(),
        "y" => "0.mvt".into(),
        "year" => "2024".into(),
        "fontstack" => "DejaVu Sans Book".into(),
        "range" => "0-255.pbf".into(),
        "file" => "maplibre-gl.js".into(),
        other => panic!("no sample value for the path parameter {other} of {path}"),
    }
}

fn fill(path: &str, sheet: i64) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("a closed parameter") + open;
        out.push_str(&rest[..open]);
        out.push_str(&sample(&rest[open + 1..close], path, sheet));
        rest = &rest[close + 1..];
    }
    out + rest
}

async fn call(app: &TestApp, method: &str, url: &str) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
    let res = app.client.request(method, format!("{}{url}", app.base)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn every_documented_operation_is_served_and_every_reference_resolves() {
    let app = TestApp::spawn().await;
    let doc = app.ok("/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let sheet = app.ok("/api/initiatives?limit=1").await["features"][0]["id"].as_i64().unwrap();
    let ops = operations(&doc);
    assert!(ops.len() > 50, "{} operations", ops.len());
    // Client generators name their functions after operation ids: one each, never twice.
    let ids: BTreeSet<&str> = ops.iter().map(|(_, _, op)| op["operationId"].as_str().expect("an operationId")).collect();
    assert_eq!(ids.len(), ops.len(), "operation ids are unique");
    for (method, path, op) in &ops {
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} documents no answer");
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path} has no summary");
        let (status, body) = call(&app, method, &fill(path, sheet)).await;
        assert!(!body.contains("no such endpoint"), "{method} {path} is documented but not served: {status} {body}");
        assert_ne!(status, 405, "{method} {path} is documented but the route takes another method: {body}");
        assert!(op["responses"].get(status.to_string()).is_some() || status == 304, "{method} {path} answered {status}, not documented");
    }
    // Every `$ref` names a schema the document holds.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(schemas.contains_key(name), "$ref to a missing schema {name}");
    }
    // GIS clients find the document from the OGC landing page, as OGC API – Features asks.
    let landing = app.ok("/ogc?f=json").await;
    let desc = landing["links"].as_array().unwrap().iter().find(|l| l["rel"] == "service-desc").expect("a service-desc link");
    assert_eq!(desc["href"], format!("{}/openapi.json", app.base));
    for scheme in ["token", "session"] {
        assert!(doc["components"]["securitySchemes"].get(scheme).is_some(), "security scheme {scheme}");
    }
}

/// The source files of the HTTP layer, with their text.
fn http_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut files = vec![];
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path, text));
            }
        }
    }
    files
}

/// The document names a schema after its Rust type: two types of one name would share one
/// schema, and one of them would be described wrongly without any error. Names are unique.
#[test]
fn schema_types_have_distinct_names() {
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut clashes = vec![];
    let mut found = 0;
    for (path, text) in http_sources() {
        let mut pending = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("#[derive(") && line.contains("ToSchema") {
                pending = true;
                continue;
            }
            let declared = line.trim_start_matches("pub(crate) ").trim_start_matches("pub ");
            let Some(rest) = declared.strip_prefix("struct ").or_else(|| declared.strip_prefix("enum ")) else { continue };
            if !std::mem::take(&mut pending) {
                continue;
            }
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found += 1;
            let at = format!("{}:{}", path.display(), n + 1);
            if let Some(first) = seen.insert(name.clone(), at.clone()) {
                clashes.push(format!("{name}: {first} and {at}"));
            }
        }
    }
    assert!(found > 50, "the scan sees the schema types ({found})");
    assert!(clashes.is_empty(), "schema types sharing a name: {clashes:#?}");
}

/// Routes are registered only through `utoipa_axum::routes!`, which takes each path and
/// method from the handler's documentation: no other way of adding a route may appear.
#[tokio::test]
async fn every_route_is_registered_through_its_documentation() {
    let mut annotated = 0;
    let mut stray = vec![];
    for (path, text) in http_sources() {
        // Tests build their own small routers; they are not the service's.
        let code = text.split("#[cfg(test)]").next().unwrap();
        annotated += code.matches("#[utoipa::path(").count();
        for (n, line) in code.lines().enumerate() {
            if [".route(", ".route_service(", ".nest(", ".nest_service("].iter().any(|call| line.contains(call)) {
                stray.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(stray.is_empty(), "routes added without their documentation: {stray:#?}");
    let app = TestApp::spawn().await;
    let doc = app.ok("/openapi.json").await;
    assert_eq!(operations(&doc).len(), annotated, "each documented handler is one operation of the document");
}

/// The query parameters a route documents are the ones it takes: each documented one is
/// accepted, and each one the route says it accepts is documented.
#[tokio::test]
async fn documented_query_parameters_are_the_ones_routes_take() {
    let app = TestApp::spawn().await;
    let doc = app.ok("/openapi.json").await;
    let sheet = app.ok("/api/initiatives?limit=1").await["features"][0]["id"].as_i64().unwrap();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        if method != "get" {
            continue;
        }
        let documented: BTreeSet<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        let url = fill(&path, sheet);
        for name in &documented {
            let (_, body) = call(&app, "get", &format!("{url}?{name}=1")).await;
            assert!(!body.contains(&format!("unknown parameter `{name}`")), "GET {path} documents {name} but refuses it: {body}");
        }
        let (_, body) = call(&app, "get", &format!("{url}?no_such_parameter=1")).await;
        if let Some(list) = body.split("this endpoint accepts: ").nth(1) {
            let list = list.split('"').next().unwrap();
            for name in list.split(", ").filter(|n| !n.is_empty()) {
                assert!(documented.contains(name), "GET {path} takes {name}, which its documentation does not list ({documented:?})");
            }
            checked += 1;
        }
    }
    assert!(checked > 15, "routes that list the parameters they take: {checked}");
}
