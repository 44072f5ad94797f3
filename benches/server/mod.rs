//! What the HTTP benches share: a release `atlaas serve` in its own process, as an operator
//! runs it, and its resident memory.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server process, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `atlaas` binary built with the benches.
pub fn atlaas() -> Command {
    Command::new(env!("CARGO_BIN_EXE_atlaas"))
}

impl Server {
    /// `atlaas serve` on a free loopback port over the store `db`, with more options; returns
    /// once `/health` answers 200 (ten minutes at most: a large sample takes a while).
    pub async fn start(db: &str, options: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = atlaas()
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--database-url", db])
            .args(options)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(600);
        while !client.get(format!("{}/health", server.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            assert!(Instant::now() < deadline, "the server did not become ready");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server
    }

    /// Resident memory of the server, in MB.
    pub fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kb: f64 =
            status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0.0);
        kb / 1024.0
    }
}
