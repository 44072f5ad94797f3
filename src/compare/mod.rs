//! The queries that compare: related sheets, peer towns and the mosaic. They answer "who else
//! does this?" and "what do towns like mine do that we don't?" from the in-memory index, using
//! its lists by service and by authority and its nearest-neighbour walk rather than every sheet.

pub mod classes;
pub mod mosaic;
pub mod peers;
pub mod related;

use crate::model::AuthorityKind;

/// "à 800 m", "à 3,4 km", "à 12 km", "à 6 834 km": how far, the French way.
pub fn format_distance(metres: f64) -> String {
    if metres < 1_000.0 {
        return format!("à {} m", ((metres / 10.0).round() * 10.0) as u32);
    }
    let km = metres / 1_000.0;
    if km < 10.0 {
        return format!("à {:.1} km", km).replace('.', ",");
    }
    format!("à {} km", group_thousands(km.round() as u64))
}

/// 6834 → "6 834", with the no-break space French typography puts between groups.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// The kind of an authority as a French common noun.
pub fn authority_kind_label(kind: AuthorityKind) -> &'static str {
    match kind {
        AuthorityKind::Commune => "commune",
        AuthorityKind::Epci => "intercommunalité",
        AuthorityKind::Departement => "département",
        AuthorityKind::Region => "région",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_read_the_french_way() {
        assert_eq!(format_distance(784.0), "à 780 m");
        assert_eq!(format_distance(3_449.0), "à 3,4 km");
        assert_eq!(format_distance(12_400.0), "à 12 km");
        assert_eq!(format_distance(6_834_200.0), "à 6\u{a0}834 km");
        assert_eq!(group_thousands(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(group_thousands(999), "999");
    }
}
