//! The label's palmarès as a file: one row per authority and edition, read into label awards
//! for `atlaas authority awards`. Every row is checked before anything is written; a file with
//! one bad row writes nothing, and every bad row is named by its line.
//!
//! Columns (names compared without case, accents or punctuation, in any order, `;` `,` or tab):
//! the authority (`code`, `code_insee`, `insee`, `siren`, `collectivite`: an INSEE code, an
//! EPCI's SIREN, `dep-XX` or `reg-XX`), the edition (`annee`, `year`, `edition`), the level
//! (`arobases`, `niveau`, `@`: 1 to 5) and, optionally, the jury's mentions (`mentions`: codes or
//! French labels of the referential's mentions, separated by `,` or `|`).

use std::collections::BTreeMap;

use crate::gazetteer::Gazetteer;
use crate::gazetteer::names::fold;
use crate::import::decode::{decode, separator};
use crate::import::fields::fold_name;
use crate::model::{Authority, LabelAward};
use crate::referential::Referential;
use crate::store::{Store, StoreError, WriteBatch};

const CODE: [&str; 5] = ["code", "code_insee", "insee", "siren", "collectivite"];
const YEAR: [&str; 3] = ["annee", "year", "edition"];
const LEVEL: [&str; 3] = ["arobases", "niveau", ""];
const MENTIONS: [&str; 2] = ["mentions", "mention"];

/// The awards of a file, by authority code, and how many rows gave them.
#[derive(Debug, Default)]
pub struct Awards {
    pub by_authority: BTreeMap<String, Vec<LabelAward>>,
    pub rows: usize,
}

/// What is wrong with the file, or with each of its rows (`line N: …`).
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct AwardsError(pub Vec<String>);

/// Reads and checks a whole file.
pub fn read(bytes: &[u8], gazetteer: &Gazetteer, referential: &Referential) -> Result<Awards, AwardsError> {
    let (text, _) = decode(bytes, None).map_err(|e| AwardsError(vec![e.to_string()]))?;
    let mut reader = csv::ReaderBuilder::new().delimiter(separator(&text)).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| AwardsError(vec![format!("the header line cannot be read: {e}")]))?.iter().map(fold_name).collect();
    // The first name of the list that a column has: `@` (which folds to nothing) comes last.
    let column = |names: &[&str]| names.iter().find_map(|n| headers.iter().position(|h| h == n));
    let (Some(code), Some(year), Some(level)) = (column(&CODE), column(&YEAR), column(&LEVEL)) else {
        return Err(AwardsError(vec![format!(
            "the header line needs an authority column (code_insee…), a year (annee) and a level (arobases); it has: {}",
            headers.join(", ")
        )]));
    };
    let mentions = column(&MENTIONS);
    let (mut awards, mut errors) = (Awards::default(), vec![]);
    let mut seen: BTreeMap<(String, u16), u64> = BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {}: {e}", e.position().map_or(0, |p| p.line())));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        match row(gazetteer, referential, cell(code), cell(year), cell(level), mentions.map_or("", cell)) {
            Ok((authority, award)) => {
                if let Some(first) = seen.insert((authority.clone(), award.year), line) {
                    errors.push(format!("line {line}: {authority} is already given an award for {} on line {first}", award.year));
                }
                awards.by_authority.entry(authority).or_default().push(award);
                awards.rows += 1;
            }
            Err(why) => errors.push(format!("line {line}: {why}")),
        }
    }
    if errors.is_empty() { Ok(awards) } else { Err(AwardsError(errors)) }
}

fn row(g: &Gazetteer, r: &Referential, code: &str, year: &str, level: &str, mentions: &str) -> Result<(String, LabelAward), String> {
    let authority =
        g.authority(code).ok_or_else(|| format!("{code:?} is not an authority of the gazetteer (INSEE code, SIREN, dep-XX or reg-XX)"))?;
    let year: u16 = year
        .parse()
        .ok()
        .filter(|y| (1999..=2100).contains(y))
        .ok_or_else(|| format!("the year {year:?} is not an edition (1999 to 2100)"))?;
    let arobases: u8 = level
        .trim_end_matches('@')
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=5).contains(n))
        .ok_or_else(|| format!("the level {level:?} is not 1 to 5 @"))?;
    let known = &r.file().mentions;
    let mentions = mentions
        .split([',', '|'])
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| {
            let folded = fold(m);
            let by_label = || known.iter().find(|k| fold(&k.label) == folded);
            r.mention(m)
                .or_else(by_label)
                .map(|k| k.code.clone())
                .ok_or_else(|| format!("the mention {m:?} is not one of the label's ({})", r.mention_codes()))
        })
        .collect::<Result<Vec<String>, String>>()?;
    Ok((authority.code, LabelAward { year, arobases, mentions }))
}

