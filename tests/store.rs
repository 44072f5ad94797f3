//! The store contract: every test runs against SQLite and against a real PostgreSQL + PostGIS
//! (`ATLAAS_TEST_POSTGRES_URL`, which `scripts/test` sets after starting a throw-away cluster).

mod common;

use std::sync::Arc;

use atlaas::model::{Authority, AuthorityKind, GeocodeMethod, LabelAward, NewInitiative, Place, Precision, Status};
use atlaas::referential::Referential;
use atlaas::store::{self, Store, StoreError, WriteBatch};

fn authority() -> Authority {
    Authority {
        code: "62548".into(),
        kind: AuthorityKind::Commune,
        name: "Marck".into(),
        commune: Some("62548".into()),
        departement: Some("62".into()),
        region: Some("32".into()),
        population: 10_676,
        awards: vec![LabelAward { year: 2017, arobases: 2, mentions: vec!["education".into()] }],
    }
}

fn sheet(external_id: &str, status: Status) -> NewInitiative {
    NewInitiative {
        source: "test".into(),
        external_id: external_id.into(),
        authority: "62548".into(),
        title: "Budget participatif".into(),
        summary: "Résumé".into(),
        body: "Corps".into(),
        services: vec!["1.b.2.1".into(), "1.b.2.2".into()],
        year: 2017,
        website: Some("https://www.ville-marck.fr".into()),
        places: vec![
            Place {
                label: Some("Mairie".into()),
                address: None,
                postal_code: Some("62730".into()),
                commune: "62548".into(),
                lon: 1.955739,
                lat: 50.949117,
                precision: Precision::Commune,
                method: GeocodeMethod::InseeCode,
            },
            Place {
                label: Some("Médiathèque".into()),
                address: Some("Rue de Calais".into()),
                postal_code: Some("62730".into()),
                commune: "62548".into(),
                lon: 1.94,
                lat: 50.95,
                precision: Precision::Address,
                method: GeocodeMethod::Coordinates,
            },
        ],
        status,
        sample: false,
        updated_by: "test".into(),
        source_data: Default::default(),
    }
}

/// A fresh, migrated store; the guard keeps its files (SQLite) alive.
async fn fresh(backend: &str) -> (Option<tempfile::TempDir>, Arc<dyn Store>) {
    let (dir, _, store) = common::fresh_store(backend).await;
    (dir, store)
}

common::on_both_backends!(
    writes_read_back_whole,
    rewriting_the_same_source_and_external_id_updates_in_place,
    only_published_sheets_are_loaded_for_the_index,
    published_sheets_come_in_pages_in_id_order,
    bad_writes_are_refused_and_leave_nothing_behind,
    the_referential_is_recorded_by_edition,
    large_batches_keep_each_sheet_with_its_id,
);

async fn writes_read_back_whole(backend: &str) {
    let (_dir, store) = fresh(backend).await;
    let written = store
        .write(WriteBatch { authorities: vec![authority()], initiatives: vec![sheet("a", Status::Published)], ..Default::default() })
        .await
        .unwrap();
    assert_eq!(written.len(), 1);
    let back = store.initiative(written[0].id).await.unwrap().unwrap();
    assert_eq!(back.sheet, sheet("a", Status::Published));
    assert_eq!(back, written[0]);
    assert_eq!(store.authority("62548").await.unwrap().unwrap(), authority());
    assert!(store.authority("00000").await.unwrap().is_none());
    assert!(store.initiative(written[0].id + 1).await.unwrap().is_none());
}

async fn rewriting_the_same_source_and_external_id_updates_in_place(backend: &str) {
    let (_dir, store) = fresh(backend).await;
    let first = store
        .write(WriteBatch { authorities: vec![authority()], initiatives: vec![sheet("a", Status::Published)], ..Default::default() })
        .await
        .unwrap();
    let mut changed = sheet("a", Status::Published);
    changed.title = "Budget participatif, deuxième édition".into();
    changed.places.truncate(1);
    let second = store.write(WriteBatch { authorities: vec![], initiatives: vec![changed.clone()], ..Default::default() }).await.unwrap();
    assert_eq!(first[0].id, second[0].id);
    assert_eq!(store.count_initiatives().await.unwrap(), 1);
    let back = store.initiative(first[0].id).await.unwrap().unwrap();
    assert_eq!(back.sheet, changed);
    assert_eq!(back.created_at, first[0].created_at);
}

async fn only_published_sheets_are_loaded_for_the_index(backend: &str) {
    let (_dir, store) = fresh(backend).await;
    let batch = WriteBatch {
        authorities: vec![authority()],
        initiatives: vec![sheet("p", Status::Published), sheet("d", Status::Draft), sheet("x", Status::Archived)],
        ..Default::default()
    };
    store.write(batch).await.unwrap();
    let published = store.published_initiatives(None, 10).await.unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].sheet.external_id, "p");
    assert_eq!(published[0].sheet.places.len(), 2);
    assert_eq!(published[0].sheet.services, ["1.b.2.1", "1.b.2.2"]);
}

