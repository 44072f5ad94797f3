//! The referential: themes → challenges ("enjeux") → uses → services, the classification every
//! sheet is filed under, versioned by edition year and loaded from a JSON file of `data/`.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The four levels of the classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Theme,
    Challenge,
    Use,
    Service,
}

/// A node of the tree as written in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    pub code: String,
    pub label: String,
    /// Taken from the label's published classification (`true`) or illustrative (`false`).
    pub published: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty", alias = "challenges", alias = "uses", alias = "services")]
    pub children: Vec<Node>,
}

/// A thematic mention the jury may add to the @ (since 2013).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mention {
    pub code: String,
    pub label: String,
}

/// The file's shape. Children are named after their level (`challenges`, `uses`, `services`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferentialFile {
    pub edition: u16,
    pub title: String,
    #[serde(default)]
    pub about: String,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    pub themes: Vec<Node>,
}

/// One entry with its place in the tree.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub code: String,
    pub label: String,
    pub level: Level,
    pub published: bool,
    pub parent: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReferentialError {
    #[error("cannot read the referential {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the referential {path} is not valid: {reason}")]
    Invalid { path: String, reason: String },
}

/// A loaded referential with the lookups queries need. Services are numbered densely so that
/// filters can be bitsets.
#[derive(Debug)]
pub struct Referential {
    file: ReferentialFile,
    entries: Vec<Entry>,
    by_code: HashMap<String, usize>,
    services: Vec<usize>,
    service_index: HashMap<String, u16>,
    /// For each entry, the indexes of the services under it (itself for a service).
    services_under: Vec<Vec<u16>>,
    /// For each service index, its theme, challenge and use entry indexes.
    ancestry: Vec<[usize; 3]>,
}

