//! The authorities the gazetteer knows: every commune, EPCI, département and région can own
//! sheets. An import names an owner by code and gets it from here when the store does not have
//! it yet; the sample generator builds its authorities the same way.

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
    /// The authority with this code — INSEE code of a commune, SIREN of an EPCI, `dep-XX`,
    /// `reg-XX` — built from the gazetteer, without a label history. Arrondissements and former
    /// communes are not authorities: `None`, as for an unknown code.
    pub fn authority(&self, code: &str) -> Option<Authority> {
        let code = code.trim();
        let members = |keep: &dyn Fn(&Commune) -> bool| -> Vec<u32> {
            let current = self.communes().iter().enumerate().filter(|(_, c)| c.kind == CommuneKind::Commune);
            current.filter(|(_, c)| keep(c)).map(|(i, _)| i as u32).collect()
        };
        if let Some(dep) = code.strip_prefix("dep-") {
            let d = self.departement(&dep.to_ascii_uppercase())?;
            let name = format!("Département {}", names::of_name(&d.name, d.name_type));
            let members = members(&|c| c.departement == d.code);
            return grouping(self.communes(), format!("dep-{}", d.code), AuthorityKind::Departement, name, &members);
        }
        if let Some(reg) = code.strip_prefix("reg-") {
            let r = self.region(reg)?;
            let name = format!("Région {}", r.name);
            let members = members(&|c| c.region == r.code);
            return grouping(self.communes(), format!("reg-{}", r.code), AuthorityKind::Region, name, &members);
        }
        if let Some(epci) = self.epci(code) {
            let members = members(&|c| c.epci.as_deref() == Some(epci.code.as_str()));
            return grouping(self.communes(), epci.code.clone(), AuthorityKind::Epci, epci.name.clone(), &members);
        }
        self.commune(code).filter(|c| c.kind == CommuneKind::Commune).map(of_commune)
    }
}
