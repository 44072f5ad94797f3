//! The export as FlatGeobuf, the binary format GDAL, QGIS and the web's GIS libraries read
//! fast: one Point feature per place in WGS 84 (EPSG:4326), with the export's text columns as
//! string properties (coordinates are the geometry). Features go to a temporary file as they
//! come, so memory stays flat whatever the selection; the file has no spatial index (it would
//! hold every feature's box in memory), which GDAL builds on its own when asked
//! (`ogr2ogr -lco SPATIAL_INDEX=YES`).

use std::io::Write;

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, GeomProcessor, GeozeroGeometry, PropertyProcessor};

use super::{COLUMNS, text_cells};
use crate::gazetteer::Gazetteer;
use crate::model::NewInitiative;

/// The columns that are properties: every column but latitude and longitude.
const PROPERTIES: usize = COLUMNS.len() - 2;

/// A place's position, as geozero hands geometries to the writer.
struct Position(f64, f64);

impl GeozeroGeometry for Position {
    fn process_geom<P: GeomProcessor>(&self, processor: &mut P) -> geozero::error::Result<()> {
        processor.point_begin(0)?;
        processor.xy(self.0, self.1, 0)?;
        processor.point_end(0)
    }
}

/// What went wrong writing the file (the writer's or geozero's words).
#[derive(Debug, thiserror::Error)]
#[error("writing FlatGeobuf: {0}")]
pub struct FgbError(String);

fn fgb_error(e: impl std::fmt::Display) -> FgbError {
    FgbError(e.to_string())
}

/// A FlatGeobuf export being written.
pub struct FlatGeobuf {
    writer: FgbWriter<'static>,
}

impl FlatGeobuf {
    pub fn new() -> Result<Self, FgbError> {
        let options = FgbWriterOptions {
            write_index: false,
            crs: FgbCrs { code: 4326, ..Default::default() },
            title: Some("Atlaas: initiatives numériques des territoires"),
            ..Default::default()
        };
        let mut writer = FgbWriter::create_with_options("initiatives", GeometryType::Point, options).map_err(fgb_error)?;
        for name in &COLUMNS[..PROPERTIES] {
            writer.add_column(name, ColumnType::String, |_, column| column.nullable = true);
        }
        Ok(FlatGeobuf { writer })
    }

    /// Adds the places of sheets, each under the id it is exported with.
    pub fn add<'s>(
        &mut self,
        sheets: impl IntoIterator<Item = (String, &'s NewInitiative)>,
        gazetteer: &Gazetteer,
    ) -> Result<(), FgbError> {
        for (id, s) in sheets {
            let (services, year) = (s.services.join(","), s.year.to_string());
            for p in &s.places {
                let commune = gazetteer.commune(&p.commune).map_or("", |c| c.name.as_str());
                let cells = text_cells(&id, s, p, &services, &year, commune);
                let mut failed = None;
                self.writer
                    .add_feature_geom(Position(p.lon, p.lat), |feature| {
                        for (i, (name, value)) in COLUMNS.iter().zip(cells).enumerate().filter(|(_, (_, v))| !v.is_empty()) {
                            if let Err(e) = feature.property(i, name, &ColumnValue::String(value)) {
                                failed.get_or_insert(e);
                            }
                        }
                    })
                    .map_err(fgb_error)?;
                if let Some(e) = failed {
                    return Err(fgb_error(e));
                }
            }
        }
        Ok(())
    }

    /// Writes the whole file: header, then the features.
    pub fn finish(self, out: &mut impl Write) -> Result<(), FgbError> {
        self.writer.write(out).map_err(fgb_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::MARCK;
    use crate::model::Status;
    use flatgeobuf::{FallibleStreamingIterator, FgbReader};
    use geozero::FeatureProperties;

    #[test]
    fn every_place_is_a_point_with_its_sheet_s_columns() {
        let g = Gazetteer::load_data_dir(&crate::gazetteer::default_data_dir()).unwrap();
        let mut sheet =
            crate::index::tests::sheet(42, &["1.b.2.1", "1.b.2.2"], 2019, &[MARCK, ("62193", 1.8586, 50.9513)], Status::Published).sheet;
        sheet.summary = "=1+1".into();
        sheet.places[0].label = Some("Mairie".into());
        let mut fgb = FlatGeobuf::new().unwrap();
        fgb.add([("42".to_owned(), &sheet)], &g).unwrap();
        let mut bytes = Vec::new();
        fgb.finish(&mut bytes).unwrap();

        let mut reader = FgbReader::open(std::io::Cursor::new(&bytes)).unwrap().select_all_seq().unwrap();
        let mut seen = vec![];
        while let Some(feature) = reader.next().unwrap() {
            let props = feature.properties().unwrap();
            let xy = feature.geometry().and_then(|g| g.xy()).map(|xy| (xy.get(0), xy.get(1)));
            seen.push((props["id"].clone(), props.get("lieu").cloned(), props["commune"].clone(), props["résumé"].clone(), xy));
        }
        assert_eq!(
            seen,
            [
                ("42".into(), Some("Mairie".into()), "Marck".into(), "=1+1".into(), Some((1.9557, 50.9491))),
                ("42".into(), None, "Calais".into(), "=1+1".into(), Some((1.8586, 50.9513))),
            ],
            "GIS cells are data, not formulas: nothing is neutralised"
        );
    }
}
