//! Glyphs for the map's labels, in the form every MapLibre renderer (GL JS, Native, QGIS's and
//! OpenLayers' readers of MapLibre styles) asks for them: a protobuf message per font stack and
//! range of 256 code points, each glyph a signed distance field 24 px high with a 3 px border
//! and a radius of 8 px, the conventions those renderers draw with.
//!
//! The fonts are the TrueType/OpenType files of a folder (`data/fonts`: DejaVu Sans, an open
//! font). FreeType, through `pbf_font_tools` (the crate Martin uses), draws each range the
//! first time it is asked for; it is then kept, which bounds the memory by what the fonts
//! cover (at most 256 ranges a font, most of them empty).

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use pbf_font_tools::freetype::{Face, Library};
use pbf_font_tools::prost::Message;
use pbf_font_tools::{Fontstack, Glyphs, glyph_range_for_face};

/// Code points in one range file.
pub const RANGE_SIZE: u32 = 256;
/// The renderers' conventions: font size in pixels, SDF radius, share of the byte scale given
/// to the inside of a glyph.
const SIZE: usize = 24;
const RADIUS: usize = 8;
const CUTOFF: f64 = 0.25;

/// One face of a font file.
struct Font {
    /// Family and style, as the renderers name a font: `DejaVu Sans Book`.
    name: String,
    family: String,
    style: String,
    /// Code points the face draws.
    glyphs: usize,
    file: Arc<Vec<u8>>,
    index: isize,
}

/// What the catalogue of fonts says of one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FontInfo {
    pub name: String,
    pub family: String,
    pub style: String,
    pub glyphs: usize,
}

/// Why a glyph request has no answer.
#[derive(Debug, thiserror::Error)]
pub enum GlyphError {
    #[error("no font of the stack {stack:?} is served here; the fonts are: {known}")]
    UnknownFont { stack: String, known: String },
    #[error(
        "a glyph range is 256 code points from a multiple of 256, written start-end.pbf (0-255.pbf, 256-511.pbf, ... 65280-65535.pbf), not {0:?}"
    )]
    BadRange(String),
    #[error("drawing the glyphs of {font}: {detail}")]
    Font { font: String, detail: String },
}

/// Fonts of a stack that this server has, in the stack's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stack(Vec<usize>);

/// The fonts a server draws labels with, and the ranges drawn so far.
#[derive(Default)]
pub struct Fonts {
    fonts: Vec<Font>,
    drawn: Mutex<HashMap<(usize, u32), Arc<Fontstack>>>,
}

