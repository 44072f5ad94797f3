//! The pages as HTTP sees them: who may frame them, what the embed page advertises, oEmbed,
//! the widget script and the static files. (What they draw is checked in Chromium, web/tests.)

mod common;

use common::TestApp;

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn only_the_embed_page_may_be_framed_by_other_sites() {
    let app = TestApp::spawn().await;
    let (status, h, body) = app.get_bytes("/", &[]).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&h, "x-frame-options"), Some("DENY"));
    assert!(header(&h, "content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<html lang=\"fr\">") && html.contains("/vendor/maplibre-gl/maplibre-gl-csp.js"));

    let (status, h, body) = app.get_bytes("/embed?commune=62548", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "x-frame-options"), None);
    assert!(header(&h, "content-security-policy").unwrap().contains("frame-ancestors *"));
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("Initiatives numériques à Marck et autour"));
    let expected = format!(
        "href=\"{}/oembed?format=json&amp;url={}\"",
        app.base,
        serde_urlencoded::to_string([("u", format!("{}/embed?commune=62548", app.base))]).unwrap().trim_start_matches("u=")
    );
    assert!(html.contains(&expected), "oEmbed discovery link {expected} in {html}");
}

#[tokio::test]
async fn a_bad_embed_link_is_a_french_400_page() {
    let app = TestApp::spawn_with(None).await;
    for query in
        ["", "?commune=99999", "?commune=62548&view=globe", "?commune=62548&radius_m=-5", "?commune=62548&theme=9", "?commune=62548&zoom=3"]
    {
        let (status, h, body) = app.get_bytes(&format!("/embed{query}"), &[]).await;
        assert_eq!(status, 400, "{query}");
        assert!(header(&h, "content-type").unwrap().starts_with("text/html"));
        assert!(String::from_utf8(body).unwrap().contains("Ce lien de widget n&#39;est pas valide"), "{query}");
    }
}

#[tokio::test]
async fn oembed_describes_embed_links_of_this_server_only() {
    let app = TestApp::spawn_with(None).await;
    let url = format!("{}/embed?commune=62548&view=list", app.base);
    let q = serde_urlencoded::to_string([("url", url.as_str()), ("maxwidth", "400")]).unwrap();
    let o = app.ok(&format!("/oembed?{q}")).await;
    assert_eq!((o["version"].as_str(), o["type"].as_str()), (Some("1.0"), Some("rich")));
    assert_eq!(o["width"], 400);
    assert!(o["height"].is_u64());
    assert!(o["html"].as_str().unwrap().starts_with("<iframe src=\"http://127.0.0.1:"));
    assert!(o["html"].as_str().unwrap().contains("commune=62548&amp;view=list"));

    for (other, status) in [
        ("https://evil.example/embed?commune=62548".to_owned(), 404),
        (format!("{}/embed?commune=00000", app.base), 404),
        (format!("{}/api/nearby?commune=62548", app.base), 404),
    ] {
        let q = serde_urlencoded::to_string([("url", other.as_str())]).unwrap();
        let (s, body) = app.get(&format!("/oembed?{q}")).await;
        assert_eq!(s, status, "{other}: {body}");
    }
    let q = serde_urlencoded::to_string([("url", url.as_str()), ("format", "xml")]).unwrap();
    assert_eq!(app.get(&format!("/oembed?{q}")).await.0, 501);
    assert_eq!(app.get("/oembed").await.0, 400);
}

