//! The gazetteer: every French commune with its codes, population, postal codes, point, bbox and
//! simplified boundary, loaded from the compact files committed in `data/gazetteer/`.
//!
//! It answers lookups by INSEE code, name and postal code ([`search`]) and point-in-polygon
//! reverse geocoding ([`Gazetteer::reverse`]) through an R-tree of boundary envelopes.

pub mod authorities;
pub mod build;
mod files;
pub mod names;
pub mod search;
mod topojson;
mod wkb;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use geo::{Contains, MultiPolygon, Point};
use rstar::{RTree, primitives::GeomWithData, primitives::Rectangle};
use serde::{Deserialize, Serialize};

pub use files::GazetteerError;
use search::SearchIndex;

/// What a row of the gazetteer is, after INSEE's `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    /// A commune (INSEE `COM`).
    Commune,
    /// A municipal arrondissement of Paris, Lyon or Marseille (`ARM`).
    Arrondissement,
    /// A former commune merged into a "commune nouvelle" (`COMD`): it points to its parent.
    Delegated,
    /// A former commune associated with another (`COMA`): it points to its parent.
    Associated,
}

impl CommuneKind {
    /// Communes and arrondissements have their own boundary and own the INSEE code.
    pub fn is_current(self) -> bool {
        matches!(self, CommuneKind::Commune | CommuneKind::Arrondissement)
    }
}

/// How the representative point of a commune was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointSource {
    /// The town hall's location given by the source.
    TownHall,
    /// A point inside the boundary, where the source gives no town hall (Paris, for one).
    Interior,
    /// Neither town hall nor boundary in the source: the point of a related row (the parent of a
    /// former commune, or a delegated commune of a "commune nouvelle").
    Related,
}

/// One row of the gazetteer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Commune {
    /// INSEE code (`62548`, `2A004`, `75111`).
    pub code: String,
    pub kind: CommuneKind,
    /// Official name with its article (`L'Abergement-Clémenciat`).
    pub name: String,
    /// INSEE "type de nom" (TNCC): which article the name takes, 0 to 8.
    pub name_type: u8,
    pub departement: String,
    pub region: String,
    /// SIREN of the EPCI the commune belongs to, when it belongs to one.
    pub epci: Option<String>,
    /// For arrondissements, delegated and associated communes: the commune they belong to.
    pub parent: Option<String>,
    /// Municipal population (INSEE "population municipale").
    pub population: u32,
    pub postal_codes: Vec<String>,
    /// `[lon, lat]` in WGS 84.
    pub point: [f64; 2],
    pub point_source: PointSource,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
}

impl Commune {
    /// The name without its article, as INSEE stores it ("Havre" for "Le Havre").
    pub fn bare_name(&self) -> &str {
        self.name.strip_prefix(names::article(self.name_type)).unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Departement {
    pub code: String,
    /// Name without article ("Ain"); `name_type` says which article it takes.
    pub name: String,
    pub name_type: u8,
    pub region: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub name_type: u8,
}

/// An EPCI (intercommunality), identified by its SIREN.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Epci {
    pub code: String,
    pub name: String,
    /// `CC`, `CA`, `CU`, `METRO`, `MET69`...
    pub kind: String,
}

type BoundaryEnvelope = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The loaded gazetteer. Cheap to share behind an `Arc`; immutable once loaded.
pub struct Gazetteer {
    communes: Vec<Commune>,
    by_code: HashMap<String, u32>,
    /// Shared with the deepest band of the tiles' boundary layer, which draws them as they are.
    boundaries: Vec<Option<Arc<MultiPolygon>>>,
    boundary_tree: RTree<BoundaryEnvelope>,
    departements: HashMap<String, Departement>,
    regions: HashMap<String, Region>,
    epcis: HashMap<String, Epci>,
    search: SearchIndex,
    /// Member communes of each EPCI, département and région by authority code, made on first use.
    groupings: std::sync::OnceLock<HashMap<String, Vec<u32>>>,
}

/// The answer of [`Gazetteer::reverse`].
pub struct ReverseHit<'a> {
    pub commune: &'a Commune,
    /// The municipal arrondissement containing the point, in Paris, Lyon and Marseille.
    pub arrondissement: Option<&'a Commune>,
}

/// The committed data folder of this checkout (`data/`: the gazetteer and the referential).
pub fn default_data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

impl Gazetteer {
    /// Loads the gazetteer files from a directory such as `data/gazetteer`.
    pub fn load(dir: &Path) -> Result<Self, GazetteerError> {
        let parts = files::read_dir(dir)?;
        Ok(Self::from_parts(parts))
    }

    /// Loads the gazetteer of a data folder (its `gazetteer/` directory).
    pub fn load_data_dir(data_dir: &Path) -> Result<Self, GazetteerError> {
        Self::load(&data_dir.join("gazetteer"))
    }

