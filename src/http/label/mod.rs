//! The label's own data: `GET /api/authorities` (the palmarès of an edition), `GET
//! /api/authorities/{code}` (an authority's profile) and `GET /api/stats` (counts for charts),
//! answered from the index ([`crate::label`]), and the pages that show them ([`pages`]).

pub(crate) mod answers;
mod pages;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::compare::peers::{PeerQuery, peers};
use crate::http::compare::subject;
use crate::http::error::{Error, Result};
use crate::http::openapi::schemas::ErrorBody;
use crate::index::Filter;
use crate::index::filter::query::{Params, take_filter};
use crate::label::palmares::{self, Query};
use crate::label::stats::{self, By};

/// Peers shown on a profile.
const PROFILE_PEERS: usize = 10;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(palmares_of))
        .routes(routes!(profile))
        .routes(routes!(statistics))
        .routes(routes!(pages::palmares_latest))
        .routes(routes!(pages::palmares_of_year))
        .routes(routes!(pages::authority_page))
        .routes(routes!(pages::badge))
        .routes(routes!(pages::statistics_page))
}

#[utoipa::path(get, path = "/api/authorities", operation_id = "palmares", summary = "The palmarès: labelled authorities of an edition", tag = "label",
    params(
        ("year" = Option<u16>, Query, description = "The edition (default: the latest)"),
        ("arobases" = Option<String>, Query, description = "At least this many @ (`3`), or a range (`2-3`)"),
        ("mention" = Option<String>, Query, description = "Mention codes of the referential, comma = any of"),
        ("kind" = Option<String>, Query, description = "`commune`, `epci`, `departement`, `region`, comma = any of"),
        ("departement" = Option<String>, Query, description = "Département codes (of the authority, or of its seat), comma = any of"),
        ("region" = Option<String>, Query, description = "Région codes, comma = any of"),
        ("population" = Option<String>, Query, description = "Inhabitants, inclusive: `2000-9999`, `200000-`, `-1999`"),
        ("q" = Option<String>, Query, description = "Words the name begins with (accents and case folded)"),
        ("sort" = Option<String>, Query, description = "`arobases`, `name`, `population` or `sheets`, `-` first for descending (default `-arobases`); ties by name"),
        ("limit" = Option<u32>, Query, description = "1 to 5000, default 100"),
        ("offset" = Option<u32>, Query, description = "Authorities to skip"),
    ),
    responses(
        (status = 200, description = "The page, with the count and the @ of every authority that passes the filters", body = answers::PalmaresAnswer, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
async fn palmares_of(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let query = Query::take(&mut p, &state.gazetteer, &state.referential)?;
    p.finish()?;
    let index = state.index();
    state
        .work
        .run(move || {
            let found = palmares::palmares(&index, &query);
            Json(answers::palmares(&index, &found, query.offset, query.limit)).into_response()
        })
        .await
        .map_err(Error::from)
}

#[utoipa::path(get, path = "/api/authorities/{code}", operation_id = "authorityProfile", summary = "An authority's profile", tag = "label",
    params(
        ("code" = String, Path, description = "A commune (INSEE code), an EPCI (SIREN), `dep-XX` or `reg-XX`"),
    ),
    responses(
        (status = 200, description = "Who it is, its @ and mentions for every edition, its sheets by theme, its nearest peers and links to its page, mosaic and map", body = answers::Profile, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No such authority", body = ErrorBody),
    ))]
async fn profile(State(state): State<AppState>, Path(code): Path<String>, RawQuery(query): RawQuery) -> Result<Response> {
    Params::parse(query.as_deref())?.finish()?;
    let index = state.index();
    let subject = subject(&state, &index, code.trim())
        .ok_or_else(|| Error::not_found(format!("no authority {code:?}: give an INSEE code, an EPCI's SIREN, dep-XX or reg-XX")))?;
    state
        .work
        .run(move || {
            let row = index.authority_row_of(&subject.code);
            let nearest = peers(
                &index,
                &PeerQuery { subject: &subject, radius_m: None, limit: PROFILE_PEERS, filter: &Filter::default(), require_sheets: false },
            );
            Json(answers::profile(&index, &subject, row, &nearest)).into_response()
        })
        .await
        .map_err(Error::from)
}

#[utoipa::path(get, path = "/api/stats", operation_id = "statistics", summary = "Counts of sheets and of their authorities, for charts", tag = "label",
    params(
        ("by" = String, Query, description = "`theme`, `challenge` (of the main service), `service` (every service a sheet names), `year`, `region`, `departement` or `population` (of the owner)"),
        crate::http::openapi::params::Filters,
        crate::http::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "Every group with its sheets, their owners by @ and its sheets year by year", body = answers::StatsAnswer, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
async fn statistics(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let by = p.take("by").ok_or_else(|| Error::bad_request(format!("by is required: {}", by_names())))?;
    let by = By::parse(&by).ok_or_else(|| Error::bad_request(format!("by is {}, not {by:?}", by_names())))?;
    let filter = take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    let index = state.index();
    state
        .work
        .run(move || {
            let counted = stats::stats(&index, &filter, by);
            Json(answers::stats(&index, &counted)).into_response()
        })
        .await
        .map_err(Error::from)
}

fn by_names() -> String {
    By::ALL.map(By::as_str).join(", ")
}
