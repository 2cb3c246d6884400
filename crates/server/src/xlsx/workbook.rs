//! A small XLSX (Office Open XML spreadsheet) writer: sheets of text and numbers, a bold
//! header, columns sized to their contents. That is all the exports need; a general library
//! (rust_xlsxwriter with its zip stack) cost ~50 s of a clean release build for it.
//!
//! The package is a zip of XML parts, stored uncompressed (XLSX readers accept any zip
//! method; the exports are small and usually compressed again on the wire). Strings are
//! inline (`t="inlineStr"`), so no shared-string table is needed.

use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Clone)]
enum Cell {
    Text { text: String, bold: bool },
    Number(f64),
}

/// One sheet: cells by (row, column), both from 0.
#[derive(Debug, Clone)]
pub struct Worksheet {
    name: String,
    cells: BTreeMap<(u32, u16), Cell>,
}

impl Worksheet {
    pub fn write_string(&mut self, row: u32, col: u16, text: impl AsRef<str>) {
        self.cells.insert((row, col), Cell::Text { text: text.as_ref().to_string(), bold: false });
    }

    pub fn write_bold(&mut self, row: u32, col: u16, text: impl AsRef<str>) {
        self.cells.insert((row, col), Cell::Text { text: text.as_ref().to_string(), bold: true });
    }

    /// The first row: column titles in bold.
    pub fn write_header<S: AsRef<str>>(&mut self, titles: &[S]) {
        for (c, t) in titles.iter().enumerate() {
            self.write_bold(0, c as u16, t);
        }
    }

    /// A number; not-a-number and infinities are left empty (a spreadsheet has neither).
    pub fn write_number(&mut self, row: u32, col: u16, value: f64) {
        if value.is_finite() {
            self.cells.insert((row, col), Cell::Number(value));
        }
    }

    /// Column widths in characters, a CJK character counting two, between 6 and 60.
    fn widths(&self) -> BTreeMap<u16, usize> {
        let mut w: BTreeMap<u16, usize> = BTreeMap::new();
        for ((_, c), cell) in &self.cells {
            let n = match cell {
                Cell::Text { text, .. } => text.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum(),
                Cell::Number(v) => v.to_string().len(),
            };
            let e = w.entry(*c).or_insert(6);
            *e = (*e).max((n + 2).min(60));
        }
        w
    }

    fn xml(&self) -> String {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
        );
        let widths = self.widths();
        if !widths.is_empty() {
            s.push_str("<cols>");
            for (c, w) in widths {
                let _ = write!(s, "<col min=\"{n}\" max=\"{n}\" width=\"{w}\" customWidth=\"1\"/>", n = c + 1);
            }
            s.push_str("</cols>");
        }
        s.push_str("<sheetData>");
        let mut current: Option<u32> = None;
        for ((r, c), cell) in &self.cells {
            if current != Some(*r) {
                if current.is_some() {
                    s.push_str("</row>");
                }
                let _ = write!(s, "<row r=\"{}\">", r + 1);
                current = Some(*r);
            }
            let at = format!("{}{}", column_name(*c), r + 1);
            match cell {
                Cell::Text { text, bold } => {
                    let style = if *bold { " s=\"1\"" } else { "" };
                    let _ = write!(
                        s,
                        "<c r=\"{at}\" t=\"inlineStr\"{style}><is><t xml:space=\"preserve\">{}</t></is></c>",
                        escape(text)
                    );
                }
                Cell::Number(v) => {
                    let _ = write!(s, "<c r=\"{at}\"><v>{v}</v></c>");
                }
            }
        }
        if current.is_some() {
            s.push_str("</row>");
        }
        s.push_str("</sheetData></worksheet>");
        s
    }
}

/// A workbook of sheets in the order added.
#[derive(Debug, Clone, Default)]
pub struct Workbook {
    sheets: Vec<Worksheet>,
}

impl Workbook {
    pub fn new() -> Self {
        Self::default()
    }

    /// A new sheet. Names are cut to Excel's 31 characters, without `[]:*?/\`.
    pub fn add_worksheet(&mut self, name: &str) -> &mut Worksheet {
        let name: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        let name = if name.is_empty() { format!("Sheet{}", self.sheets.len() + 1) } else { name };
        self.sheets.push(Worksheet { name, cells: BTreeMap::new() });
        self.sheets.last_mut().expect("just pushed")
    }

