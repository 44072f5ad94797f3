//! The server as an operator runs it: a process started by `atlaas serve`, its JSON log lines
//! on standard error, and how it stops on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A server process on an empty SQLite store, logging JSON, and its log lines as they come.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    deadline: Instant,
    /// `127.0.0.1:port`
    address: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("atlaas.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_atlaas"))
            .args(["--log-format", "json", "serve", "--bind", "127.0.0.1:0", "--no-sample", "--database-url", &db])
            .env("RUST_LOG", "info,tower_http=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = mpsc::channel::<String>();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = Server { child, lines, deadline: Instant::now() + Duration::from_secs(60), address: String::new(), _dir: dir };
        server.address = loop {
            let line = server.next_line("listening");
            if let Some(address) = line["fields"]["message"].as_str().and_then(|m| m.strip_prefix("listening on http://")) {
                break address.to_owned();
            }
        };
        server
    }

    /// The next log line, which must be a JSON object.
    fn next_line(&self, waiting_for: &str) -> serde_json::Value {
        let line = self
            .lines
            .recv_timeout(self.deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no log line: {waiting_for}"));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line:?}"))
    }

    fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end by itself, for 10 s at most.
    fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn json_logs_are_one_object_a_line_with_the_request_id() {
    let server = Server::start();
    let mut conn = TcpStream::connect(&server.address).unwrap();
    write!(conn, "GET /api/initiatives?limit=1 HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-me-7\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    loop {
        let line = server.next_line("the request's log line");
        if line["span"]["request_id"] == "trace-me-7" {
            assert_eq!(line["span"]["uri"], "/api/initiatives?limit=1");
            break;
        }
    }
}

/// SIGTERM stops new connections but lets a request already begun finish: here one whose
/// body is still on its way when the signal comes.
#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let mut server = Server::start();
    let body = r#"{"email":"nobody@example.fr","password":"not the password"}"#;
    let (first, rest) = body.split_at(10);
    let mut conn = TcpStream::connect(&server.address).unwrap();
    write!(
        conn,
        "POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    loop {
        if server.next_line("the stop")["fields"]["message"].as_str().is_some_and(|m| m.starts_with("stopping")) {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.child.try_wait().unwrap().is_none(), "the server waits for the request in flight");
    assert!(TcpStream::connect(&server.address).is_err(), "no new connection once stopping");

    conn.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "the request got its whole answer: {answer}");
    let status = server.exit_status().expect("the server exits once the request is answered");
    assert!(status.success(), "{status:?}");
}
