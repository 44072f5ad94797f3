//! Vector tiles, decoded: clusters add up, filters narrow, single places land where they are,
//! boundaries come from the gazetteer, bad addresses are 400s, ETag/304/gzip, and a write
//! drops exactly the cached tiles that draw it.

mod common;

use std::io::Read;

use atlaas::index::Filter;
use atlaas::model::{GeocodeMethod, LabelAward, NewInitiative, Place, Precision, Status};
use atlaas::store::WriteBatch;
use common::TestApp;
use common::mvt::{self, EXTENT, is_cluster, string, tile_of, to_lon_lat, to_tile, uint};
use serde_json::{Value, json};

const MARCK: (f64, f64) = (1.9557, 50.9491);

/// Every place of every published sheet, as `(sheet id, lon, lat, main theme code)`.
fn all_places(app: &TestApp) -> Vec<(i64, f64, f64, String)> {
    all_places_with_themes(app).into_iter().map(|(id, lon, lat, themes)| (id, lon, lat, themes[0].clone())).collect()
}

/// Every place with the themes of all its sheet's services, main one first.
fn all_places_with_themes(app: &TestApp) -> Vec<(i64, f64, f64, Vec<String>)> {
    let index = app.state.index();
    let r = index.referential();
    let ids = index.page(&Filter::default(), None, 1_000_000).ids;
    let mut out = vec![];
    for id in ids {
        let sheet = index.sheet(id).unwrap();
        let themes: Vec<String> = sheet.services.iter().map(|&s| r.ancestry(s)[0].code.clone()).collect();
        for p in sheet.places.iter() {
            out.push((id, p.lon, p.lat, themes.clone()));
        }
    }
    out
}

/// Sum of the counts of what a tile draws inside its own square (not its buffer).
fn count_inside(tile: &mvt::Decoded) -> u64 {
    tile.layer("initiatives")
        .iter()
        .filter(|f| {
            let (x, y) = mvt::point(f);
            (0.0..EXTENT).contains(&x) && (0.0..EXTENT).contains(&y)
        })
        .map(|f| if is_cluster(f) { uint(f, "count").unwrap() } else { 1 })
        .sum()
}

fn inside(z: u8, x: u32, y: u32, lon: f64, lat: f64) -> bool {
    let (px, py) = to_tile(z, x, y, lon, lat);
    (0.0..EXTENT).contains(&px) && (0.0..EXTENT).contains(&py)
}

#[tokio::test]
async fn cluster_counts_add_up_to_the_places_of_the_tile_at_every_zoom() {
    let app = TestApp::spawn().await;
    let places = all_places(&app);
    let mut checked_clusters = 0;
    for z in 0..=17u8 {
        for (lon, lat) in [MARCK, (2.3522, 48.8566), (5.3698, 43.2965), (-1.5536, 47.2184)] {
            let (x, y) = tile_of(z, lon, lat);
            let tile = app.tile(z, x, y, "").await;
            let expected = places.iter().filter(|(_, plon, plat, _)| inside(z, x, y, *plon, *plat)).count() as u64;
            assert_eq!(count_inside(&tile), expected, "tile {z}/{x}/{y}");
            for f in tile.layer("initiatives").iter().filter(|f| is_cluster(f)) {
                let count = uint(f, "count").unwrap();
                let per_theme: u64 = ["1", "2", "3", "4"].iter().map(|t| uint(f, &format!("theme_{t}")).unwrap()).sum();
                assert_eq!(per_theme, count, "per-theme counts of a cluster in {z}/{x}/{y}");
                let expansion = uint(f, "expansion_zoom").unwrap();
                assert!(expansion > z as u64 && expansion <= 15, "expansion zoom {expansion} at z{z}");
                checked_clusters += 1;
            }
            if z >= 15 {
                assert!(tile.layer("initiatives").iter().all(|f| !is_cluster(f)), "single places past zoom 14");
            }
        }
    }
    assert!(checked_clusters > 50, "the sample makes clusters ({checked_clusters})");
}