async fn published_sheets_come_in_pages_in_id_order(backend: &str) {
    let (_dir, store) = fresh(backend).await;
    let sheets = (0..7).map(|i| sheet(&i.to_string(), if i == 3 { Status::Draft } else { Status::Published })).collect();
    store.write(WriteBatch { authorities: vec![authority()], initiatives: sheets, ..Default::default() }).await.unwrap();
    let mut seen = vec![];
    let mut after = None;
    loop {
        let page = store.published_initiatives(after, 2).await.unwrap();
        assert!(page.len() <= 2);
        seen.extend(page.iter().map(|s| s.id));
        match page.last() {
            Some(last) => after = Some(last.id),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

async fn bad_writes_are_refused_and_leave_nothing_behind(backend: &str) {
    let (_dir, store) = fresh(backend).await;
    // Unknown authority: the foreign key refuses it.
    let orphan = WriteBatch { authorities: vec![], initiatives: vec![sheet("a", Status::Published)], ..Default::default() };
    assert!(matches!(store.write(orphan).await, Err(StoreError::Invalid(_))));
    // A good sheet and a bad one in one batch: neither is written.
    let mut nan = sheet("b", Status::Published);
    nan.places[0].lat = f64::NAN;
    let mixed = WriteBatch { authorities: vec![authority()], initiatives: vec![sheet("a", Status::Published), nan], ..Default::default() };
    assert!(matches!(store.write(mixed).await, Err(StoreError::Invalid(_))));
    let mut empty_title = sheet("c", Status::Published);
    empty_title.title.clear();
    let check =
        WriteBatch { authorities: vec![authority()], initiatives: vec![sheet("a", Status::Published), empty_title], ..Default::default() };
    assert!(matches!(store.write(check).await, Err(StoreError::Invalid(_))));
    let twice = WriteBatch {
        authorities: vec![authority()],
        initiatives: vec![sheet("a", Status::Published), sheet("a", Status::Draft)],
        ..Default::default()
    };
    assert!(matches!(store.write(twice).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.count_initiatives().await.unwrap(), 0);
    assert!(store.authorities().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unsupported_url_is_a_clear_error() {
    assert!(matches!(store::open("mysql://localhost/x").await, Err(StoreError::UnsupportedUrl(_))));
}

async fn the_referential_is_recorded_by_edition(backend: &str) {
    let (_dir, url, store) = common::fresh_store(backend).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/referential-2024.json");
    let referential = Referential::load(&path).unwrap();
    let expected = |r: &Referential| -> Vec<ReferentialRow> {
        let mut rows: Vec<ReferentialRow> = r
            .entries()
            .iter()
            .map(|e| (e.code.clone(), format!("{:?}", e.level).to_lowercase(), e.parent.clone(), e.label.clone(), e.published))
            .collect();
        rows.sort();
        rows
    };
    // Saving twice replaces the edition rather than failing on its primary key.
    store.save_referential(&referential).await.unwrap();
    store.save_referential(&referential).await.unwrap();
    let stored = referential_rows(&url, referential.edition()).await;
    assert_eq!(stored.len(), referential.entries().len());
    assert_eq!(stored, expected(&referential));

    // A corrected file of the same edition replaces the rows: a label changed, a service gone.
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json["themes"][0]["label"] = "Thème corrigé".into();
    let services = json["themes"][0]["challenges"][0]["uses"][0]["services"].as_array_mut().expect("a first use with services");
    let gone = services.pop().unwrap()["code"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let corrected_path = dir.path().join("referential-2024.json");
    std::fs::write(&corrected_path, json.to_string()).unwrap();
    let corrected = Referential::load(&corrected_path).unwrap();
    store.save_referential(&corrected).await.unwrap();
    let stored = referential_rows(&url, corrected.edition()).await;
    assert_eq!(stored, expected(&corrected));
    assert!(stored.iter().any(|r| r.3 == "Thème corrigé"));
    assert!(stored.iter().all(|r| r.0 != gone), "{gone} left the edition");
    assert!(referential_rows(&url, 2023).await.is_empty(), "other editions are untouched (none here)");
}

/// (code, level, parent, label, published)
type ReferentialRow = (String, String, Option<String>, String, bool);

/// The referential rows of an edition, read straight from the database.
async fn referential_rows(url: &str, edition: u16) -> Vec<ReferentialRow> {
    let sql = format!("SELECT code, level, parent, label, published FROM referential_entries WHERE edition = {edition} ORDER BY code");
    let mut rows: Vec<ReferentialRow> = if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(&sql).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(&sql).fetch_all(&pool).await.unwrap()
    };
    rows.sort();
    rows
}

async fn large_batches_keep_each_sheet_with_its_id(backend: &str) {
    let (_dir, store) = fresh(backend).await;
    // More than one statement's worth of rows, with titles that tell the sheets apart.
    let sheets: Vec<NewInitiative> = (0..1234)
        .map(|i| {
            let mut s = sheet(&format!("n{i}"), Status::Published);
            s.title = format!("fiche {i}");
            s
        })
        .collect();
    let written =
        store.write(WriteBatch { authorities: vec![authority()], initiatives: sheets.clone(), ..Default::default() }).await.unwrap();
    assert_eq!(written.len(), sheets.len());
    let ids: std::collections::HashSet<i64> = written.iter().map(|w| w.id).collect();
    assert_eq!(ids.len(), sheets.len());
    for (w, s) in written.iter().zip(&sheets).step_by(97) {
        assert_eq!(&w.sheet, s);
        assert_eq!(store.initiative(w.id).await.unwrap().unwrap().sheet.title, s.title);
    }
}
