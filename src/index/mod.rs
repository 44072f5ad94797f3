//! The in-memory spatial index that answers the hot reads (bbox, nearby, and tiles later).
//!
//! Prepare once, answer fast: at start-up every place of every published sheet is bulk-loaded
//! into two R-trees — one over `[lon, lat]` for envelopes, one over unit vectors on the sphere
//! for nearest-neighbour order — and every write replaces the places of the sheets it touched.
//! Sheets keep only what filters and listings need; the store has the rest.

pub mod filter;
mod lists;
mod nearby;
pub mod text;
pub mod zorder;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rstar::{AABB, RTree, primitives::GeomWithData};

use crate::gazetteer::Gazetteer;
use crate::model::{Authority, AuthorityKind, Initiative, SheetId, Status};
use crate::referential::Referential;
pub use filter::{Bbox, Filter, ServiceSet};
use lists::SheetLists;
pub use nearby::{Near, SPHERE_MARGIN, geodesic_distance, great_circle_distance};
pub use text::TextHits;
use text::{DocText, TextIndex};
use zorder::{ZOrder, ZPoint};

/// Where a point of the trees comes from: a sheet and the position of the place in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceRef {
    pub sheet: SheetId,
    pub place: u16,
}

type FlatPoint = GeomWithData<[f64; 2], PlaceRef>;
type SpherePoint = GeomWithData<[f64; 3], PlaceRef>;

/// Gazetteer row of a place not in the gazetteer (never matches a commune filter).
const NO_COMMUNE: u32 = u32::MAX;

/// Theme of a sheet whose services are all unknown to the referential.
pub const NO_THEME: u8 = u8::MAX;

#[derive(Debug, Clone)]
pub struct IndexedPlace {
    pub lon: f64,
    pub lat: f64,
    /// Row in the gazetteer.
    pub commune: u32,
}

#[derive(Debug, Clone)]
pub struct IndexedSheet {
    pub title: Box<str>,
    pub year: u16,
    /// Row in [`SpatialIndex::authorities`].
    pub authority: u32,
    /// Dense referential indexes, main service first; codes unknown to the referential are left out.
    pub services: Box<[u16]>,
    /// Position of the main service's theme among the referential's themes ([`NO_THEME`] without one).
    pub theme: u8,
    pub places: Box<[IndexedPlace]>,
    pub sample: bool,
    /// Document number in the text index.
    pub doc: u32,
}

/// What listings show of an authority.
#[derive(Debug, Clone)]
pub struct IndexedAuthority {
    pub code: Box<str>,
    pub name: Box<str>,
    pub kind: AuthorityKind,
    /// Latest @ level, 0 when never labelled.
    pub arobases: u8,
    pub year: Option<u16>,
    /// Mention codes of the latest award, comma-separated.
    pub mentions: Box<str>,
    pub population: u32,
    /// `[lon, lat]` of the commune it is, or of its seat.
    pub point: Option<[f64; 2]>,
}

/// A bulk load in progress: sheets go in by pages, the R-trees are built once at the end.
pub struct IndexBuilder {
    index: SpatialIndex,
    entries: Vec<(SheetId, IndexedSheet)>,
    flat: Vec<FlatPoint>,
    sphere: Vec<SpherePoint>,
    zorder: Vec<ZPoint>,
}

impl IndexBuilder {
    pub fn add(&mut self, sheets: &[Initiative]) {
        for sheet in sheets {
            if let Some(indexed) = self.index.index_entry(sheet) {
                for (flat, sphere, z) in tree_points(sheet.id, &indexed) {
                    self.flat.push(flat);
                    self.sphere.push(sphere);
                    self.zorder.push(z);
                }
                self.entries.push((sheet.id, indexed));
            }
        }
    }

