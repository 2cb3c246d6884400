//! Runtime settings of the server (security policy, limits). Loaded by the CLI from
//! defaults → `fengqiao.toml` → `FENGQIAO_*` environment → flags.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordPolicy {
    /// OWASP ASVS 5 level 2: length, no common or breached passwords, no composition rules,
    /// no periodic change.
    Asvs,
    /// China's MLPS 2.0 level 3 (等保三级): length and three of four character classes,
    /// periodic change.
    Mlps,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub lockout_threshold: i64,
    pub lockout_window_minutes: i64,
    pub lockout_minutes: i64,
    pub password_policy: PasswordPolicy,
    /// Days before a password must be changed under the MLPS policy.
    pub password_max_age_days: i64,
    /// Require TOTP for the system, security and audit administrators.
    pub require_totp_for_admins: bool,
    pub max_body_bytes: usize,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Serve HTTPS directly (for a station without a reverse proxy): the PEM certificate
    /// chain and its private key. Both or neither. Renewed files are read at the next start.
    pub tls_cert_file: Option<std::path::PathBuf>,
    pub tls_key_file: Option<std::path::PathBuf>,
    /// Reverse proxies in front of this node (their IP addresses). Only from these is
    /// `X-Forwarded-For` believed, for the client address that limits and audit records use.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Name shown in the header.
    pub site_name: String,
    /// Map background tiles, e.g. `https://tiles.example/{z}/{x}/{y}.png`; empty for a blank
    /// background (offline installations).
    pub map_tile_url: String,
    /// Attribution shown for the tiles.
    pub map_tile_attribution: String,
    /// The address residents reach the server at, for the household QR codes, e.g.
    /// `https://fengqiao.example.gov.cn`; empty: taken from each request's Host header.
    pub public_url: String,
    /// Requests per minute one client address may make to the residents' QR pages.
    pub qr_rate_per_minute: u32,
    /// Matters one household may submit through its QR code per day.
    pub qr_matters_per_day: i64,
    /// Where photos and files attached to matters are kept (outside the database). Several
    /// nodes must share it (a network file system), like they share the database.
    pub files_dir: std::path::PathBuf,
    /// Largest attached file, in bytes.
    pub max_file_bytes: usize,
    /// Addresses robots and webhooks may have besides DingTalk's and WeCom's own (a generic
    /// webhook's address must start with one of these), e.g. `https://ops.example/hooks/`.
    pub robot_url_prefixes: Vec<String>,
    /// Where this node keeps its full-text index (derived from the database, rebuilt when
    /// missing); empty: in memory, rebuilt at every start (fine for a station's demo).
    pub index_dir: Option<std::path::PathBuf>,
    /// The response clock (一事一应) where it differs from the defaults: per kind and
    /// priority, minutes to acknowledge and to resolve. Unlisted pairs keep the defaults
    /// (urgent: 60 and 1,440; disputes resolve within 30 days; ...).
    pub response_clock: Vec<ClockRule>,
    /// The installation's own matter categories, added to the built-in taxonomy (a built-in
    /// code here replaces its label or suggested approach).
    pub categories: Vec<fengqiao_domain::matter::CategoryDef>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClockRule {
    /// dispute, hazard, request, incident or tip.
    pub kind: String,
    /// urgent, high, normal or low.
    pub priority: String,
    pub acknowledge_minutes: i64,
    pub resolve_minutes: i64,
}

impl Settings {
    /// Whether the site is served over HTTPS: configured so, or its public address is https.
    /// Cookies are then `Secure` and browsers are told to keep to HTTPS (HSTS).
    pub fn https(&self) -> bool {
        self.secure_cookies
            || self.tls_cert_file.is_some()
            || self.public_url.trim().to_ascii_lowercase().starts_with("https://")
    }

