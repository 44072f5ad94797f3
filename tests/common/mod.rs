//! Helpers of the integration tests: a server on a random port with a fresh store.

#![allow(dead_code)]

pub mod mvt;

use std::sync::{Arc, OnceLock};

use atlaas::app::AppState;
use atlaas::app::start::{self, SampleOptions, StartOptions};
use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::http;
use atlaas::model::{GeocodeMethod, NewInitiative, Place, Precision, Status};
use serde_json::Value;

/// Sheets of the test sample: enough to spread over France, small enough to load fast.
pub const SAMPLE_COUNT: usize = 800;
pub const SAMPLE_SEED: u64 = 7;

/// The real gazetteer, loaded once per test binary.
pub fn gazetteer() -> Arc<Gazetteer> {
    static G: OnceLock<Arc<Gazetteer>> = OnceLock::new();
    G.get_or_init(|| Arc::new(Gazetteer::load_data_dir(&default_data_dir()).expect("the committed gazetteer loads"))).clone()
}

pub struct TestApp {
    pub base: String,
    pub database_url: String,
    pub state: AppState,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Starts a server with a fresh SQLite store holding the test sample.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Some(SampleOptions { count: SAMPLE_COUNT, seed: SAMPLE_SEED })).await
    }

    pub async fn spawn_with(sample: Option<SampleOptions>) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("atlaas.db").display());
        Self::spawn_on(url, dir, sample).await
    }

    /// Starts a server on a fresh PostgreSQL database of the test cluster.
    pub async fn spawn_on_postgres(sample: Option<SampleOptions>) -> TestApp {
        Self::spawn_on(fresh_postgres_database().await, tempfile::tempdir().unwrap(), sample).await
    }

    /// Starts a server on a given store (several servers may share one PostgreSQL database).
    pub async fn spawn_on_url(database_url: &str, sample: Option<SampleOptions>) -> TestApp {
        Self::spawn_on_with(database_url.to_owned(), tempfile::tempdir().unwrap(), sample, None, false).await
    }

    /// Starts a server on a PostgreSQL store that answers listings and nearby with PostGIS.
    pub async fn spawn_reading_postgis(database_url: &str) -> TestApp {
        Self::spawn_on_with(database_url.to_owned(), tempfile::tempdir().unwrap(), None, None, true).await
    }

    /// Starts a server on a fresh SQLite store that serves the tiles of an archive.
    pub async fn spawn_with_archive(archive: std::path::PathBuf) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("atlaas.db").display());
        Self::spawn_on_with(url, dir, Some(SampleOptions { count: SAMPLE_COUNT, seed: SAMPLE_SEED }), Some(archive), false).await
    }

    async fn spawn_on(database_url: String, dir: tempfile::TempDir, sample: Option<SampleOptions>) -> TestApp {
        Self::spawn_on_with(database_url, dir, sample, None, false).await
    }

    async fn spawn_on_with(
        database_url: String,
        dir: tempfile::TempDir,
        sample: Option<SampleOptions>,
        archive: Option<std::path::PathBuf>,
        reads_from_postgis: bool,
    ) -> TestApp {
        let options = StartOptions {
            database_url: database_url.clone(),
            data_dir: default_data_dir(),
            referential: default_data_dir().join("referential-2024.json"),
            sample,
            web_dir: start::default_web_dir(),
            tile_cache_bytes: atlaas::tiles::CACHE_BYTES,
            tiles_archive: archive,
            reads_from_postgis,
            addresses: None,
            basemap: None,
            index_snapshot: None,
        };
        let state = start::start_with_gazetteer(&options, gazetteer()).await.expect("the service starts");
        // Tests write fast: no write limit unless a test asks for one (`with_limits`).
        let limits =
            http::Limits { writes: http::guard::WritePolicy { per_minute: 0, sign_ins: 0, trusted_proxies: vec![] }, ..Default::default() };
        let base = serve(state.clone(), limits).await;
        TestApp { base, database_url, state, client: reqwest::Client::new(), _dir: dir }
    }

    /// A second address for the same service, served with other limits.
    pub async fn with_limits(&self, limits: http::Limits) -> String {
        serve(self.state.clone(), limits).await
    }

    /// GET a path, returning the status and the JSON body (which every answer must have).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.expect("request sent");
        let status = res.status().as_u16();
        let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{path} answered {status} with a non-JSON body {text:?} ({content_type:?})"));
        (status, body)
    }

    /// GET raw bytes with extra headers: status, response headers and body.
    pub async fn get_bytes(&self, path: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request sent");
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.bytes().await.unwrap().to_vec())
    }

    /// A decoded tile that must answer 200.
    pub async fn tile(&self, z: u8, x: u32, y: u32, query: &str) -> mvt::Decoded {
        let path = format!("/tiles/{z}/{x}/{y}.mvt{query}");
        let (status, _, body) = self.get_bytes(&path, &[]).await;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        mvt::decode(&body)
    }

    /// GET a path that must answer 200.
    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
}

