//! `--public-url`: every absolute URL the service writes (TileJSON, the style, oEmbed) begins
//! with the address the operator gave, whatever `Host` a request carries; without it, the
//! request's `Host` is followed (a machine of one's own).

mod common;

use atlaas::http::{self, extract::PublicUrl};
use common::TestApp;
use serde_json::Value;

async fn get(base: &str, path: &str, host: &str) -> (u16, Value) {
    let res = reqwest::Client::new().get(format!("{base}{path}")).header("host", host).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn absolute_urls_begin_with_the_public_url_whatever_the_host() {
    let app = TestApp::spawn().await;
    let public = PublicUrl::parse("https://atlaas.example.fr/carte/").unwrap();
    let limits = http::Limits { public_url: Some(public), ..Default::default() };
    let base = app.with_limits(limits).await;
    let forged = "cache-poison.example";

    let (_, tj) = get(&base, "/tiles.json?theme=2", forged).await;
    assert_eq!(tj["tiles"][0], "https://atlaas.example.fr/carte/tiles/{z}/{x}/{y}.mvt?theme=2");
    let (_, style) = get(&base, "/style.json", forged).await;
    assert_eq!(style["sources"]["atlaas"]["url"], "https://atlaas.example.fr/carte/tiles.json");

    let embed = "https://atlaas.example.fr/carte/embed?commune=62548";
    let q = serde_urlencoded::to_string([("url", embed)]).unwrap();
    let (status, o) = get(&base, &format!("/oembed?{q}"), forged).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["provider_url"], "https://atlaas.example.fr/carte/");
    assert!(o["html"].as_str().unwrap().contains(&format!("src=\"{}\"", embed.replace('&', "&amp;"))), "{o}");
    let theirs = serde_urlencoded::to_string([("url", format!("http://{forged}/embed?commune=62548"))]).unwrap();
    assert_eq!(get(&base, &format!("/oembed?{theirs}"), forged).await.0, 404, "an embed URL of another address");

    // Without --public-url, the request's Host.
    let (_, tj) = get(&app.base, "/tiles.json", "atlaas.local:8080").await;
    assert_eq!(tj["tiles"][0], "http://atlaas.local:8080/tiles/{z}/{x}/{y}.mvt");
}

#[test]
fn a_public_url_is_a_plain_http_address() {
    assert_eq!(&*PublicUrl::parse("http://127.0.0.1:8080").unwrap().0, "http://127.0.0.1:8080");
    assert_eq!(&*PublicUrl::parse(" https://atlaas.example.fr/carte/ ").unwrap().0, "https://atlaas.example.fr/carte");
    for bad in [
        "atlaas.example.fr",
        "ftp://atlaas.example.fr",
        "https://atlaas.example.fr/?a=1",
        "https://u:p@atlaas.example.fr",
        "https://x.fr/#f",
        "https://",
    ] {
        let e = PublicUrl::parse(bad).unwrap_err();
        assert!(e.contains(bad.trim()), "{bad}: {e}");
    }
}
