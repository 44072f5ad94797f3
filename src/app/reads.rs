//! The reads that either the in-memory index or PostGIS can answer — listings in id order and
//! nearby sheets — behind one interface, so that a handler never knows which one answered.
//!
//! Whichever answers, the sheets shown come from the index (what listings show of a sheet is
//! kept there), and relevance to a text query comes from the text index: PostgreSQL has no
//! French stemming that gives the index's results, so PostGIS is handed the ids the text
//! index matched.

use std::sync::Arc;

use async_trait::async_trait;

use super::work::{Busy, Work};
use crate::index::{Filter, Near, Page, SpatialIndex};
use crate::model::SheetId;
use crate::store::StoreError;
use crate::store::postgres::{PostgresStore, SqlFilter};

/// Why a read gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Busy(#[from] Busy),
}

/// Each read is given the snapshot of the index the request answers from, so that what it
/// finds (ids, text hits by document number) is read back in the same view.
#[async_trait]
pub trait Reads: Send + Sync + 'static {
    /// Matching sheets in id order, `limit` at most, after the id `after`.
    async fn page(&self, index: &Arc<SpatialIndex>, filter: &Arc<Filter>, after: Option<SheetId>, limit: usize) -> Result<Page, ReadError>;

    /// Matching sheets most relevant to the filter's text query first, `limit` at most after
    /// the first `offset`; the offset of the next page when more follow.
    async fn page_by_relevance(
        &self,
        index: &Arc<SpatialIndex>,
        filter: &Arc<Filter>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<SheetId>, Option<usize>), ReadError>;

    /// Up to `limit` matching sheets closest to `origin` (`[lon, lat]`), within `radius_m` if
    /// given, each at its closest matching place; closest first, ties by id.
    async fn nearby(
        &self,
        index: &Arc<SpatialIndex>,
        origin: [f64; 2],
        radius_m: Option<f64>,
        limit: usize,
        filter: &Arc<Filter>,
    ) -> Result<Vec<Near>, ReadError>;
}

/// Reads answered by the in-memory index (the default), on the threads where requests compute.
pub struct IndexReads {
    pub work: Arc<Work>,
}

#[async_trait]
impl Reads for IndexReads {
    async fn page(&self, index: &Arc<SpatialIndex>, filter: &Arc<Filter>, after: Option<SheetId>, limit: usize) -> Result<Page, ReadError> {
        let (index, filter) = (index.clone(), filter.clone());
        Ok(self.work.run(move || index.page(&filter, after, limit)).await?)
    }

    async fn page_by_relevance(
        &self,
        index: &Arc<SpatialIndex>,
        filter: &Arc<Filter>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<SheetId>, Option<usize>), ReadError> {
        let (index, filter) = (index.clone(), filter.clone());
        Ok(self.work.run(move || index.page_by_relevance(&filter, offset, limit)).await?)
    }

    async fn nearby(
        &self,
        index: &Arc<SpatialIndex>,
        origin: [f64; 2],
        radius_m: Option<f64>,
        limit: usize,
        filter: &Arc<Filter>,
    ) -> Result<Vec<Near>, ReadError> {
        let (index, filter) = (index.clone(), filter.clone());
        Ok(self.work.run(move || index.nearby(origin, radius_m, limit, &filter)).await?)
    }
}

/// Reads answered by PostGIS (`--reads postgis`), with the index for text and places.
pub struct PostgisReads {
    pub store: PostgresStore,
}

#[async_trait]
impl Reads for PostgisReads {
    async fn page(&self, index: &Arc<SpatialIndex>, filter: &Arc<Filter>, after: Option<SheetId>, limit: usize) -> Result<Page, ReadError> {
        let sql = sql_filter(filter, index);
        Ok(Page::from_overfetch(self.store.find(&sql, after, limit + 1).await?, limit))
    }

    async fn page_by_relevance(
        &self,
        index: &Arc<SpatialIndex>,
        filter: &Arc<Filter>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<SheetId>, Option<usize>), ReadError> {
        Ok(index.page_by_relevance(filter, offset, limit))
    }

    async fn nearby(
        &self,
        index: &Arc<SpatialIndex>,
        origin: [f64; 2],
        radius_m: Option<f64>,
        limit: usize,
        filter: &Arc<Filter>,
    ) -> Result<Vec<Near>, ReadError> {
        let sql = sql_filter(filter, index);
        let hits = self.store.nearest(origin, radius_m, limit, &sql).await?;
        // A sheet the change feed has not brought into memory yet is left out.
        Ok(hits.iter().filter_map(|h| index.closest_place(h.id, origin, filter)).collect())
    }
}

/// The filter as SQL values: referential and gazetteer codes resolved, so that the database
/// answers exactly what the index answers, and a text query as the ids the text index matches.
pub fn sql_filter(f: &Filter, index: &SpatialIndex) -> SqlFilter {
    let (g, r) = (index.gazetteer(), index.referential());
    let rows = g.communes();
    let codes_where = |keep: &dyn Fn(&crate::gazetteer::Commune) -> bool| rows.iter().filter(|c| keep(c)).map(|c| c.code.clone()).collect();
    SqlFilter {
        bbox: f.bbox,
        services: f.services.iter().map(|set| set.iter().map(|s| r.service(s).code.clone()).collect()).collect(),
        years: f.years.as_ref().map(|y| (*y.start() as i32, *y.end() as i32)),
        min_arobases: f.min_arobases.map(i32::from),
        population: f.population.as_ref().map(|p| (*p.start() as i64, *p.end() as i64)),
        communes: f.communes.as_ref().map(|wanted| {
            let wanted: Vec<&str> = wanted.iter().filter_map(|&w| rows.get(w as usize)).map(|c| c.code.as_str()).collect();
            codes_where(&|c| wanted.contains(&c.code.as_str()) || c.parent.as_deref().is_some_and(|p| wanted.contains(&p)))
        }),
        departements: f.departements.as_ref().map(|d| codes_where(&|c| d.contains(&c.departement))),
        regions: f.regions.as_ref().map(|r| codes_where(&|c| r.contains(&c.region))),
        sheets: f.text_hits(index).map(|h| h.sheets().collect()),
    }
}