    pub fn finish(self) -> SpatialIndex {
        let IndexBuilder { mut index, entries, flat, sphere, zorder } = self;
        // The bulk loads are independent: the sphere tree on one core, the rest on the other.
        let (flat, sphere, zorder) = std::thread::scope(|scope| {
            let sphere = scope.spawn(|| RTree::bulk_load(sphere));
            let flat = RTree::bulk_load(flat);
            let zorder = ZOrder::from_unsorted(zorder);
            (flat, sphere.join().expect("bulk loading does not panic"), zorder)
        });
        index.flat = flat;
        index.sphere = sphere;
        index.zorder = zorder;
        index.real_sheets = entries.iter().filter(|(_, s)| !s.sample).count();
        for (id, sheet) in &entries {
            index.list(*id, sheet);
        }
        // Sorted or not, collecting builds the map in bulk.
        index.sheets = entries.into_iter().collect();
        index
    }
}

/// One page of a listing.
pub struct Page {
    pub ids: Vec<SheetId>,
    /// The last id of this page when more follow.
    pub next_after: Option<SheetId>,
}

impl Page {
    /// A page from up to `limit + 1` ids in order: the extra one only says that more follow.
    pub fn from_overfetch(mut ids: Vec<SheetId>, limit: usize) -> Page {
        let next_after = if ids.len() > limit {
            ids.truncate(limit);
            ids.last().copied()
        } else {
            None
        };
        Page { ids, next_after }
    }
}

pub struct SpatialIndex {
    pub(crate) gazetteer: Arc<Gazetteer>,
    referential: Arc<Referential>,
    sheets: BTreeMap<SheetId, IndexedSheet>,
    authorities: Vec<IndexedAuthority>,
    authority_rows: HashMap<Box<str>, u32>,
    flat: RTree<FlatPoint>,
    sphere: RTree<SpherePoint>,
    zorder: ZOrder,
    text: TextIndex,
    /// Sheets of each authority row.
    by_authority: SheetLists,
    /// Sheets of each service (dense referential index), whether main or not.
    by_service: SheetLists,
    /// Indexed sheets that are not sample data, so that every response can say cheaply
    /// whether it shows sample data only.
    real_sheets: usize,
}

/// The entries of a sheet's places in the two trees and the Z-order; removal rebuilds the same
/// values to find them.
fn tree_points(id: SheetId, sheet: &IndexedSheet) -> impl Iterator<Item = (FlatPoint, SpherePoint, ZPoint)> + '_ {
    sheet.places.iter().enumerate().map(move |(i, p)| {
        let r = PlaceRef { sheet: id, place: i as u16 };
        let z = ZPoint { code: zorder::code(p.lon, p.lat), sheet: id, place: i as u16, theme: sheet.theme };
        (FlatPoint::new([p.lon, p.lat], r), SpherePoint::new(unit_vector(p.lon, p.lat), r), z)
    })
}

/// Unit vector of a WGS 84 position on the sphere: chord length orders points like
/// great-circle distance, so the R-tree's Euclidean nearest-neighbour order is the right one.
pub(crate) fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

impl SpatialIndex {
    /// Bulk-loads the index from a store snapshot. Sheets that are not published are skipped.
    pub fn build(gazetteer: Arc<Gazetteer>, referential: Arc<Referential>, authorities: Vec<Authority>, sheets: Vec<Initiative>) -> Self {
        let mut builder = Self::builder(gazetteer, referential, &authorities);
        builder.add(&sheets);
        drop(sheets);
        builder.finish()
    }

    /// Starts a bulk load that takes sheets page by page.
    pub fn builder(gazetteer: Arc<Gazetteer>, referential: Arc<Referential>, authorities: &[Authority]) -> IndexBuilder {
        let mut index = SpatialIndex {
            gazetteer,
            referential,
            sheets: BTreeMap::new(),
            authorities: vec![],
            authority_rows: HashMap::new(),
            flat: RTree::new(),
            sphere: RTree::new(),
            zorder: ZOrder::default(),
            text: TextIndex::default(),
            by_authority: SheetLists::default(),
            by_service: SheetLists::default(),
            real_sheets: 0,
        };
        index.upsert_authorities(authorities);
        IndexBuilder { index, entries: vec![], flat: vec![], sphere: vec![], zorder: vec![] }
    }

