//! The answers of peers and the mosaic, as types: what they serialize is what the OpenAPI
//! document says of them. They borrow the index, and are serialized on the computing thread
//! that made them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::compare::classes::PopulationClass;
use crate::compare::mosaic::Mosaic;
use crate::compare::peers::{Peer, Subject};
use crate::http::features::{Named, metres};
use crate::index::{IndexedAuthority, NO_THEME, SpatialIndex};
use crate::model::{AuthorityKind, SheetId, round_degrees};

/// Sheets listed per theme of a peer; `count` gives them all.
const SHEETS_PER_THEME: usize = 10;

/// A population class: the label compares authorities of one class.
#[derive(Serialize, ToSchema)]
pub struct Class {
    /// As the `population` filter writes it: `2000-9999`.
    code: &'static str,
    /// French, for people.
    label: &'static str,
    min: u32,
    /// `null` for the largest class.
    max: Option<u32>,
}

pub fn class(c: Option<&PopulationClass>) -> Option<Class> {
    c.map(|c| Class { code: c.code, label: c.label, min: c.min, max: (c.max != u32::MAX).then_some(c.max) })
}

/// A sheet named in a comparison.
#[derive(Serialize, ToSchema)]
pub struct SheetRef<'a> {
    #[schema(value_type = i64)]
    id: SheetId,
    title: &'a str,
    year: u16,
}

fn sheet_ref(index: &SpatialIndex, id: SheetId) -> Option<SheetRef<'_>> {
    index.sheet(id).map(|s| SheetRef { id, title: &s.title, year: s.year })
}

#[derive(Serialize, ToSchema)]
pub struct PeersAnswer<'a> {
    commune: Authority<'a>,
    class: Option<Class>,
    radius_m: Option<f64>,
    count: usize,
    /// Nearest first.
    peers: Vec<PeerView<'a>>,
    /// True while every sheet is generated sample data.
    sample_data: bool,
}

/// The authority compared.
#[derive(Serialize, ToSchema)]
pub struct Authority<'a> {
    code: &'a str,
    name: &'a str,
    /// `commune`, `epci`, `departement` or `region` (the mosaic only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    kind: Option<AuthorityKind>,
    population: u32,
    /// Its population class (the mosaic only; peers give it beside).
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<Option<Class>>,
}

#[derive(Serialize, ToSchema)]
pub struct PeerView<'a> {
    code: &'a str,
    name: &'a str,
    #[schema(value_type = String)]
    kind: AuthorityKind,
    population: u32,
    /// Between town halls, in metres.
    distance_m: f64,
    center: Option<[f64; 2]>,
    /// Its latest @ (0 when never labelled), and the year of it.
    arobases: u8,
    arobases_year: Option<u16>,
    sheet_count: usize,
    /// Its sheets by the theme of their main service, in the referential's order.
    themes: Vec<ThemeGroup<'a>>,
}

#[derive(Serialize, ToSchema)]
pub struct ThemeGroup<'a> {
    /// `null` for sheets under no theme.
    code: Option<&'a str>,
    label: Option<&'a str>,
    count: usize,
    /// The first ten (peers), or all (an authority's profile).
    sheets: Vec<SheetRef<'a>>,
}

pub fn peers<'a>(index: &'a SpatialIndex, subject: &'a Subject, radius_m: Option<f64>, found: &[Peer]) -> PeersAnswer<'a> {
    let peers: Vec<PeerView> = found.iter().map(|peer| peer_view(index, peer)).collect();
    PeersAnswer {
        commune: Authority { code: &subject.code, name: &subject.name, kind: None, population: subject.population, class: None },
        class: class(subject.class()),
        radius_m,
        count: peers.len(),
        peers,
        sample_data: index.all_sample(),
    }
}

fn peer_view<'a>(index: &'a SpatialIndex, peer: &Peer) -> PeerView<'a> {
    let a: &IndexedAuthority = &index.authorities()[peer.row as usize];
    let themes = theme_groups(index, &peer.sheets, SHEETS_PER_THEME);
    PeerView {
        code: &a.code,
        name: &a.name,
        kind: a.kind,
        population: a.population,
        distance_m: metres(peer.distance_m),
        center: a.point.map(|p| [round_degrees(p[0]), round_degrees(p[1])]),
        arobases: a.arobases,
        arobases_year: a.year,
        sheet_count: peer.sheets.len(),
        themes,
    }
}

