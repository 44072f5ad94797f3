//! `GET /api/referential`: the classification tree, for filter panels and for reading codes.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::error::{Error, Result};
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::index::filter::query::Params;
use crate::referential::Node;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(referential))
}

#[utoipa::path(get, path = "/api/referential", operation_id = "getReferential", summary = "The referential of services", tag = "places",
    params(
        ("year" = Option<u16>, Query, description = "The edition (only the server's own is served)"),
    ),
    responses(
        (status = 200, description = "The referential tree (themes, challenges, uses, services) and the label's mentions", body = serde_json::Value, content_type = "application/json"),
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
    Ok(Json(json!({
        "edition": file.edition,
        "title": file.title,
        "about": file.about,
        "mentions": file.mentions,
        "themes": file.themes.iter().map(|t| node(t, 0)).collect::<Vec<_>>(),
    })))
}

/// A node with its children under the name of their level, as in the file.
fn node(n: &Node, depth: usize) -> Value {
    const LEVELS: [&str; 4] = ["theme", "challenge", "use", "service"];
    const CHILDREN: [&str; 3] = ["challenges", "uses", "services"];
    let mut v = json!({ "code": n.code, "label": n.label, "level": LEVELS[depth.min(3)], "published": n.published });
    if depth < 3 {
        v[CHILDREN[depth]] = n.children.iter().map(|c| node(c, depth + 1)).collect();
    }
    v
}
