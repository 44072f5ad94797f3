//! Street addresses from the Base Adresse Nationale (BAN, open data: one file per
//! département, `adresses-XX.csv.gz`, `;`-separated, with `numero`, `rep`, `nom_voie`,
//! `code_insee`, `lon`, `lat` among its columns). The project does not ship it: an operator
//! points `--addresses DIR` at the files they fetched.
//!
//! A département is read the first time a place of it asks, then kept: an import touches few
//! départements, and the whole of France would take minutes and gigabytes for nothing. An
//! address is only looked for in the commune the other columns found, so a street of the same
//! name elsewhere never moves a place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context, Result, bail};

/// Words of a street name written short, and the word the BAN writes.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("av", "avenue"),
    ("ave", "avenue"),
    ("bd", "boulevard"),
    ("bld", "boulevard"),
    ("bvd", "boulevard"),
    ("boul", "boulevard"),
    ("r", "rue"),
    ("pl", "place"),
    ("ch", "chemin"),
    ("che", "chemin"),
    ("chem", "chemin"),
    ("imp", "impasse"),
    ("all", "allee"),
    ("rte", "route"),
    ("fg", "faubourg"),
    ("fbg", "faubourg"),
    ("sq", "square"),
    ("crs", "cours"),
    ("qu", "quai"),
    ("res", "residence"),
    ("lot", "lotissement"),
    ("prom", "promenade"),
    ("st", "saint"),
    ("ste", "sainte"),
    ("gal", "general"),
    ("mal", "marechal"),
    ("pdt", "president"),
];

/// Repetition indices as files write them after a number (`12 bis`, `12B`).
const REPETITIONS: &[&str] = &["bis", "ter", "quater", "quinquies", "a", "b", "c", "d", "e", "f"];

/// A street name folded for comparison: ASCII lower case words, short forms written out.
pub fn fold_street(name: &str) -> String {
    let ascii = deunicode::deunicode(name).to_lowercase();
    let words = ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
    let long = words.map(|w| ABBREVIATIONS.iter().find(|(short, _)| *short == w).map_or(w, |(_, long)| long));
    long.collect::<Vec<_>>().join(" ")
}

/// An address as written: number, repetition index, street (folded).
#[derive(Debug, PartialEq)]
pub struct Written {
    pub number: Option<u32>,
    pub rep: String,
    pub street: String,
}

/// Reads `12 bis, rue de la Paix`, `12B av. Foch`, `Rue Nationale`; a postal code and what
/// follows it (`… 62100 Calais`) are dropped.
pub fn parse(address: &str) -> Written {
    let folded = fold_street(address);
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    if let Some(cut) = words.iter().position(|w| w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit())) {
        words.truncate(cut);
    }
    let (mut number, mut rep) = (None, String::new());
    if let Some(first) = words.first().copied() {
        let digits = first.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && digits <= 5 {
            number = first[..digits].parse().ok();
            let suffix = &first[digits..];
            if REPETITIONS.contains(&suffix) {
                rep = suffix.to_owned();
            }
            words.remove(0);
            if rep.is_empty() && words.len() > 1 && REPETITIONS.contains(&words[0]) {
                rep = words.remove(0).to_owned();
            }
        }
    }
    Written { number: number.filter(|_| !words.is_empty()), rep, street: words.join(" ") }
}

/// Where an address lies, and how precisely.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub lon: f64,
    pub lat: f64,
    /// The number itself; `false` for the street (the number is not in the base).
    pub at_number: bool,
}

#[derive(Debug)]
struct Number {
    number: u32,
    rep: Box<str>,
    lon: f32,
    lat: f32,
}

/// The numbers of a street, in order.
#[derive(Debug, Default)]
struct Street {
    numbers: Vec<Number>,
}

