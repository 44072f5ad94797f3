//! A basemap in a PMTiles file of the operator's (an OpenStreetMap extract of the
//! département, aerial imagery…), which this server serves at `/basemap/{z}/{x}/{y}.{ext}`
//! with its TileJSON at `/basemap.json`.
//!
//! A PMTiles file carries tiles, not a style: raster tiles are drawn as they are, and the
//! layers of vector tiles get a quiet style made from their names as the common schemas
//! (OpenMapTiles, Protomaps, Shortbread) spell them — water blue, roads and buildings in greys,
//! street and place names in our font — so that streets show under our places without
//! competing with them.

use std::path::Path;

use anyhow::{Context, Result, bail};
use pmtiles::{AsyncPmTilesReader, Compression, MmapBackend, TileCoord, TileType};
use serde_json::{Value, json};

use super::adopt::PREFIX;

/// The source's name in our style.
pub const SOURCE: &str = "basemap";
/// The size raster tiles are drawn at: PMTiles does not record it, and 256 is the common one.
pub const RASTER_TILE_SIZE: u32 = 256;

pub struct ArchiveBasemap {
    reader: AsyncPmTilesReader<MmapBackend>,
    pub tile_type: TileType,
    /// Whether its tiles are stored gzip-compressed (else as they are).
    pub gzip: bool,
    pub min_zoom: u8,
    pub max_zoom: u8,
    bounds: [f64; 4],
    center: [f64; 3],
    metadata: Value,
}

impl ArchiveBasemap {
    pub async fn open(path: &Path) -> Result<Self> {
        // The reader's own error would not say why the file cannot be opened.
        std::fs::File::open(path).with_context(|| format!("opening the basemap {}", path.display()))?;
        let reader = AsyncPmTilesReader::new_with_path(path)
            .await
            .with_context(|| format!("reading the basemap {} (a PMTiles 3 file is expected)", path.display()))?;
        let header = reader.get_header();
        let gzip = match header.tile_compression {
            Compression::None | Compression::Unknown => false,
            Compression::Gzip => true,
            other => bail!(
                "the basemap {} holds {other:?}-compressed tiles, which not every client reads: gzip or uncompressed tiles are served",
                path.display()
            ),
        };
        if !matches!(header.tile_type, TileType::Mvt | TileType::Png | TileType::Jpeg | TileType::Webp | TileType::Avif) {
            bail!(
                "the basemap {} holds {:?} tiles: Mapbox vector tiles, PNG, JPEG, WebP or AVIF are served",
                path.display(),
                header.tile_type
            );
        }
        let metadata = reader.get_metadata().await.with_context(|| format!("reading the metadata of {}", path.display()))?;
        let metadata = serde_json::from_str(&metadata).unwrap_or(Value::Null);
        Ok(ArchiveBasemap {
            tile_type: header.tile_type,
            gzip,
            min_zoom: header.min_zoom,
            max_zoom: header.max_zoom,
            bounds: [header.min_longitude, header.min_latitude, header.max_longitude, header.max_latitude],
            center: [header.center_longitude, header.center_latitude, f64::from(header.center_zoom)],
            metadata,
            reader,
        })
    }

    pub fn is_vector(&self) -> bool {
        self.tile_type == TileType::Mvt
    }

    /// The source type in a MapLibre style.
    pub fn source_type(&self) -> &'static str {
        if self.is_vector() { "vector" } else { "raster" }
    }

    /// The file extension of its tiles in our URLs, and their media type.
    pub fn format(&self) -> (&'static str, &'static str) {
        match self.tile_type {
            TileType::Mvt => ("mvt", "application/vnd.mapbox-vector-tile"),
            TileType::Png => ("png", "image/png"),
            TileType::Jpeg => ("jpg", "image/jpeg"),
            TileType::Webp => ("webp", "image/webp"),
            // `open` takes no other kind.
            _ => ("avif", "image/avif"),
        }
    }

    /// A tile as stored (gzip-compressed when [`Self::gzip`]); `None` where the file has none.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>> {
        let coord = TileCoord::new(z, x, y)?;
        Ok(self.reader.get_tile(coord).await?.map(|b| b.to_vec()))
    }

    /// TileJSON 3.0.0 for its tiles at `tiles_url`, with the file's own attribution.
    pub fn tilejson(&self, tiles_url: &str) -> Value {
        let text = |key: &str| self.metadata.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut doc = json!({
            "tilejson": "3.0.0",
            "name": text("name").unwrap_or_else(|| "basemap".into()),
            "scheme": "xyz",
            "tiles": [tiles_url],
            "minzoom": self.min_zoom,
            "maxzoom": self.max_zoom,
            "bounds": self.bounds,
            "center": self.center,
        });
        if let Some(attribution) = text("attribution") {
            doc["attribution"] = json!(attribution);
        }
        if self.is_vector() {
            doc["vector_layers"] = json!(self.vector_layers().iter().map(|l| json!({"id": l.id, "fields": l.fields})).collect::<Vec<_>>());
        }
        doc
    }

    /// Its layers in our style: the image for raster tiles, a quiet drawing of every layer for
    /// vector tiles.
    pub fn layers(&self) -> Vec<Value> {
        if !self.is_vector() {
            return vec![json!({"id": format!("{PREFIX}raster"), "type": "raster", "source": SOURCE})];
        }
        let mut layers = self.vector_layers();
        layers.sort_by_key(|l| Kind::of(&l.id) as u8);
        layers.iter().flat_map(styled).collect()
    }

    fn vector_layers(&self) -> Vec<VectorLayer> {
        let listed = self.metadata.get("vector_layers").and_then(Value::as_array).into_iter().flatten();
        listed
            .filter_map(|l| {
                let id = l.get("id")?.as_str()?.to_owned();
                Some(VectorLayer {
                    has_name: l.get("fields").and_then(|f| f.get("name")).is_some(),
                    fields: l.get("fields").cloned().unwrap_or(json!({})),
                    id,
                })
            })
            .collect()
    }
}