/// Sheets grouped by the theme of their main service, in the referential's order, the first
/// `listed` of each named.
pub fn theme_groups<'a>(index: &'a SpatialIndex, sheets: &[SheetId], listed: usize) -> Vec<ThemeGroup<'a>> {
    let themes = &index.referential().file().themes;
    let mut groups: Vec<(u8, Vec<SheetId>)> = vec![];
    for &id in sheets {
        let theme = index.sheet(id).map_or(NO_THEME, |s| s.theme);
        match groups.iter_mut().find(|(t, _)| *t == theme) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((theme, vec![id])),
        }
    }
    groups.sort_by_key(|(t, _)| *t);
    groups
        .into_iter()
        .map(|(t, ids)| {
            let theme = themes.get(t as usize);
            ThemeGroup {
                code: theme.map(|t| t.code.as_str()),
                label: theme.map(|t| t.label.as_str()),
                count: ids.len(),
                sheets: ids.iter().take(listed).filter_map(|&id| sheet_ref(index, id)).collect(),
            }
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct MosaicAnswer<'a> {
    authority: Authority<'a>,
    /// The year compared, `null` for every year.
    year: Option<u16>,
    sheet_count: usize,
    sheets: Vec<SheetRef<'a>>,
    /// Its sheets filed under no service of the referential.
    #[schema(value_type = Vec<i64>)]
    unclassified: &'a [SheetId],
    peer_count: usize,
    /// The peers it is compared with, nearest first.
    peers: Vec<MosaicPeer<'a>>,
    /// Every entry of the referential, in its order.
    entries: Vec<EntryCoverage<'a>>,
    /// The axes de progression: services its peers cover and it does not, most common first.
    suggestions: Vec<Suggestion<'a>>,
    sample_data: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MosaicPeer<'a> {
    code: &'a str,
    name: &'a str,
    population: u32,
    distance_m: f64,
    sheet_count: usize,
}

/// How an authority covers an entry of the referential.
#[derive(Serialize, ToSchema)]
pub struct EntryCoverage<'a> {
    code: &'a str,
    label: &'a str,
    /// `theme`, `challenge`, `use` or `service`.
    #[schema(value_type = String)]
    level: crate::referential::Level,
    parent: Option<&'a str>,
    covered: bool,
    /// Its sheets whose main service is under the entry.
    #[schema(value_type = Vec<i64>)]
    sheets: &'a [SheetId],
    /// Its sheets with another of their services under it.
    #[schema(value_type = Vec<i64>)]
    other_sheets: &'a [SheetId],
    /// Peers with a sheet under it, and their share (0 to 1; `null` without peers).
    peers_with: usize,
    peer_share: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestion<'a> {
    code: &'a str,
    label: &'a str,
    parent: Option<&'a str>,
    peers_with: usize,
    peer_share: Option<f64>,
    /// Sheets of peers under it.
    examples: Vec<Example<'a>>,
}

#[derive(Serialize, ToSchema)]
pub struct Example<'a> {
    #[serde(flatten)]
    sheet: SheetRef<'a>,
    authority: Named<'a>,
    distance_m: f64,
}

pub fn mosaic<'a>(index: &'a SpatialIndex, subject: &'a Subject, year: Option<u16>, m: &'a Mosaic) -> MosaicAnswer<'a> {
    let r = index.referential();
    let share = |with: usize| (!m.peers.is_empty()).then(|| ((with as f64 / m.peers.len() as f64) * 1000.0).round() / 1000.0);
    let authority_of = |peer: &Peer| &index.authorities()[peer.row as usize];
    let entries = r
        .entries()
        .iter()
        .zip(&m.entries)
        .map(|(e, c)| EntryCoverage {
            code: &e.code,
            label: &e.label,
            level: e.level,
            parent: e.parent.as_deref(),
            covered: c.covered(),
            sheets: &c.sheets,
            other_sheets: &c.other_sheets,
            peers_with: c.peers_with,
            peer_share: share(c.peers_with),
        })
        .collect();
    let peers = m
        .peers
        .iter()
        .map(|peer| {
            let a = authority_of(peer);
            MosaicPeer {
                code: &a.code,
                name: &a.name,
                population: a.population,
                distance_m: metres(peer.distance_m),
                sheet_count: peer.sheets.len(),
            }
        })
        .collect();
    let suggestions = m
        .suggestions
        .iter()
        .map(|s| {
            let e = &r.entries()[s.entry];
            let examples = s
                .examples
                .iter()
                .filter_map(|&(id, p)| {
                    let peer = &m.peers[p];
                    let a = authority_of(peer);
                    Some(Example {
                        sheet: sheet_ref(index, id)?,
                        authority: Named { code: &a.code, name: &a.name },
                        distance_m: metres(peer.distance_m),
                    })
                })
                .collect();
            Suggestion {
                code: &e.code,
                label: &e.label,
                parent: e.parent.as_deref(),
                peers_with: s.peers_with,
                peer_share: share(s.peers_with),
                examples,
            }
        })
        .collect();
    MosaicAnswer {
        authority: Authority {
            code: &subject.code,
            name: &subject.name,
            kind: Some(subject.kind),
            population: subject.population,
            class: Some(class(subject.class())),
        },
        year,
        sheet_count: m.sheets.len(),
        sheets: m.sheets.iter().filter_map(|&id| sheet_ref(index, id)).collect(),
        unclassified: &m.unclassified,
        peer_count: m.peers.len(),
        peers,
        entries,
        suggestions,
        sample_data: index.all_sample(),
    }
}
