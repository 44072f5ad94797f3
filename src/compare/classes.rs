//! Population classes: what "a town of my size" means for peers, related sheets and the map's
//! size filter.
//!
//! Five classes built on the strata INSEE and the DGCL use for communes (which split further
//! below 2,000 and between 10,000 and 50,000): small rural communes, small towns, medium
//! towns, large towns, cities. The same bounds serve EPCI, départements and régions, which are
//! only ever compared with authorities of their own kind.

/// One class of population, bounds included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PopulationClass {
    /// Stable code for the API (`2000-9999`), the same syntax as the `population` filter.
    pub code: &'static str,
    pub min: u32,
    pub max: u32,
    /// French, for people: "2 000 – 9 999 hab." (no-break spaces inside numbers).
    pub label: &'static str,
}

pub const CLASSES: [PopulationClass; 5] = [
    PopulationClass { code: "0-1999", min: 0, max: 1_999, label: "moins de 2\u{a0}000\u{a0}hab." },
    PopulationClass { code: "2000-9999", min: 2_000, max: 9_999, label: "2\u{a0}000 – 9\u{a0}999\u{a0}hab." },
    PopulationClass { code: "10000-49999", min: 10_000, max: 49_999, label: "10\u{a0}000 – 49\u{a0}999\u{a0}hab." },
    PopulationClass { code: "50000-199999", min: 50_000, max: 199_999, label: "50\u{a0}000 – 199\u{a0}999\u{a0}hab." },
    PopulationClass { code: "200000-", min: 200_000, max: u32::MAX, label: "200\u{a0}000\u{a0}hab. et plus" },
];

/// The class of a population; `None` when it is unknown (0: an authority added without figures).
pub fn class_of(population: u32) -> Option<&'static PopulationClass> {
    if population == 0 {
        return None;
    }
    CLASSES.iter().find(|c| (c.min..=c.max).contains(&population))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_every_known_population_once() {
        assert_eq!(CLASSES[0].min, 0);
        for pair in CLASSES.windows(2) {
            assert_eq!(pair[0].max + 1, pair[1].min, "no gap, no overlap");
        }
        assert_eq!(class_of(0), None);
        assert_eq!(class_of(1).unwrap().code, "0-1999");
        assert_eq!(class_of(1_999).unwrap().code, "0-1999");
        assert_eq!(class_of(2_000).unwrap().code, "2000-9999");
        assert_eq!(class_of(10_357).unwrap().code, "10000-49999");
        assert_eq!(class_of(2_133_111).unwrap().code, "200000-");
    }
}