    fn from_parts(parts: files::Parts) -> Self {
        let files::Parts { communes, mut boundaries, departements, regions, epcis } = parts;
        let mut by_code = HashMap::with_capacity(communes.len());
        for (i, c) in communes.iter().enumerate() {
            // A delegated commune may share the code of its parent: the current commune wins.
            let keep_existing = by_code.get(&c.code).is_some_and(|&j: &u32| communes[j as usize].kind.is_current());
            if !keep_existing {
                by_code.insert(c.code.clone(), i as u32);
            }
        }
        let aligned: Vec<Option<Arc<MultiPolygon>>> =
            communes.iter().map(|c| if c.kind.is_current() { boundaries.remove(&c.code).map(Arc::new) } else { None }).collect();
        let envelopes = aligned
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_some())
            .map(|(i, _)| {
                let [x0, y0, x1, y1] = communes[i].bbox;
                GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), i as u32)
            })
            .collect();
        let search = SearchIndex::new(&communes);
        Gazetteer {
            by_code,
            boundaries: aligned,
            boundary_tree: RTree::bulk_load(envelopes),
            departements: departements.into_iter().map(|d| (d.code.clone(), d)).collect(),
            regions: regions.into_iter().map(|r| (r.code.clone(), r)).collect(),
            epcis: epcis.into_iter().map(|e| (e.code.clone(), e)).collect(),
            search,
            groupings: std::sync::OnceLock::new(),
            communes,
        }
    }

    /// Every row: communes and arrondissements, then delegated and associated communes.
    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }

    /// The commune or arrondissement with this INSEE code, else a delegated or associated
    /// commune with it. Codes of Corsica are accepted in either case (`2a004`).
    /// `[min_lon, min_lat, max_lon, max_lat]` of the current communes, overseas included.
    pub fn extent(&self) -> [f64; 4] {
        let current = self.communes().iter().filter(|c| c.kind.is_current());
        current
            .fold([180.0, 90.0, -180.0, -90.0], |[a, b, c, d], x| [a.min(x.bbox[0]), b.min(x.bbox[1]), c.max(x.bbox[2]), d.max(x.bbox[3])])
    }

    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.index_of(code).map(|i| &self.communes[i as usize])
    }

    /// Index of a row in [`Self::communes`], for compact references from other indexes.
    pub fn index_of(&self, code: &str) -> Option<u32> {
        match self.by_code.get(code) {
            Some(&i) => Some(i),
            None => self.by_code.get(&code.to_ascii_uppercase()).copied(),
        }
    }

    pub fn boundary(&self, code: &str) -> Option<&MultiPolygon> {
        self.shared_boundary(code).map(|b| &**b)
    }

    /// The boundary itself, for holders that keep it as long as the gazetteer (a copy of all
    /// of them is 17 MB).
    pub fn shared_boundary(&self, code: &str) -> Option<&Arc<MultiPolygon>> {
        let i = *self.by_code.get(code)? as usize;
        self.boundaries[i].as_ref()
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.departements.get(code)
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.get(code)
    }

    /// Every département, in code order.
    pub fn departements(&self) -> Vec<&Departement> {
        let mut all: Vec<&Departement> = self.departements.values().collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        all
    }

    /// Every région, in code order.
    pub fn regions(&self) -> Vec<&Region> {
        let mut all: Vec<&Region> = self.regions.values().collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        all
    }

    pub fn epci(&self, code: &str) -> Option<&Epci> {
        self.epcis.get(code)
    }

    /// Suggestions for what a person typed: a name, a postal code, an INSEE code, or a postal
    /// code and a name. Best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Commune> {
        self.search.find(&self.communes, query, limit).into_iter().map(|i| &self.communes[i as usize]).collect()
    }

    /// The lookups of names and postal codes that suggestions and the geocoder share.
    pub fn names(&self) -> &SearchIndex {
        &self.search
    }

    /// The commune whose boundary contains `[lon, lat]`, with the arrondissement for Paris,
    /// Lyon and Marseille. `None` at sea or abroad.
    pub fn reverse(&self, lon: f64, lat: f64) -> Option<ReverseHit<'_>> {
        let point = Point::new(lon, lat);
        let mut commune = None;
        let mut arrondissement = None;
        for hit in self.boundary_tree.locate_all_at_point(&[lon, lat]) {
            let i = hit.data as usize;
            let inside = self.boundaries[i].as_ref().is_some_and(|b| b.contains(&point));
            if !inside {
                continue;
            }
            match self.communes[i].kind {
                CommuneKind::Arrondissement => arrondissement = Some(&self.communes[i]),
                _ => commune = Some(&self.communes[i]),
            }
        }
        // Simplified boundaries leave slivers: an arrondissement found alone implies its city.
        let commune = commune.or_else(|| arrondissement.and_then(|a| self.commune(a.parent.as_deref()?)))?;
        Some(ReverseHit { commune, arrondissement })
    }
}
