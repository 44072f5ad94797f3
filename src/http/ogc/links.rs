//! The links every OGC answer carries (this page, the other encoding, the next page) as
//! absolute URLs made from the request's query, and the `datetime` parameter read as edition
//! years.

use std::ops::RangeInclusive;

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::Encoding;
use crate::http::error::{Error, Result};

/// A link object: where, how it relates, its media type and a title.
pub fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media, "title": title })
}

/// Builds the links of one answer from the service's base URL.
pub struct Links<'a> {
    base: &'a str,
}

/// Parameters a link replaces rather than keeps: the encoding and the page.
const REPLACED: [&str; 3] = ["f", "cursor", "offset"];

impl<'a> Links<'a> {
    pub fn new(base: &'a str) -> Self {
        Links { base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `path` with the request's parameters, the encoding and page replaced by `extra`.
    fn with_query(&self, path: &str, query: Option<&str>, keep_page: bool, extra: &[(&str, &str)]) -> String {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
        let kept =
            pairs.iter().filter(|(k, _)| k != "f" && (keep_page || !REPLACED.contains(&k.as_str()))).map(|(k, v)| (k.as_str(), v.as_str()));
        let all: Vec<(&str, &str)> = kept.chain(extra.iter().copied()).collect();
        let encoded = serde_urlencoded::to_string(&all).unwrap_or_default();
        if encoded.is_empty() { self.url(path) } else { format!("{}?{encoded}", self.url(path)) }
    }

    /// This answer, in the encoding it has.
    pub fn this(&self, path: &str, query: Option<&str>, encoding: Encoding, title: &str) -> Value {
        let (f, media) = form(encoding, path);
        link(self.with_query(path, query, true, &[("f", f)]), "self", media, title)
    }

    /// This answer in the other encoding.
    pub fn other(&self, path: &str, query: Option<&str>, encoding: Encoding, title: &str) -> Value {
        let other = if encoding == Encoding::Json { Encoding::Html } else { Encoding::Json };
        let (f, media) = form(other, path);
        link(self.with_query(path, query, true, &[("f", f)]), "alternate", media, title)
    }

    /// The next page: the same request with the page parameter `key=value`.
    pub fn next(&self, path: &str, query: Option<&str>, encoding: Encoding, key: &str, value: &str) -> Value {
        let (f, media) = form(encoding, path);
        link(self.with_query(path, query, false, &[(key, value), ("f", f)]), "next", media, "page suivante")
    }
}

/// The `f` value and media type of an encoding at `path`: items are GeoJSON, the rest JSON.
fn form(encoding: Encoding, path: &str) -> (&'static str, &'static str) {
    match encoding {
        Encoding::Json if path.contains("/items") => ("json", "application/geo+json"),
        Encoding::Json => ("json", "application/json"),
        Encoding::Html => ("html", "text/html"),
    }
}

/// Now, as RFC 3339, for `timeStamp`.
pub fn now() -> String {
    OffsetDateTime::now_utc().replace_nanosecond(0).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}

/// `datetime` as the label editions it covers: an instant or a date is its year; an interval
/// `start/end` (either end open with `..` or empty) the years from the start's to the end's.
/// An edition is a whole year, so an interval takes every year it touches.
pub fn parse_datetime(v: &str) -> Result<RangeInclusive<u16>> {
    let bad = |why: &str| {
        Error::bad_request(format!(
            "datetime {v:?} {why}: give an RFC 3339 date or date-time (2019-06-01, 2019-06-01T00:00:00Z) or an interval \
             (2017-01-01/2019-12-31, 2017-01-01/..)"
        ))
    };
    let year = |s: &str| -> Result<Option<u16>> {
        let s = s.trim();
        if s.is_empty() || s == ".." {
            return Ok(None);
        }
        let year = match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) => t.year(),
            Err(_) => Date::parse(s, &time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| bad("is not a date"))?.year(),
        };
        Ok(Some(year.clamp(0, i32::from(u16::MAX)) as u16))
    };
    let (from, to) = match v.split_once('/') {
        Some((a, b)) => (year(a)?, year(b)?),
        None => {
            let y = year(v)?.ok_or_else(|| bad("is empty"))?;
            (Some(y), Some(y))
        }
    };
    let (from, to) = (from.unwrap_or(0), to.unwrap_or(u16::MAX));
    if from > to {
        return Err(bad("ends before it begins"));
    }
    Ok(from..=to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_is_the_editions_it_touches() {
        assert_eq!(parse_datetime("2019-06-01").unwrap(), 2019..=2019);
        assert_eq!(parse_datetime("2019-06-01T10:00:00Z").unwrap(), 2019..=2019);
        assert_eq!(parse_datetime("2017-12-31T23:00:00Z/2019-01-01").unwrap(), 2017..=2019);
        assert_eq!(parse_datetime("2018-01-01/..").unwrap(), 2018..=u16::MAX);
        assert_eq!(parse_datetime("../2003-01-01").unwrap(), 0..=2003);
        assert_eq!(parse_datetime("/2003-01-01").unwrap(), 0..=2003);
    }

    #[test]
    fn a_bad_datetime_says_what_is_accepted() {
        for v in ["2019", "yesterday", "2019-13-01", "2020-01-01/2019-01-01", "", "2019-02-30", "../.."] {
            match parse_datetime(v) {
                Err(Error::BadRequest(m)) => assert!(m.contains("RFC 3339"), "{v}: {m}"),
                other => {
                    // An interval open at both ends is every edition: accepted.
                    assert_eq!(v, "../..", "{v}: {other:?}");
                }
            }
        }
    }
}
