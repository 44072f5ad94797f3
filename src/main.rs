//! The `atlaas` binary: parses the command line, sets up logs, and calls into the library.

mod allocator;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use tracing_subscriber::EnvFilter;

use atlaas::app::build_index;
use atlaas::app::start::{SampleOptions, StartOptions, start};
use atlaas::archive::{self, ArchiveFormat, ExportOptions};
use atlaas::auth::account::{self, AccountRequest};
use atlaas::auth::token::{self, TokenRequest};
use atlaas::config::{
    AccountCommand, AuthorityCommand, AwardsArgs, Cli, Command, DataArgs, GazetteerCommand, ImportArgs, LogFormat, ReportFormat,
    SampleArgs, ServeArgs, TilesCommand, TilesExportArgs, TokenCommand,
};
use atlaas::gazetteer::Gazetteer;
use atlaas::gazetteer::build::{BuildOptions, build};
use atlaas::geocode::addresses::AddressBase;
use atlaas::index::filter::query::parse_filter;
use atlaas::referential::Referential;
use atlaas::store;
use atlaas::tiles::Boundaries;
use atlaas::{http, sample};

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Import(args) => import(args).await,
        Command::Sample(args) => sample(args).await,
        Command::Tiles(TilesCommand::Export(args)) => export_tiles(args).await,
        Command::Token(command) => token(command).await,
        Command::Account(command) => account(command).await,
        Command::Authority(command) => authority(command).await,
        Command::Gazetteer(GazetteerCommand::Build(args)) => {
            let options = BuildOptions { simplify_degrees: args.simplify, decimals: args.decimals };
            let summary = build(&args.from, &args.out, &options)?;
            println!(
                "gazetteer written to {}: {} rows, {} boundaries ({} points)",
                args.out.display(),
                summary.communes,
                summary.boundaries,
                summary.boundary_points
            );
            for s in &summary.skipped {
                println!("left out: {s}");
            }
            Ok(())
        }
    }
}

/// Creates the folder of a default SQLite file (`sqlite://var/atlaas.db`).
fn prepare_sqlite_dir(url: &str) -> Result<()> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<()> {
    // Checked before anything starts: a typo must not wait for the index to be built.
    let public_url = args.public_url.as_deref().map(http::extract::PublicUrl::parse).transpose().map_err(anyhow::Error::msg)?;
    prepare_sqlite_dir(&args.data.database_url)?;
    let options = StartOptions {
        database_url: args.data.database_url.clone(),
        referential: args.data.referential_path(),
        data_dir: args.data.data_dir.clone(),
        sample: (!args.no_sample).then_some(SampleOptions { count: args.sample_count, seed: args.sample_seed }),
        web_dir: args.web_dir.clone(),
        tile_cache_bytes: args.tile_cache_mb * 1024 * 1024,
        tiles_archive: args.tiles_archive.clone(),
        reads_from_postgis: args.reads == atlaas::config::Reads::Postgis,
        addresses: args.addresses.clone(),
        basemap: args.basemap.clone(),
        index_snapshot: args.index_snapshot_path(),
    };
    let state = start(&options).await?;
    allocator::give_back_free_memory_now_and_then();
    let writes = http::guard::WritePolicy {
        per_minute: args.write_limit,
        sign_ins: args.sign_in_limit,
        trusted_proxies: args.trusted_proxy.clone(),
    };
    let limits = http::Limits { request_timeout: Duration::from_secs(args.request_timeout), writes, public_url };
    let app = http::router(state.clone(), limits);
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    // The peer's address is what write limits count by (unless a trusted proxy says otherwise).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    if let Some(saved) = &state.saved_index {
        saved.save_on_stop(&state).await;
    }
    // The change-feed follower and the store's connections end with the process.
    tracing::info!("stopped: every request in flight was answered");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("stopping: no new connections, finishing the requests in flight");
}

