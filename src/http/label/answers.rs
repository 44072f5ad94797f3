//! The answers of the palmarès, an authority's profile and the statistics, as types: what
//! they serialize is what the OpenAPI document says of them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::compare::classes::class_of;
use crate::compare::peers::{Peer, Subject};
use crate::http::compare::answers::{Class, ThemeGroup, class, theme_groups};
use crate::http::features::{Named, metres};
use crate::index::{IndexedAuthority, SpatialIndex};
use crate::label::palmares::{Entry, Palmares};
use crate::label::stats::{Owners, Stats};
use crate::model::{AuthorityKind, LabelAward, SheetId, round_degrees};

/// A thematic mention, with its French label when the referential knows it.
#[derive(Serialize, ToSchema)]
pub struct MentionView<'a> {
    code: &'a str,
    label: Option<&'a str>,
}

fn mentions<'a>(index: &'a SpatialIndex, award: &'a LabelAward) -> Vec<MentionView<'a>> {
    let r = index.referential();
    award.mentions.iter().map(|code| MentionView { code, label: r.mention(code).map(|m| m.label.as_str()) }).collect()
}

fn departement<'a>(index: &'a SpatialIndex, a: &'a IndexedAuthority) -> Option<Named<'a>> {
    let d = index.gazetteer().departement(a.departement.as_deref()?)?;
    Some(Named { code: &d.code, name: &d.name })
}

fn region<'a>(index: &'a SpatialIndex, a: &'a IndexedAuthority) -> Option<Named<'a>> {
    let r = index.gazetteer().region(a.region.as_deref()?)?;
    Some(Named { code: &r.code, name: &r.name })
}

fn center(a: &IndexedAuthority) -> Option<[f64; 2]> {
    a.point.map(|p| [round_degrees(p[0]), round_degrees(p[1])])
}

/// The palmarès of an edition, a page of it.
#[derive(Serialize, ToSchema)]
pub struct PalmaresAnswer<'a> {
    /// The edition shown (the latest unless `year` is given); `null` when no authority was ever
    /// labelled.
    year: Option<u16>,
    /// Every edition with an award, oldest first.
    editions: Vec<u16>,
    /// Labelled authorities that pass the filters, on every page.
    count: usize,
    /// Of those, how many hold 1, 2, 3, 4 and 5 @.
    by_arobases: [usize; 5],
    offset: usize,
    limit: usize,
    authorities: Vec<Laureate<'a>>,
    /// True while every sheet is generated sample data (so is the label history then).
    sample_data: bool,
}

/// An authority of the palmarès with its award of the edition.
#[derive(Serialize, ToSchema)]
pub struct Laureate<'a> {
    code: &'a str,
    name: &'a str,
    /// `commune`, `epci`, `departement` or `region`.
    #[schema(value_type = String)]
    kind: AuthorityKind,
    /// 1 to 5.
    arobases: u8,
    mentions: Vec<MentionView<'a>>,
    /// Its award at its previous edition, if it had one.
    previous: Option<PastAward>,
    population: u32,
    class: Option<Class>,
    departement: Option<Named<'a>>,
    region: Option<Named<'a>>,
    /// Its published sheets.
    sheets: usize,
    /// Its commune's town hall, or its seat's (WGS 84).
    center: Option<[f64; 2]>,
}

#[derive(Serialize, ToSchema)]
pub struct PastAward {
    year: u16,
    arobases: u8,
}

pub fn palmares<'a>(index: &'a SpatialIndex, p: &'a Palmares, offset: usize, limit: usize) -> PalmaresAnswer<'a> {
    PalmaresAnswer {
        year: p.year,
        editions: p.editions.clone(),
        count: p.count,
        by_arobases: p.by_arobases,
        offset,
        limit,
        authorities: p.entries.iter().map(|e| labelled(index, e)).collect(),
        sample_data: index.all_sample(),
    }
}

fn labelled<'a>(index: &'a SpatialIndex, e: &Entry<'a>) -> Laureate<'a> {
    let a = e.authority;
    Laureate {
        code: &a.code,
        name: &a.name,
        kind: a.kind,
        arobases: e.award.arobases,
        mentions: mentions(index, e.award),
        previous: e.previous.map(|w| PastAward { year: w.year, arobases: w.arobases }),
        population: a.population,
        class: class(class_of(a.population)),
        departement: departement(index, a),
        region: region(index, a),
        sheets: e.sheets,
        center: center(a),
    }
}

/// An authority's page: who it is, its label since it joined, its sheets and its peers.
#[derive(Serialize, ToSchema)]
pub struct Profile<'a> {
    code: &'a str,
    name: &'a str,
    #[schema(value_type = String)]
    kind: AuthorityKind,
    population: u32,
    class: Option<Class>,
    departement: Option<Named<'a>>,
    region: Option<Named<'a>>,
    center: Option<[f64; 2]>,
    /// Its latest @, 0 when it was never labelled.
    arobases: u8,
    /// Every edition it was labelled, oldest first.
    awards: Vec<AwardView<'a>>,
    /// Its published sheets.
    sheet_count: usize,
    /// Its published sheets by the theme of their main service, all listed.
    themes: Vec<ThemeGroup<'a>>,
    /// The nearest authorities of its kind and population class.
    peers: Vec<ProfilePeer<'a>>,
    links: ProfileLinks,
    sample_data: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AwardView<'a> {
    year: u16,
    arobases: u8,
    mentions: Vec<MentionView<'a>>,
}

