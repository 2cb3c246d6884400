//! Layered configuration: defaults → `fengqiao.toml` → `FENGQIAO_*` environment → flags.
//! Secrets (the data key, database passwords) never appear in `Debug` output or logs.

use anyhow::{Context, bail};
use fengqiao_app::Settings;
use fengqiao_store::{Crypto, DataKey, DatabaseUrl, Store, StoreOptions};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// A secret string: `Debug` shows `***`.
#[derive(Clone, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`.
    pub database: Secret,
    pub listen: String,
    /// Base64 of 32 random bytes: the key that seals ID and phone numbers.
    pub data_key: Option<Secret>,
    /// A file holding the data key (base64).
    pub data_key_file: Option<PathBuf>,
    /// SQLite `synchronous`: FULL (default) or NORMAL.
    pub sqlite_synchronous: String,
    pub max_connections: u32,
    /// `text` or `json`.
    pub log_format: String,
    /// A tracing filter, e.g. `info` or `fengqiao_server=debug,info`.
    pub log_level: String,
    /// The installation's own early-warning lexicon (format: crates/domain/src/risk_lexicon.txt);
    /// the built-in one when absent.
    pub risk_lexicon_file: Option<PathBuf>,
    pub server: Settings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database: Secret("sqlite://fengqiao.db".into()),
            listen: "127.0.0.1:8080".into(),
            data_key: None,
            data_key_file: None,
            sqlite_synchronous: "FULL".into(),
            max_connections: 8,
            log_format: "text".into(),
            log_level: "info".into(),
            risk_lexicon_file: None,
            server: Settings::default(),
        }
    }
}

const ENV_KEYS: &[&str] = &[
    "database",
    "listen",
    "data_key",
    "data_key_file",
    "sqlite_synchronous",
    "max_connections",
    "log_format",
    "log_level",
    "risk_lexicon_file",
];

impl Config {
    /// Load the layers; `defaults` lets a subcommand (the demo) change the defaults.
    pub fn load(file: Option<&Path>, defaults: Config) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(defaults));
        match file {
            Some(f) => {
                if !f.exists() {
                    bail!("configuration file {} does not exist", f.display());
                }
                fig = fig.merge(Toml::file(f));
            }
            None if Path::new("fengqiao.toml").exists() => fig = fig.merge(Toml::file("fengqiao.toml")),
            None => {}
        }
        // Only our own keys: FENGQIAO_TEST_POSTGRES and the like are not configuration.
        fig = fig.merge(
            Env::prefixed("FENGQIAO_")
                .filter(|k| {
                    let k = k.as_str().to_ascii_lowercase();
                    ENV_KEYS.contains(&k.as_str()) || k.starts_with("server__")
                })
                .split("__"),
        );
        let cfg: Config = fig.extract().map_err(|e| anyhow::anyhow!("configuration: {}", describe(e)))?;
        cfg.server.validate().map_err(|e| anyhow::anyhow!("configuration: server.{e}"))?;
        if !matches!(cfg.log_format.as_str(), "text" | "json") {
            bail!("configuration: log_format must be \"text\" or \"json\", not \"{}\"", cfg.log_format);
        }
        Ok(cfg)
    }

    pub fn database_url(&self) -> anyhow::Result<DatabaseUrl> {
        let url = DatabaseUrl::new(self.database.0.clone());
        if url.backend().is_none() {
            bail!("configuration: database must start with sqlite:// or postgres://, got \"{}\"", url.redacted());
        }
        Ok(url)
    }

    pub fn store_options(&self) -> StoreOptions {
        StoreOptions { sqlite_synchronous: self.sqlite_synchronous.clone(), max_connections: self.max_connections }
    }

    /// The data key: configured directly, from a file, or (SQLite only) the key file beside
    /// the database — created with mode 0600 when `create` and none exists yet.
    pub fn data_key(&self, url: &DatabaseUrl, create: bool) -> anyhow::Result<DataKey> {
        if let Some(k) = &self.data_key {
            return DataKey::from_base64(&k.0).map_err(|e| anyhow::anyhow!("configuration: data_key {e}"));
        }
        let path = match &self.data_key_file {
            Some(p) => p.clone(),
            None => match sqlite_key_path(url) {
                Some(p) => p,
                None => bail!(
                    "configuration: data_key (or data_key_file) is required with PostgreSQL; generate one with `head -c 32 /dev/urandom | base64`"
                ),
            },
        };
        if path.exists() {
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("reading data key file {}", path.display()))?;
            return DataKey::from_base64(&text).map_err(|e| anyhow::anyhow!("data key file {}: {e}", path.display()));
        }
        if !create {
            bail!("data key file {} does not exist", path.display());
        }
        let key = DataKey::generate();
        write_private(&path, &key.to_base64())?;
        eprintln!(
            "created data key {} (mode 0600): back it up with the database; without it personal data cannot be read",
            path.display()
        );
        Ok(key)
    }

    /// Connect, migrate and check the data key: what every command that touches data does.
    pub async fn open_store(&self, create_key: bool) -> anyhow::Result<Store> {
        let url = self.database_url()?;
        let key = self.data_key(&url, create_key)?;
        let store = Store::connect(&url, Crypto::new(&key), &self.store_options()).await?;
        store.migrate().await?;
        store.check_data_key().await?;
        Ok(store)
    }
}

/// `sqlite://dir/name.db` → `dir/name.key`.
fn sqlite_key_path(url: &DatabaseUrl) -> Option<PathBuf> {
    let rest = url.expose().strip_prefix("sqlite://").or_else(|| url.expose().strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(Path::new(path).with_extension("key"))
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("creating data key file {}", path.display()))?;
    f.write_all(content.as_bytes())?;
    Ok(())
}

/// Figment's error names the key and where it came from; keep that, drop the noise.
fn describe(e: figment::Error) -> String {
    e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

pub fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&cfg.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" { builder.json().try_init() } else { builder.try_init() };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("fengqiao.toml");
        std::fs::write(&f, "listen = 8080\n").unwrap();
        let err = Config::load(Some(&f), Config::default()).unwrap_err().to_string();
        assert!(err.contains("listen"), "{err}");
        std::fs::write(&f, "[server]\nlockout_threshold = 0\n").unwrap();
        let err = Config::load(Some(&f), Config::default()).unwrap_err().to_string();
        assert!(err.contains("server.lockout_threshold"), "{err}");
        std::fs::write(&f, "databse = \"sqlite://x.db\"\n").unwrap();
        let err = Config::load(Some(&f), Config::default()).unwrap_err().to_string();
        assert!(err.contains("databse"), "{err}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = Config {
            database: Secret("postgres://u:hunter2@h/db".into()),
            data_key: Some(Secret("c2VjcmV0".into())),
            ..Default::default()
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("c2VjcmV0"), "{dbg}");
    }

    #[test]
    fn key_file_sits_beside_the_sqlite_database() {
        assert_eq!(sqlite_key_path(&DatabaseUrl::new("sqlite://data/fq.db")).unwrap(), PathBuf::from("data/fq.key"));
        assert!(sqlite_key_path(&DatabaseUrl::new("postgres://h/db")).is_none());
    }
}
