//! Every answer carries the request's id (the caller's when it is a plain token); the JSON logs
//! that carry it too are tested on the server process (`tests/server_process.rs`).

mod common;

use common::TestApp;

async fn id_of(app: &TestApp, path: &str, given: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(id) = given {
        req = req.header("x-request-id", id);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.headers().get("x-request-id").expect("every answer has an id").to_str().unwrap().to_owned())
}

fn is_random_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test]
async fn every_answer_carries_the_request_id() {
    let app = TestApp::spawn_with(None).await;
    for path in ["/health", "/api/initiatives?limit=0", "/nope"] {
        let (status, id) = id_of(&app, path, None).await;
        assert!(is_random_id(&id), "{path} ({status}): {id}");
        assert_eq!(id_of(&app, path, Some("lb-42.a:1")).await.1, "lb-42.a:1", "{path}: a caller's plain id is kept");
        let (_, replaced) = id_of(&app, path, Some("not a token")).await;
        assert!(is_random_id(&replaced), "{path}: a strange id is replaced: {replaced}");
    }
    let (_, a) = id_of(&app, "/health", None).await;
    let (_, b) = id_of(&app, "/health", None).await;
    assert_ne!(a, b, "a new id each time");
}