/// Writes a file's awards in one transaction: each authority's stored history (or, for one
/// the store lacks, the gazetteer's record) with the file's editions replaced. Running servers
/// see the change through the change feed. Returns the authorities written.
pub async fn save(store: &dyn Store, gazetteer: &Gazetteer, awards: &Awards) -> Result<Vec<Authority>, StoreError> {
    let mut authorities = Vec::with_capacity(awards.by_authority.len());
    for (code, given) in &awards.by_authority {
        let Some(stored) = store.authority(code).await?.or_else(|| gazetteer.authority(code)) else { continue };
        authorities.push(merged(stored, given));
    }
    store.write(WriteBatch { authorities: authorities.clone(), ..WriteBatch::default() }).await?;
    Ok(authorities)
}

/// An authority's history with a file's awards: the editions the file gives are replaced, the
/// others kept; oldest first.
pub fn merged(mut authority: Authority, awards: &[LabelAward]) -> Authority {
    authority.awards.retain(|kept| awards.iter().all(|a| a.year != kept.year));
    authority.awards.extend_from_slice(awards);
    authority.awards.sort_by_key(|a| a.year);
    authority
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::gazetteer::default_data_dir;

    fn setup() -> (Arc<Gazetteer>, Referential) {
        let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
        let r = Referential::load(&default_data_dir().join("referential-2024.json")).unwrap();
        (g, r)
    }

    #[test]
    fn a_palmares_file_reads_into_awards_by_authority() {
        let (g, r) = setup();
        let file =
            "\u{feff}Collectivité;Année;Arobases;Mentions\n72003;2013;2;\n72003;2014;3 @;Démocratie locale|education\n\n dep-62 ;2017;4;\n";
        let awards = read(file.as_bytes(), &g, &r).unwrap();
        assert_eq!(awards.rows, 3);
        let allonnes = &awards.by_authority["72003"];
        assert_eq!(allonnes[1], LabelAward { year: 2014, arobases: 3, mentions: vec!["democratie".into(), "education".into()] });
        assert_eq!(awards.by_authority["dep-62"][0].arobases, 4);
    }

    #[test]
    fn every_bad_row_is_named_and_nothing_is_kept() {
        let (g, r) = setup();
        let file = "code_insee,annee,arobases,mentions\n99999,2017,3,\n72003,1990,3,\n72003,2017,6,\n72003,2017,2,internet\n62548,2017,2,\n62548,2017,3,\n";
        let errors = read(file.as_bytes(), &g, &r).unwrap_err().0;
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("line 2: \"99999\" is not an authority"), "{errors:#?}");
        assert!(errors[1].contains("line 3: the year \"1990\""), "{errors:#?}");
        assert!(errors[2].contains("line 4: the level \"6\""), "{errors:#?}");
        assert!(errors[3].contains("line 5: the mention \"internet\""), "{errors:#?}");
        assert!(errors[4].contains("line 7: 62548 is already given an award for 2017 on line 6"), "{errors:#?}");
        let missing = read(b"commune;annee\nMarck;2017\n", &g, &r).unwrap_err().0;
        assert!(missing[0].contains("needs an authority column"), "{missing:#?}");
    }

    #[test]
    fn a_file_replaces_the_editions_it_gives_and_keeps_the_others() {
        let (g, _) = setup();
        let mut allonnes = g.authority("72003").unwrap();
        allonnes.awards =
            vec![LabelAward { year: 2013, arobases: 2, mentions: vec![] }, LabelAward { year: 2014, arobases: 2, mentions: vec![] }];
        let after = merged(
            allonnes,
            &[LabelAward { year: 2017, arobases: 4, mentions: vec![] }, LabelAward { year: 2014, arobases: 3, mentions: vec![] }],
        );
        let years: Vec<(u16, u8)> = after.awards.iter().map(|a| (a.year, a.arobases)).collect();
        assert_eq!(years, [(2013, 2), (2014, 3), (2017, 4)]);
    }
}
