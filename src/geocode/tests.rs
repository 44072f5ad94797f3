//! Each spelling rule on real communes of the committed gazetteer.

use std::sync::OnceLock;

use super::*;
use crate::gazetteer::{Gazetteer, default_data_dir};

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| Gazetteer::load_data_dir(&default_data_dir()).unwrap())
}

fn geocoder() -> &'static Geocoder<'static> {
    static G: OnceLock<Geocoder<'static>> = OnceLock::new();
    G.get_or_init(|| Geocoder::new(gazetteer()))
}

fn code(input: PlaceInput) -> String {
    match geocoder().geocode(&input) {
        Ok(g) => g.commune,
        Err(e) => panic!("{input:?}: {e} {:?}", e.candidates),
    }
}

fn name(n: &str) -> PlaceInput<'_> {
    PlaceInput { commune: Some(n), ..PlaceInput::default() }
}

fn postal<'a>(p: &'a str, n: &'a str) -> PlaceInput<'a> {
    PlaceInput { postal_code: Some(p), commune: Some(n), ..PlaceInput::default() }
}

#[test]
fn names_fold_case_accents_saints_hyphens_and_articles() {
    assert_eq!(code(name("ST ETIENNE")), "42218");
    assert_eq!(code(name("saint-étienne")), "42218");
    assert_eq!(code(name("Abergement-Clémenciat (L')")), "01001");
    assert_eq!(code(name("L’Abergement Clémenciat")), "01001", "curly apostrophe, space for hyphen");
    assert_eq!(code(name("abergement-clemenciat")), "01001", "article missing");
    assert_eq!(code(name("L'HAY LES ROSES")), "94038");
    assert_eq!(code(name("COEUVRES ET VALSERY")), "02201", "Œ written oe");
    let g = geocoder().geocode(&name("ST ETIENNE")).unwrap();
    assert_eq!((g.method, g.precision), (GeocodeMethod::Name, Precision::Commune));
}

#[test]
fn codes_are_read_as_spreadsheets_write_them() {
    assert_eq!(code(PlaceInput { insee: Some("1001"), ..PlaceInput::default() }), "01001", "leading zero lost");
    assert_eq!(code(PlaceInput { insee: Some("2a004"), ..PlaceInput::default() }), "2A004", "Corsica in lower case");
    assert_eq!(code(postal("20000", "Ajaccio")), "2A004", "a 20xxx postal code in Corse-du-Sud");
    assert_eq!(code(postal("1400", "Abergement-Clémenciat")), "01001", "postal code without its zero");
    let g = geocoder().geocode(&PlaceInput { insee: Some("62548"), ..PlaceInput::default() }).unwrap();
    assert_eq!((g.method, g.confidence), (GeocodeMethod::InseeCode, 1.0));
}

#[test]
fn postal_codes_lead_to_arrondissements_and_cedex_is_dropped() {
    assert_eq!(code(postal("75011", "Paris")), "75111");
    assert_eq!(code(postal("75011", "PARIS CEDEX 11")), "75111");
    assert_eq!(code(postal("69003", "LYON CEDEX 03")), "69383");
    assert_eq!(code(postal("01400", "L'Abergement-Clémenciat")), "01001", "a postal code shared by several communes: the name decides");
    let shared = geocoder().geocode(&PlaceInput { postal_code: Some("01400"), ..PlaceInput::default() }).unwrap_err();
    assert!(matches!(shared.reason, Reason::SharedPostalCode { .. }) && shared.candidates.len() > 1, "{shared:?}");
}

#[test]
fn overseas_and_homonyms_need_the_departement() {
    let ambiguous = geocoder().geocode(&name("Saint-Denis")).unwrap_err();
    assert!(matches!(ambiguous.reason, Reason::AmbiguousName { .. }), "{ambiguous:?}");
    assert!(ambiguous.candidates.iter().any(|c| c.contains("97411")) && ambiguous.candidates.iter().any(|c| c.contains("93066")));
    let reunion = PlaceInput { commune: Some("Saint-Denis"), departement: Some("974"), ..PlaceInput::default() };
    assert_eq!(code(reunion), "97411");
    let g = geocoder().geocode(&reunion).unwrap();
    assert_eq!(g.method, GeocodeMethod::NameDepartement);
    assert_eq!(code(PlaceInput { commune: Some("ajaccio"), departement: Some("2a"), ..PlaceInput::default() }), "2A004");
}