impl Referential {
    pub fn load(path: &Path) -> Result<Self, ReferentialError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ReferentialError::Io { path: shown.clone(), source })?;
        let file: ReferentialFile =
            serde_json::from_str(&text).map_err(|e| ReferentialError::Invalid { path: shown.clone(), reason: e.to_string() })?;
        Self::new(file).map_err(|reason| ReferentialError::Invalid { path: shown, reason })
    }

    /// Checks the tree (four levels, unique codes, at least one service) and indexes it.
    pub fn new(file: ReferentialFile) -> Result<Self, String> {
        let mut r = Referential {
            entries: vec![],
            by_code: HashMap::new(),
            services: vec![],
            service_index: HashMap::new(),
            services_under: vec![],
            ancestry: vec![],
            file,
        };
        let themes = r.file.themes.clone();
        for theme in &themes {
            r.add(theme, Level::Theme, None, [0; 3])?;
        }
        if r.services.is_empty() {
            return Err("it has no services".into());
        }
        if r.file.themes.len() > 254 {
            return Err("it has more than 254 themes".into());
        }
        if r.services.len() > u16::MAX as usize {
            return Err("it has more than 65,535 services".into());
        }
        Ok(r)
    }

    fn add(&mut self, node: &Node, level: Level, parent: Option<&str>, mut path: [usize; 3]) -> Result<usize, String> {
        if node.code.is_empty() || node.code.contains(',') || node.code.trim() != node.code {
            return Err(format!("bad code {:?}: codes are non-empty, without commas or spaces around", node.code));
        }
        if self.by_code.contains_key(&node.code) {
            return Err(format!("the code {} is used twice", node.code));
        }
        let idx = self.entries.len();
        self.entries.push(Entry {
            code: node.code.clone(),
            label: node.label.clone(),
            level,
            published: node.published,
            parent: parent.map(str::to_owned),
        });
        self.by_code.insert(node.code.clone(), idx);
        self.services_under.push(vec![]);
        let child_level = match level {
            Level::Theme => Some(Level::Challenge),
            Level::Challenge => Some(Level::Use),
            Level::Use => Some(Level::Service),
            Level::Service => None,
        };
        match level {
            Level::Theme => path[0] = idx,
            Level::Challenge => path[1] = idx,
            Level::Use => path[2] = idx,
            Level::Service => {
                if !node.children.is_empty() {
                    return Err(format!("service {} has children: the tree has four levels", node.code));
                }
                let s = self.services.len() as u16;
                self.services.push(idx);
                self.service_index.insert(node.code.clone(), s);
                self.ancestry.push(path);
                self.services_under[idx].push(s);
                return Ok(idx);
            }
        }
        if node.children.is_empty() {
            return Err(format!("{} has no {:?} under it: the tree has four levels", node.code, child_level.expect("not a service")));
        }
        for child in &node.children {
            let c = self.add(child, child_level.expect("not a service"), Some(&node.code), path)?;
            let under = self.services_under[c].clone();
            self.services_under[idx].extend(under);
        }
        Ok(idx)
    }

    pub fn edition(&self) -> u16 {
        self.file.edition
    }

    pub fn file(&self) -> &ReferentialFile {
        &self.file
    }

    /// The label's mention with this code.
    pub fn mention(&self, code: &str) -> Option<&Mention> {
        self.file.mentions.iter().find(|m| m.code == code)
    }

    /// The codes of the label's mentions, for messages: `education, democratie, …`.
    pub fn mention_codes(&self) -> String {
        self.file.mentions.iter().map(|m| m.code.as_str()).collect::<Vec<_>>().join(", ")
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// Dense index of a service code, used in bitsets.
    pub fn service_index(&self, code: &str) -> Option<u16> {
        self.service_index.get(code).copied()
    }

    /// The service entry with this dense index.
    pub fn service(&self, index: u16) -> &Entry {
        &self.entries[self.services[index as usize]]
    }

    /// Services under an entry of the given level, or `None` if the code is not of that level.
    pub fn services_under(&self, code: &str, level: Level) -> Option<&[u16]> {
        let i = *self.by_code.get(code)?;
        (self.entries[i].level == level).then(|| self.services_under[i].as_slice())
    }

    /// Position among the themes of the theme a service belongs to (themes are few: a u8).
    pub fn theme_position(&self, service: u16) -> u8 {
        let theme = &self.entries[self.ancestry[service as usize][0]].code;
        self.file.themes.iter().position(|t| &t.code == theme).unwrap_or(0) as u8
    }

    /// Positions in [`Self::entries`] of a service's theme, challenge, use and of the service.
    pub fn path(&self, service: u16) -> [usize; 4] {
        let [t, c, u] = self.ancestry[service as usize];
        [t, c, u, self.services[service as usize]]
    }

    /// Position in [`Self::entries`] of the entry with this code.
    pub fn entry_position(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// Theme, challenge and use of a service.
    pub fn ancestry(&self, service: u16) -> [&Entry; 3] {
        self.ancestry[service as usize].map(|i| &self.entries[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_referential() -> Referential {
        Referential::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/referential-2024.json")).unwrap()
    }

    #[test]
    fn the_default_referential_has_the_label_shape() {
        let r = default_referential();
        let count = |level| r.entries().iter().filter(|e| e.level == level).count();
        assert_eq!(count(Level::Theme), 4);
        assert_eq!(count(Level::Challenge), 16);
        assert_eq!(count(Level::Service), 136);
        assert_eq!(r.service_count(), 136);
        // The twelve challenges of the 2014 classification are marked published, the rest not.
        let published = r.entries().iter().filter(|e| e.level == Level::Challenge && e.published).count();
        assert_eq!(published, 12);
        assert!(r.entries().iter().filter(|e| e.level == Level::Service).all(|e| !e.published));
    }

    #[test]
    fn services_roll_up_to_their_ancestors() {
        let r = default_referential();
        let theme_services: usize =
            r.entries().iter().filter(|e| e.level == Level::Theme).map(|e| r.services_under(&e.code, Level::Theme).unwrap().len()).sum();
        assert_eq!(theme_services, 136);
        let s = r.service_index("1.b.2.1").unwrap();
        assert_eq!(r.service(s).label, "Budget participatif");
        let [t, c, u] = r.ancestry(s);
        assert_eq!((t.code.as_str(), c.code.as_str(), u.code.as_str()), ("1", "1.b", "1.b.2"));
        assert!(r.services_under("1.b", Level::Theme).is_none(), "1.b is a challenge");
    }

    #[test]
    fn rejects_a_malformed_tree() {
        let node = |code: &str, children| Node { code: code.into(), label: "x".into(), published: false, children };
        let file = |themes| ReferentialFile { edition: 2024, title: "t".into(), about: String::new(), mentions: vec![], themes };
        let three_levels = file(vec![node("1", vec![node("1.a", vec![node("1.a.1", vec![])])])]);
        assert!(Referential::new(three_levels).unwrap_err().contains("four levels"));
        let leaf = |c: &str| node(c, vec![]);
        let twice = file(vec![node("1", vec![node("1.a", vec![node("1.a.1", vec![leaf("s"), leaf("s")])])])]);
        assert!(Referential::new(twice).unwrap_err().contains("used twice"));
    }
}