impl Street {
    fn find(&self, number: Option<u32>, rep: &str) -> Option<Found> {
        let at = |n: &Number, at_number| Found { lon: n.lon as f64, lat: n.lat as f64, at_number };
        if let Some(number) = number {
            let same: Vec<&Number> = self.numbers.iter().filter(|n| n.number == number).collect();
            if let Some(n) = same.iter().find(|n| *n.rep == *rep).or(same.first()) {
                return Some(at(n, true));
            }
        }
        // The street's middle number stands for the street: on it, unlike a mean of its points.
        self.numbers.get(self.numbers.len() / 2).map(|n| at(n, false))
    }
}

/// Streets by commune, then by folded name.
type Departement = HashMap<Box<str>, HashMap<Box<str>, Street>>;

/// The address files of a folder, read a département at a time.
#[derive(Debug)]
pub struct AddressBase {
    dir: PathBuf,
    /// One cell per département asked for: the lock is held only to find the cell, so that a
    /// lookup in a département already read never waits for another one being read.
    read: Mutex<HashMap<String, Arc<OnceLock<Arc<Departement>>>>>,
}

impl AddressBase {
    /// A folder holding `adresses-XX.csv.gz` files; refused when it holds none.
    pub fn open(dir: &Path) -> Result<Self> {
        let files = std::fs::read_dir(dir).with_context(|| format!("reading the address folder {}", dir.display()))?;
        let any = files.filter_map(|e| e.ok()).any(|e| e.file_name().to_string_lossy().starts_with("adresses-"));
        if !any {
            bail!("{} holds no adresses-XX.csv.gz file of the Base Adresse Nationale", dir.display());
        }
        Ok(AddressBase { dir: dir.to_owned(), read: Mutex::default() })
    }

    /// Reads every département file of the folder now (a server, whose requests should not
    /// wait for a file on first use, does it in the background at start-up).
    pub fn preload(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        let mut codes: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.strip_prefix("adresses-")?.strip_suffix(".csv.gz").map(str::to_owned))
            .collect();
        codes.sort();
        for code in codes {
            self.departement(&code);
        }
    }

    /// The address in commune `insee` (of département `departement`); `None` when the base
    /// has no such street there, or no file for the département.
    pub fn locate(&self, departement: &str, insee: &str, address: &str) -> Option<Found> {
        let written = parse(address);
        if written.street.is_empty() {
            return None;
        }
        let streets = self.departement(departement)?;
        streets.get(insee)?.get(written.street.as_str())?.find(written.number, &written.rep)
    }

    fn departement(&self, code: &str) -> Option<Arc<Departement>> {
        let cell = self.read.lock().expect("never poisoned").entry(code.to_owned()).or_default().clone();
        // Lookups in this département wait for its file; the others go on.
        let streets = cell.get_or_init(|| {
            let path = self.dir.join(format!("adresses-{code}.csv.gz"));
            match read_departement(&path) {
                Ok(d) => Arc::new(d),
                Err(e) => {
                    // Said once: the département is then known to have no addresses.
                    tracing::warn!(path = %path.display(), error = format!("{e:#}"), "no addresses for this département");
                    Arc::new(Departement::new())
                }
            }
        });
        Some(streets.clone())
    }
}

fn read_departement(path: &Path) -> Result<Departement> {
    let started = std::time::Instant::now();
    let file = std::fs::File::open(path)?;
    // Streamed: the largest files are hundreds of megabytes once decompressed.
    let gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(gz);
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name).with_context(|| format!("no {name} column"));
    let [numero, rep, voie, insee, lon, lat] = ["numero", "rep", "nom_voie", "code_insee", "lon", "lat"].map(column);
    let (numero, rep, voie, insee, lon, lat) = (numero?, rep?, voie?, insee?, lon?, lat?);
    let mut out = Departement::new();
    let mut rows = 0usize;
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let (Ok(number), Ok(x), Ok(y)) = (field(numero).parse::<u32>(), field(lon).parse::<f32>(), field(lat).parse::<f32>()) else {
            continue;
        };
        let street = out.entry(field(insee).into()).or_default().entry(fold_street(field(voie)).into()).or_default();
        street.numbers.push(Number { number, rep: field(rep).to_ascii_lowercase().into(), lon: x, lat: y });
        rows += 1;
    }
    for street in out.values_mut().flat_map(|s| s.values_mut()) {
        street.numbers.sort_by_key(|n| n.number);
        street.numbers.shrink_to_fit();
    }
    tracing::info!(path = %path.display(), addresses = rows, elapsed_ms = started.elapsed().as_millis() as u64, "addresses read");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_files_write_them() {
        let w = |n: Option<u32>, rep: &str, street: &str| Written { number: n, rep: rep.into(), street: street.into() };
        assert_eq!(parse("12 bis, rue de la Paix"), w(Some(12), "bis", "rue de la paix"));
        assert_eq!(parse("12B av. Foch"), w(Some(12), "b", "avenue foch"));
        assert_eq!(parse("3 BD DU GAL LECLERC 62100 CALAIS"), w(Some(3), "", "boulevard du general leclerc"));
        assert_eq!(parse("Place d'Armes"), w(None, "", "place d armes"));
        assert_eq!(parse("Rue Nationale"), w(None, "", "rue nationale"));
        // A number alone is no address.
        assert_eq!(parse("12"), w(None, "", ""));
    }
}