impl Fonts {
    /// Reads every `.ttf`, `.otf` and `.ttc` file of `dir` (each face of a collection is a
    /// font); a missing folder gives no font, and a map without labels.
    pub fn load(dir: &Path) -> Result<Self> {
        let mut paths: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| is_font_file(p)).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e).with_context(|| format!("reading the fonts folder {}", dir.display())),
        };
        paths.sort();
        let library = Library::init().context("starting FreeType")?;
        let mut fonts: Vec<Font> = Vec::new();
        for path in paths {
            let file = Arc::new(std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?);
            for font in faces(&library, &file).with_context(|| format!("reading the font {}", path.display()))? {
                if fonts.iter().any(|f| f.name == font.name) {
                    tracing::warn!(font = font.name, path = %path.display(), "a font of that name is already loaded; this one is left out");
                } else {
                    fonts.push(font);
                }
            }
        }
        Ok(Fonts { fonts, drawn: Mutex::default() })
    }

    /// The fonts, in the order of their file names.
    pub fn catalogue(&self) -> Vec<FontInfo> {
        let info = |f: &Font| FontInfo { name: f.name.clone(), family: f.family.clone(), style: f.style.clone(), glyphs: f.glyphs };
        self.fonts.iter().map(info).collect()
    }

    /// The font our style writes its labels with: the first one.
    pub fn label_font(&self) -> Option<&str> {
        self.fonts.first().map(|f| f.name.as_str())
    }

    /// The fonts of `stack` (font names separated by commas, as a style's `text-font`) that
    /// are served here, in order. Fonts not served here are passed over, as a renderer passes
    /// over fonts it lacks, but a stack with none of ours is refused.
    pub fn stack(&self, stack: &str) -> Result<Stack, GlyphError> {
        let mut chosen = Vec::new();
        for i in stack.split(',').filter_map(|name| self.position(name.trim())) {
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        if chosen.is_empty() {
            let known = self.fonts.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(GlyphError::UnknownFont { stack: stack.chars().take(200).collect(), known });
        }
        Ok(Stack(chosen))
    }

    /// The glyphs of a stack from code point `start`, as the protobuf a renderer reads: a
    /// code point takes the glyph of the first font of the stack that has one. Drawing a range
    /// takes tens of milliseconds: call it off the async threads.
    pub fn range(&self, stack: &Stack, start: u32) -> Result<Vec<u8>, GlyphError> {
        let mut out = Fontstack { name: String::new(), range: format!("{start}-{}", start + RANGE_SIZE - 1), glyphs: Vec::new() };
        let mut names = Vec::new();
        for &i in &stack.0 {
            let drawn = self.drawn(i, start)?;
            names.push(self.fonts[i].name.as_str());
            let missing: Vec<_> = drawn.glyphs.iter().filter(|g| !out.glyphs.iter().any(|o| o.id == g.id)).cloned().collect();
            out.glyphs.extend(missing);
        }
        out.glyphs.sort_by_key(|g| g.id);
        out.name = names.join(", ");
        Ok(Glyphs { stacks: vec![out] }.encode_to_vec())
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.fonts.iter().position(|f| f.name == name)
    }

    /// One font's range, drawn now or before.
    fn drawn(&self, font: usize, start: u32) -> Result<Arc<Fontstack>, GlyphError> {
        if let Some(done) = self.drawn.lock().expect("the glyph cache is never poisoned").get(&(font, start)) {
            return Ok(done.clone());
        }
        let f = &self.fonts[font];
        let failed = |detail: String| GlyphError::Font { font: f.name.clone(), detail };
        // FreeType's handles are not shared between threads: each drawing opens its own.
        let library = Library::init().map_err(|e| failed(e.to_string()))?;
        let face = library.new_memory_face(Rc::new(f.file.as_ref().clone()), f.index).map_err(|e| failed(e.to_string()))?;
        let stack = glyph_range_for_face(&face, start, start + RANGE_SIZE - 1, SIZE, RADIUS, CUTOFF).map_err(|e| failed(e.to_string()))?;
        let stack = Arc::new(stack);
        self.drawn.lock().expect("the glyph cache is never poisoned").insert((font, start), stack.clone());
        Ok(stack)
    }
}

/// The start of the range a file name asks for: `256-511.pbf` is 256.
pub fn parse_range(file: &str) -> Result<u32, GlyphError> {
    let bad = || GlyphError::BadRange(file.chars().take(40).collect());
    let (start, end) = file.strip_suffix(".pbf").and_then(|r| r.split_once('-')).ok_or_else(bad)?;
    let (start, end): (u32, u32) = (start.parse().map_err(|_| bad())?, end.parse().map_err(|_| bad())?);
    let fits = start % RANGE_SIZE == 0 && end.checked_sub(start) == Some(RANGE_SIZE - 1) && end <= 0xFFFF;
    if fits { Ok(start) } else { Err(bad()) }
}

fn is_font_file(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("ttf" | "otf" | "ttc"))
}

/// The faces of one font file, named by family and style.
fn faces(library: &Library, file: &Arc<Vec<u8>>) -> Result<Vec<Font>> {
    let first = face(library, file, 0)?;
    let count = first.num_faces() as isize;
    let mut out = vec![describe(&first, file, 0)?];
    for index in 1..count {
        out.push(describe(&face(library, file, index)?, file, index)?);
    }
    Ok(out)
}

fn face(library: &Library, file: &Arc<Vec<u8>>, index: isize) -> Result<Face> {
    Ok(library.new_memory_face(Rc::new(file.as_ref().clone()), index)?)
}

