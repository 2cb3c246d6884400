//! Photos and files attached to matters: the type is decided by the content (magic bytes),
//! not by the name or the browser's claim; the size is limited; contents are written once
//! under their SHA-256 in `files_dir`, outside the database (atomically: a temporary file
//! renamed into place), and the database records what was checked.

use crate::Actor;
use crate::App;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// The types accepted, by their first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

fn path_of(state: &App, sha256: &str) -> PathBuf {
    state.settings.files_dir.join(&sha256[..2]).join(sha256)
}

/// Check a file; `field` names it in errors (`photos[2]`).
pub fn check(state: &App, field: &str, bytes: &[u8]) -> Result<&'static str> {
    if bytes.is_empty() {
        return Err(Error::field(field, "the file is empty"));
    }
    if bytes.len() > state.settings.max_file_bytes {
        return Err(Error::field(field, format!("larger than {} MB", state.settings.max_file_bytes / (1024 * 1024))));
    }
    sniff(bytes).ok_or_else(|| Error::field(field, "only JPEG, PNG or WebP photos and PDF files are accepted"))
}

/// Store a file (checked by [`check`]) and record it on a matter of the actor's grids: one
/// they may record matters in, or one they handle.
pub async fn attach(state: &App, actor: &Actor, code: &str, name: &str, bytes: Vec<u8>) -> Result<i64> {
    use fengqiao_domain::policy::Action;
    let m = state.store.matter_by_code(code).await?;
    if !crate::casework::can_handle(state, actor, &m).await? {
        let grid = fengqiao_domain::org::UnitPath(m.grid_path.clone());
        match actor.authorize(state, Action::RecordMatter, &grid, ("matter", &m.code)).await {
            Ok(()) => {}
            Err(Error::Denied { .. }) if !actor.can(Action::ViewMatters, &grid) => return Err(Error::NotFound),
            Err(e) => return Err(e),
        }
    }
    let content_type = check(state, "file", &bytes)?;
    let (matter_id, code) = (m.id, m.code.as_str());
    let sha = hex::encode(Sha256::digest(&bytes));
    let path = path_of(state, &sha);
    let size = bytes.len() as i64;
    let target = path.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if target.exists() {
            return Ok(());
        }
        let dir = target.parent().expect("has a parent");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.tmp", rand::random::<u64>()));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &target)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(|e| Error::Internal(anyhow::anyhow!("storing {}: {e}", path.display())))?;
    let name: String = name.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\')).take(100).collect();
    let name = if name.trim().is_empty() { "file".to_string() } else { name };
    Ok(state
        .store
        .add_file(&actor.audit_ctx("attach file"), matter_id, code, (&name, content_type, size, &sha))
        .await?)
}

/// Read an attached file's contents.
pub async fn read(state: &App, sha256: &str) -> Result<Vec<u8>> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound);
    }
    tokio::fs::read(path_of(state, sha256)).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound,
        _ => Error::Internal(e.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_are_decided_by_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
    }
}