/// A small extract in the Base Adresse Nationale's format, written by the tests (the project
/// ships no addresses): a few numbers of two streets of Calais, one of Marck.
#[cfg(test)]
pub(crate) fn write_test_extract(dir: &Path) {
    use std::io::Write;
    let header = "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;\
                  nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;\
                  source_nom_voie;certification_commune;cad_parcelles";
    let row = |n: &str, rep: &str, street: &str, insee: &str, lon: f64, lat: f64| {
        format!("{insee}_x_{n};;{n};{rep};{street};62100;{insee};;;;;;{lon};{lat};entrée;;;;;;;1;")
    };
    let rows = [
        row("1", "", "Rue Royale", "62193", 1.8501, 50.9601),
        row("12", "", "Rue Royale", "62193", 1.8512, 50.9590),
        row("12", "bis", "Rue Royale", "62193", 1.8513, 50.9589),
        row("30", "", "Rue Royale", "62193", 1.8530, 50.9570),
        row("5", "", "Boulevard du Général de Gaulle", "62193", 1.8600, 50.9500),
        row("8", "", "Rue Royale", "62548", 1.9500, 50.9400),
    ];
    let file = std::fs::File::create(dir.join("adresses-62.csv.gz")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    writeln!(gz, "{header}").unwrap();
    for r in rows {
        writeln!(gz, "{r}").unwrap();
    }
    gz.finish().unwrap();
}

#[cfg(test)]
mod base_tests {
    use super::*;

    #[test]
    fn an_address_lies_at_its_number_or_on_its_street_in_its_commune_only() {
        let dir = tempfile::tempdir().unwrap();
        write_test_extract(dir.path());
        let base = AddressBase::open(dir.path()).unwrap();
        let at = |insee: &str, address: &str| base.locate("62", insee, address).map(|f| (f.lon as f32, f.lat as f32, f.at_number));
        assert_eq!(at("62193", "12 rue Royale"), Some((1.8512, 50.9590, true)));
        assert_eq!(at("62193", "12 bis, RUE ROYALE"), Some((1.8513, 50.9589, true)));
        assert_eq!(at("62193", "5 bd du Gal de Gaulle"), Some((1.8600, 50.9500, true)));
        // A number the base lacks: the street, at its middle number (1, 12, 12 bis, 30).
        assert_eq!(at("62193", "99 rue Royale"), Some((1.8513, 50.9589, false)));
        assert_eq!(at("62193", "Rue Royale"), Some((1.8513, 50.9589, false)));
        // Marck's Rue Royale is Marck's; Calais has no Rue de Paris in the extract.
        assert_eq!(at("62548", "12 rue Royale"), Some((1.9500, 50.9400, false)));
        assert_eq!(at("62193", "3 rue de Paris"), None);
        // A département without a file has no addresses, and is not read again.
        assert_eq!(base.locate("59", "59350", "1 rue Royale"), None);
        assert!(AddressBase::open(Path::new("/nonexistent")).is_err());
    }
}