#[test]
fn former_communes_lead_to_the_commune_they_belong_to() {
    let g = geocoder().geocode(&name("Annecy-le-Vieux")).unwrap();
    assert_eq!(g.commune, "74010");
    assert!(
        matches!(&g.notes[..], [Note::FormerCommune { former, now }] if former.contains("74011") && now.contains("74010")),
        "{:?}",
        g.notes
    );
    // The former commune's own point, not the new commune's town hall.
    assert!((g.lat - 45.9197).abs() < 1e-3);
}

#[test]
fn given_coordinates_are_checked() {
    let marck = PlaceInput { lon: Some(1.9557), lat: Some(50.9491), ..PlaceInput::default() };
    let g = geocoder().geocode(&marck).unwrap();
    assert_eq!((g.commune.as_str(), g.method, g.precision), ("62548", GeocodeMethod::Coordinates, Precision::Address));
    assert!(g.notes.is_empty());

    let swapped = geocoder().geocode(&PlaceInput { lon: Some(50.9491), lat: Some(1.9557), ..PlaceInput::default() }).unwrap();
    assert_eq!((swapped.commune.as_str(), swapped.lon, swapped.lat), ("62548", 1.9557, 50.9491));
    assert_eq!(swapped.notes, [Note::SwappedCoordinates]);
    // Out of range one way, fine the other way (La Réunion: latitude -21, longitude 55).
    let reunion = geocoder().geocode(&PlaceInput { lon: Some(-20.8790), lat: Some(55.4486), ..PlaceInput::default() }).unwrap();
    assert_eq!((reunion.commune.as_str(), reunion.notes.as_slice()), ("97411", [Note::SwappedCoordinates].as_slice()));

    let far =
        geocoder().geocode(&PlaceInput { lon: Some(2.3522), lat: Some(48.8566), insee: Some("62548"), ..PlaceInput::default() }).unwrap();
    assert!(
        matches!(&far.notes[..], [Note::FarFromCommune { commune, distance_m }] if commune == "62548" && *distance_m > 200_000.0),
        "{:?}",
        far.notes
    );

    let refused =
        |lon: f64, lat: f64| geocoder().geocode(&PlaceInput { lon: Some(lon), lat: Some(lat), ..PlaceInput::default() }).unwrap_err();
    for (lon, lat) in [(f64::NAN, 45.0), (2.0, f64::INFINITY), (f64::NEG_INFINITY, f64::NAN)] {
        let e = refused(lon, lat);
        assert_eq!(e.reason, Reason::CoordinatesNotNumbers, "{lon},{lat}");
        assert!(e.candidates.is_empty());
    }
    for (lon, lat) in [(200.0, 100.0), (2.0, -91.0), (-180.5, 45.0)] {
        assert_eq!(refused(lon, lat).reason, Reason::CoordinatesOutOfRange { lon, lat }, "{lon},{lat}");
    }
    // Madrid, and the Atlantic off Brittany: valid positions, in no French commune.
    for (lon, lat) in [(-3.70, 40.42), (-8.0, 47.0)] {
        assert_eq!(refused(lon, lat).reason, Reason::OutsideFrance { lon, lat }, "{lon},{lat}");
    }
    let half = geocoder().geocode(&PlaceInput { lon: Some(2.0), ..PlaceInput::default() }).unwrap_err();
    assert_eq!(half.reason, Reason::OneCoordinate, "half a position");
}

#[test]
fn it_never_invents_a_place() {
    let e = geocoder().geocode(&name("Atlantide-sur-Mer")).unwrap_err();
    assert!(e.reason.to_string().contains("no commune"), "{e:?}");
    let e = geocoder().geocode(&name("Marc")).unwrap_err();
    assert!(e.candidates.iter().any(|c| c.contains("62548")), "Marck is suggested for a typo: {e:?}");
    let e = geocoder().geocode(&PlaceInput { insee: Some("99999"), commune: Some("Marck"), ..PlaceInput::default() }).unwrap_err();
    assert!(
        matches!(&e.reason, Reason::UnknownInsee { insee } if insee == "99999") && e.candidates.iter().any(|c| c.contains("62548")),
        "{e:?}"
    );
    assert!(geocoder().geocode(&PlaceInput::default()).is_err());
}

