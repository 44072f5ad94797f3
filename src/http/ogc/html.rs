//! The HTML encoding: each OGC answer made into a plain French page from its own JSON, so
//! that the two encodings cannot tell different stories. No script; every link is absolute,
//! made from the service's base URL like the JSON's.

use std::fmt::Write;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::http::pages::escape_html as esc;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1b1b1b}\
                     table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}\
                     th{background:#f3f3f7}a{color:#000091}nav{margin:1rem 0}code{font-size:.9em}";

/// The page around `content`, with a CSP that allows no script at all.
pub fn page(base: &str, content: String) -> Response {
    let base = esc(base);
    let body = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Atlaas — API OGC Features</title><style>{STYLE}</style></head><body>\
         <nav><a href=\"{base}/ogc?f=html\">Atlaas — API OGC Features</a> · <a href=\"{base}/ogc/collections?f=html\">Collections</a> · <a href=\"{base}/\">Carte</a></nav>\
         <main>{content}</main></body></html>"
    );
    let mut res = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(true) => "oui".into(),
        Value::Bool(false) => "non".into(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// The links of an answer other than itself, as a list.
fn link_list(out: &mut String, links: &Value) {
    out.push_str("<ul>");
    for l in links.as_array().into_iter().flatten().filter(|l| l["rel"] != "self") {
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a> <small>({}, {})</small></li>",
            esc(str_of(l, "href")),
            esc(str_of(l, "title")),
            text(&l["rel"]),
            text(&l["type"])
        );
    }
    out.push_str("</ul>");
}

pub fn landing(b: &Value, sheets: usize) -> String {
    let mut out = format!("<h1>{}</h1><p>{}</p><p>{sheets} fiches publiées.</p>", text(&b["title"]), text(&b["description"]));
    link_list(&mut out, &b["links"]);
    out
}

pub fn conformance(b: &Value) -> String {
    let mut out = String::from("<h1>Classes de conformité</h1><ul>");
    for c in b["conformsTo"].as_array().into_iter().flatten() {
        let _ = write!(out, "<li><code>{}</code></li>", text(c));
    }
    out.push_str("</ul>");
    out
}

pub fn collections(b: &Value, base: &str) -> String {
    let mut out = String::from("<h1>Collections</h1>");
    for c in b["collections"].as_array().into_iter().flatten() {
        let id = esc(str_of(c, "id"));
        let _ = write!(
            out,
            "<h2><a href=\"{}/ogc/collections/{id}?f=html\">{}</a> <small><code>{id}</code></small></h2><p>{}</p>",
            esc(base),
            text(&c["title"]),
            text(&c["description"])
        );
        link_list(&mut out, &c["links"]);
    }
    out
}

pub fn collection(c: &Value) -> String {
    let mut out = format!("<h1>{}</h1><p>{}</p><dl>", text(&c["title"]), text(&c["description"]));
    let _ = write!(out, "<dt>Emprise</dt><dd><code>{}</code></dd>", text(&c["extent"]["spatial"]["bbox"][0]));
    if let Some(interval) = c["extent"]["temporal"]["interval"].get(0) {
        let _ = write!(out, "<dt>Période</dt><dd>{} — {}</dd>", text(&interval[0]), text(&interval[1]));
    }
    out.push_str("</dl>");
    link_list(&mut out, &c["links"]);
    out
}

pub fn queryables(b: &Value, title: &str) -> String {
    let mut out = format!(
        "<h1>Filtres de {}</h1><p>{}</p><table><tr><th>paramètre</th><th>sens</th><th>type</th></tr>",
        esc(title),
        text(&b["description"])
    );
    for (name, schema) in b["properties"].as_object().into_iter().flatten() {
        let kind = schema.get("type").or_else(|| schema.get("format")).unwrap_or(&Value::Null);
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(name),
            text(schema.get("title").unwrap_or(&Value::Null)),
            text(kind)
        );
    }
    out.push_str("</table>");
    out
}

/// `items_url`: the absolute URL of the collection's items, which item pages are under.
pub fn items(b: &Value, title: &str, items_url: &str) -> String {
    let features = b["features"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let mut out = format!(
        "<h1>{}</h1><p>{} entités correspondent, {} sur cette page.</p>",
        esc(title),
        text(&b["numberMatched"]),
        text(&b["numberReturned"])
    );
    let columns: Vec<&String> = features.first().and_then(|f| f["properties"].as_object()).map(|p| p.keys().collect()).unwrap_or_default();
    out.push_str("<table><tr><th>id</th>");
    for c in &columns {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("</tr>");
    for f in features {
        let id = match &f["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = write!(out, "<tr><td><a href=\"{0}/{1}?f=html\">{1}</a></td>", esc(items_url), esc(&id));
        for c in &columns {
            let _ = write!(out, "<td>{}</td>", text(&f["properties"][c.as_str()]));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    if let Some(next) = b["links"].as_array().into_iter().flatten().find(|l| l["rel"] == "next") {
        let _ = write!(out, "<p><a rel=\"next\" href=\"{}\">Page suivante</a></p>", esc(str_of(next, "href")));
    }
    out
}

pub fn item(f: &Value, title: &str, items_url: &str) -> String {
    let name = f["properties"].get("title").or_else(|| f["properties"].get("name")).unwrap_or(&f["id"]);
    let mut out = format!("<p><a href=\"{}?f=html\">{}</a></p><h1>{}</h1><table>", esc(items_url), esc(title), text(name));
    for (k, v) in f["properties"].as_object().into_iter().flatten() {
        let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), text(v));
    }
    let geometry = &f["geometry"];
    let shown = match str_of(geometry, "type") {
        "Point" | "MultiPoint" => geometry["coordinates"].to_string(),
        "" => "—".into(),
        other => format!("{other} (voir le GeoJSON)"),
    };
    let _ = write!(out, "<tr><th>géométrie</th><td><code>{}</code></td></tr></table>", esc(&shown));
    link_list(&mut out, &f["links"]);
    out
}
