//! Filters written as query strings (`theme=1&year=2017-2020&bbox=…`), the way the API, the
//! tile URLs and the command line (`atlaas tiles export --filter`) all take them: known
//! parameters are taken one by one, and whatever is left (an unknown or misspelt parameter)
//! is an error, as is a parameter given twice. Every error names the parameter and says what
//! it accepts.

use std::collections::HashSet;

use super::{Filter, ServiceSet, TextQuery};
use crate::gazetteer::Gazetteer;
use crate::model::Bbox;
use crate::referential::{Level, Referential};

/// A parameter that is malformed, unknown, repeated or out of range; the text says which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

pub type Result<T, E = QueryError> = std::result::Result<T, E>;

pub fn bad(detail: impl Into<String>) -> QueryError {
    QueryError(detail.into())
}

/// Largest radius accepted: half the Earth's circumference.
pub const MAX_RADIUS_M: f64 = 20_037_509.0;

/// Longest full-text query.
pub const MAX_QUERY_CHARS: usize = 200;

/// Parses filters written as a query string; the command line's way in.
pub fn parse_filter(query: &str, g: &Gazetteer, r: &Referential) -> Result<Filter> {
    let mut p = Params::parse(Some(query))?;
    let filter = take_filter(&mut p, g, r, true)?;
    p.finish()?;
    Ok(filter)
}

/// The parameters of one query string, taken one by one by what understands them.
pub struct Params {
    pairs: Vec<(String, String)>,
    allowed: Vec<&'static str>,
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Result<Self> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| bad(format!("malformed query string: {e}")))?;
        let mut seen = HashSet::new();
        for (k, _) in &pairs {
            if !seen.insert(k.as_str()) {
                return Err(bad(format!("parameter `{k}` is given more than once; separate values with commas")));
            }
        }
        Ok(Params { pairs, allowed: vec![] })
    }

    /// Removes and returns a parameter; empty values count as absent.
    pub fn take(&mut self, key: &'static str) -> Option<String> {
        self.allowed.push(key);
        let i = self.pairs.iter().position(|(k, _)| k == key)?;
        let (_, v) = self.pairs.remove(i);
        let v = v.trim().to_owned();
        (!v.is_empty()).then_some(v)
    }

    /// Fails on any parameter that no one took.
    pub fn finish(self) -> Result<()> {
        match self.pairs.first() {
            None => Ok(()),
            Some((k, _)) => Err(bad(format!("unknown parameter `{k}`; this endpoint accepts: {}", self.allowed.join(", ")))),
        }
    }

    pub fn take_f64(&mut self, key: &'static str) -> Result<Option<f64>> {
        self.take(key).map(|v| parse_f64(key, &v)).transpose()
    }

    /// `radius_m`: metres, more than 0 and at most half the Earth's circumference.
    pub fn take_radius(&mut self) -> Result<Option<f64>> {
        let radius_m = self.take_f64("radius_m")?;
        if let Some(r) = radius_m
            && !(r > 0.0 && r <= MAX_RADIUS_M)
        {
            return Err(bad(format!("radius_m must be more than 0 and at most {MAX_RADIUS_M}")));
        }
        Ok(radius_m)
    }

    /// An integer limit in `1..=max`, `default` when absent.
    pub fn take_limit(&mut self, default: usize, max: usize) -> Result<usize> {
        let Some(v) = self.take("limit") else { return Ok(default) };
        match v.parse::<u64>() {
            Ok(n) if (1..=max as u64).contains(&n) => Ok(n as usize),
            _ => Err(bad(format!("limit must be a whole number from 1 to {max}, not {v:?}"))),
        }
    }

    pub fn take_bool(&mut self, key: &'static str) -> Result<bool> {
        match self.take(key).as_deref() {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(other) => Err(bad(format!("{key} must be true or false, not {other:?}"))),
        }
    }
}

pub fn parse_f64(key: &str, v: &str) -> Result<f64> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(bad(format!("{key} must be a finite number, not {v:?}"))),
    }
}

/// Checks a WGS 84 position, naming the likely mistake when latitude and longitude are swapped.
pub fn check_position(lon: f64, lat: f64) -> Result<[f64; 2]> {
    if !(-90.0..=90.0).contains(&lat) {
        let hint = if (-90.0..=90.0).contains(&lon) { " (are longitude and latitude swapped? lon comes first)" } else { "" };
        return Err(bad(format!("latitude {} is outside -90..90{hint}", short(lat))));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(bad(format!("longitude {} is outside -180..180", short(lon))));
    }
    Ok([lon, lat])
}

/// A number as a person wrote it, not 300 digits for 1e308.
fn short(x: f64) -> String {
    if x.abs() < 1e9 { x.to_string() } else { format!("{x:e}") }
}

pub fn parse_bbox(v: &str) -> Result<Bbox> {
    let parts: Vec<&str> = v.split(',').collect();
    let [a, b, c, d] = parts.as_slice() else {
        return Err(bad(format!("bbox must be minlon,minlat,maxlon,maxlat (4 numbers), not {v:?}")));
    };
    let [min_lon, min_lat, max_lon, max_lat] = [parse_f64("bbox", a)?, parse_f64("bbox", b)?, parse_f64("bbox", c)?, parse_f64("bbox", d)?];
    let corner = |lon, lat| check_position(lon, lat).map_err(|e| bad(format!("bbox {v:?}: {}", e.0)));
    corner(min_lon, min_lat)?;
    corner(max_lon, max_lat)?;
    if min_lon > max_lon || min_lat > max_lat {
        return Err(bad(format!("bbox {v} is inverted: it must be minlon,minlat,maxlon,maxlat")));
    }
    Ok(Bbox { min_lon, min_lat, max_lon, max_lat })
}

