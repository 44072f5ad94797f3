//! Writing a sample of any size into a store: generated and written a batch at a time, so
//! that memory stays that of one batch whatever the count.

use super::Sheets;
use crate::gazetteer::Gazetteer;
use crate::referential::Referential;
use crate::store::{Store, StoreError, WriteBatch};

/// Sheets a transaction writes: large enough that the commits cost little, small enough to
/// hold a few hundred megabytes at most.
const BATCH: usize = 50_000;

/// Writes the authorities of a sample and then its sheets, `BATCH` to a transaction, calling
/// `progress` with the count written after each; returns how many sheets the store holds
/// from it. A run cut short leaves the batches written before; running it again with the
/// same count and seed writes the same sheets over them (by source and external id) and
/// finishes the job.
pub async fn write_in_batches(
    store: &dyn Store,
    gazetteer: &Gazetteer,
    referential: &Referential,
    count: usize,
    seed: u64,
    progress: impl FnMut(usize),
) -> Result<usize, StoreError> {
    write_batches(store, Sheets::new(gazetteer, referential, count, seed), BATCH, progress).await
}

async fn write_batches(
    store: &dyn Store,
    mut sheets: Sheets<'_>,
    batch: usize,
    mut progress: impl FnMut(usize),
) -> Result<usize, StoreError> {
    store.write(WriteBatch { authorities: sheets.authorities(), ..Default::default() }).await?;
    let mut written = 0;
    loop {
        let initiatives: Vec<_> = sheets.by_ref().take(batch).collect();
        if initiatives.is_empty() {
            return Ok(written);
        }
        written += store.write(WriteBatch { initiatives, ..Default::default() }).await?.len();
        progress(written);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::default_data_dir;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test]
    async fn batches_write_the_same_sheets_as_one_transaction() {
        let g = Gazetteer::load_data_dir(&default_data_dir()).unwrap();
        let r = Referential::load(&default_data_dir().join("referential-2024.json")).unwrap();
        let (count, seed) = (1_000, 9);
        let by_batches = SqliteStore::open("sqlite::memory:").await.unwrap();
        let mut seen = vec![];
        let written = write_batches(&by_batches, Sheets::new(&g, &r, count, seed), 400, |n| seen.push(n)).await.unwrap();
        assert_eq!((written, seen), (count, vec![400, 800, 1_000]));

        let whole = SqliteStore::open("sqlite::memory:").await.unwrap();
        let sample = super::super::generate(&g, &r, count, seed);
        whole.write(WriteBatch { authorities: sample.authorities, initiatives: sample.initiatives, ..Default::default() }).await.unwrap();
        // The same sheets under the same ids, the same authorities.
        let published = |store: SqliteStore| async move {
            let sheets = store.published_initiatives(None, 10 * count).await.unwrap();
            let sheets: Vec<_> = sheets.into_iter().map(|s| (s.id, s.sheet.external_id, s.sheet.title, s.sheet.places)).collect();
            let authorities: Vec<_> = store.authorities().await.unwrap().into_iter().map(|a| (a.code, a.awards)).collect();
            (sheets, authorities)
        };
        let (a, b) = (published(by_batches).await, published(whole).await);
        assert!(a.0.len() > 900, "{} published sheets", a.0.len());
        assert_eq!(a, b);
    }
}