    fn index_entry(&mut self, sheet: &Initiative) -> Option<IndexedSheet> {
        let s = &sheet.sheet;
        if s.status != Status::Published || s.places.is_empty() {
            return None;
        }
        let authority = self.authority_row(&s.authority);
        let text = DocText { title: &s.title, authority: &self.authorities[authority as usize].name, summary: &s.summary, body: &s.body };
        let doc = self.text.add(sheet.id, &text);
        let mut services: Vec<u16> = Vec::with_capacity(s.services.len());
        for i in s.services.iter().filter_map(|c| self.referential.service_index(c)) {
            // A service given twice counts once (the lists by service hold a sheet once).
            if !services.contains(&i) {
                services.push(i);
            }
        }
        let services = services.into_boxed_slice();
        Some(IndexedSheet {
            title: s.title.as_str().into(),
            year: s.year,
            authority,
            theme: services.first().map_or(NO_THEME, |&main| self.referential.theme_position(main)),
            services,
            places: s
                .places
                .iter()
                .take(u16::MAX as usize)
                .map(|p| IndexedPlace { lon: p.lon, lat: p.lat, commune: self.gazetteer.index_of(&p.commune).unwrap_or(NO_COMMUNE) })
                .collect(),
            sample: s.sample,
            doc,
        })
    }

    /// Row of an authority, creating a bare one if the code is new (its details come with the
    /// next [`Self::upsert_authorities`]).
    fn authority_row(&mut self, code: &str) -> u32 {
        if let Some(&row) = self.authority_rows.get(code) {
            return row;
        }
        let row = self.authorities.len() as u32;
        self.authorities.push(IndexedAuthority {
            code: code.into(),
            name: code.into(),
            kind: AuthorityKind::Commune,
            arobases: 0,
            year: None,
            mentions: "".into(),
            population: 0,
            point: None,
        });
        self.authority_rows.insert(code.into(), row);
        row
    }

    /// Adds or refreshes authorities (name, latest @) for listings and the `arobases` filter.
    pub fn upsert_authorities(&mut self, authorities: &[Authority]) {
        for a in authorities {
            let row = self.authority_row(&a.code) as usize;
            let latest = a.latest_award();
            self.authorities[row] = IndexedAuthority {
                code: a.code.as_str().into(),
                name: a.name.as_str().into(),
                kind: a.kind,
                arobases: latest.map_or(0, |l| l.arobases),
                year: latest.map(|l| l.year),
                mentions: latest.map(|l| l.mentions.join(",")).unwrap_or_default().into(),
                population: a.population,
                point: a.commune.as_deref().and_then(|c| self.gazetteer.commune(c)).map(|c| c.point),
            };
        }
    }

    /// Brings the index in step with sheets just written: published ones are (re)indexed,
    /// others removed. Returns the positions `[lon, lat]` whose content changed (old and new
    /// places), so that caches of what is drawn there can be dropped.
    pub fn apply(&mut self, sheets: &[Initiative]) -> Vec<[f64; 2]> {
        let mut touched = vec![];
        for sheet in sheets {
            touched.extend(self.remove(sheet.id));
            if let Some(indexed) = self.index_entry(sheet) {
                for (flat, sphere, z) in tree_points(sheet.id, &indexed) {
                    touched.push(*flat.geom());
                    self.flat.insert(flat);
                    self.sphere.insert(sphere);
                    self.zorder.insert(z);
                }
                self.real_sheets += usize::from(!indexed.sample);
                self.list(sheet.id, &indexed);
                self.sheets.insert(sheet.id, indexed);
            }
        }
        touched
    }

    /// Removes a sheet and its places, returning their positions; no-op for an unknown id.
    pub fn remove(&mut self, id: SheetId) -> Vec<[f64; 2]> {
        let Some(old) = self.sheets.remove(&id) else { return vec![] };
        self.real_sheets -= usize::from(!old.sample);
        self.text.remove(old.doc);
        self.by_authority.remove(old.authority as usize, id);
        for &s in &old.services {
            self.by_service.remove(s as usize, id);
        }
        let mut touched = vec![];
        for (flat, sphere, z) in tree_points(id, &old) {
            touched.push(*flat.geom());
            self.flat.remove(&flat);
            self.sphere.remove(&sphere);
            self.zorder.remove(&z);
        }
        touched
    }