#[derive(Serialize, ToSchema)]
pub struct ProfilePeer<'a> {
    code: &'a str,
    name: &'a str,
    population: u32,
    /// Between town halls, in metres.
    distance_m: f64,
    /// Its latest @ (0 when never labelled).
    arobases: u8,
    sheet_count: usize,
}

/// Where to go from the profile (paths on this server).
#[derive(Serialize, ToSchema)]
pub struct ProfileLinks {
    /// Its page.
    page: String,
    /// Its mosaic of the referential.
    mosaic: String,
    /// The embeddable map of its sheets and those around (communes).
    embed: Option<String>,
}

/// An authority the index does not know (no sheet, never labelled) is shown from the
/// gazetteer, with nothing to its name.
pub fn profile<'a>(index: &'a SpatialIndex, subject: &'a Subject, row: Option<u32>, peers: &[Peer]) -> Profile<'a> {
    let known = row.map(|r| &index.authorities()[r as usize]);
    let sheets: Vec<SheetId> = row.map(|r| index.sheets_of_authority(r).into_iter().map(|(id, _)| id).collect()).unwrap_or_default();
    let awards = known.map_or(&[][..], |a| &a.awards);
    let code = subject.code.as_str();
    Profile {
        code,
        name: &subject.name,
        kind: subject.kind,
        population: subject.population,
        class: class(subject.class()),
        departement: known.and_then(|a| departement(index, a)),
        region: known.and_then(|a| region(index, a)),
        center: subject.point.map(|p| [round_degrees(p[0]), round_degrees(p[1])]),
        arobases: known.map_or(0, |a| a.arobases),
        awards: awards.iter().map(|w| AwardView { year: w.year, arobases: w.arobases, mentions: mentions(index, w) }).collect(),
        sheet_count: sheets.len(),
        themes: theme_groups(index, &sheets, usize::MAX),
        peers: peers.iter().map(|p| peer(index, p)).collect(),
        links: ProfileLinks {
            page: format!("/collectivites/{code}"),
            mosaic: format!("/api/authorities/{code}/mosaic"),
            embed: (subject.kind == AuthorityKind::Commune).then(|| format!("/embed?commune={code}")),
        },
        sample_data: index.all_sample(),
    }
}

fn peer<'a>(index: &'a SpatialIndex, p: &Peer) -> ProfilePeer<'a> {
    let a = &index.authorities()[p.row as usize];
    ProfilePeer {
        code: &a.code,
        name: &a.name,
        population: a.population,
        distance_m: metres(p.distance_m),
        arobases: a.arobases,
        sheet_count: index.sheet_count_of_authority(p.row),
    }
}

/// Counts of sheets for charts.
#[derive(Serialize, ToSchema)]
pub struct StatsAnswer<'a> {
    /// `theme`, `challenge`, `service`, `year`, `region`, `departement` or `population`.
    by: &'static str,
    /// Published sheets that pass the filters.
    sheets: usize,
    /// The authorities that own them.
    owners: OwnersView,
    /// Every group, empty ones included, in the referential's or the codes' order.
    groups: Vec<GroupView<'a>>,
    sample_data: bool,
}

/// Authorities owning some sheets, and how many of them hold 1 to 5 @.
#[derive(Serialize, ToSchema)]
pub struct OwnersView {
    total: usize,
    /// Owners holding 1, 2, 3, 4 and 5 @ (their latest; that edition's when grouped by year).
    by_arobases: [usize; 5],
}

impl From<&Owners> for OwnersView {
    fn from(o: &Owners) -> Self {
        OwnersView { total: o.total, by_arobases: o.by_arobases }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupView<'a> {
    /// The code of the group: a referential code, a year, a région or département code, a
    /// population class.
    key: &'a str,
    /// In French.
    label: &'a str,
    sheets: usize,
    owners: OwnersView,
    /// Its sheets edition by edition, oldest first (editions without any left out).
    years: Vec<YearCount>,
}

#[derive(Serialize, ToSchema)]
pub struct YearCount {
    year: u16,
    sheets: usize,
}

pub fn stats<'a>(index: &SpatialIndex, s: &'a Stats) -> StatsAnswer<'a> {
    StatsAnswer {
        by: s.by.as_str(),
        sheets: s.sheets,
        owners: OwnersView::from(&s.owners),
        groups: s
            .groups
            .iter()
            .map(|g| GroupView {
                key: &g.key,
                label: &g.label,
                sheets: g.sheets,
                owners: OwnersView::from(&g.owners),
                years: g.years.iter().map(|(&year, &sheets)| YearCount { year, sheets }).collect(),
            })
            .collect(),
        sample_data: index.all_sample(),
    }
}
