//! Bodies as clients write them, checked against the real gazetteer and referential.

use std::sync::OnceLock;

use serde_json::json;

use super::*;
use crate::gazetteer::{Gazetteer, default_data_dir};

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| Gazetteer::load_data_dir(&default_data_dir()).unwrap())
}

fn referential() -> &'static Referential {
    static R: OnceLock<Referential> = OnceLock::new();
    R.get_or_init(|| Referential::load(&default_data_dir().join("referential-2024.json")).unwrap())
}

fn rules() -> Rules<'static> {
    Rules { geocoder: Geocoder::new(gazetteer()), referential: referential(), default_year: 2026 }
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_whole_sheet_is_checked_and_its_places_geocoded() {
    let body = json!({
        "title": "  Budget participatif  ",
        "services": ["1.a.1.1", "1.a.1.2"],
        "website": "www.ville-marck.fr",
        "places": [{"postal_code": "62730", "commune": "Marck", "label": "Mairie"}, {"lon": 1.95, "lat": 50.95}],
    });
    let checked = rules().new_sheet(&body).unwrap();
    let c = &checked.content;
    assert_eq!((c.title.as_str(), c.year, c.website.as_deref()), ("Budget participatif", 2026, Some("https://www.ville-marck.fr")));
    assert_eq!(c.places[0].commune, "62548");
    assert_eq!((c.places[0].method, c.places[0].precision), (GeocodeMethod::PostalCodeName, Precision::Commune));
    assert_eq!(c.places[0].label.as_deref(), Some("Mairie"));
    assert_eq!((c.places[1].method, c.places[1].precision), (GeocodeMethod::Coordinates, Precision::Address));
    assert_eq!(checked.places.len(), 2);
    assert_eq!(checked.places[0].field, "places[0]");
}

#[test]
fn every_problem_is_named_by_its_field_in_one_answer() {
    let body = json!({
        "title": "",
        "services": ["1.a.1.1", "9.z.9.9", "1.a.1.1"],
        "year": 1850,
        "website": "ftp://x",
        "status": "published",
        "authority": "75056",
        "colour": "red",
        "places": [{"commune": "Nulle-Part-sur-Mer"}, {"lon": "2.3", "lat": 48.8, "floor": 2}],
    });
    let errors = rules().new_sheet(&body).unwrap_err();
    let mut got = fields(&errors);
    got.sort();
    assert_eq!(
        got,
        [
            "authority",
            "colour",
            "places[0].commune",
            "places[1].floor",
            "places[1].lon",
            "services[1]",
            "services[2]",
            "status",
            "title",
            "website",
            "year"
        ]
    );
    let status = errors.iter().find(|e| e.field == "status").unwrap();
    assert!(status.reason.contains("set by the service"), "{status:?}");
}

#[test]
fn a_new_sheet_needs_a_title_services_and_places() {
    let errors = rules().new_sheet(&json!({"summary": "…"})).unwrap_err();
    assert_eq!(fields(&errors), ["title", "services", "places"]);
    let errors = rules().new_sheet(&json!([1, 2])).unwrap_err();
    assert_eq!(fields(&errors), [""]);
}

#[test]
fn a_merge_patch_replaces_what_it_names_and_clears_what_it_nulls() {
    let base = rules()
        .new_sheet(
            &json!({"title": "A", "summary": "S", "website": "https://a.fr", "services": ["1.a.1.1"], "places": [{"insee": "62548"}]}),
        )
        .unwrap()
        .content;
    let patched = rules().merge(&base, &json!({"title": "B", "website": null, "summary": null})).unwrap();
    assert_eq!((patched.content.title.as_str(), patched.content.summary.as_str(), patched.content.website), ("B", "", None));
    assert_eq!(patched.content.places, base.places, "places not named are kept, not geocoded again");
    assert!(patched.places.is_empty());
    let errors = rules().merge(&base, &json!({"title": null, "places": null, "services": []})).unwrap_err();
    assert_eq!(fields(&errors).len(), 3);
}

#[test]
fn swapped_coordinates_are_fixed_and_reported() {
    let checked = rules().new_sheet(&json!({"title": "T", "services": ["1.a.1.1"], "places": [{"lon": 50.9491, "lat": 1.9557}]})).unwrap();
    assert_eq!(checked.content.places[0].commune, "62548");
    assert!(checked.places[0].warnings[0].why == Reason::SwappedCoordinates, "{:?}", checked.places[0]);
}