/// Loon-Plage's own point lies across the simplified border, in Dunkerque: given with its
/// INSEE code it stays in Loon-Plage (a file exported from the service imports back as it
/// was); the same point given alone is Dunkerque's, and a point a little off is decided by
/// the boundaries.
#[test]
fn the_named_commune_s_own_point_stays_in_it() {
    let g = geocoder();
    let loon = g.geocode(&PlaceInput { insee: Some("59359"), ..PlaceInput::default() }).unwrap();
    let at_its_point = PlaceInput { lon: Some(loon.lon), lat: Some(loon.lat), insee: Some("59359"), ..PlaceInput::default() };
    assert_eq!(g.geocode(&at_its_point).unwrap().commune, "59359");
    let alone = PlaceInput { lon: Some(loon.lon), lat: Some(loon.lat), ..PlaceInput::default() };
    assert_eq!(g.geocode(&alone).unwrap().commune, "59183", "the boundaries say Dunkerque");
    let off = PlaceInput { lon: Some(loon.lon + 0.0005), ..at_its_point };
    assert_eq!(g.geocode(&off).unwrap().commune, "59183");
}

/// The kinds of postal code + name that real files carry and a person locates at once.
#[test]
fn a_name_the_postal_code_does_not_have_is_settled_and_flagged() {
    let g = geocoder();
    // A delegated commune by its name with its commune's postal code.
    let tourlaville = g.geocode(&postal("50110", "Tourlaville")).unwrap();
    assert_eq!((tourlaville.commune.as_str(), tourlaville.confidence), ("50129", 0.9));
    assert!(matches!(&tourlaville.notes[..], [Note::FormerCommune { former, .. }] if former.contains("Tourlaville")), "{tourlaville:?}");
    // A part of the new name, or of a delegated commune's name.
    let courcouronnes = g.geocode(&postal("91080", "Courcouronnes")).unwrap();
    assert_eq!(courcouronnes.commune, "91228");
    assert!(
        matches!(&courcouronnes.notes[..], [Note::NamePart { written, commune }] if written == "Courcouronnes" && commune.contains("Évry-Courcouronnes")),
        "{courcouronnes:?}"
    );
    let octeville = g.geocode(&postal("50130", "OCTEVILLE")).unwrap();
    assert_eq!(octeville.commune, "50129");
    assert!(
        matches!(&octeville.notes[..], [Note::FormerCommune { former, now }, Note::NamePart { .. }] if former.contains("Cherbourg-Octeville") && now.contains("Cherbourg-en-Cotentin")),
        "{octeville:?}"
    );
    // Another commune's postal code in the département (Rennes' for Cesson-Sévigné), and a
    // neighbour's across a département border (Avignon's for Villeneuve-lès-Avignon, Gard).
    for (code, name, expected) in [("35700", "Cesson-Sévigné", "35051"), ("84000", "Villeneuve-lès-Avignon", "30351")] {
        let found = g.geocode(&postal(code, name)).unwrap();
        assert_eq!((found.commune.as_str(), found.confidence), (expected, 0.6), "{name}");
        assert!(
            matches!(&found.notes[..], [Note::UnexpectedPostalCode { postal_code, commune }] if postal_code == code && commune.contains(expected)),
            "{found:?}"
        );
    }
    // An exact match stays exact: no note, full confidence for the method.
    let vire = g.geocode(&postal("14500", "Vire Normandie")).unwrap();
    assert_eq!((vire.commune.as_str(), vire.confidence, vire.notes.len()), ("14762", 0.95, 0));
}

#[test]
fn a_name_far_from_its_postal_code_and_shared_is_still_an_error() {
    // Saint-Martin is in the Gers, Meurthe-et-Moselle, Hautes-Pyrénées and Bas-Rhin; none in
    // Ille-et-Vilaine, none near Rennes.
    let e = geocoder().geocode(&postal("35700", "Saint-Martin")).unwrap_err();
    assert!(matches!(&e.reason, Reason::NoCommuneWithPostalCode { postal_code, .. } if postal_code == "35700"), "{e:?}");
    assert!(e.candidates.iter().any(|c| c.contains("35238")), "the postal code's communes are suggested: {e:?}");
}

#[test]
fn arrondissements_written_the_short_way() {
    assert_eq!(code(name("Lyon 3e")), "69383");
    assert_eq!(code(name("MARSEILLE 13EME")), "13213");
    assert_eq!(code(name("Paris 15")), "75115");
    assert_eq!(code(postal("75015", "Paris 15e arr")), "75115");
    assert_eq!(code(postal("13001", "Marseille 1er")), "13201");
}

#[test]
fn apostrophes_a_file_lost_are_put_back() {
    assert_eq!(code(name("Saint-Jean-dAngély")), "17347");
    assert_eq!(code(postal("59650", "VILLENEUVE DASCQ")), "59009");
    assert_eq!(code(postal("95290", "Lisle-Adam")), "95313");
}

