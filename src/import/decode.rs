//! Bytes to text the way French files really come: UTF-8 with or without a byte order mark,
//! Windows-1252 (what Excel saves as "CSV (séparateur : point-virgule)"), or UTF-16 with a
//! byte order mark (Excel's "Texte Unicode").

use serde::Serialize;

use super::ImportError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Windows1252,
    Utf16,
}

impl Encoding {
    pub const ALL: [Encoding; 3] = [Encoding::Utf8, Encoding::Windows1252, Encoding::Utf16];

    /// The encoding of a [`Self::name`].
    pub fn from_name(name: &str) -> Option<Encoding> {
        Encoding::ALL.into_iter().find(|e| e.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Utf16 => "utf-16",
        }
    }
}

/// Windows-1252 where it differs from Latin-1 (bytes 0x80 to 0x9F). The five bytes it leaves
/// undefined map to the control character of the same number, as browsers do.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–',
    '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

fn windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

fn utf16(bytes: &[u8], little_endian: bool) -> Result<String, ImportError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(ImportError::Encoding("the UTF-16 file has an odd number of bytes: it is cut short".into()));
    }
    let units =
        bytes.chunks_exact(2).map(|p| if little_endian { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|e| ImportError::Encoding(format!("the file is not valid UTF-16: {e}")))
}

/// The file's text and the encoding it was read with. `given` forces an encoding; without it,
/// a byte order mark decides, then valid UTF-8 is UTF-8 and anything else is Windows-1252
/// (every byte sequence is valid Windows-1252, and a French text that is not UTF-8 is almost
/// always that).
pub fn decode(bytes: &[u8], given: Option<Encoding>) -> Result<(String, Encoding), ImportError> {
    let bom_16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, true)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, false)),
        _ => None,
    };
    match (given, bom_16) {
        (None | Some(Encoding::Utf16), Some((rest, le))) => return Ok((utf16(rest, le)?, Encoding::Utf16)),
        (Some(Encoding::Utf16), None) => {
            return Err(ImportError::Encoding("UTF-16 files start with a byte order mark, and this one has none".into()));
        }
        _ => {}
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    match (given, std::str::from_utf8(without_bom)) {
        (Some(Encoding::Windows1252), _) => Ok((windows_1252(bytes), Encoding::Windows1252)),
        (_, Ok(text)) => Ok((text.to_owned(), Encoding::Utf8)),
        (None, Err(_)) => Ok((windows_1252(bytes), Encoding::Windows1252)),
        (Some(_), Err(e)) => Err(ImportError::Encoding(format!(
            "the file is not valid UTF-8 (byte {}); if Excel saved it, try --encoding windows-1252",
            e.valid_up_to() + if without_bom.len() < bytes.len() { 3 } else { 0 }
        ))),
    }
}

/// The separator of a CSV text: whichever of `;`, `,` and tab is most frequent outside quotes
/// on the header line (a comma wins a tie, and a one-column file).
pub fn separator(text: &str) -> u8 {
    let (mut semicolons, mut commas, mut tabs, mut quoted) = (0, 0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons && tabs > commas {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_excel_saves() {
        // "Délibérations – Œuvre" in Windows-1252: é = E9, – = 96, Œ = 8C.
        let cp1252 = b"D\xE9lib\xE9rations \x96 \x8Cuvre";
        assert_eq!(decode(cp1252, None).unwrap(), ("Délibérations – Œuvre".to_owned(), Encoding::Windows1252));
        let utf8_bom = "\u{feff}Délibérations".as_bytes();
        assert_eq!(decode(utf8_bom, None).unwrap(), ("Délibérations".to_owned(), Encoding::Utf8));
        let utf16le: Vec<u8> = [0xFF, 0xFE].into_iter().chain("é;a".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16le, None).unwrap(), ("é;a".to_owned(), Encoding::Utf16));
    }

    #[test]
    fn a_given_encoding_is_obeyed_or_refused() {
        assert_eq!(decode("é".as_bytes(), Some(Encoding::Windows1252)).unwrap().0, "Ã©");
        let err = decode(b"D\xE9j\xE0", Some(Encoding::Utf8)).unwrap_err().to_string();
        assert!(err.contains("byte 1") && err.contains("windows-1252"), "{err}");
    }

    #[test]
    fn finds_the_separator_on_the_header_line() {
        assert_eq!(separator("titre;commune;\"a,b,c\"\nx,y,z,w"), b';');
        assert_eq!(separator("title,commune\n"), b',');
        assert_eq!(separator("titre\tcommune\tannée"), b'\t');
        assert_eq!(separator("titre"), b',');
    }
}
