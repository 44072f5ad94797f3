//! Another MapLibre style made to live inside ours: its sources and layers renamed
//! `basemap-…`, its URLs made absolute, and the origins a page will fetch them from listed
//! (our pages' Content-Security-Policy lets those through, and no other).

use serde_json::{Map, Value};
use url::Url;

/// What the basemap's layers and sources are called in our style.
pub const PREFIX: &str = "basemap-";

/// A style's parts, ready to be added to ours.
#[derive(Debug)]
pub struct Adopted {
    pub sources: Map<String, Value>,
    pub layers: Vec<Value>,
    pub sprite: Option<Value>,
    /// Origins of the URLs the style names.
    pub origins: Vec<String>,
    /// TileJSON documents its sources point to, which may list tiles on other hosts.
    pub tilejson: Vec<Url>,
}

/// Takes a style's sources, layers and sprite; `base` resolves relative URLs (a style read
/// from the web), and without it a relative URL is an error (a style file: relative to what?).
pub fn adopt(style: &Value, base: Option<&Url>) -> Result<Adopted, String> {
    if style.get("version").and_then(Value::as_u64) != Some(8) {
        return Err("not a MapLibre style: \"version\": 8 is missing".into());
    }
    let (Some(sources), Some(layers)) = (style.get("sources").and_then(Value::as_object), style.get("layers").and_then(Value::as_array))
    else {
        return Err("not a MapLibre style: it needs \"sources\" and \"layers\"".into());
    };
    let mut urls = Urls { base, origins: vec![], tilejson: vec![] };
    let sources = sources
        .iter()
        .map(|(name, source)| Ok((format!("{PREFIX}{name}"), urls.source(name, source)?)))
        .collect::<Result<Map<_, _>, String>>()?;
    let layers = layers.iter().map(renamed_layer).collect::<Result<Vec<_>, String>>()?;
    let sprite = style.get("sprite").map(|s| urls.sprite(s)).transpose()?;
    Ok(Adopted { sources, layers, sprite, origins: urls.origins, tilejson: urls.tilejson })
}

/// The origins of the tiles a TileJSON document lists (relative to where it was read).
pub fn tile_origins(tilejson: &Value, at: &Url) -> Vec<String> {
    let templates = tilejson.get("tiles").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
    templates.filter_map(|t| at.join(t).ok()).map(|u| u.origin().ascii_serialization()).filter(|o| o != "null").collect()
}

fn renamed_layer(layer: &Value) -> Result<Value, String> {
    let mut layer = layer.as_object().cloned().ok_or("a layer of the style is not an object")?;
    let id = layer.get("id").and_then(Value::as_str).ok_or("a layer of the style has no id")?;
    layer.insert("id".into(), Value::String(format!("{PREFIX}{id}")));
    if let Some(source) = layer.get("source").and_then(Value::as_str) {
        layer.insert("source".into(), Value::String(format!("{PREFIX}{source}")));
    }
    Ok(Value::Object(layer))
}

/// Makes URLs absolute and notes where they lead.
struct Urls<'a> {
    base: Option<&'a Url>,
    origins: Vec<String>,
    tilejson: Vec<Url>,
}

