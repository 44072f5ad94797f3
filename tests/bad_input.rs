//! Every malformed request is a 4xx with a JSON `{"error", "detail"}` body; never a 500.

mod common;

use common::TestApp;

#[tokio::test]
async fn malformed_parameters_are_clear_400s() {
    let app = TestApp::spawn().await;
    let cases = [
        "/api/initiatives?bbox=1,2,3",
        "/api/initiatives?bbox=a,b,c,d",
        "/api/initiatives?bbox=3,43,1,49",
        "/api/initiatives?bbox=1,49,3,43",
        "/api/initiatives?bbox=-200,43,1,49",
        "/api/initiatives?bbox=1,43,2,95",
        "/api/initiatives?bbox=NaN,43,2,45",
        "/api/initiatives?bbox=inf,43,2,45",
        "/api/initiatives?limit=0",
        "/api/initiatives?limit=1000000000",
        "/api/initiatives?limit=-3",
        "/api/initiatives?limit=ten",
        "/api/initiatives?limit=1001",
        "/api/initiatives?cursor=bm9wZQ",
        "/api/initiatives?cursor=%%%",
        "/api/initiatives?unknown=1",
        "/api/initiatives?theme=9",
        "/api/initiatives?theme=1.a",
        "/api/initiatives?service=nope",
        "/api/initiatives?year=20x9",
        "/api/initiatives?year=2020-2010",
        "/api/initiatives?year=1800",
        "/api/initiatives?arobases=0",
        "/api/initiatives?arobases=6",
        "/api/initiatives?population=big",
        "/api/initiatives?population=5000",
        "/api/initiatives?population=9000-2000",
        "/api/initiatives?population=-1-",
        "/api/initiatives?commune=99999",
        "/api/initiatives?departement=00",
        "/api/initiatives?region=99",
        "/api/initiatives?limit=5&limit=6",
        "/api/initiatives?q=budget&order=random",
        "/api/initiatives?order=relevance",
        "/api/initiatives?q=budget&cursor=YWZ0ZXI6NQ",
        "/api/nearby",
        "/api/nearby?lon=2",
        "/api/nearby?lon=NaN&lat=48",
        "/api/nearby?lon=2&lat=NaN",
        "/api/nearby?lon=2&lat=91",
        "/api/nearby?lon=181&lat=48",
        "/api/nearby?lon=2&lat=48&commune=62548",
        "/api/nearby?lon=2&lat=48&radius_m=0",
        "/api/nearby?lon=2&lat=48&radius_m=-5",
        "/api/nearby?lon=2&lat=48&radius_m=1e12",
        "/api/nearby?lon=2&lat=48&limit=0",
        "/api/nearby?lon=2&lat=48&limit=1000000000",
        "/api/communes",
        "/api/communes?q=",
        "/api/communes?q=marck&limit=0",
        "/api/communes?q=marck&limit=51",
        "/api/communes/abc",
        "/api/communes/6254",
        "/api/communes/62548?geometry=maybe",
        "/api/reverse",
        "/api/reverse?lon=2",
        "/api/reverse?lon=x&lat=48",
        "/api/reverse?lon=48.85&lat=2.35&extra=1",
        "/api/referential?edition=2024",
        "/api/initiatives/1.5",
        "/api/initiatives/1.5/related",
        "/api/initiatives/1/related?limit=0",
        "/api/initiatives/1/related?limit=1000",
        "/api/initiatives/1/related?theme=1",
        "/api/communes/abc/peers",
        "/api/communes/62548/peers?radius_m=0",
        "/api/communes/62548/peers?radius_m=NaN",
        "/api/communes/62548/peers?limit=101",
        "/api/communes/62548/peers?theme=9",
        "/api/communes/62548/peers?q=budget&order=id",
        "/api/authorities/62548/mosaic?year=1800",
        "/api/authorities/62548/mosaic?year=2019-2020",
        "/api/authorities/62548/mosaic?theme=1",
    ];
    for path in cases {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], "bad_request", "{path}");
        assert!(body["detail"].as_str().is_some_and(|d| d.len() > 10), "{path}: {body}");
    }
}