#[tokio::test]
async fn single_places_carry_their_fields_and_land_within_a_pixel() {
    let app = TestApp::spawn().await;
    let places = all_places(&app);
    let (id, lon, lat, theme) = places[places.len() / 2].clone();
    let z = 17;
    let (x, y) = tile_of(z, lon, lat);
    let tile = app.tile(z, x, y, "").await;
    let f = tile.layer("initiatives").iter().find(|f| uint(f, "id") == Some(id as u64)).expect("the sheet is in its tile");
    assert_eq!(f.id, Some(id as u64));
    let (px, py) = mvt::point(f);
    let [flon, flat] = to_lon_lat(z, x, y, px, py);
    let pixel_deg = 360.0 / 2f64.powi(z as i32) / EXTENT;
    assert!((flon - lon).abs() <= pixel_deg && (flat - lat).abs() <= pixel_deg, "{flon},{flat} vs {lon},{lat}");
    let json = app.ok(&format!("/api/initiatives/{id}")).await;
    assert_eq!(string(f, "title"), json["properties"]["title"].as_str());
    assert_eq!(string(f, "theme"), Some(theme.as_str()));
    assert_eq!(uint(f, "year"), json["properties"]["year"].as_u64());
    assert!(string(f, "commune").is_some_and(|c| !c.is_empty()));
    assert!(uint(f, "arobases").is_some());
}