    /// Adds a sheet to the lists by authority and by service.
    fn list(&mut self, id: SheetId, sheet: &IndexedSheet) {
        self.by_authority.add(sheet.authority as usize, id);
        for &s in &sheet.services {
            self.by_service.add(s as usize, id);
        }
    }

    pub fn len(&self) -> usize {
        self.sheets.len()
    }

    /// Row of the authority with this code, if the index knows it.
    pub fn authority_row_of(&self, code: &str) -> Option<u32> {
        self.authority_rows.get(code).copied()
    }

    /// The published sheets of an authority row, in id order.
    pub fn sheets_of_authority(&self, row: u32) -> Vec<(SheetId, &IndexedSheet)> {
        let mut ids = self.by_authority.get(row as usize).to_vec();
        ids.sort_unstable();
        ids.into_iter().filter_map(|id| self.sheets.get(&id).map(|s| (id, s))).collect()
    }

    /// The published sheets filed under a service (dense index), in no particular order.
    pub fn sheets_with_service(&self, service: u16) -> &[SheetId] {
        self.by_service.get(service as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.sheets.is_empty()
    }

    pub fn place_count(&self) -> usize {
        self.flat.size()
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    pub fn referential(&self) -> &Referential {
        &self.referential
    }

    pub fn sheet(&self, id: SheetId) -> Option<&IndexedSheet> {
        self.sheets.get(&id)
    }

    pub fn authority(&self, sheet: &IndexedSheet) -> &IndexedAuthority {
        &self.authorities[sheet.authority as usize]
    }

    /// Every authority known to the index (labelled or only owning sheets).
    pub fn authorities(&self) -> &[IndexedAuthority] {
        &self.authorities
    }

    /// Every indexed place in Z-order, for tiles.
    pub fn zorder(&self) -> &ZOrder {
        &self.zorder
    }

    /// Whether the place of a sheet passes the filter (and the sheet too).
    pub fn place_matches(&self, filter: &Filter, id: SheetId, place: u16) -> bool {
        let Some(sheet) = self.sheets.get(&id) else { return false };
        filter.sheet_matches(self, sheet) && sheet.places.get(place as usize).is_some_and(|p| filter.place_matches(self, p))
    }

    /// Whether every indexed sheet is generated sample data (and there is at least one).
    pub fn all_sample(&self) -> bool {
        !self.sheets.is_empty() && self.real_sheets == 0
    }

    /// Sheets whose text has every word of `query` (see [`text`]), with their relevance.
    pub fn search(&self, query: &str) -> TextHits {
        self.text.search(query)
    }

    /// The words of an indexed text (a sheet's title) with their term numbers; see
    /// [`TextIndex::known_terms`].
    pub fn known_terms<'t>(&self, text: &'t str) -> impl Iterator<Item = (&'t str, u32)> {
        self.text.known_terms(text)
    }

    /// Matching sheets most relevant first (the filter must have a text query), `limit` at
    /// most after the first `offset`; the offset of the next page when more follow.
    pub fn page_by_relevance(&self, filter: &Filter, offset: usize, limit: usize) -> (Vec<SheetId>, Option<usize>) {
        let Some(hits) = filter.text_hits(self) else { return (vec![], None) };
        let wanted = offset + limit + 1;
        // The best few hits, widened while the other filters reject too many of them.
        let mut take = (wanted * 4).max(64);
        let mut ids: Vec<SheetId> = loop {
            let matching: Vec<SheetId> = hits
                .top(take)
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| self.sheets.get(id).is_some_and(|s| filter.matches(self, s)))
                .collect();
            if matching.len() >= wanted || take >= hits.len() {
                break matching;
            }
            take *= 8;
        };
        ids.drain(..offset.min(ids.len()));
        let more = ids.len() > limit;
        ids.truncate(limit);
        (ids, more.then_some(offset + limit))
    }