/// A postal code no commune has: the name decides (in the code's département first), flagged.
#[test]
fn an_unknown_postal_code_leaves_the_name_to_decide_and_is_flagged() {
    let g = geocoder();
    for code in ["35999", "99999"] {
        let found = g.geocode(&postal(code, "Cesson-Sévigné")).unwrap();
        assert_eq!((found.commune.as_str(), found.confidence), ("35051", 0.6), "{code}");
        assert!(matches!(&found.notes[..], [Note::UnexpectedPostalCode { postal_code, .. }] if postal_code == code), "{found:?}");
    }
    // Saint-Martin in Ille-et-Vilaine? There is none; in France, many: an error.
    let e = g.geocode(&postal("35999", "Saint-Martin")).unwrap_err();
    assert!(matches!(e.reason, Reason::AmbiguousName { .. }), "{e:?}");
}

/// One letter off in a long name, when one commune of the postal code or of the département is
/// that close: taken, flagged; a short name one letter off is not.
#[test]
fn a_long_name_one_letter_off_is_taken_and_flagged() {
    let g = geocoder();
    let near = |found: &Geocoded, written: &str| matches!(&found.notes[..], [Note::NameNear { written: w, .. }] if w == written);
    let cesson = g.geocode(&postal("35510", "Cesson-Sevgné")).unwrap();
    assert_eq!((cesson.commune.as_str(), cesson.confidence), ("35051", 0.7));
    assert!(near(&cesson, "Cesson-Sevgné"), "{cesson:?}");
    let montpellier = g.geocode(&PlaceInput { commune: Some("Montpelier"), departement: Some("34"), ..PlaceInput::default() }).unwrap();
    assert_eq!((montpellier.commune.as_str(), montpellier.confidence), ("34172", 0.7));
    assert!(near(&montpellier, "Montpelier"), "{montpellier:?}");
    let swapped = g.geocode(&PlaceInput { commune: Some("Strasbuorg"), departement: Some("67"), ..PlaceInput::default() }).unwrap();
    assert_eq!(swapped.commune, "67482");
    // "Calai" is five letters: too short to be read as Calais.
    assert!(g.geocode(&PlaceInput { commune: Some("Calai"), departement: Some("62"), ..PlaceInput::default() }).is_err());
    // Spaces for hyphens, "Ste" for "Sainte": plain spellings, not typos.
    assert_eq!(code(name("Charleville Mezieres")), "08105");
    assert_eq!(code(name("Ste-Foy-lès-Lyon")), "69202");
}

/// With the address base, a place with an address lies at its number or street in the
/// commune the other fields name; an address the base lacks leaves it at the town hall,
/// flagged; coordinates given stay as given.
#[test]
fn addresses_place_at_the_number_within_the_named_commune() {
    let dir = tempfile::tempdir().unwrap();
    super::addresses::write_test_extract(dir.path());
    let base = super::addresses::AddressBase::open(dir.path()).unwrap();
    let g = Geocoder::new(gazetteer()).with_addresses(Some(&base));
    let at_number = g
        .geocode(&PlaceInput {
            postal_code: Some("62100"),
            commune: Some("Calais"),
            address: Some("12 rue Royale"),
            ..PlaceInput::default()
        })
        .unwrap();
    assert_eq!((at_number.commune.as_str(), at_number.method, at_number.precision), ("62193", GeocodeMethod::Address, Precision::Address));
    assert_eq!(((at_number.lon * 1e4).round(), (at_number.lat * 1e4).round()), (18512.0, 509590.0));
    let street = g.geocode(&PlaceInput { insee: Some("62193"), address: Some("99 rue Royale"), ..PlaceInput::default() }).unwrap();
    assert_eq!((street.method, street.precision, street.confidence), (GeocodeMethod::Address, Precision::Street, 1.0));
    let unknown = g.geocode(&PlaceInput { insee: Some("62193"), address: Some("3 rue de Paris"), ..PlaceInput::default() }).unwrap();
    assert_eq!((unknown.method, unknown.precision), (GeocodeMethod::InseeCode, Precision::Commune));
    assert!(matches!(&unknown.notes[..], [Note::AddressNotFound { address, .. }] if address == "3 rue de Paris"), "{unknown:?}");
    let given =
        g.geocode(&PlaceInput { lon: Some(1.86), lat: Some(50.95), address: Some("12 rue Royale"), ..PlaceInput::default() }).unwrap();
    assert_eq!((given.lon, given.method), (1.86, GeocodeMethod::Coordinates));
    // Without the base, the address changes nothing.
    let plain = Geocoder::new(gazetteer())
        .geocode(&PlaceInput { insee: Some("62193"), address: Some("12 rue Royale"), ..PlaceInput::default() })
        .unwrap();
    assert_eq!((plain.precision, plain.notes.len()), (Precision::Commune, 0));
}