    /// Minutes to acknowledge and to resolve a matter of this kind and priority.
    pub fn deadlines(
        &self,
        kind: fengqiao_domain::matter::MatterKind,
        priority: fengqiao_domain::matter::Priority,
    ) -> (i64, i64) {
        self.response_clock
            .iter()
            .find(|r| r.kind == kind.as_str() && r.priority == priority.as_str())
            .map(|r| (r.acknowledge_minutes, r.resolve_minutes))
            .unwrap_or_else(|| fengqiao_domain::matter::deadlines_minutes(kind, priority))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
            password_policy: PasswordPolicy::Mlps,
            password_max_age_days: 90,
            require_totp_for_admins: true,
            max_body_bytes: 1024 * 1024,
            secure_cookies: false,
            tls_cert_file: None,
            tls_key_file: None,
            trusted_proxies: Vec::new(),
            site_name: "枫桥".into(),
            map_tile_url: String::new(),
            map_tile_attribution: String::new(),
            public_url: String::new(),
            qr_rate_per_minute: 30,
            qr_matters_per_day: 5,
            files_dir: "fengqiao-files".into(),
            max_file_bytes: 10 * 1024 * 1024,
            index_dir: None,
            robot_url_prefixes: Vec::new(),
            response_clock: Vec::new(),
            categories: Vec::new(),
        }
    }
}

impl Settings {
    /// Check values that parse but make no sense; names the key.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("session_idle_minutes", self.session_idle_minutes),
            ("session_absolute_hours", self.session_absolute_hours),
            ("lockout_threshold", self.lockout_threshold),
            ("lockout_window_minutes", self.lockout_window_minutes),
            ("lockout_minutes", self.lockout_minutes),
            ("password_max_age_days", self.password_max_age_days),
        ];
        for (key, v) in positive {
            if v <= 0 {
                return Err(format!("{key} must be a positive number, got {v}"));
            }
        }
        fengqiao_domain::matter::Taxonomy::check(&self.categories)?;
        for (i, r) in self.response_clock.iter().enumerate() {
            let n = i + 1;
            if fengqiao_domain::matter::MatterKind::parse(&r.kind).is_none() {
                return Err(format!(
                    "response_clock[{n}].kind: \"{}\" is not dispute, hazard, request, incident or tip",
                    r.kind
                ));
            }
            if fengqiao_domain::matter::Priority::parse(&r.priority).is_none() {
                return Err(format!(
                    "response_clock[{n}].priority: \"{}\" is not urgent, high, normal or low",
                    r.priority
                ));
            }
            if r.acknowledge_minutes < 1 || r.resolve_minutes < r.acknowledge_minutes {
                return Err(format!(
                    "response_clock[{n}]: acknowledge_minutes must be at least 1 and resolve_minutes at least acknowledge_minutes"
                ));
            }
        }
        if self.tls_cert_file.is_some() != self.tls_key_file.is_some() {
            return Err("tls_cert_file and tls_key_file go together: set both or neither".into());
        }
        if self.max_body_bytes < 1024 {
            return Err(format!("max_body_bytes must be at least 1024, got {}", self.max_body_bytes));
        }
        Ok(())
    }
}

#[cfg(test)]
mod clock_tests {
    use super::*;
    use fengqiao_domain::matter::{MatterKind, Priority};

    #[test]
    fn the_response_clock_is_configurable_per_kind_and_priority() {
        let mut s = Settings::default();
        assert_eq!(s.deadlines(MatterKind::Hazard, Priority::Urgent), (60, 1440), "urgent: within the hour");
        s.response_clock.push(ClockRule {
            kind: "hazard".into(),
            priority: "high".into(),
            acknowledge_minutes: 120,
            resolve_minutes: 2880,
        });
        assert_eq!(s.deadlines(MatterKind::Hazard, Priority::High), (120, 2880));
        assert_eq!(s.deadlines(MatterKind::Request, Priority::High), (240, 3 * 1440), "others keep the defaults");
        assert!(s.validate().is_ok());
        s.response_clock.push(ClockRule {
            kind: "gossip".into(),
            priority: "high".into(),
            acknowledge_minutes: 1,
            resolve_minutes: 1,
        });
        assert!(s.validate().unwrap_err().starts_with("response_clock[2].kind"));
    }
}
