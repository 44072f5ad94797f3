//! What every sheet must be, however it arrives (a file, the API): the longest texts and the
//! shape of a website address.

/// Longest accepted texts, in characters.
pub const MAX_TITLE: usize = 300;
/// Years a sheet may carry (the label began in 1999).
pub const YEARS: std::ops::RangeInclusive<u16> = 1999..=2100;
pub const MAX_SUMMARY: usize = 5_000;
pub const MAX_BODY: usize = 200_000;
pub const MAX_ID: usize = 200;
/// Longest label or address of a place, in characters.
pub const MAX_PLACE_TEXT: usize = 500;
/// Most places a sheet may have.
pub const MAX_PLACES: usize = 100;
/// Most referential services a sheet may name.
pub const MAX_SERVICES: usize = 30;

/// A website as given, with `https://` put before a bare `www.` address; `None` if it is not
/// an http(s) address.
///
/// ```
/// use atlaas::model::rules::website;
/// assert_eq!(website("www.marck.fr").as_deref(), Some("https://www.marck.fr"));
/// assert_eq!(website("marck.fr"), None);
/// ```
pub fn website(text: &str) -> Option<String> {
    let text = text.trim();
    let url = if text.to_ascii_lowercase().starts_with("www.") { format!("https://{text}") } else { text.to_owned() };
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"))?;
    (!rest.is_empty() && !url.chars().any(char::is_whitespace)).then_some(url)
}

/// The year of sheets that give none: this one, within [`YEARS`].
pub fn this_year() -> u16 {
    time::OffsetDateTime::now_utc().year().clamp(i32::from(*YEARS.start()), i32::from(*YEARS.end())) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_are_http_addresses_without_spaces() {
        assert_eq!(website(" https://marck.fr ").as_deref(), Some("https://marck.fr"));
        assert_eq!(website("https://marck.fr/a b"), None);
        assert_eq!(website("https://"), None);
        assert_eq!(website("javascript:alert(1)"), None);
    }
}
