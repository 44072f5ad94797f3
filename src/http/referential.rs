//! `GET /api/referential`: the classification tree, for filter panels and for reading codes.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{Error, Result};
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::index::filter::query::Params;
use crate::referential::Node;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(referential))
}

#[utoipa::path(get, path = "/api/referential", operation_id = "getReferential", summary = "The referential of services", tag = "places",
    params(
        ("year" = Option<u16>, Query, description = "The edition (only the server's own is served)"),
    ),
    responses(
        (status = 200, description = "The referential tree (themes, challenges, uses, services) and the label's mentions", body = Tree),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No referential of that edition", body = ErrorBody),
    ))]
async fn referential(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let year = p.take("year");
    p.finish()?;
    let r = &state.referential;
    if let Some(year) = year
        && year != r.edition().to_string()
    {
        return Err(Error::not_found(format!("no referential for edition {year:?}; this server has edition {}", r.edition())));
    }
    let file = r.file();
    let answer = Tree {
        edition: file.edition,
        title: &file.title,
        about: &file.about,
        mentions: file.mentions.iter().map(|m| Labelled { code: &m.code, label: &m.label }).collect(),
        themes: file.themes.iter().map(|t| branch(t, 0)).collect(),
    };
    Ok(Json(serde_json::to_value(answer).map_err(anyhow::Error::from)?))
}

/// The referential of an edition: themes → challenges → uses → services.
#[derive(Serialize, ToSchema)]
struct Tree<'a> {
    edition: u16,
    title: &'a str,
    about: &'a str,
    /// The thematic mentions the jury may add to the @.
    mentions: Vec<Labelled<'a>>,
    themes: Vec<Branch<'a>>,
}

#[derive(Serialize, ToSchema)]
struct Labelled<'a> {
    code: &'a str,
    label: &'a str,
}

/// An entry with its children under the name of their level, as in the file.
#[derive(Serialize, ToSchema)]
struct Branch<'a> {
    code: &'a str,
    label: &'a str,
    /// `theme`, `challenge`, `use` or `service`.
    level: &'static str,
    /// Taken from the label's published classification, or illustrative.
    published: bool,
    /// A theme's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    challenges: Option<Vec<Branch<'a>>>,
    /// A challenge's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    uses: Option<Vec<Branch<'a>>>,
    /// A use's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    services: Option<Vec<Branch<'a>>>,
}

fn branch(n: &Node, depth: usize) -> Branch<'_> {
    const LEVELS: [&str; 4] = ["theme", "challenge", "use", "service"];
    let children = || Some(n.children.iter().map(|c| branch(c, depth + 1)).collect());
    Branch {
        code: &n.code,
        label: &n.label,
        level: LEVELS[depth.min(3)],
        published: n.published,
        challenges: if depth == 0 { children() } else { None },
        uses: if depth == 1 { children() } else { None },
        services: if depth == 2 { children() } else { None },
    }
}
