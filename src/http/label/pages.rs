//! The label's pages (French): `/palmares` and `/palmares/{year}` (the palmarès of an edition
//! on a map beside a table), `/collectivites/{code}` (an authority's page). They are templates
//! of `web/` filled with a title; the pages read the API for the rest.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::app::AppState;
use crate::http::compare::subject;
use crate::http::error::Result;
use crate::http::pages::{basemap_origins, error_page, escape_html, html, maplibre_missing, template};

#[utoipa::path(get, path = "/palmares", operation_id = "palmaresPage", summary = "The palmarès of the latest edition (page)", tag = "pages",
    responses(
        (status = 200, description = "The palmarès: a map of the labelled authorities coloured by @ beside a table (French)", body = String, content_type = "text/html"),
        (status = 503, description = "MapLibre is not installed (npm ci --prefix web): a French page says so", body = String, content_type = "text/html"),
    ))]
pub(super) async fn palmares_latest(State(state): State<AppState>) -> Result<Response> {
    palmares_page(&state, None).await
}

#[utoipa::path(get, path = "/palmares/{year}", operation_id = "palmaresYearPage", summary = "The palmarès of an edition (page)", tag = "pages",
    params(
        ("year" = u16, Path, description = "The edition"),
    ),
    responses(
        (status = 200, description = "The palmarès of that edition (French)", body = String, content_type = "text/html"),
        (status = 404, description = "Not a year of the label (French page)", body = String, content_type = "text/html"),
        (status = 503, description = "MapLibre is not installed (npm ci --prefix web): a French page says so", body = String, content_type = "text/html"),
    ))]
pub(super) async fn palmares_of_year(State(state): State<AppState>, Path(year): Path<String>) -> Result<Response> {
    match year.parse::<u16>() {
        Ok(y @ 1999..=2100) => palmares_page(&state, Some(y)).await,
        _ => Ok(error_page(StatusCode::NOT_FOUND, &format!("« {year} » n’est pas une année du label (1999 à 2100)."), false)),
    }
}

async fn palmares_page(state: &AppState, year: Option<u16>) -> Result<Response> {
    if let Some(res) = maplibre_missing(state) {
        return Ok(res);
    }
    let title = year.map_or("Palmarès du label".to_owned(), |y| format!("Palmarès {y} du label"));
    let page = template(state, "palmares.html").await?.replace("{{title}}", &escape_html(&title));
    Ok(html(StatusCode::OK, page, false, &basemap_origins(state)))
}

#[utoipa::path(get, path = "/collectivites/{code}", operation_id = "authorityPage", summary = "An authority's page", tag = "pages",
    params(
        ("code" = String, Path, description = "A commune (INSEE code), an EPCI (SIREN), `dep-XX` or `reg-XX`"),
    ),
    responses(
        (status = 200, description = "Its @ since it joined, its mentions, its sheets, its comparable communes and its mosaic (French)", body = String, content_type = "text/html"),
        (status = 404, description = "No such authority (French page)", body = String, content_type = "text/html"),
    ))]
pub(super) async fn authority_page(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response> {
    let index = state.index();
    let Some(subject) = subject(&state, &index, code.trim()) else {
        let message = format!("Aucune collectivité n’a le code « {code} » : donnez un code INSEE, le SIREN d’un EPCI, dep-XX ou reg-XX.");
        return Ok(error_page(StatusCode::NOT_FOUND, &message, false));
    };
    let page = template(&state, "collectivite.html").await?.replace("{{title}}", &escape_html(&subject.name));
    Ok(html(StatusCode::OK, page, false, &[]))
}