fn parse_years(v: &str) -> Result<std::ops::RangeInclusive<u16>> {
    let bad = || bad(format!("year must be a year (2019) or a range (2017-2020) between 1999 and 2100, not {v:?}"));
    let (from, to) = v.split_once('-').unwrap_or((v, v));
    let from: u16 = from.trim().parse().map_err(|_| bad())?;
    let to: u16 = to.trim().parse().map_err(|_| bad())?;
    if !(1999..=2100).contains(&from) || !(1999..=2100).contains(&to) || from > to {
        return Err(bad());
    }
    Ok(from..=to)
}

/// `min-max` inhabitants of the owning authority, either side open (`-2000`, `200000-`).
pub fn parse_population(v: &str) -> Result<std::ops::RangeInclusive<u32>> {
    let bad = || bad(format!("population must be a range of inhabitants such as 2000-9999, 200000- or -1999, not {v:?}"));
    let (from, to) = v.split_once('-').ok_or_else(bad)?;
    let bound = |s: &str, open: u32| if s.trim().is_empty() { Ok(open) } else { s.trim().parse::<u32>().map_err(|_| bad()) };
    let (from, to) = (bound(from, 0)?, bound(to, u32::MAX)?);
    if from > to {
        return Err(bad());
    }
    Ok(from..=to)
}

/// Codes a list parameter may give (`service=`, `commune=`, `departement=`…): more than the
/// referential's services or the communes of the largest EPCI, and few enough that a filter
/// stays cheap to check on every place.
pub const MAX_CODES: usize = 200;

/// The comma-separated codes of parameter `key`, at most [`MAX_CODES`].
pub fn codes<'v>(key: &str, v: &'v str) -> Result<Vec<&'v str>> {
    let codes: Vec<&str> = v.split(',').map(str::trim).filter(|c| !c.is_empty()).collect();
    if codes.len() > MAX_CODES {
        return Err(bad(format!("{key} lists {} codes: at most {MAX_CODES}", codes.len())));
    }
    Ok(codes)
}

fn service_set(r: &Referential, key: &str, level: Level, v: &str) -> Result<ServiceSet> {
    let mut services = vec![];
    for code in codes(key, v)? {
        let under = r.services_under(code, level).ok_or_else(|| {
            bad(format!("{key} {code:?} is not a {key} of the referential (edition {}); see /api/referential", r.edition()))
        })?;
        services.extend_from_slice(under);
    }
    Ok(ServiceSet::new(services))
}

/// Takes the filters from the parameters. `with_commune` is false where `commune` means
/// something else (the origin of `/api/nearby`).
pub fn take_filter(p: &mut Params, g: &Gazetteer, r: &Referential, with_commune: bool) -> Result<Filter> {
    let mut f = Filter { bbox: p.take("bbox").map(|v| parse_bbox(&v)).transpose()?, ..Filter::default() };
    for (key, level) in [("theme", Level::Theme), ("challenge", Level::Challenge), ("use", Level::Use), ("service", Level::Service)] {
        if let Some(v) = p.take(key) {
            f.services.push(service_set(r, key, level, &v)?);
        }
    }
    f.years = p.take("year").map(|v| parse_years(&v)).transpose()?;
    if let Some(v) = p.take("arobases") {
        match v.parse::<u8>() {
            Ok(n @ 1..=5) => f.min_arobases = Some(n),
            _ => return Err(bad(format!("arobases must be a level from 1 to 5, not {v:?}"))),
        }
    }
    f.population = p.take("population").map(|v| parse_population(&v)).transpose()?;
    // Blank, like every other empty parameter, means no constraint.
    if let Some(q) = p.take("q").filter(|q| !q.trim().is_empty()) {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(bad(format!("q is limited to {MAX_QUERY_CHARS} characters")));
        }
        f.text = Some(TextQuery::new(q.trim()));
    }
    if with_commune && let Some(v) = p.take("commune") {
        let rows = codes("commune", &v)?
            .into_iter()
            .map(|c| g.index_of(c).ok_or_else(|| bad(format!("commune {c:?} is not an INSEE code of the gazetteer"))))
            .collect::<Result<Vec<u32>>>()?;
        f.communes = Some(rows);
    }
    f.departements = p.take("departement").map(|v| departement_codes(g, &v)).transpose()?;
    f.regions = p.take("region").map(|v| region_codes(g, &v)).transpose()?;
    Ok(f)
}

/// The département codes of `departement=` (`62,2A`), as the gazetteer writes them.
pub fn departement_codes(g: &Gazetteer, v: &str) -> Result<Vec<String>> {
    codes("departement", v)?
        .into_iter()
        .map(|c| {
            g.departement(&c.to_ascii_uppercase())
                .map(|d| d.code.clone())
                .ok_or_else(|| bad(format!("departement {c:?} is not a département code")))
        })
        .collect()
}

/// The région codes of `region=` (`32,84`).
pub fn region_codes(g: &Gazetteer, v: &str) -> Result<Vec<String>> {
    codes("region", v)?
        .into_iter()
        .map(|c| g.region(c).map(|r| r.code.clone()).ok_or_else(|| bad(format!("region {c:?} is not a région code"))))
        .collect()
}