impl Urls<'_> {
    fn source(&mut self, name: &str, source: &Value) -> Result<Value, String> {
        let mut source = source.as_object().cloned().ok_or_else(|| format!("the source {name:?} is not an object"))?;
        let kind = source.get("type").and_then(Value::as_str).unwrap_or("").to_string();
        if let Some(Value::String(url)) = source.get("url") {
            let url = self.absolute(url)?;
            if matches!(kind.as_str(), "vector" | "raster" | "raster-dem") {
                self.tilejson.push(Url::parse(&url).map_err(|e| format!("{url}: {e}"))?);
            }
            source.insert("url".into(), Value::String(url));
        }
        for key in ["tiles", "urls"] {
            if let Some(Value::Array(list)) = source.get(key) {
                let list =
                    list.iter().map(|u| self.absolute(u.as_str().unwrap_or_default()).map(Value::String)).collect::<Result<_, _>>()?;
                source.insert(key.into(), Value::Array(list));
            }
        }
        if let Some(Value::String(data)) = source.get("data") {
            let data = self.absolute(data)?;
            source.insert("data".into(), Value::String(data));
        }
        Ok(Value::Object(source))
    }

    /// `"sprite": "url"` or `[{"id": …, "url": …}]`.
    fn sprite(&mut self, sprite: &Value) -> Result<Value, String> {
        match sprite {
            Value::String(url) => self.absolute(url).map(Value::String),
            Value::Array(list) => list
                .iter()
                .map(|entry| {
                    let mut entry = entry.as_object().cloned().ok_or("a sprite of the style is not an object")?;
                    let url = entry.get("url").and_then(Value::as_str).ok_or("a sprite of the style has no url")?;
                    entry.insert("url".into(), Value::String(self.absolute(url)?));
                    Ok(Value::Object(entry))
                })
                .collect::<Result<_, String>>()
                .map(Value::Array),
            _ => Err("the style's sprite is neither a URL nor a list".into()),
        }
    }

    /// The URL made absolute, its `{z}`-style placeholders kept as written (a parsed URL
    /// would escape their braces).
    fn absolute(&mut self, url: &str) -> Result<String, String> {
        if url.starts_with("mapbox://") || url.starts_with("pmtiles://") {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(format!(
                "{url}: {scheme}:// URLs need a plug-in that MapLibre clients do not all have (give --basemap a .pmtiles file instead)"
            ));
        }
        let parsed = match (Url::parse(url), self.base) {
            (Ok(absolute), _) => absolute,
            (Err(url::ParseError::RelativeUrlWithoutBase), Some(base)) => base.join(url).map_err(|e| format!("{url}: {e}"))?,
            (Err(url::ParseError::RelativeUrlWithoutBase), None) => {
                return Err(format!("{url}: a style file's URLs must be absolute (https://…)"));
            }
            (Err(e), _) => return Err(format!("{url}: {e}")),
        };
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(format!("{url}: only http and https URLs can be fetched by every client"));
        }
        self.origins.push(parsed.origin().ascii_serialization());
        Ok(parsed.as_str().replace("%7B", "{").replace("%7D", "}"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn style() -> Value {
        json!({
            "version": 8,
            "glyphs": "https://tiles.example.org/fonts/{fontstack}/{range}.pbf",
            "sprite": "/sprites/plan",
            "sources": {
                "plan": {"type": "vector", "url": "https://tiles.example.org/plan.json"},
                "relief": {"type": "raster", "tiles": ["tuiles/{z}/{x}/{y}.png"], "tileSize": 256},
            },
            "layers": [
                {"id": "fond", "type": "background", "paint": {"background-color": "#eee"}},
                {"id": "routes", "type": "line", "source": "plan", "source-layer": "routes"},
                {"id": "relief", "type": "raster", "source": "relief"},
            ],
        })
    }

    #[test]
    fn sources_and_layers_are_renamed_and_urls_made_absolute() {
        let base = Url::parse("https://styles.example.org/plan/style.json").unwrap();
        let adopted = adopt(&style(), Some(&base)).unwrap();
        assert_eq!(adopted.sources.keys().collect::<Vec<_>>(), ["basemap-plan", "basemap-relief"]);
        assert_eq!(adopted.sources["basemap-relief"]["tiles"], json!(["https://styles.example.org/plan/tuiles/{z}/{x}/{y}.png"]));
        let ids: Vec<_> = adopted.layers.iter().map(|l| l["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["basemap-fond", "basemap-routes", "basemap-relief"]);
        assert_eq!(adopted.layers[1]["source"], "basemap-plan");
        assert_eq!(adopted.layers[1]["source-layer"], "routes", "source layers are the tiles' own names");
        assert_eq!(adopted.sprite, Some(json!("https://styles.example.org/sprites/plan")));
        assert_eq!(adopted.tilejson, [Url::parse("https://tiles.example.org/plan.json").unwrap()]);
        let mut origins = adopted.origins.clone();
        origins.sort();
        origins.dedup();
        assert_eq!(origins, ["https://styles.example.org", "https://tiles.example.org"]);
    }

    #[test]
    fn what_a_client_cannot_fetch_is_refused_with_the_reason() {
        let mut s = style();
        assert!(adopt(&s, None).unwrap_err().contains("must be absolute"), "a style file's relative URL");
        s["sources"]["plan"]["url"] = json!("mapbox://mapbox.streets");
        let base = Url::parse("https://styles.example.org/style.json").unwrap();
        assert!(adopt(&s, Some(&base)).unwrap_err().contains("mapbox://"));
        s["sources"]["plan"]["url"] = json!("file:///etc/passwd");
        assert!(adopt(&s, Some(&base)).unwrap_err().contains("only http and https"));
        assert!(adopt(&json!({"version": 8, "layers": []}), Some(&base)).unwrap_err().contains("sources"));
        assert!(adopt(&json!({"sources": {}, "layers": []}), Some(&base)).unwrap_err().contains("version"));
    }

    #[test]
    fn a_tilejson_names_the_hosts_of_its_tiles() {
        let at = Url::parse("https://tiles.example.org/plan.json").unwrap();
        let tilejson = json!({"tiles": ["https://a.cdn.example.net/{z}/{x}/{y}.pbf", "/t/{z}/{x}/{y}.pbf"]});
        assert_eq!(tile_origins(&tilejson, &at), ["https://a.cdn.example.net", "https://tiles.example.org"]);
    }
}
