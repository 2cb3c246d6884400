//! Reading a CSV file for import: the header must name every required column; each row
//! knows its line number, and a value is fetched by column name (trimmed; a UTF-8 BOM, as
//! Excel writes, is ignored).

use super::{ImportError, RowError};
use std::collections::HashMap;

/// Rows one file may have: a station's residents are about 100,000.
pub const MAX_ROWS: usize = 200_000;
/// Columns a file may have: the widest template has 15.
pub const MAX_COLUMNS: usize = 60;
/// Characters one value may have.
pub const MAX_VALUE_CHARS: usize = 1_000;

pub struct Table {
    pub headers: Vec<String>,
    index: HashMap<String, usize>,
    pub rows: Vec<Row>,
}

pub struct Row {
    pub line: usize,
    pub values: Vec<String>,
}

impl Table {
    pub fn parse(text: &str, required: &[&str]) -> Result<Table, ImportError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| ImportError::File(format!("cannot read the header line: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if headers.len() > MAX_COLUMNS {
            return Err(ImportError::File(format!(
                "at most {MAX_COLUMNS} columns in a file (the header has {})",
                headers.len()
            )));
        }
        let index: HashMap<String, usize> = headers.iter().enumerate().map(|(i, h)| (h.clone(), i)).collect();
        let missing: Vec<&str> = required.iter().copied().filter(|c| !index.contains_key(*c)).collect();
        if !missing.is_empty() {
            return Err(ImportError::File(format!(
                "the header lacks the column(s) {}; it must have {}",
                missing.join(", "),
                required.join(",")
            )));
        }
        let mut rows = vec![];
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                ImportError::File(format!("line {line}: not valid CSV: {e}"))
            })?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
            if rec.iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            if rec.len() > MAX_COLUMNS {
                return Err(ImportError::File(format!(
                    "line {line}: at most {MAX_COLUMNS} columns in a file (this line has {})",
                    rec.len()
                )));
            }
            if let Some(i) = rec.iter().position(|v| v.chars().count() > MAX_VALUE_CHARS) {
                let column = headers.get(i).cloned().unwrap_or_else(|| format!("#{}", i + 1));
                return Err(ImportError::File(format!(
                    "line {line}, column {column}: at most {MAX_VALUE_CHARS} characters in a value"
                )));
            }
            if rows.len() == MAX_ROWS {
                return Err(ImportError::File(format!(
                    "at most {MAX_ROWS} rows in a file; split it (line {line} is one too many)"
                )));
            }
            rows.push(Row { line, values: rec.iter().map(|v| v.trim().to_string()).collect() });
        }
        Ok(Table { headers, index, rows })
    }

    pub fn get<'a>(&self, row: &'a Row, column: &str) -> &'a str {
        self.index.get(column).and_then(|&i| row.values.get(i)).map(String::as_str).unwrap_or("")
    }

    /// The rejected rows as CSV, with an `_error` column.
    pub fn rejects_csv(&self, errors: &[RowError]) -> String {
        let mut w = csv::Writer::from_writer(vec![]);
        let mut header = self.headers.clone();
        header.push("_error".into());
        let _ = w.write_record(&header);
        for row in &self.rows {
            let why: Vec<String> =
                errors.iter().filter(|e| e.line == row.line).map(|e| format!("{}: {}", e.column, e.message)).collect();
            if why.is_empty() {
                continue;
            }
            let mut rec = row.values.clone();
            rec.resize(self.headers.len(), String::new());
            rec.push(why.join("; "));
            let _ = w.write_record(&rec);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// `1/0`, `true/false`, `yes/no`, `是/否`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "是" => Some(true),
        "0" | "false" | "no" | "n" | "否" | "" => Some(false),
        _ => None,
    }
}

pub fn parse_coord(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("\"{s}\" is not a number"))?;
    if !(lo..=hi).contains(&v) || !v.is_finite() {
        return Err(format!("{v} is not between {lo} and {hi}"));
    }
    Ok(v)
}
