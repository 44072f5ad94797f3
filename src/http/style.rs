//! The map's MapLibre style (version 8): our tiles only, land drawn from the régions, lines
//! for régions, départements and communes, clusters sized by count, places coloured by theme.
//!
//! With a basemap (`--basemap`), its layers come between our ground and our lines, and its
//! sources and sprite join ours.
//!
//! Labels are drawn with the server's own font (`glyphs` points to `/fonts/...`), as every
//! MapLibre renderer requires of a style with text; a server without fonts gets a style
//! without its three label layers rather than one the renderers refuse.

use serde_json::{Value, json};

use crate::basemap::Basemap;
use crate::referential::Referential;

/// Colours of the themes, in the referential's order (Okabe–Ito: told apart with the common
/// colour-vision deficiencies).
pub const THEME_COLOURS: [&str; 8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

const SEA: &str = "#dde8ef";
const LAND: &str = "#fbfaf6";
const LINE: &str = "#8a8f98";

/// `["match", ["get", "theme"], "1", colour, ..., fallback]` for the referential's themes.
pub fn theme_colour(referential: &Referential) -> Value {
    let mut expr = vec![json!("match"), json!(["get", "theme"])];
    for (i, t) in referential.file().themes.iter().enumerate() {
        expr.push(json!(t.code));
        expr.push(json!(THEME_COLOURS[i % THEME_COLOURS.len()]));
    }
    expr.push(json!("#555555"));
    Value::Array(expr)
}

/// Where a style's labels come from: the glyphs URL template and the font to ask for.
pub struct Labels<'a> {
    pub glyphs_url: String,
    pub font: &'a str,
}

/// A basemap to draw under our layers, and the URL we are reached at (for its tiles if we
/// serve them).
pub struct Under<'a> {
    pub basemap: &'a Basemap,
    pub base_url: &'a str,
}

pub fn document(referential: &Referential, tilejson_url: &str, labels: Option<Labels>, under: Option<Under>) -> Value {
    let mut style = layers(referential, tilejson_url);
    if let Some(under) = under {
        add_basemap(&mut style, &under);
    }
    match labels {
        Some(labels) => {
            style["glyphs"] = json!(labels.glyphs_url);
            for layer in style["layers"].as_array_mut().expect("the style has layers") {
                if layer["type"] == "symbol" {
                    layer["layout"]["text-font"] = json!([labels.font]);
                }
            }
        }
        None => style["layers"].as_array_mut().expect("the style has layers").retain(|l| l["type"] != "symbol"),
    }
    style
}

/// Adds the basemap's sources, its sprite, and its layers just above our land.
fn add_basemap(style: &mut Value, under: &Under) {
    let sources = style["sources"].as_object_mut().expect("the style has sources");
    sources.extend(under.basemap.sources(under.base_url));
    if let Some(sprite) = under.basemap.sprite() {
        style["sprite"] = sprite.clone();
    }
    let layers = style["layers"].as_array_mut().expect("the style has layers");
    let above_land = layers.iter().position(|l| l["id"] == "land").map_or(0, |i| i + 1);
    layers.splice(above_land..above_land, under.basemap.layers().iter().cloned());
}

fn layers(referential: &Referential, tilejson_url: &str) -> Value {
    let colour = theme_colour(referential);
    let is_cluster = json!(["==", ["get", "cluster"], true]);
    let not_cluster = json!(["!=", ["get", "cluster"], true]);
    let level = |l: &str| json!(["==", ["get", "level"], l]);
    json!({
        "version": 8,
        "name": "Atlaas",
        "metadata": {"atlaas:themes": referential.file().themes.iter().enumerate()
            .map(|(i, t)| json!({"code": t.code, "label": t.label, "colour": THEME_COLOURS[i % THEME_COLOURS.len()]}))
            .collect::<Vec<_>>()},
        "center": [2.35, 46.6],
        "zoom": 5,
        "sources": {"atlaas": {"type": "vector", "url": tilejson_url}},
        "layers": [
            {"id": "sea", "type": "background", "paint": {"background-color": SEA}},
            {"id": "land", "type": "fill", "source": "atlaas", "source-layer": "boundaries", "filter": level("region"),
             "paint": {"fill-color": LAND}},
            {"id": "commune-lines", "type": "line", "source": "atlaas", "source-layer": "boundaries", "minzoom": 8, "filter": level("commune"),
             "paint": {"line-color": LINE, "line-width": 0.4, "line-opacity": 0.6}},
            {"id": "departement-lines", "type": "line", "source": "atlaas", "source-layer": "boundaries", "minzoom": 5, "filter": level("departement"),
             "paint": {"line-color": LINE, "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.6, 10, 1.4]}},
            {"id": "region-lines", "type": "line", "source": "atlaas", "source-layer": "boundaries", "filter": level("region"),
             "paint": {"line-color": "#5b616b", "line-width": ["interpolate", ["linear"], ["zoom"], 3, 0.8, 10, 2.2]}},
            {"id": "commune-names", "type": "symbol", "source": "atlaas", "source-layer": "boundaries", "minzoom": 11, "filter": level("commune"),
             "layout": {"text-field": ["get", "name"], "text-size": 12, "symbol-placement": "point"},
             "paint": {"text-color": "#4a4f57", "text-halo-color": LAND, "text-halo-width": 1.5}},
            {"id": "authorities", "type": "circle", "source": "atlaas", "source-layer": "authorities", "minzoom": 6,
             "paint": {"circle-radius": ["+", 3, ["get", "arobases"]], "circle-color": "rgba(0,0,0,0)",
                       "circle-stroke-color": "#1f2937", "circle-stroke-width": 1.2}},
            {"id": "authority-names", "type": "symbol", "source": "atlaas", "source-layer": "authorities", "minzoom": 8,
             "layout": {"text-field": ["concat", ["get", "name"], " ", ["slice", "@@@@@", 0, ["get", "arobases"]]],
                        "text-size": 12, "text-offset": [0, 1.2], "text-anchor": "top", "symbol-sort-key": ["-", 0, ["get", "arobases"]]},
             "paint": {"text-color": "#1f2937", "text-halo-color": LAND, "text-halo-width": 1.5}},
            {"id": "clusters", "type": "circle", "source": "atlaas", "source-layer": "initiatives", "filter": is_cluster,
             "paint": {"circle-color": colour, "circle-opacity": 0.85, "circle-stroke-color": "#ffffff", "circle-stroke-width": 2,
                       "circle-radius": ["step", ["get", "count"], 12, 10, 15, 50, 19, 200, 24, 1000, 30]}},
            {"id": "cluster-counts", "type": "symbol", "source": "atlaas", "source-layer": "initiatives", "filter": is_cluster,
             "layout": {"text-field": ["to-string", ["get", "count"]], "text-size": 12, "text-allow-overlap": true},
             "paint": {"text-color": "#ffffff"}},
            {"id": "places", "type": "circle", "source": "atlaas", "source-layer": "initiatives", "filter": not_cluster,
             "paint": {"circle-color": colour, "circle-radius": ["interpolate", ["linear"], ["zoom"], 5, 4, 14, 7],
                       "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5}},
        ],
    })
}
