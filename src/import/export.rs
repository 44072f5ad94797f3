//! Sheets written as an import file: the CSV a French spreadsheet opens as it is (UTF-8 with a
//! byte order mark, semicolons, French column names), one row per place, rows of one sheet
//! sharing its id. `atlaas sample --out sheets.csv` writes one, a ready example of the format.

use std::io::Write;

use crate::gazetteer::Gazetteer;
use crate::model::NewInitiative;

pub const COLUMNS: [&str; 16] = [
    "id",
    "titre",
    "résumé",
    "description",
    "collectivité",
    "services",
    "année",
    "site_web",
    "statut",
    "lieu",
    "adresse",
    "code_postal",
    "code_insee",
    "commune",
    "latitude",
    "longitude",
];

fn status_fr(sheet: &NewInitiative) -> &'static str {
    match sheet.status {
        crate::model::Status::Published => "publiée",
        crate::model::Status::Draft => "brouillon",
        crate::model::Status::Archived => "archivée",
    }
}

pub fn write_csv<W: Write>(out: W, sheets: &[NewInitiative], gazetteer: &Gazetteer) -> Result<(), csv::Error> {
    let mut out = out;
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(out);
    w.write_record(COLUMNS)?;
    for s in sheets {
        let services = s.services.join(",");
        let year = s.year.to_string();
        for p in &s.places {
            let commune = gazetteer.commune(&p.commune).map(|c| c.name.as_str()).unwrap_or("");
            let (lat, lon) = (p.lat.to_string(), p.lon.to_string());
            w.write_record([
                s.external_id.as_str(),
                &s.title,
                &s.summary,
                &s.body,
                &s.authority,
                &services,
                &year,
                s.website.as_deref().unwrap_or(""),
                status_fr(s),
                p.label.as_deref().unwrap_or(""),
                p.address.as_deref().unwrap_or(""),
                p.postal_code.as_deref().unwrap_or(""),
                &p.commune,
                commune,
                &lat,
                &lon,
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}