async fn sample(args: SampleArgs) -> Result<()> {
    let gazetteer = Gazetteer::load_data_dir(&args.data.data_dir).context("loading the gazetteer")?;
    let referential = Referential::load(&args.data.referential_path())?;
    let Some(path) = &args.out else {
        prepare_sqlite_dir(&args.data.database_url)?;
        let store = store::open(&args.data.database_url).await?;
        store.save_referential(&referential).await?;
        let count = args.count;
        let progress = |n| {
            if n < count {
                eprintln!("{n} of {count} sample sheets written");
            }
        };
        let written = sample::write_in_batches(&*store, &gazetteer, &referential, count, args.seed, progress).await?;
        eprintln!("{count} sample sheets written to {} ({written} stored)", args.data.database_url);
        return Ok(());
    };
    let generated = sample::generate(&gazetteer, &referential, args.count, args.seed);
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        atlaas::import::export::write_csv(std::io::BufWriter::new(file), &generated.initiatives, &gazetteer)?;
        eprintln!("{} sample sheets written to {} (an import file)", generated.initiatives.len(), path.display());
        return Ok(());
    }
    let json = serde_json::json!({ "sample": true, "seed": args.seed, "authorities": generated.authorities, "initiatives": generated.initiatives });
    if path.as_os_str() == "-" {
        serde_json::to_writer_pretty(std::io::stdout().lock(), &json)?;
        std::io::stdout().write_all(b"\n")?;
    } else {
        std::fs::write(path, serde_json::to_vec_pretty(&json)?).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("{} sample sheets written to {}", generated.initiatives.len(), path.display());
    }
    Ok(())
}

/// `atlaas import`: exit status 1 when the file is refused or, in a dry run, would be.
async fn import(args: ImportArgs) -> Result<()> {
    // Reading, checking and geocoding hold the whole file in memory a few times over.
    const MAX_FILE_BYTES: u64 = 1 << 30;
    if let Ok(meta) = std::fs::metadata(&args.file)
        && meta.len() > MAX_FILE_BYTES
    {
        anyhow::bail!("{} is over 1 GB: split it into several files (each import is one transaction)", args.file.display());
    }
    let bytes = if args.file.as_os_str() == "-" {
        // The same limit, counted as it is read: one byte more than allowed is enough to refuse.
        let mut buf = vec![];
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin().lock(), MAX_FILE_BYTES + 1), &mut buf)?;
        if buf.len() as u64 > MAX_FILE_BYTES {
            anyhow::bail!("standard input is over 1 GB: split the file into several (each import is one transaction)");
        }
        buf
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    let file_name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "stdin".into());
    let source = args.source.clone().unwrap_or_else(|| match args.format {
        Some(atlaas::import::Format::Mednum) => "mednum".to_owned(),
        _ => file_name.clone(),
    });
    let gazetteer = Gazetteer::load_data_dir(&args.data.data_dir).context("loading the gazetteer")?;
    let referential = Referential::load(&args.data.referential_path())?;
    prepare_sqlite_dir(&args.data.database_url)?;
    let store = store::open(&args.data.database_url).await.with_context(|| format!("opening the store {}", args.data.database_url))?;
    store.save_referential(&referential).await?;
    let options = atlaas::import::ImportOptions {
        format: args.format,
        encoding: args.encoding,
        source,
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        updated_by: format!("atlaas import {file_name}"),
        file_name,
        default_year: atlaas::model::rules::this_year(),
        scope: Default::default(),
        progress: None,
        addresses: args.addresses.as_deref().map(AddressBase::open).transpose()?.map(Arc::new),
    };
    let outcome = atlaas::import::import(store.as_ref(), &gazetteer, &referential, &bytes, &options).await?;
    let report = &outcome.report;
    match args.report {
        ReportFormat::Human => eprint!("{report}"),
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(report)?),
    }
    let refused = !report.errors.is_empty() && !args.skip_invalid;
    if refused {
        std::process::exit(1);
    }
    Ok(())
}

