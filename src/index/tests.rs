//! The index as a whole: writes, filters with paging, and nearby against a brute-force answer.

use std::sync::{Arc, OnceLock};

use super::*;
use crate::gazetteer::{Gazetteer, default_data_dir};
use crate::index::filter::TextQuery;
use crate::model::Bbox;
use crate::model::{GeocodeMethod, Initiative, NewInitiative, Place, Precision, Status};

pub(crate) fn inputs() -> (Arc<Gazetteer>, Arc<Referential>) {
    static G: OnceLock<Arc<Gazetteer>> = OnceLock::new();
    let g = G.get_or_init(|| Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap())).clone();
    (g, Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap()))
}

pub(crate) fn sheet(id: SheetId, services: &[&str], year: u16, places: &[(&str, f64, f64)], status: Status) -> Initiative {
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
    Initiative { id, sheet, created_at: String::new(), updated_at: String::new(), version: 1 }
}

pub(crate) const MARCK: (&str, f64, f64) = ("62548", 1.9557, 50.9491);
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

/// A batch naming a sheet twice leaves it as its last version, whether the batch is small
/// enough to be applied place by place or merged into the Z-order at once.
#[test]
fn a_sheet_given_twice_in_one_batch_ends_as_its_last_version() {
    let (g, r) = inputs();
    for others in [0, 400] {
        let at = |id, place| sheet(id, &["1.b.2.1"], 2017, &[place], Status::Published);
        let mut index = SpatialIndex::build(g.clone(), r.clone(), vec![], (1..=others + 1).map(|id| at(id, MARCK)).collect());
        let mut batch: Vec<Initiative> = (2..=others + 1).map(|id| at(id, PARIS_11)).collect();
        batch.extend([at(1, PARIS_11), at(1, CALAIS)]);
        index.apply(&batch);
        assert_eq!((index.len(), index.place_count()), (others as usize + 1, others as usize + 1), "{others} others");
        let paris = Bbox { min_lon: PARIS_11.1 - 0.01, min_lat: PARIS_11.2 - 0.01, max_lon: PARIS_11.1 + 0.01, max_lat: PARIS_11.2 + 0.01 };
        assert!(!index.sheets_in_bbox(&paris).contains(&1), "sheet 1 left Paris in the same batch ({others} others)");
        let near_calais = index.nearby([CALAIS.1, CALAIS.2], None, 1, &Filter::default());
        assert_eq!((near_calais[0].sheet, near_calais[0].distance_m), (1, 0.0));
    }
}

/// A server edits the same sheets for ever: the text index compacts now and then, not on every
/// edit, with search right throughout.
#[test]
fn steady_edits_compact_the_text_index_now_and_then() {
    let (g, r) = inputs();
    let titled = |id: SheetId, word: &str| {
        let mut s = sheet(id, &["1.b.2.1"], 2020, &[MARCK], Status::Published);
        s.sheet.title = format!("Atelier {word} {id}");
        s
    };
    let mut index = SpatialIndex::build(g, r, vec![], (0..500).map(|id| titled(id, "tablettes")).collect());
    let edits = 20_000;
    for n in 0..edits {
        let word = if n % 2 == 0 { "liseuses" } else { "tablettes" };
        index.apply(&[titled(n % 500, word)]);
    }
    let compactions = index.text_compactions();
    // Each compaction waits for 1,024 dead documents (500 live): about one per 1,024 edits.
    assert!((15..=25).contains(&compactions), "{compactions} compactions for {edits} edits");
    let numbered = index.text.numbered();
    assert!(numbered <= 500 + 1025, "document numbers are reused after a compaction: {numbered} given for 500 sheets");
    // The last edit of each sheet is what search finds: even ids say "liseuses".
    let liseuses: Vec<SheetId> = index.search("liseuses").top(1000).into_iter().map(|(id, _)| id).collect();
    assert_eq!(liseuses.len(), 250);
    assert!(liseuses.iter().all(|id| id % 2 == 0));
    assert_eq!(index.search("tablettes").len(), 250);
    let filter = Filter { text: Some(TextQuery::new("liseuses")), ..Filter::default() };
    let page = index.page(&filter, None, 1000).ids;
    assert_eq!(
        page,
        liseuses.iter().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>(),
        "a text filter after compactions"
    );
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
    // Counts are of the same sheets as the pages, drafts left out.
    let counts = [&theme3, &y2019, &paris, &pas_de_calais, &north, &Filter::default()].map(|f| index.count(f));
    assert_eq!(counts, [2, 2, 1, 2, 2, 3]);
}