struct VectorLayer {
    id: String,
    fields: Value,
    /// Whether its features have a `name` to label them with.
    has_name: bool,
}

/// What a layer of a common schema holds, in the order they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Land,
    Landuse,
    Water,
    Building,
    Other,
    Road,
    Place,
}

impl Kind {
    fn of(layer: &str) -> Kind {
        let l = layer.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
        if has(&["water", "ocean", "river", "lake", "sea"]) {
            Kind::Water
        } else if has(&["road", "street", "transport", "highway", "railway"]) {
            Kind::Road
        } else if has(&["building"]) {
            Kind::Building
        } else if has(&["place", "poi", "label"]) {
            Kind::Place
        } else if has(&["landuse", "landcover", "park", "natural", "green"]) {
            Kind::Landuse
        } else if l == "earth" || l == "land" {
            Kind::Land
        } else {
            Kind::Other
        }
    }
}

const WATER: &str = "#cfe0ea";
const ROAD: &str = "#d5d0c6";
const BUILDING: &str = "#e9e4da";
const GREEN: &str = "#e6eedb";
const GROUND: &str = "#f6f4ee";
const OTHER: &str = "#ddd8ce";
const TEXT: &str = "#6b6f76";

/// The layers that draw one layer of the tiles: its areas, its lines, and its names.
fn styled(layer: &VectorLayer) -> Vec<Value> {
    let kind = Kind::of(&layer.id);
    let id = |what: &str| format!("{PREFIX}{}-{what}", layer.id);
    let base = |what: &str, kind: &str, geometry: &str| json!({"id": id(what), "type": kind, "source": SOURCE, "source-layer": layer.id, "filter": ["==", ["geometry-type"], geometry]});
    let fill = |colour: &str, opacity: f64| {
        let mut l = base("areas", "fill", "Polygon");
        l["paint"] = json!({"fill-color": colour, "fill-opacity": opacity});
        l
    };
    let line = |colour: &str, width: Value| {
        let mut l = base("lines", "line", "LineString");
        l["paint"] = json!({"line-color": colour, "line-width": width});
        l
    };
    let mut out = match kind {
        Kind::Land => vec![fill(GROUND, 1.0)],
        Kind::Landuse => vec![fill(GREEN, 1.0)],
        Kind::Water => vec![fill(WATER, 1.0), line(WATER, json!(["interpolate", ["linear"], ["zoom"], 8, 0.5, 16, 3]))],
        Kind::Building => vec![fill(BUILDING, 1.0)],
        Kind::Road => vec![line(ROAD, json!(["interpolate", ["exponential", 1.6], ["zoom"], 10, 0.5, 18, 14]))],
        Kind::Place => vec![],
        // Unknown areas (administrative ones, often) are seen through.
        Kind::Other => vec![fill(OTHER, 0.3), line(OTHER, json!(0.6))],
    };
    if layer.has_name && matches!(kind, Kind::Road | Kind::Place) {
        let (geometry, placement, minzoom) = if kind == Kind::Road { ("LineString", "line", 14) } else { ("Point", "point", 10) };
        let mut label = base("names", "symbol", geometry);
        label["minzoom"] = json!(minzoom);
        label["layout"] = json!({"text-field": ["get", "name"], "text-size": 11, "symbol-placement": placement});
        label["paint"] = json!({"text-color": TEXT, "text-halo-color": "#ffffff", "text-halo-width": 1.2});
        out.push(label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layers_of_common_schemas_are_told_apart() {
        assert_eq!(Kind::of("water"), Kind::Water);
        assert_eq!(Kind::of("waterway"), Kind::Water);
        assert_eq!(Kind::of("transportation"), Kind::Road);
        assert_eq!(Kind::of("roads"), Kind::Road);
        assert_eq!(Kind::of("transportation_name"), Kind::Road);
        assert_eq!(Kind::of("building"), Kind::Building);
        assert_eq!(Kind::of("place"), Kind::Place);
        assert_eq!(Kind::of("landcover"), Kind::Landuse);
        assert_eq!(Kind::of("earth"), Kind::Land);
        assert_eq!(Kind::of("boundaries"), Kind::Other);
    }

    #[test]
    fn roads_are_drawn_over_water_and_named_when_their_features_are() {
        let named = VectorLayer { id: "roads".into(), fields: json!({"name": "String"}), has_name: true };
        let ids: Vec<_> = styled(&named).iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids, ["basemap-roads-lines", "basemap-roads-names"]);
        let unnamed = VectorLayer { id: "roads".into(), fields: json!({}), has_name: false };
        assert_eq!(styled(&unnamed).len(), 1);
        assert!((Kind::Water as u8) < (Kind::Road as u8));
    }
}
