//! The authorities the gazetteer knows: every commune, EPCI, département and région can own
//! sheets. An import names an owner by code and gets it from here when the store does not have
//! it yet; the sample generator builds its authorities the same way.

use std::collections::HashMap;

use super::{Commune, CommuneKind, Gazetteer, names};
use crate::model::{Authority, AuthorityKind};

/// An authority made of member communes (rows of [`Gazetteer::communes`]): its seat is the most
/// populous member, its population their sum. `None` without members.
pub fn grouping(communes: &[Commune], code: String, kind: AuthorityKind, name: String, members: &[u32]) -> Option<Authority> {
    let seat = &communes[*members.iter().max_by_key(|&&i| communes[i as usize].population)? as usize];
    Some(Authority {
        code,
        kind,
        name,
        commune: Some(seat.code.clone()),
        departement: Some(seat.departement.clone()),
        region: Some(seat.region.clone()),
        population: members.iter().map(|&i| communes[i as usize].population).sum(),
        awards: vec![],
    })
}

/// A commune as an authority: itself, without a label history.
pub fn of_commune(c: &Commune) -> Authority {
    Authority {
        code: c.code.clone(),
        kind: AuthorityKind::Commune,
        name: c.name.clone(),
        commune: Some(c.code.clone()),
        departement: Some(c.departement.clone()),
        region: Some(c.region.clone()),
        population: c.population,
        awards: vec![],
    }
}

impl Gazetteer {
    /// Current communes of each EPCI (by SIREN), département (`dep-XX`) and région (`reg-XX`).
    fn groupings(&self) -> &HashMap<String, Vec<u32>> {
        self.groupings.get_or_init(|| {
            let mut map: HashMap<String, Vec<u32>> = HashMap::new();
            for (i, c) in self.communes().iter().enumerate().filter(|(_, c)| c.kind == CommuneKind::Commune) {
                let i = i as u32;
                map.entry(format!("dep-{}", c.departement)).or_default().push(i);
                map.entry(format!("reg-{}", c.region)).or_default().push(i);
                if let Some(epci) = &c.epci {
                    map.entry(epci.clone()).or_default().push(i);
                }
            }
            map
        })
    }

    /// The authority with this code — INSEE code of a commune, SIREN of an EPCI, `dep-XX`,
    /// `reg-XX` — built from the gazetteer, without a label history. Arrondissements and former
    /// communes are not authorities: `None`, as for an unknown code.
    pub fn authority(&self, code: &str) -> Option<Authority> {
        let code = code.trim();
        let members = |key: &str| self.groupings().get(key).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(dep) = code.strip_prefix("dep-") {
            let d = self.departement(&dep.to_ascii_uppercase())?;
            let name = format!("Département {}", names::of_name(&d.name, d.name_type));
            let key = format!("dep-{}", d.code);
            return grouping(self.communes(), key.clone(), AuthorityKind::Departement, name, members(&key));
        }
        if let Some(reg) = code.strip_prefix("reg-") {
            let r = self.region(reg)?;
            let key = format!("reg-{}", r.code);
            return grouping(self.communes(), key.clone(), AuthorityKind::Region, format!("Région {}", r.name), members(&key));
        }
        if let Some(epci) = self.epci(code) {
            return grouping(self.communes(), epci.code.clone(), AuthorityKind::Epci, epci.name.clone(), members(&epci.code));
        }
        self.commune(code).filter(|c| c.kind == CommuneKind::Commune).map(of_commune)
    }
}