#[test]
fn nearby_gives_the_closest_matching_sheets_whichever_way_it_gathers_them() {
    let (g, r) = inputs();
    let sample = crate::sample::generate(&g, &r, 3_000, 7);
    let sheets: Vec<Initiative> = sample
        .initiatives
        .into_iter()
        .enumerate()
        .map(|(i, sheet)| Initiative { id: i as i64 + 1, sheet, created_at: String::new(), updated_at: String::new(), version: 1 })
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

/// The box of a listing, read from the Z-order, against every place tested one by one: many
/// places in clusters (a town's sheets share its point), boxes of every size, and boxes whose
/// edges pass exactly through places or a hair beside them.
#[test]
fn a_box_holds_exactly_the_places_inside_it() {
    use rand::{Rng, SeedableRng};
    let (g, r) = inputs();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    let towns: Vec<(f64, f64)> = (0..300).map(|_| (rng.random_range(-5.0..9.0), rng.random_range(41.0..51.5))).collect();
    let mut points = vec![];
    let sheets: Vec<Initiative> = (1..=3_000)
        .map(|id| {
            let (lon, lat) =
                if id % 3 == 0 { (rng.random_range(-5.0..9.0), rng.random_range(41.0..51.5)) } else { towns[id as usize % towns.len()] };
            points.push((id, lon, lat));
            sheet(id, &["1.b.2.1"], 2020, &[("62548", lon, lat)], Status::Published)
        })
        .collect();
    let index = SpatialIndex::build(g, r, vec![], sheets);
    let brute = |b: &Bbox| {
        let mut ids: Vec<SheetId> = points
            .iter()
            .filter(|&&(_, lon, lat)| (b.min_lon..=b.max_lon).contains(&lon) && (b.min_lat..=b.max_lat).contains(&lat))
            .map(|p| p.0)
            .collect();
        ids.sort_unstable();
        ids
    };
    let from_index = |b: &Bbox| {
        let mut ids = index.sheets_in_bbox(b);
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    for case in 0..2_000 {
        let (w, h) = [(0.01, 0.01), (0.3, 0.2), (2.0, 1.5), (20.0, 20.0)][case % 4];
        let (lon, lat) = (rng.random_range(-6.0..9.0), rng.random_range(40.0..52.0));
        let mut b = Bbox { min_lon: lon, min_lat: lat, max_lon: lon + w, max_lat: lat + h };
        // Every other box has an edge through a place, or just past one.
        if case % 2 == 1 {
            let (_, plon, plat) = points[rng.random_range(0..points.len())];
            let nudge = [0.0, 1e-12, -1e-12, 1e-9][case / 2 % 4];
            match case / 8 % 4 {
                0 => b.min_lon = plon + nudge,
                1 => b.max_lon = plon + nudge,
                2 => b.min_lat = plat + nudge,
                _ => b.max_lat = plat + nudge,
            }
            b.max_lon = b.max_lon.max(b.min_lon);
            b.max_lat = b.max_lat.max(b.min_lat);
        }
        assert_eq!(from_index(&b), brute(&b), "box {b:?}");
    }
    // The whole world, and a box with no width.
    let world = Bbox { min_lon: -180.0, min_lat: -90.0, max_lon: 180.0, max_lat: 90.0 };
    assert_eq!(from_index(&world).len(), 3_000);
    let (_, lon, lat) = points[0];
    assert_eq!(
        from_index(&Bbox { min_lon: lon, min_lat: lat, max_lon: lon, max_lat: lat }),
        brute(&Bbox { min_lon: lon, min_lat: lat, max_lon: lon, max_lat: lat })
    );
    assert!(!brute(&Bbox { min_lon: lon, min_lat: lat, max_lon: lon, max_lat: lat }).is_empty());
}

/// Each authority with a point is found in the square of every zoom that holds it, and in no
/// other; a change of authorities shows at once.
#[test]
fn authorities_are_found_in_the_squares_that_hold_them() {
    let (g, r) = inputs();
    let s = crate::sample::generate(&g, &r, 2_000, 3);
    let mut index = SpatialIndex::build(g.clone(), r, s.authorities.clone(), vec![]);
    // The square of a zoom that holds a point: its cell of the finest grid, shifted.
    let square_of = |z: u8, [lon, lat]: [f64; 2]| {
        let (x, y) = zorder::ZPoint::new(0, 0, [lon, lat], 0).cell();
        ((u64::from(x) >> (32 - z)) as u32, (u64::from(y) >> (32 - z)) as u32)
    };
    let placed = |index: &SpatialIndex| index.authorities().iter().filter(|a| a.point.is_some()).count();
    assert!(placed(&index) > 100);
    for z in [0u8, 6, 10, 16] {
        let mut seen = std::collections::HashSet::new();
        for a in index.authorities().iter().filter(|a| a.point.is_some()) {
            let (x, y) = square_of(z, a.point.unwrap());
            assert!(index.authorities_in_square(z, x, y).any(|b| b.code == a.code), "{} at z{z}", a.code);
            if seen.insert((x, y)) {
                assert!(index.authorities_in_square(z, x, y).all(|b| square_of(z, b.point.unwrap()) == (x, y)));
            }
        }
        let found: usize = seen.iter().map(|&(x, y)| index.authorities_in_square(z, x, y).count()).sum();
        assert_eq!(found, placed(&index), "z{z}");
    }
    // An authority moved to another commune is found there, and no longer where it was.
    let mut moved = s.authorities.into_iter().find(|a| a.commune.is_some()).unwrap();
    let from = g.commune(moved.commune.as_deref().unwrap()).unwrap().point;
    let to = g.commune("62548").unwrap().point;
    moved.commune = Some("62548".into());
    index.upsert_authorities(std::slice::from_ref(&moved));
    let at = |point: [f64; 2]| {
        let (x, y) = square_of(14, point);
        index.authorities_in_square(14, x, y).any(|b| *b.code == moved.code)
    };
    assert!(at(to) && (from == to || !at(from)));
}