    /// The workbook as an `.xlsx` file.
    pub fn save_to_buffer(&self) -> Vec<u8> {
        const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
        let head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
        let mut types = format!(
            "{head}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        );
        let mut sheets = String::new();
        let mut rels = String::new();
        for (i, ws) in self.sheets.iter().enumerate() {
            let n = i + 1;
            let _ = write!(
                types,
                "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            );
            let _ = write!(sheets, "<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>", escape(&ws.name));
            let _ = write!(
                rels,
                "<Relationship Id=\"rId{n}\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
            );
        }
        types.push_str("</Types>");
        let styles_id = self.sheets.len() + 1;
        let _ = write!(rels, "<Relationship Id=\"rId{styles_id}\" Type=\"{REL}/styles\" Target=\"styles.xml\"/>");
        let mut parts: Vec<(String, String)> = vec![
            ("[Content_Types].xml".into(), types),
            (
                "_rels/.rels".into(),
                format!(
                    "{head}<Relationships xmlns=\"{PKG_REL}\"><Relationship Id=\"rId1\" \
                     Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
                ),
            ),
            (
                "xl/workbook.xml".into(),
                format!("{head}<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheets>{sheets}</sheets></workbook>"),
            ),
            (
                "xl/_rels/workbook.xml.rels".into(),
                format!("{head}<Relationships xmlns=\"{PKG_REL}\">{rels}</Relationships>"),
            ),
            (
                "xl/styles.xml".into(),
                format!(
                    "{head}<styleSheet xmlns=\"{MAIN}\">\
                     <fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>\
                     <font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>\
                     <fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
                     <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
                     <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
                     <cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
                     <xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>\
                     <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
                     </styleSheet>"
                ),
            ),
        ];
        for (i, ws) in self.sheets.iter().enumerate() {
            parts.push((format!("xl/worksheets/sheet{}.xml", i + 1), ws.xml()));
        }
        zip_stored(&parts)
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
fn column_name(mut c: u16) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// Text for XML: the five escapes, and characters XML 1.0 cannot hold dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *e = c;
        }
        t
    });
    !data.iter().fold(!0u32, |c, &b| table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8))
}

/// A zip archive of the files, stored (method 0), names flagged UTF-8.
fn zip_stored(files: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    // 1980-01-01 00:00, the zip epoch: the parts carry no meaningful time.
    let (time, date) = (0u16, 0x0021u16);
    for (name, data) in files {
        let (name, data) = (name.as_bytes(), data.as_bytes());
        let (crc, size, offset) = (crc32(data), data.len() as u32, out.len() as u32);
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            v.extend_from_slice(&0u16.to_le_bytes()); // stored
            v.extend_from_slice(&time.to_le_bytes());
            v.extend_from_slice(&date.to_le_bytes());
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        common(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader;

    #[test]
    fn crc_and_columns() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926, "the standard check value");
        assert_eq!(
            [0, 25, 26, 27, 51, 52, 701, 702].map(column_name),
            ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"].map(String::from)
        );
    }

    /// What is written reads back, through calamine (the reader of the tests' exports).
    #[test]
    fn a_workbook_reads_back() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet("住户");
        ws.write_bold(0, 0, "户码");
        ws.write_bold(0, 1, "人数");
        ws.write_string(1, 0, "H1 <&> \"x\" 'y'\u{1}");
        ws.write_number(1, 1, 3.0);
        ws.write_number(2, 1, f64::NAN);
        ws.write_string(2, 27, "  far right  ");
        wb.add_worksheet("a/b[c]:d*e?f\\g and a name longer than thirty-one");
        let bytes = wb.save_to_buffer();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["住户", "abcdefg and a name longer than "]);
        let range = book.worksheet_range("住户").unwrap();
        let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0][..2], ["户码", "人数"]);
        assert_eq!(rows[1][..2], ["H1 <&> \"x\" 'y'", "3"]);
        assert_eq!(rows[2][1], "", "NaN is left empty");
        assert_eq!(rows[2][27], "  far right  ", "spaces kept");
    }
}