fn describe(face: &Face, file: &Arc<Vec<u8>>, index: isize) -> Result<Font> {
    let family = face.family_name().context("the font has no family name")?;
    let style = face.style_name().unwrap_or_default();
    let name = if style.is_empty() { family.clone() } else { format!("{family} {style}") };
    let glyphs = face.chars().count();
    Ok(Font { name, family, style, glyphs, file: file.clone(), index })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load(&crate::gazetteer::default_data_dir().join("fonts")).unwrap()
    }

    fn decode(bytes: &[u8]) -> Fontstack {
        let mut glyphs = Glyphs::decode(bytes).unwrap();
        assert_eq!(glyphs.stacks.len(), 1);
        glyphs.stacks.remove(0)
    }

    #[test]
    fn ranges_are_named_as_the_renderers_ask() {
        assert_eq!(parse_range("0-255.pbf").unwrap(), 0);
        assert_eq!(parse_range("65280-65535.pbf").unwrap(), 65280);
        for bad in ["0-255", "1-256.pbf", "0-511.pbf", "65536-65791.pbf", "-1-254.pbf", "a-b.pbf", "256-255.pbf", ""] {
            assert!(matches!(parse_range(bad), Err(GlyphError::BadRange(_))), "{bad}");
        }
    }

    #[test]
    fn the_committed_font_draws_french_names() {
        let fonts = fonts();
        assert_eq!(fonts.label_font(), Some("DejaVu Sans Book"));
        let latin = decode(&fonts.range(&fonts.stack("DejaVu Sans Book").unwrap(), 0).unwrap());
        assert_eq!((latin.name.as_str(), latin.range.as_str()), ("DejaVu Sans Book", "0-255"));
        // The letters of "Évry-Courcouronnes" and "Saint-Étienne", and the @ of the label.
        for c in "ÉvryCourcones-Saint@àç".chars() {
            let g = latin.glyphs.iter().find(|g| g.id == c as u32).unwrap_or_else(|| panic!("{c}"));
            let bitmap = g.bitmap.as_ref().unwrap();
            // The field covers the glyph and a 3 px border on each side.
            assert_eq!(bitmap.len() as u32, (g.width + 6) * (g.height + 6), "{c}");
            assert!(g.advance > 0, "{c}");
        }
        // Œ (Œting, Moselle) and the typographic apostrophe live in other ranges.
        let other = decode(&fonts.range(&fonts.stack("DejaVu Sans Book").unwrap(), 256).unwrap());
        assert!(other.glyphs.iter().any(|g| g.id == 'Œ' as u32));
        let punctuation = decode(&fonts.range(&fonts.stack("DejaVu Sans Book").unwrap(), 0x2000).unwrap());
        assert!(punctuation.glyphs.iter().any(|g| g.id == '’' as u32));
    }

    #[test]
    fn a_stack_takes_the_fonts_it_knows_and_refuses_none() {
        let fonts = fonts();
        let mixed = decode(&fonts.range(&fonts.stack("Open Sans Regular, DejaVu Sans Book,DejaVu Sans Book").unwrap(), 0).unwrap());
        assert_eq!(mixed.name, "DejaVu Sans Book");
        assert!(mixed.glyphs.iter().any(|g| g.id == 'A' as u32));
        assert!(matches!(fonts.stack("Open Sans Regular"), Err(GlyphError::UnknownFont { .. })));
        // A range the font does not cover is an empty list, not an error: the renderer moves on.
        let empty = decode(&fonts.range(&fonts.stack("DejaVu Sans Book").unwrap(), 0xE000).unwrap());
        assert!(empty.glyphs.is_empty());
        assert_eq!(empty.range, "57344-57599");
    }

    #[test]
    fn no_fonts_folder_is_no_fonts() {
        let fonts = Fonts::load(Path::new("/nonexistent/fonts")).unwrap();
        assert!(fonts.label_font().is_none() && fonts.catalogue().is_empty());
    }
}
