//! The rules that keep the architecture easy to see (docs/ARCHITECTURE.md), checked on the
//! sources themselves so that a change breaking one fails here rather than in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest source file, in lines: past it, a file usually holds two ideas.
const MAX_LINES: usize = 400;

/// The spatial core: plain Rust over plain types, knowing nothing of HTTP or SQL.
const SPATIAL_CORE: [&str; 5] = ["index", "tiles", "compare", "geocode", "gazetteer"];

struct Source {
    /// Path under `src/`, with `/` separators.
    path: String,
    /// The lines that are code, not comments.
    code: Vec<String>,
    lines: usize,
}

impl Source {
    /// The top-level module the file belongs to (`index` for `index/text.rs`, `main` for the binary).
    fn module(&self) -> &str {
        let first = self.path.split('/').next().unwrap_or(&self.path);
        first.strip_suffix(".rs").unwrap_or(first)
    }

    fn mentions(&self, word: &str) -> bool {
        self.code.iter().any(|l| has_word(l, word))
    }
}

fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        boundary(before) && boundary(after)
    })
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = vec![];
    walk(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//")).map(str::to_owned).collect();
            let path = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            Source { path, code, lines: text.lines().count() }
        })
        .collect()
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let long: Vec<String> = sources().iter().filter(|s| s.lines > MAX_LINES).map(|s| format!("{} ({} lines)", s.path, s.lines)).collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

#[test]
fn only_the_http_layer_and_the_binary_use_axum() {
    let users: Vec<String> =
        sources().iter().filter(|s| s.mentions("axum") && !matches!(s.module(), "http" | "main")).map(|s| s.path.clone()).collect();
    assert!(users.is_empty(), "axum outside src/http and src/main.rs: {users:?}");
}

#[test]
fn the_spatial_core_knows_no_sql() {
    let users: Vec<String> =
        sources().iter().filter(|s| SPATIAL_CORE.contains(&s.module()) && s.mentions("sqlx")).map(|s| s.path.clone()).collect();
    assert!(users.is_empty(), "sqlx in the spatial core: {users:?}");
}

/// Which top-level modules each one uses, from its `crate::` paths.
fn module_graph(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        let from = s.module().to_owned();
        let used = graph.entry(from.clone()).or_default();
        for line in &s.code {
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != from {
                    used.insert(name);
                }
            }
        }
    }
    graph
}

/// A cycle of the graph, if it has one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    // Depth-first search; a module met again while on the path closes a cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| *p == m) {
            return Some(path[at..].iter().chain([&m]).map(|s| s.to_string()).collect());
        }
        if !done.insert(m) {
            return None;
        }
        path.push(m);
        for next in graph.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, graph, &mut vec![], &mut done))
}

#[test]
fn modules_depend_on_each_other_one_way() {
    let cycle = find_cycle(&module_graph(&sources()));
    assert!(cycle.is_none(), "modules in a cycle: {}", cycle.unwrap().join(" → "));
}

#[test]
fn nothing_below_the_http_layer_uses_it() {
    let graph = module_graph(&sources());
    let users: Vec<&String> = graph.iter().filter(|(m, used)| m.as_str() != "http" && used.contains("http")).map(|(m, _)| m).collect();
    assert!(users.is_empty(), "modules that use crate::http: {users:?}");
}

#[test]
fn the_checks_see_what_they_look_for() {
    let source = |path: &str, code: &[&str]| Source { path: path.into(), code: code.iter().map(|l| l.to_string()).collect(), lines: 1 };
    let tree = [
        source("index/mod.rs", &["use crate::store::Store;", "fn f() { axum::serve(); }"]),
        source("store/sql.rs", &["use crate::model::Sheet;", "let x = crate::index::Filter::default();"]),
        source("model.rs", &["pub struct Sheet;"]),
    ];
    let cycle = find_cycle(&module_graph(&tree)).expect("index → store → index");
    assert!(cycle.contains(&"index".to_owned()) && cycle.contains(&"store".to_owned()), "{cycle:?}");
    assert!(tree[0].mentions("axum") && !tree[1].mentions("axum"));
    assert!(!has_word("use sqlx_like::x;", "sqlx") && has_word("sqlx::query(q)", "sqlx"));
    let acyclic = [source("index/mod.rs", &["use crate::model::Sheet;"]), source("model.rs", &[])];
    assert!(find_cycle(&module_graph(&acyclic)).is_none());
}