#[tokio::test]
async fn filters_narrow_the_clusters() {
    let app = TestApp::spawn().await;
    let (x, y) = tile_of(4, 2.35, 46.6);
    let all = app.tile(4, x, y, "").await;
    let theme1 = app.tile(4, x, y, "?theme=1").await;
    // Theme 1 leaves the places of sheets with a service of theme 1, main or not.
    let places = all_places_with_themes(&app);
    let expected =
        places.iter().filter(|(_, lon, lat, themes)| inside(4, x, y, *lon, *lat) && themes.iter().any(|t| t == "1")).count() as u64;
    let filtered = count_inside(&theme1);
    assert_eq!(filtered, expected);
    assert!(filtered > 0 && filtered < count_inside(&all), "{filtered} of {}", count_inside(&all));
    let recent = count_inside(&app.tile(4, x, y, "?year=2019-2020&departement=62,59").await);
    assert!(recent < count_inside(&all));
    // Filters are checked as everywhere else.
    let (status, _, body) = app.get_bytes(&format!("/tiles/4/{x}/{y}.mvt?theme=9"), &[]).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = app.get_bytes(&format!("/tiles/4/{x}/{y}.mvt?colour=red"), &[]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn boundaries_follow_the_zoom() {
    let app = TestApp::spawn().await;
    let levels = |t: &mvt::Decoded| {
        let mut l: Vec<String> = t.layer("boundaries").iter().map(|f| string(f, "level").unwrap().to_owned()).collect();
        l.sort();
        l.dedup();
        l
    };
    let world = app.tile(0, 0, 0, "").await;
    assert_eq!(levels(&world), ["region"]);
    assert_eq!(world.layer("boundaries").len(), 18, "13 metropolitan and 5 overseas régions");
    let (x, y) = tile_of(6, MARCK.0, MARCK.1);
    let z6 = app.tile(6, x, y, "").await;
    assert_eq!(levels(&z6), ["departement", "region"]);
    assert!(z6.layer("boundaries").iter().any(|f| string(f, "code") == Some("62") && string(f, "name") == Some("Pas-de-Calais")));
    let (x, y) = tile_of(11, MARCK.0, MARCK.1);
    let z11 = app.tile(11, x, y, "").await;
    let marck = z11.layer("boundaries").iter().find(|f| string(f, "code") == Some("62548")).expect("Marck's boundary");
    assert_eq!(string(marck, "name"), Some("Marck"));
    assert!(matches!(marck.geometry, geo_types::Geometry::Polygon(_) | geo_types::Geometry::MultiPolygon(_)));
}

#[tokio::test]
async fn addresses_off_the_grid_are_400s() {
    let app = TestApp::spawn_with(None).await;
    for path in [
        "/tiles/23/0/0.mvt",
        "/tiles/40/0/0.mvt",
        "/tiles/3/8/0.mvt",
        "/tiles/3/0/8.mvt",
        "/tiles/-1/0/0.mvt",
        "/tiles/a/0/0.mvt",
        "/tiles/2/1/x.mvt",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
    }
    let (status, _) = app.get("/tiles/2/1/1.png").await;
    assert_eq!(status, 404);
    // An empty store still answers tiles (with boundaries only).
    let t = app.tile(2, 2, 1, "").await;
    assert!(t.layer("initiatives").is_empty() && !t.layer("boundaries").is_empty());
}

#[tokio::test]
async fn tiles_revalidate_with_etags_and_compress() {
    let app = TestApp::spawn().await;
    let (x, y) = tile_of(7, MARCK.0, MARCK.1);
    let path = format!("/tiles/7/{x}/{y}.mvt");
    let (status, headers, plain) = app.get_bytes(&path, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/vnd.mapbox-vector-tile");
    assert!(headers["cache-control"].to_str().unwrap().contains("max-age="));
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, body) = app.get_bytes(&path, &[("if-none-match", &etag)]).await;
    assert_eq!((status, body.len()), (304, 0));
    let (status, _, body) = app.get_bytes(&path, &[("if-none-match", "\"0000000000000000\"")]).await;
    assert_eq!((status, body), (200, plain.clone()), "another version's tag gets the tile");
    let (status, headers, gz) = app.get_bytes(&path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(gz.len() < plain.len());
    let mut unzipped = vec![];
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain);
    // The gzip ETag revalidates too.
    let gz_etag = headers["etag"].to_str().unwrap().to_owned();
    assert_ne!(gz_etag, etag);
    let (status, _, _) = app.get_bytes(&path, &[("if-none-match", &gz_etag), ("accept-encoding", "gzip")]).await;
    assert_eq!(status, 304);
}

#[tokio::test]
async fn a_write_changes_the_tile_that_holds_it_and_no_other_cached_tile() {
    let app = TestApp::spawn().await;
    let z = 12;
    let (mx, my) = tile_of(z, MARCK.0, MARCK.1);
    let (ox, oy) = tile_of(z, 5.3698, 43.2965);
    let marck = format!("/tiles/{z}/{mx}/{my}.mvt");
    let other = format!("/tiles/{z}/{ox}/{oy}.mvt");
    let low = "/tiles/2/2/1.mvt".to_owned();
    for path in [&marck, &other, &low] {
        app.get_bytes(path, &[]).await;
        let (_, headers, _) = app.get_bytes(path, &[]).await;
        assert_eq!(headers["x-cache"], "hit", "{path} is cached");
    }
    let before = count_inside(&mvt::decode(&app.get_bytes(&marck, &[]).await.2));
    let (_, other_headers, _) = app.get_bytes(&other, &[]).await;

    // A new published sheet at Marck's town hall, written and applied as a writer does.
    let place = Place {
        label: None,
        address: None,
        postal_code: Some("62730".into()),
        commune: "62548".into(),
        lon: MARCK.0,
        lat: MARCK.1,
        precision: Precision::Commune,
        method: GeocodeMethod::InseeCode,
    };
    let sheet = NewInitiative {
        source: "test".into(),
        external_id: "tile-write".into(),
        authority: "62548".into(),
        title: "Conseil municipal des jeunes en ligne".into(),
        summary: String::new(),
        body: String::new(),
        services: vec!["1.a.1.1".into()],
        year: 2024,
        website: None,
        places: vec![place],
        status: Status::Published,
        sample: false,
        updated_by: "test".into(),
        source_data: Default::default(),
    };
    let authority = common::gazetteer().authority("62548").expect("Marck is a commune");
    let existing = app.state.store.authority("62548").await.unwrap();
    let authorities = if existing.is_some() { vec![] } else { vec![authority] };
    let written = app.state.store.write(WriteBatch { authorities, initiatives: vec![sheet], ..Default::default() }).await.unwrap();
    app.state.apply_written(&written).await;

    let (_, headers, body) = app.get_bytes(&marck, &[]).await;
    assert_eq!(headers["x-cache"], "miss", "the tile holding the write is made again");
    assert_eq!(count_inside(&mvt::decode(&body)), before + 1);
    let (_, headers, _) = app.get_bytes(&low, &[]).await;
    assert_eq!(headers["x-cache"], "miss", "so is the low-zoom tile that holds Marck");
    let (_, headers, _) = app.get_bytes(&other, &[]).await;
    assert_eq!(headers["x-cache"], "hit", "a tile far away stays cached");
    assert_eq!(headers["etag"], other_headers["etag"]);
}

#[tokio::test]
async fn tilejson_and_style_describe_the_tiles() {
    let app = TestApp::spawn().await;
    let tj = app.ok("/tiles.json?theme=2").await;
    assert_eq!(tj["tilejson"], "3.0.0");
    let url = tj["tiles"][0].as_str().unwrap();
    assert!(url.starts_with(&app.base) && url.ends_with("/tiles/{z}/{x}/{y}.mvt?theme=2"), "{url}");
    let ids: Vec<&str> = tj["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["initiatives", "authorities", "boundaries"]);
    assert!(tj["vector_layers"][0]["fields"]["expansion_zoom"].is_string());
    assert!(tj["attribution"].as_str().unwrap().contains("INSEE"));
    assert!(tj["attribution"].as_str().unwrap().contains("exemple"), "sample data is said");
    let [w, s, e, n] = [0, 1, 2, 3].map(|i| tj["bounds"][i].as_f64().unwrap());
    assert!(w < -61.0 && e > 55.0 && s < -20.0 && n > 51.0, "France with its overseas départements");
    let style = app.ok("/style.json").await;
    assert_eq!(style["version"], 8);
    assert_eq!(style["sources"]["atlaas"]["url"], format!("{}/tiles.json", app.base));
    assert_eq!(style["glyphs"], format!("{}/fonts/{{fontstack}}/{{range}}.pbf", app.base));
    let labels: Vec<&Value> = style["layers"].as_array().unwrap().iter().filter(|l| l["type"] == "symbol").collect();
    assert_eq!(labels.len(), 3, "commune names, authority names, cluster counts");
    for layer in labels {
        assert_eq!(layer["layout"]["text-font"], json!(["DejaVu Sans Book"]), "{layer}");
    }
    let (status, _) = app.get("/tiles.json?year=soon").await;
    assert_eq!(status, 400);
}

/// The glyphs the style points to, as a renderer fetches them: the font named in the style's
/// layers, a range as the URL template writes it, decoded; the catalogue lists the font.
#[tokio::test]
async fn the_style_fonts_are_served_as_renderers_ask() {
    use pbf_font_tools::prost::Message;
    let app = TestApp::spawn().await;
    let catalogue = app.ok("/fonts").await;
    assert_eq!(catalogue["fonts"][0]["name"], "DejaVu Sans Book");
    assert!(catalogue["fonts"][0]["glyphs"].as_u64().unwrap() > 3000);
    let (status, headers, body) = app.get_bytes("/fonts/DejaVu%20Sans%20Book/0-255.pbf", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/x-protobuf");
    let glyphs = pbf_font_tools::Glyphs::decode(body.as_slice()).unwrap();
    let stack = &glyphs.stacks[0];
    assert_eq!((stack.name.as_str(), stack.range.as_str()), ("DejaVu Sans Book", "0-255"));
    assert!(['É', '@', '-', 'ç'].iter().all(|c| stack.glyphs.iter().any(|g| g.id == *c as u32)));
    // Compressed once, the same glyphs; revalidated by ETag.
    let (_, headers, br) = app.get_bytes("/fonts/DejaVu%20Sans%20Book/0-255.pbf", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(headers["content-encoding"], "br");
    assert!(br.len() < body.len() / 3, "{} of {}", br.len(), body.len());
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut br.as_slice(), &mut decoded).unwrap();
    assert_eq!(decoded, body);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = app.get_bytes("/fonts/DejaVu%20Sans%20Book/0-255.pbf", &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    // A stack as another style writes it: the fonts we lack are passed over.
    let (status, _, _) = app.get_bytes("/fonts/Noto%20Sans%20Regular,DejaVu%20Sans%20Book/256-511.pbf", &[]).await;
    assert_eq!(status, 200);
    for (path, expected) in [
        ("/fonts/Noto%20Sans%20Regular/0-255.pbf", 404),
        ("/fonts/DejaVu%20Sans%20Book/0-256.pbf", 400),
        ("/fonts/DejaVu%20Sans%20Book/65536-65791.pbf", 400),
        ("/fonts/DejaVu%20Sans%20Book/0-255", 400),
        ("/fonts/DejaVu%20Sans%20Book/99999999999999999999-0.pbf", 400),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{path}: {body}");
    }
}

/// The `authorities` layer: from zoom 6, every labelled authority whose commune lies in the
/// tile, at its commune's point, with its code, name and latest @, highest @ first; the
/// `arobases` filter narrows it.
#[tokio::test]
async fn the_authorities_layer_shows_the_labelled_authorities_of_the_tile() {
    let app = TestApp::spawn().await;
    let index = app.state.index();
    let (z, (x, y)) = (6u8, tile_of(6, MARCK.0, MARCK.1));
    let expected = |min: u8| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = index
            .authorities()
            .iter()
            .filter(|a| a.arobases >= min)
            .filter_map(|a| a.point.filter(|p| inside(z, x, y, p[0], p[1])).map(|_| (a.code.to_string(), a.arobases as u64)))
            .collect();
        v.sort();
        v
    };
    let drawn = |tile: &mvt::Decoded| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = tile
            .layer("authorities")
            .iter()
            .filter(|f| {
                let (px, py) = mvt::point(f);
                (0.0..EXTENT).contains(&px) && (0.0..EXTENT).contains(&py)
            })
            .map(|f| (string(f, "code").unwrap().to_owned(), uint(f, "arobases").unwrap()))
            .collect();
        v.sort();
        v
    };
    let tile = app.tile(z, x, y, "").await;
    let all = expected(1);
    assert!((3..200).contains(&all.len()), "the sample labels some authorities of northern France, fewer than a tile keeps: {all:?}");
    assert_eq!(drawn(&tile), all);
    for f in tile.layer("authorities") {
        let a = index.authorities().iter().find(|a| *a.code == *string(f, "code").unwrap()).unwrap();
        assert_eq!(string(f, "name"), Some(&*a.name));
        let [lon, lat] = to_lon_lat(z, x, y, mvt::point(f).0, mvt::point(f).1);
        let p = a.point.unwrap();
        assert!((lon - p[0]).abs() < 0.01 && (lat - p[1]).abs() < 0.01, "{} drawn at its commune", a.code);
    }
    let order: Vec<u64> = tile.layer("authorities").iter().map(|f| uint(f, "arobases").unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "highest @ first: {order:?}");
    let three = app.tile(z, x, y, "?arobases=3").await;
    assert_eq!(drawn(&three), expected(3));
    assert!(expected(3).len() < all.len(), "the filter narrows");
    let (x5, y5) = tile_of(5, MARCK.0, MARCK.1);
    assert!(app.tile(5, x5, y5, "").await.layer("authorities").is_empty(), "none below zoom 6");
}

/// Past zoom 14 a tile draws single places, unless more than 1,000 match: then it keeps
/// clusters, whose counts still add up.
#[tokio::test]
async fn a_tile_of_more_than_a_thousand_places_keeps_clusters() {
    let app = TestApp::spawn_with(None).await;
    let z = 16u8;
    let (x, y) = tile_of(z, MARCK.0, MARCK.1);
    // 1,200 places on a 40 × 30 grid well inside the tile; the even years are 600 of them.
    let [west, north] = to_lon_lat(z, x, y, 600.0, 600.0);
    let [east, south] = to_lon_lat(z, x, y, 3400.0, 3400.0);
    let sheets: Vec<NewInitiative> = (0..1200)
        .map(|i| {
            let (lon, lat) = (west + (east - west) * (i % 40) as f64 / 40.0, south + (north - south) * (i / 40) as f64 / 30.0);
            let mut s = common::hand_sheet(&format!("dense-{i}"), "Borne", &["1.a.1.1"], ("62548", lon, lat), Status::Published);
            s.year = 2020 + (i % 2) as u16;
            s
        })
        .collect();
    let authority = common::gazetteer().authority("62548").unwrap();
    let written = app
        .state
        .store
        .write(WriteBatch { authorities: vec![authority.clone()], initiatives: sheets, ..Default::default() })
        .await
        .unwrap();
    app.state.apply_changes(&written, &[], &[authority]).await;

    let dense = app.tile(z, x, y, "").await;
    let features = dense.layer("initiatives");
    assert!(features.iter().all(is_cluster) && features.len() <= 64 * 4, "clusters, not 1,200 points: {}", features.len());
    assert_eq!(count_inside(&dense), 1200);
    let even = app.tile(z, x, y, "?year=2020").await;
    assert!(even.layer("initiatives").iter().all(|f| !is_cluster(f)), "600 match: single places");
    assert_eq!(even.layer("initiatives").len(), 600);
}

/// The authorities layer is drawn once per tile and kept beside the boundaries: a change of
/// labels shows in the very next tile, whether the tile cache held it or not.
#[tokio::test]
async fn a_new_label_shows_in_the_next_tile() {
    let app = TestApp::spawn().await;
    let (z, (x, y)) = (10u8, tile_of(10, MARCK.0, MARCK.1));
    let marck = |tile: &mvt::Decoded| {
        tile.layer("authorities").iter().find(|f| string(f, "code") == Some("62548")).and_then(|f| uint(f, "arobases"))
    };
    // Drawn twice: the second is the cached tile, and the kept authorities part behind it.
    assert_eq!(marck(&app.tile(z, x, y, "").await), marck(&app.tile(z, x, y, "").await));
    let before = marck(&app.tile(z, x, y, "").await);
    let stored = app.state.store.authority("62548").await.unwrap();
    let mut authority = stored.unwrap_or_else(|| common::gazetteer().authority("62548").expect("Marck is a commune"));
    let new_level = if before == Some(5) { 4 } else { 5 };
    authority.awards.push(LabelAward { year: 2031, arobases: new_level, mentions: vec![] });
    app.state.store.write(WriteBatch { authorities: vec![authority.clone()], ..Default::default() }).await.unwrap();
    app.state.apply_changes(&[], &[], &[authority]).await;
    assert_eq!(marck(&app.tile(z, x, y, "").await), Some(u64::from(new_level)));
    assert_eq!(marck(&app.tile(z, x, y, "?year=2000-2040").await), Some(u64::from(new_level)), "and with a filter of sheets");
}