/// Serves `state` on a random port, with the peer's address known (as `atlaas serve` does).
pub async fn serve(state: AppState, limits: http::Limits) -> String {
    let app = http::router(state, limits).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// URL of a new, empty database on the test PostgreSQL cluster (`scripts/test` starts it and
/// sets `ATLAAS_TEST_POSTGRES_URL`; without it the PostGIS tests fail rather than skip).
pub async fn fresh_postgres_database() -> String {
    use sqlx::{Connection, Executor};
    let admin = std::env::var("ATLAAS_TEST_POSTGRES_URL")
        .expect("ATLAAS_TEST_POSTGRES_URL is not set: run the suite with scripts/test, which starts PostgreSQL with PostGIS");
    let name = format!("atlaas_test_{:016x}", rand::random::<u64>());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("the test PostgreSQL answers");
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// A fresh, migrated store on `backend` (`sqlite` or `postgres`) and its URL; the guard keeps
/// the SQLite file alive.
pub async fn fresh_store(backend: &str) -> (Option<tempfile::TempDir>, String, Arc<dyn atlaas::store::Store>) {
    let (dir, url) = match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("t.db").display());
            (Some(dir), url)
        }
        _ => (None, fresh_postgres_database().await),
    };
    let store = atlaas::store::open(&url).await.unwrap();
    (dir, url, store)
}

/// Runs each contract test, an `async fn(backend: &str)`, on SQLite and on PostgreSQL. (Each
/// test binary compiles this module; those without such tests leave the macro unused.)
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $test() { super::$test("sqlite").await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $test() { super::$test("postgres").await })*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_backends;