async fn export_tiles(args: TilesExportArgs) -> Result<()> {
    let gazetteer = Arc::new(Gazetteer::load_data_dir(&args.data.data_dir).context("loading the gazetteer")?);
    let referential = Arc::new(Referential::load(&args.data.referential_path())?);
    let query = match &args.bbox {
        Some(b) => format!("{}&bbox={b}", args.filter),
        None => args.filter.clone(),
    };
    let filter =
        parse_filter(query.trim_start_matches('&'), &gazetteer, &referential).map_err(|e| anyhow::anyhow!("--filter/--bbox: {e}"))?;
    let store = store::open(&args.data.database_url).await.with_context(|| format!("opening the store {}", args.data.database_url))?;
    let index = build_index(store.as_ref(), gazetteer.clone(), referential.clone()).await?;
    eprintln!("{} published sheets ({} places); drawing boundaries…", index.len(), index.place_count());
    let boundaries = Boundaries::build(&gazetteer);
    let name = args.out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "atlaas".into());
    let mut rows = BTreeMap::new();
    rows.insert("name".to_owned(), name);
    if !args.filter.is_empty() {
        rows.insert("atlaas:filter".to_owned(), args.filter.clone());
    }
    let options =
        ExportOptions { min_zoom: args.min_zoom, max_zoom: args.max_zoom, bbox: filter.bbox, filter: filter.clone(), metadata: rows };
    let started = std::time::Instant::now();
    let format = args.format.unwrap_or_else(|| ArchiveFormat::of(&args.out));
    let report = archive::export(&index, &boundaries, &args.out, &options, format).await?;
    eprintln!(
        "{} tiles ({} MB) written to {} in {:.1} s; {} empty tiles left out",
        report.tiles,
        report.bytes / 1_000_000,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        report.empty_skipped
    );
    for (z, n) in &report.per_zoom {
        eprintln!("  zoom {z}: {n} tiles");
    }
    Ok(())
}

/// Opens the store a command names (creating the default SQLite folder).
async fn open_store(data: &DataArgs) -> Result<Arc<dyn store::Store>> {
    prepare_sqlite_dir(&data.database_url)?;
    store::open(&data.database_url).await.with_context(|| format!("opening the store {}", data.database_url))
}

/// `atlaas token create | list | revoke`.
async fn token(command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create(args) => {
            let store = open_store(&args.data).await?;
            let gazetteer = Gazetteer::load_data_dir(&args.data.data_dir).context("loading the gazetteer")?;
            let request = TokenRequest { role: args.role, authority: args.authority, label: args.label, lifetime_days: args.expires };
            let (secret, made) = token::issue(store.as_ref(), &gazetteer, &request).await?;
            let whose = made.authority.as_deref().map(|a| format!(" for {a}")).unwrap_or_default();
            let until = made.expires_at.as_deref().map(|e| format!(", until {e}")).unwrap_or_default();
            eprintln!("token {} ({}{whose}{until}): shown once, store it now", made.id, made.role.as_str());
            println!("{}", secret.expose());
        }
        TokenCommand::List(args) => {
            let store = open_store(&args.data).await?;
            println!("id\tprefix\trole\tauthority\tlabel\tcreated\texpires\tlast used\trevoked");
            for t in store.tokens().await? {
                let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                println!(
                    "{}\t{}…\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.prefix,
                    t.role.as_str(),
                    or_dash(&t.authority),
                    t.label,
                    t.created_at,
                    or_dash(&t.expires_at),
                    or_dash(&t.last_used_at),
                    or_dash(&t.revoked_at)
                );
            }
        }
        TokenCommand::Revoke(args) => {
            let store = open_store(&args.data).await?;
            if !store.revoke_token(args.id).await? {
                anyhow::bail!("no token {} that is not revoked already (see `atlaas token list`)", args.id);
            }
            eprintln!("token {} revoked", args.id);
        }
    }
    Ok(())
}

