//! The second half of an import: the checked sheets compared with the store and written,
//! directly or as proposals, within the caller's [`Scope`].

use std::collections::{BTreeMap, HashMap, HashSet};

use super::changes::{history_entry, same_content};
use super::rows::RowSheet;
use super::{ImportError, ImportOptions, Outcome, Pending, Prepared, Problem, Scope};
use crate::gazetteer::{CommuneKind, Gazetteer};
use crate::model::contribution::{Actor, Channel, NewHistoryEntry, RevisionState, SheetContent};
use crate::model::reason::Reason;
use crate::model::{Authority, Initiative, NewInitiative, Status};
use crate::store::contributions::{RevisionWrite, Save};
use crate::store::{BatchHistory, Store, WriteBatch};

/// The second half of [`super::import`]: compares checked sheets with the store and writes them.
pub async fn write_prepared(
    store: &dyn Store,
    gazetteer: &Gazetteer,
    prepared: Prepared,
    options: &ImportOptions,
) -> Result<Outcome, ImportError> {
    let Prepared { mut report, sheets } = prepared;
    report.proposed = options.scope.propose;
    let started = std::time::Instant::now();
    let stored_authorities: HashSet<String> = store.authorities().await?.into_iter().map(|a| a.code).collect();
    let existing: HashMap<String, Initiative> =
        store.initiatives_of_source(&options.source).await?.into_iter().map(|s| (s.sheet.external_id.clone(), s)).collect();
    tracing::debug!("{} stored sheets of source {:?} read in {:?}", existing.len(), options.source, started.elapsed());
    let mut from_gazetteer: BTreeMap<String, Option<Authority>> = BTreeMap::new();
    let mut to_write = vec![];
    let mut history = vec![];
    let mut seen = HashSet::new();
    let mut unmatched: BTreeMap<String, usize> = BTreeMap::new();
    let mut geocoding: BTreeMap<String, usize> = BTreeMap::new();
    let mut confidence: BTreeMap<String, usize> = BTreeMap::new();
    for pending in sheets {
        let code = owner_code(gazetteer, &pending.first);
        if !stored_authorities.contains(&code) && from_gazetteer.entry(code.clone()).or_insert_with(|| gazetteer.authority(&code)).is_none()
        {
            let reason = Reason::NotAnAuthority { authority: code.clone() };
            report.errors.push(Problem::new(pending.rows[0], pending.line, Some("authority".into()), reason));
            report.rejected_rows += pending.rows.len();
            continue;
        }
        if let Some(reason) = out_of_scope(&options.scope, &code, existing.get(&pending.external_id)) {
            report.errors.push(Problem::new(pending.rows[0], pending.line, None, reason));
            report.rejected_rows += pending.rows.len();
            continue;
        }
        report.sheets += 1;
        seen.insert(pending.external_id.clone());
        for value in &pending.first.unmatched {
            *unmatched.entry(value.clone()).or_default() += 1;
        }
        for place in &pending.first.places {
            *geocoding.entry(crate::store::rows::serde_name(&place.method)).or_default() += 1;
        }
        for c in &pending.first.confidences {
            *confidence.entry(confidence_key(*c)).or_default() += 1;
        }
        let sheet = new_initiative(pending, code, options);
        match existing.get(&sheet.external_id) {
            Some(stored) if same_content(&stored.sheet, &sheet) => report.unchanged += 1,
            stored => {
                if stored.is_some() {
                    report.updated += 1;
                } else {
                    report.created += 1;
                }
                history.push(history_entry(stored.map(|s| &s.sheet), &sheet));
                to_write.push(sheet);
            }
        }
    }
    report.unmatched_services = unmatched;
    report.geocoding = geocoding;
    report.confidence = confidence;
    report.not_in_file = existing.keys().filter(|id| !seen.contains(*id)).count();
    report.errors.sort_by_key(|p| p.row);
    let needed: HashSet<&str> = to_write.iter().map(|s| s.authority.as_str()).collect();
    let new_authorities: Vec<Authority> = from_gazetteer.into_values().flatten().filter(|a| needed.contains(a.code.as_str())).collect();
    report.new_authorities = new_authorities.iter().map(|a| a.code.clone()).collect();
    let refused = !report.errors.is_empty() && !options.skip_invalid;
    if options.dry_run || refused || to_write.is_empty() {
        return Ok(Outcome { report, written: vec![], new_authorities: vec![] });
    }
    let started = std::time::Instant::now();
    let actor = Actor { id: options.updated_by.clone(), channel: Channel::Import };
    let written = if options.scope.propose {
        if !new_authorities.is_empty() {
            let batch = WriteBatch { new_authorities: new_authorities.clone(), ..WriteBatch::default() };
            store.write(batch).await?;
        }
        let saves = to_write.into_iter().map(|sheet| proposal(existing.get(&sheet.external_id), sheet, &actor)).collect();
        store.save_all(saves).await?.into_iter().map(|e| e.sheet).collect()
    } else {
        let history = Some(BatchHistory { actor, entries: history });
        let batch = WriteBatch { authorities: vec![], new_authorities: new_authorities.clone(), initiatives: to_write, history };
        store.write(batch).await?
    };
    tracing::debug!("{} sheets written in {:?}", written.len(), started.elapsed());
    report.written = true;
    Ok(Outcome { report, written, new_authorities })
}