    /// Matching sheets in id order, `limit` at most, after the id `after`.
    pub fn page(&self, filter: &Filter, after: Option<SheetId>, limit: usize) -> Page {
        let start = after.map_or(SheetId::MIN, |a| a.saturating_add(1));
        let ids: Vec<SheetId> = match &filter.bbox {
            Some(b) => {
                // The envelope narrows to the sheets with a place in the bbox; sort for paging.
                let envelope = AABB::from_corners([b.min_lon, b.min_lat], [b.max_lon, b.max_lat]);
                let mut ids: Vec<SheetId> =
                    self.flat.locate_in_envelope(&envelope).map(|p| p.data.sheet).filter(|&id| id >= start).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.into_iter().filter(|id| filter.matches(self, &self.sheets[id])).take(limit + 1).collect()
            }
            None => self.sheets.range(start..).filter(|(_, s)| filter.matches(self, s)).map(|(&id, _)| id).take(limit + 1).collect(),
        };
        Page::from_overfetch(ids, limit)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::model::{GeocodeMethod, NewInitiative, Place, Precision};
    use crate::service::{default_data_dir, load_gazetteer};

    fn inputs() -> (Arc<Gazetteer>, Arc<Referential>) {
        static G: OnceLock<Arc<Gazetteer>> = OnceLock::new();
        let g = G.get_or_init(|| Arc::new(load_gazetteer(&default_data_dir()).unwrap())).clone();
        (g, Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap()))
    }

    fn sheet(id: SheetId, services: &[&str], year: u16, places: &[(&str, f64, f64)], status: Status) -> Initiative {
        let places = places
            .iter()
            .map(|&(commune, lon, lat)| Place {
                label: None,
                address: None,
                postal_code: None,
                commune: commune.into(),
                lon,
                lat,
                precision: Precision::Commune,
                method: GeocodeMethod::InseeCode,
            })
            .collect();
        let sheet = NewInitiative {
            source: "t".into(),
            external_id: id.to_string(),
            authority: "62548".into(),
            title: format!("sheet {id}"),
            summary: String::new(),
            body: String::new(),
            services: services.iter().map(|s| s.to_string()).collect(),
            year,
            website: None,
            places,
            status,
            sample: false,
            updated_by: "t".into(),
            source_data: Default::default(),
        };
        Initiative { id, sheet, created_at: String::new(), updated_at: String::new() }
    }

    const MARCK: (&str, f64, f64) = ("62548", 1.9557, 50.9491);
    const CALAIS: (&str, f64, f64) = ("62193", 1.8587, 50.9513);
    const PARIS_11: (&str, f64, f64) = ("75111", 2.3795, 48.8585);

    #[test]
    fn writes_move_and_remove_places() {
        let (g, r) = inputs();
        let mut index = SpatialIndex::build(g, r, vec![], vec![sheet(1, &["1.b.2.1"], 2017, &[MARCK], Status::Published)]);
        assert_eq!((index.len(), index.place_count()), (1, 1));
        assert!(!index.all_sample(), "a real sheet");
        // The sheet moves to Paris and gains a place in Calais.
        index.apply(&[sheet(1, &["1.b.2.1"], 2017, &[PARIS_11, CALAIS], Status::Published)]);
        assert_eq!((index.len(), index.place_count()), (1, 2));
        let near_marck = index.nearby([MARCK.1, MARCK.2], None, 5, &Filter::default());
        assert_eq!(near_marck.len(), 1);
        assert_eq!(near_marck[0].place, 1, "the Calais place is the closest");
        // Unpublished, it leaves the index entirely.
        index.apply(&[sheet(1, &["1.b.2.1"], 2017, &[PARIS_11, CALAIS], Status::Draft)]);
        assert_eq!((index.len(), index.place_count()), (0, 0));
        assert!(!index.all_sample(), "an empty index holds no sample data");
        assert!(index.nearby([MARCK.1, MARCK.2], None, 5, &Filter::default()).is_empty());
        let mut sample = sheet(2, &["1.b.2.1"], 2017, &[MARCK], Status::Published);
        sample.sheet.sample = true;
        index.apply(&[sample]);
        assert!(index.all_sample());
    }

