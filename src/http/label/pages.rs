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

#[utoipa::path(get, path = "/badge/{code}", operation_id = "labelBadge", summary = "The label badge of an authority, for an iframe", tag = "pages",
    params(
        ("code" = String, Path, description = "A commune (INSEE code), an EPCI (SIREN), `dep-XX` or `reg-XX`"),
    ),
    responses(
        (status = 200, description = "A small French page other sites may frame: the authority's current @ and mentions, linking to its page", body = String, content_type = "text/html"),
        (status = 404, description = "No such authority (French page)", body = String, content_type = "text/html"),
    ))]
pub(super) async fn badge(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response> {
    let index = state.index();
    let Some(subject) = subject(&state, &index, code.trim()) else {
        return Ok(error_page(StatusCode::NOT_FOUND, &format!("Aucune collectivité n’a le code « {code} »."), true));
    };
    let known = index.authority_row_of(&subject.code).map(|row| &index.authorities()[row as usize]);
    let latest = known.and_then(|a| a.awards.last());
    let mentions = latest.map(|award| {
        let r = index.referential();
        let named: Vec<&str> = award.mentions.iter().map(|m| r.mention(m).map_or(m.as_str(), |l| l.label.as_str())).collect();
        named.join(", ")
    });
    let (level, said) = match latest {
        Some(a) => {
            ("@".repeat(usize::from(a.arobases)), format!("{} arobase{} en {}", a.arobases, if a.arobases > 1 { "s" } else { "" }, a.year))
        }
        None => ("—".to_owned(), "pas encore labellisée".to_owned()),
    };
    let page = template(&state, "badge.html")
        .await?
        .replace("{{name}}", &escape_html(&subject.name))
        .replace("{{code}}", &escape_html(&path_segment(&subject.code)))
        .replace("{{level}}", &escape_html(&level))
        .replace("{{said}}", &escape_html(&said))
        .replace("{{when}}", &latest.map_or("pas encore labellisée".to_owned(), |a| a.year.to_string()))
        .replace("{{mentions}}", &escape_html(&mentions.unwrap_or_default()));
    Ok(html(StatusCode::OK, page, true, &[]))
}

/// An authority code as a path segment: codes are letters, digits and `-`, kept as they are.
fn path_segment(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

#[utoipa::path(get, path = "/statistiques", operation_id = "statisticsPage", summary = "The label's national statistics (page)", tag = "pages",
    responses(
        (status = 200, description = "Sheets per theme and year, @ by population class and by région, the most and least covered services, as charts with their figures (French)", body = String, content_type = "text/html"),
    ))]
pub(super) async fn statistics_page(State(state): State<AppState>) -> Result<Response> {
    Ok(html(StatusCode::OK, template(&state, "statistiques.html").await?, false, &[]))
}