#[tokio::test]
async fn the_widget_and_static_files_are_served_with_their_types() {
    let app = TestApp::spawn_with(None).await;
    let (status, h, body) = app.get_bytes("/widget.js", &[]).await;
    assert_eq!(status, 200);
    assert!(header(&h, "content-type").unwrap().starts_with("text/javascript"));
    assert!(body.len() < 4096, "the widget stays small ({} bytes)", body.len());
    let script = String::from_utf8(body).unwrap();
    assert!(script.contains("event.origin !== origin"), "the widget checks message origins");
    for (path, kind) in [
        ("/static/app.js", "text/javascript"),
        ("/static/atlaas.css", "text/css"),
        ("/vendor/maplibre-gl/maplibre-gl-csp.js", "text/javascript"),
        ("/vendor/maplibre-gl/maplibre-gl.css", "text/css"),
    ] {
        let (status, h, _) = app.get_bytes(path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(header(&h, "content-type").unwrap().starts_with(kind), "{path}");
    }
    for path in ["/static/..%2F..%2FCargo.toml", "/static/.hidden.js", "/static/missing.js", "/vendor/maplibre-gl/package.json.txt"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).unwrap();
    out
}

/// MapLibre's script is most of a first visit: it goes out in brotli or gzip as asked, the same
/// bytes as the file once decoded, and a client that has it gets a 304 in any encoding.
#[tokio::test]
async fn static_files_are_compressed_as_asked_and_validated_by_etag() {
    let app = TestApp::spawn_with(None).await;
    let path = "/vendor/maplibre-gl/maplibre-gl.js";
    let file = std::fs::read(atlaas::app::start::default_web_dir().join("node_modules/maplibre-gl/dist/maplibre-gl.js")).unwrap();
    let (status, plain_h, plain) = app.get_bytes(path, &[]).await;
    assert_eq!((status, header(&plain_h, "content-encoding")), (200, None));
    assert_eq!(plain, file);
    let (_, br_h, br) = app.get_bytes(path, &[("accept-encoding", "gzip, deflate, br, zstd")]).await;
    assert_eq!(header(&br_h, "content-encoding"), Some("br"));
    assert_eq!(unbrotli(&br), file);
    let (_, gz_h, gz) = app.get_bytes(path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&gz_h, "content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&gz), file);
    assert!(br.len() < gz.len() && gz.len() * 3 < file.len(), "br {} gzip {} file {}", br.len(), gz.len(), file.len());
    for h in [&plain_h, &br_h, &gz_h] {
        assert_eq!(header(h, "vary"), Some("Accept-Encoding"));
    }
    let etags: Vec<&str> = [&plain_h, &br_h, &gz_h].iter().map(|h| header(h, "etag").expect("an ETag")).collect();
    assert!(etags[0] != etags[1] && etags[1] != etags[2], "each encoding its own ETag: {etags:?}");
    for etag in &etags {
        let (status, h, body) = app.get_bytes(path, &[("accept-encoding", "br"), ("if-none-match", etag)]).await;
        assert_eq!((status, body.len()), (304, 0), "{etag}");
        assert_eq!(header(&h, "etag"), Some(etags[1]));
    }
    let (status, _, _) = app.get_bytes(path, &[("if-none-match", "\"0000000000000000\"")]).await;
    assert_eq!(status, 200, "another ETag gets the file");
}

/// JSON answers are compressed on the fly when the client asks, and only then.
#[tokio::test]
async fn json_answers_are_compressed_when_asked() {
    let app = TestApp::spawn().await;
    let (_, plain_h, plain) = app.get_bytes("/api/initiatives?limit=50", &[]).await;
    assert_eq!(header(&plain_h, "content-encoding"), None);
    let (status, h, gz) = app.get_bytes("/api/initiatives?limit=50", &[("accept-encoding", "gzip")]).await;
    assert_eq!((status, header(&h, "content-encoding")), (200, Some("gzip")));
    assert!(gz.len() * 3 < plain.len(), "gzip {} of {}", gz.len(), plain.len());
    let (_, h, br) = app.get_bytes("/api/initiatives?limit=50", &[("accept-encoding", "br")]).await;
    assert_eq!(header(&h, "content-encoding"), Some("br"));
    let parsed = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
    assert_eq!(parsed(&gunzip(&gz)), parsed(&plain));
    assert_eq!(parsed(&unbrotli(&br)), parsed(&plain));
}