    #[test]
    fn filters_and_paging_agree() {
        let (g, r) = inputs();
        let sheets = vec![
            sheet(1, &["1.b.2.1"], 2017, &[MARCK], Status::Published),
            sheet(2, &["3.a.1.1"], 2019, &[CALAIS], Status::Published),
            sheet(3, &["1.a.1.1", "3.a.1.2"], 2019, &[PARIS_11], Status::Published),
            sheet(4, &["1.a.1.1"], 2019, &[PARIS_11], Status::Draft),
        ];
        let index = SpatialIndex::build(g.clone(), r.clone(), vec![], sheets);
        let theme3 = Filter {
            services: vec![ServiceSet::new(r.services_under("3", crate::referential::Level::Theme).unwrap().iter().copied())],
            ..Filter::default()
        };
        assert_eq!(index.page(&theme3, None, 10).ids, [2, 3]);
        let y2019 = Filter { years: Some(2019..=2019), ..Filter::default() };
        assert_eq!(index.page(&y2019, None, 10).ids, [2, 3]);
        let paris = Filter { communes: Some(vec![g.index_of("75056").unwrap()]), ..Filter::default() };
        assert_eq!(index.page(&paris, None, 10).ids, [3]);
        let pas_de_calais = Filter { departements: Some(vec!["62".into()]), ..Filter::default() };
        assert_eq!(index.page(&pas_de_calais, None, 10).ids, [1, 2]);
        let north = Filter { bbox: Some(Bbox { min_lon: 1.0, min_lat: 50.0, max_lon: 3.0, max_lat: 51.5 }), ..Filter::default() };
        let first = index.page(&north, None, 1);
        assert_eq!((first.ids.as_slice(), first.next_after), ([1].as_slice(), Some(1)));
        let second = index.page(&north, first.next_after, 1);
        assert_eq!((second.ids.as_slice(), second.next_after), ([2].as_slice(), None));
    }

    #[test]
    fn nearby_gives_the_closest_matching_sheets_whichever_way_it_gathers_them() {
        let (g, r) = inputs();
        let sample = crate::sample::generate(&g, &r, 3_000, 7);
        let sheets: Vec<Initiative> = sample
            .initiatives
            .into_iter()
            .enumerate()
            .map(|(i, sheet)| Initiative { id: i as i64 + 1, sheet, created_at: String::new(), updated_at: String::new() })
            .collect();
        let index = SpatialIndex::build(g, r.clone(), sample.authorities, sheets);
        let set = |code: &str, level| ServiceSet::new(r.services_under(code, level).unwrap().iter().copied());
        // A service (few sheets: measured one by one), a theme (many: the tree is walked), and both.
        let filters = [
            vec![set("1.b.2.1", crate::referential::Level::Service)],
            vec![set("2", crate::referential::Level::Theme)],
            vec![set("2", crate::referential::Level::Theme), set("2.a.1", crate::referential::Level::Use)],
        ];
        for origin in [[1.9557, 50.9491], [5.37, 43.30], [-61.53, 16.25]] {
            for services in &filters {
                let filter = Filter { services: services.clone(), ..Filter::default() };
                let got: Vec<(SheetId, u16)> = index.nearby(origin, None, 10, &filter).iter().map(|n| (n.sheet, n.place)).collect();
                let mut all: Vec<Near> = index
                    .sheets
                    .iter()
                    .filter(|(_, s)| filter.sheet_matches(&index, s))
                    .filter_map(|(&id, _)| index.closest_place(id, origin, &filter))
                    .collect();
                all.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.sheet.cmp(&b.sheet)));
                let want: Vec<(SheetId, u16)> = all.iter().take(10).map(|n| (n.sheet, n.place)).collect();
                assert_eq!(got, want, "{origin:?}");
            }
        }
    }
}