/// What axum refuses before a handler runs answers in the same JSON shape as the rest.
#[tokio::test]
async fn rejections_before_any_handler_are_json_too() {
    let app = TestApp::spawn_with(None).await;
    for (path, status, code) in [
        ("/api/initiatives/%FF", 400, "bad_request"),
        ("/api/initiatives/%FF/related", 400, "bad_request"),
        ("/api/communes/%C3%28", 400, "bad_request"),
        ("/tiles/%FF/0/0.mvt", 400, "bad_request"),
    ] {
        let (got, body) = app.get(path).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{path}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{path}: {body}");
    }
    let token = app.token(atlaas::model::Role::Contributor, Some("62548")).await;
    let post = |content_type: &'static str, body: &'static str| {
        app.client.post(format!("{}/api/initiatives", app.base)).bearer_auth(&token).header("content-type", content_type).body(body).send()
    };
    for (content_type, body, status, code) in
        [("application/json", "{\"title\": ", 400, "bad_request"), ("text/csv", "title\nx", 415, "unsupported_media_type")]
    {
        let res = post(content_type, body).await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{content_type}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let json: serde_json::Value = res.json().await.unwrap();
        assert_eq!(json["error"], code, "{json}");
    }
}

/// Lists of codes are capped: one URL cannot make every place check tens of thousands of codes.
#[tokio::test]
async fn code_lists_past_the_cap_are_400s() {
    let app = TestApp::spawn_with(None).await;
    let many = |code: &str, n: usize| vec![code; n].join(",");
    for (key, code) in [("service", "1.b.2.1"), ("commune", "62548"), ("departement", "62"), ("region", "32")] {
        let (status, body) = app.get(&format!("/api/initiatives?{key}={}", many(code, 201))).await;
        assert_eq!(status, 400, "{key}: {body}");
        assert!(body["detail"].as_str().unwrap().contains("at most 200"), "{body}");
        let (status, body) = app.get(&format!("/api/initiatives?{key}={}", many(code, 200))).await;
        assert_eq!(status, 200, "{key}: {body}");
    }
    let (x, y) = (2048, 1400);
    assert_eq!(app.get_bytes(&format!("/tiles/12/{x}/{y}.mvt?theme={}", many("1", 201)), &[]).await.0, 400);
}

#[tokio::test]
async fn swapped_coordinates_are_named_in_the_message() {
    let app = TestApp::spawn_with(None).await;
    let (status, body) = app.get("/api/reverse?lon=50.95&lat=1.95e2").await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().unwrap().contains("swapped"), "{body}");
}

#[tokio::test]
async fn unknown_things_are_404s() {
    let app = TestApp::spawn_with(None).await;
    let paths = [
        "/api/communes/99999",
        "/api/nearby?commune=99999",
        "/nope",
        "/api/initiatives/0",
        "/api/reverse?lon=0&lat=0",
        "/api/initiatives/0/related",
        "/api/communes/99999/peers",
        "/api/authorities/99999/mosaic",
        "/api/authorities/dep-00/mosaic",
    ];
    for path in paths {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"], "not_found");
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let app = TestApp::spawn_with(None).await;
    // The declared length alone decides: the server must not wait for 10 GB. Spoken over a
    // raw socket, so that the answer read is the server's and not an HTTP client's complaint
    // about a body shorter than its length.
    let token = app.token(atlaas::model::Role::Contributor, Some("62548")).await;
    let length = format!("Content-Length: {}\r\n", 10u64 << 30);
    let (status, body) = raw_post(&app.base, &token, &length, &[b'{'; 1024]).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).expect("a JSON body")["error"], "payload_too_large");
    // Sent in chunks, without a length: refused as it is read, past 1 MiB.
    let mut chunked = Vec::new();
    for _ in 0..40 {
        chunked.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
        chunked.extend_from_slice(&[b' '; 64 * 1024]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, body) = raw_post(&app.base, &token, "Transfer-Encoding: chunked\r\n", &chunked).await;
    assert_eq!(status, 413, "{body}");
    let (status, _) = {
        let res = app.client.delete(format!("{}/api/initiatives", app.base)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(status, 405);
}

/// POSTs `body` to `/api/initiatives` with a contributor's token and the extra header lines,
/// over a plain TCP connection; returns the status and the body of the answer.
async fn raw_post(base: &str, token: &str, headers: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.strip_prefix("http://").unwrap();
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/initiatives HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n{headers}\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before it has everything: a failed write is fine.
    let _ = socket.write_all(body).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), socket.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // A chunked answer: the JSON is between the chunk sizes.
    let body = body.lines().find(|l| l.starts_with('{')).unwrap_or(body).to_owned();
    (status, body)
}