/// `atlaas account create | list | link | disable`.
async fn account(command: AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Create(args) => {
            let store = open_store(&args.data).await?;
            let gazetteer = Gazetteer::load_data_dir(&args.data.data_dir).context("loading the gazetteer")?;
            let request = AccountRequest { email: args.email, role: args.role, authority: args.authority };
            let (made, link) = account::create(store.as_ref(), &gazetteer, &request).await?;
            let whose = made.authority.as_deref().map(|a| format!(" for {a}")).unwrap_or_default();
            eprintln!("account {} made for {} ({}{whose})", made.id, made.email, made.role.as_str());
            print_link(&made.email, &link, &args.public_url);
        }
        AccountCommand::List(args) => {
            let store = open_store(&args.data).await?;
            println!("id\temail\trole\tauthority\tcreated\tpassword set\tlast sign-in\tdisabled");
            for a in store.accounts().await? {
                let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.email,
                    a.role.as_str(),
                    or_dash(&a.authority),
                    a.created_at,
                    or_dash(&a.password_set_at),
                    or_dash(&a.last_login_at),
                    or_dash(&a.disabled_at)
                );
            }
        }
        AccountCommand::Link(args) => {
            let store = open_store(&args.data).await?;
            let (found, link) = account::new_link(store.as_ref(), &args.email).await?;
            print_link(&found.email, &link, &args.public_url);
        }
        AccountCommand::Disable(args) => {
            let store = open_store(&args.data).await?;
            let email = account::normalise_email(&args.email).unwrap_or(args.email.clone());
            let found = store.account_by_email(&email).await?;
            let disabled = match found {
                Some((a, _)) => store.disable_account(a.id).await?,
                None => false,
            };
            if !disabled {
                anyhow::bail!("no enabled account for {email} (see `atlaas account list`)");
            }
            eprintln!("account of {email} disabled; its sessions have ended");
        }
    }
    Ok(())
}

/// Prints a one-time link, once, with how its holder uses it. The secret is in the URL's
/// fragment, which browsers never send to a server (nor in a `Referer`).
fn print_link(email: &str, link: &atlaas::auth::secret::Secret, public_url: &str) {
    let days = account::LINK_LIFETIME.whole_days();
    eprintln!("one-time link for {email}, valid {days} days, shown once: hand it to them by a channel you trust.");
    eprintln!("Opened in a browser, it lets them choose their password (a program sends the part after # to POST /api/account/password).");
    println!("{}/contribuer#{}", public_url.trim_end_matches('/'), link.expose());
}

/// `atlaas authority awards FILE`: the whole file or nothing.
async fn awards(args: AwardsArgs) -> Result<()> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let gazetteer = Gazetteer::load_data_dir(&args.data.data_dir).context("loading the gazetteer")?;
    let referential = Referential::load(&args.data.referential_path())?;
    let awards = atlaas::label::awards::read(&bytes, &gazetteer, &referential).map_err(|e| anyhow::anyhow!("nothing written:\n{e}"))?;
    let authorities = awards.by_authority.len();
    if args.dry_run {
        eprintln!("{} awards of {authorities} authorities are valid; nothing written (--dry-run)", awards.rows);
        return Ok(());
    }
    let store = open_store(&args.data).await?;
    atlaas::label::awards::save(store.as_ref(), &gazetteer, &awards).await?;
    eprintln!("{} awards of {authorities} authorities written", awards.rows);
    Ok(())
}

/// `atlaas authority trust | distrust CODE`.
async fn authority(command: AuthorityCommand) -> Result<()> {
    let (args, trusted) = match command {
        AuthorityCommand::Trust(args) => (args, true),
        AuthorityCommand::Distrust(args) => (args, false),
        AuthorityCommand::Awards(args) => return awards(args).await,
    };
    let store = open_store(&args.data).await?;
    let gazetteer = Gazetteer::load_data_dir(&args.data.data_dir).context("loading the gazetteer")?;
    let code = token::known_authority(store.as_ref(), &gazetteer, &args.code).await?;
    store.set_trusted(&code, trusted).await?;
    let how = if trusted { "publish directly" } else { "propose, and moderators publish" };
    eprintln!("authority {code}: its contributors {how}");
    Ok(())
}