/// Great-circle distance on the mean sphere, written independently of the code under test.
pub fn haversine_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (la1, la2) = (a[1].to_radians(), b[1].to_radians());
    let dlat = la2 - la1;
    let dlon = (b[0] - a[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

pub fn coordinates(feature: &Value) -> [f64; 2] {
    let c = &feature["geometry"]["coordinates"];
    [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]
}

/// Every feature of a listing, following the cursor.
pub async fn all_pages(app: &TestApp, path_with_query: &str) -> Vec<Value> {
    let sep = if path_with_query.contains('?') { '&' } else { '?' };
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{path_with_query}{sep}limit=1000&cursor={c}"),
            None => format!("{path_with_query}{sep}limit=1000"),
        };
        let page = app.ok(&path).await;
        out.extend(page["features"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// A sheet written by hand for a test (source `hand`, year 2024, no summary nor body), at one
/// town hall `(INSEE, lon, lat)` and owned by that commune.
pub fn hand_sheet(id: &str, title: &str, services: &[&str], at: (&str, f64, f64), status: Status) -> NewInitiative {
    NewInitiative {
        source: "hand".into(),
        external_id: id.into(),
        authority: at.0.into(),
        title: title.into(),
        summary: String::new(),
        body: String::new(),
        services: services.iter().map(|s| s.to_string()).collect(),
        year: 2024,
        website: None,
        places: vec![Place {
            label: None,
            address: None,
            postal_code: None,
            commune: at.0.into(),
            lon: at.1,
            lat: at.2,
            precision: Precision::Commune,
            method: GeocodeMethod::InseeCode,
        }],
        status,
        sample: false,
        updated_by: "test".into(),
        source_data: Default::default(),
    }
}

/// A request of the write API: method, path, an optional token, an optional `If-Match` version
/// and an optional JSON body. Returns the status, the `ETag` version and the JSON body.
pub struct Call<'a> {
    pub method: reqwest::Method,
    pub path: String,
    pub token: Option<&'a str>,
    /// A session cookie's value, and the CSRF token sent with it.
    pub session: Option<(&'a str, Option<&'a str>)>,
    pub if_match: Option<i64>,
    pub body: Option<Value>,
}

impl<'a> Call<'a> {
    pub fn new(method: reqwest::Method, path: impl Into<String>) -> Self {
        Call { method, path: path.into(), token: None, session: None, if_match: None, body: None }
    }

    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    /// Sends the session cookie and, when given, the CSRF token.
    pub fn session(mut self, cookie: &'a str, csrf: Option<&'a str>) -> Self {
        self.session = Some((cookie, csrf));
        self
    }

    pub fn if_match(mut self, version: i64) -> Self {
        self.if_match = Some(version);
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// What the write API answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<i64>,
    pub body: Value,
}

impl TestApp {
    pub async fn call(&self, call: Call<'_>) -> Answer {
        let mut req = self.client.request(call.method.clone(), format!("{}{}", self.base, call.path));
        if let Some(t) = call.token {
            req = req.bearer_auth(t);
        }
        if let Some((cookie, csrf)) = call.session {
            req = req.header("Cookie", format!("atlaas_session={cookie}"));
            if let Some(csrf) = csrf {
                req = req.header("X-CSRF-Token", csrf);
            }
        }
        if let Some(v) = call.if_match {
            req = req.header("If-Match", format!("\"{v}\""));
        }
        if let Some(b) = &call.body {
            req = req.json(b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let etag = res.headers().get("etag").and_then(|v| v.to_str().ok()?.trim_matches('"').parse().ok());
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{} {} answered {status} with a non-JSON body {text:?}", call.method, call.path));
        Answer { status, etag, body }
    }

    /// A person with an account of this server's store, signed in: the session cookie's value
    /// and the CSRF token. The password is `password` (the account is made, given it through
    /// its one-time link, and signs in, all over the API).
    pub async fn signed_in(&self, email: &str, role: atlaas::model::Role, authority: Option<&str>, password: &str) -> (String, String) {
        let request = atlaas::auth::account::AccountRequest { email: email.into(), role, authority: authority.map(str::to_owned) };
        let (_, link) =
            atlaas::auth::account::create(self.state.store.as_ref(), &self.state.gazetteer, &request).await.expect("account made");
        let set = self
            .call(
                Call::new(reqwest::Method::POST, "/api/account/password")
                    .json(serde_json::json!({"link": link.expose(), "password": password})),
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        self.sign_in(email, password).await.expect("signed in")
    }

    /// Signs in: the session cookie's value and the CSRF token, or the refusal's status and body.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<(String, String), (u16, Value)> {
        let res = self
            .client
            .post(format!("{}/api/session", self.base))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request sent");
        let status = res.status().as_u16();
        let cookie = res.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned());
        let body: Value = res.json().await.unwrap();
        if status != 200 {
            assert!(cookie.is_none(), "a refused sign-in sets no cookie");
            return Err((status, body));
        }
        let cookie = cookie.expect("a session cookie");
        let value = cookie.strip_prefix("atlaas_session=").and_then(|c| c.split(';').next()).expect("the session cookie");
        Ok((value.to_owned(), body["csrf_token"].as_str().unwrap().to_owned()))
    }

    /// A new API token of this server's store, in clear.
    pub async fn token(&self, role: atlaas::model::Role, authority: Option<&str>) -> String {
        let request = atlaas::auth::token::TokenRequest {
            role,
            authority: authority.map(str::to_owned),
            label: format!("test {}", role.as_str()),
            lifetime_days: None,
        };
        let (secret, _) =
            atlaas::auth::token::issue(self.state.store.as_ref(), &self.state.gazetteer, &request).await.expect("token issued");
        secret.expose().to_owned()
    }
}

/// Runs the `atlaas` binary on the SQLite store `db`, as a person would.
pub fn atlaas(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_atlaas"))
        .env("ATLAAS_DATA_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .expect("the atlaas binary runs")
}