/// Why a sheet is beyond what a contributor's import may write, if it is.
fn out_of_scope(scope: &Scope, owner: &str, stored: Option<&Initiative>) -> Option<Reason> {
    let own = scope.authority.as_deref()?;
    if owner != own {
        return Some(Reason::OtherAuthority { owner: owner.to_owned(), own: own.to_owned() });
    }
    match stored {
        Some(s) if s.sheet.authority != own => {
            Some(Reason::SheetOfOtherAuthority { id: s.sheet.external_id.clone(), owner: s.sheet.authority.clone() })
        }
        _ => None,
    }
}

/// The change that proposes an imported sheet to the moderators: a new sheet is stored as a
/// draft with its proposal; a stored sheet keeps its public row (followed by the proposal
/// only while it was never published) and gets the proposal beside it.
fn proposal(stored: Option<&Initiative>, mut sheet: NewInitiative, actor: &Actor) -> Save {
    let content = SheetContent::of(&sheet);
    let changes = content.changes_from(stored.map(|s| SheetContent::of(&s.sheet)).as_ref());
    let entry = NewHistoryEntry { action: "proposed", public: false, reason: None, changes };
    let revision = RevisionWrite::Set { state: RevisionState::Proposed, content, reason: None };
    let actor = actor.clone();
    match stored {
        None => {
            sheet.status = Status::Draft;
            Save { existing: None, sheet, touch: true, revision, actor, entry }
        }
        Some(s) if s.sheet.status == Status::Draft => {
            sheet.status = Status::Draft;
            Save { existing: Some((s.id, s.version)), sheet, touch: true, revision, actor, entry }
        }
        Some(s) => Save { existing: Some((s.id, s.version)), sheet: s.sheet.clone(), touch: false, revision, actor, entry },
    }
}

fn new_initiative(pending: Pending, authority: String, options: &ImportOptions) -> NewInitiative {
    let row = pending.first;
    NewInitiative {
        source: options.source.clone(),
        external_id: pending.external_id,
        authority,
        title: row.title,
        summary: row.summary,
        body: row.body,
        services: row.services,
        year: row.year,
        website: row.website,
        places: row.places,
        status: row.status,
        sample: false,
        updated_by: options.updated_by.clone(),
        source_data: row.source_data,
    }
}

/// The authority a sheet belongs to: the one it names, else the commune of its main place (the
/// city, for a place in an arrondissement).
fn owner_code(gazetteer: &Gazetteer, sheet: &RowSheet) -> String {
    if let Some(code) = &sheet.authority {
        return code.clone();
    }
    let commune = &sheet.places[0].commune;
    match gazetteer.commune(commune) {
        Some(c) if c.kind == CommuneKind::Arrondissement => c.parent.clone().unwrap_or_else(|| commune.clone()),
        _ => commune.clone(),
    }
}

/// A confidence as the report counts it: the geocoder's few levels (1, 0.95 ... 0.6), written
/// as such.
fn confidence_key(c: f32) -> String {
    format!("{:.2}", c).trim_end_matches('0').trim_end_matches('.').to_owned()
}
