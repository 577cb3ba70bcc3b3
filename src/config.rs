//! Instance configuration: defaults, then an optional TOML file, then `REHABOPS_*`
//! environment variables (and `DATABASE_URL`), then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// Whether this process runs a centre (cơ sở) or the department (Sở / PC04).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum InstanceKind {
    Centre,
    Department,
}

impl InstanceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceKind::Centre => "centre",
            InstanceKind::Department => "department",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `centre` or `department`.
    pub role: InstanceKind,
    /// The centre's code (required when `role = centre`), e.g. `CS01`.
    pub centre: Option<String>,
    /// `sqlite://path/to/file.db?mode=rwc` or `postgres://user@host/db`.
    pub database_url: String,
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Name shown for the department instance (the body that receives the centres'
    /// reports: Sở LĐ-TB&XH before 01/03/2025, the city police's PC04 after).
    pub department_name: Option<String>,
    /// Department: DHIS2 mapping file (TOML); the shipped `seed/dhis2_mapping.toml` when unset.
    pub dhis2_mapping: Option<std::path::PathBuf>,
    /// Serve HTTPS directly: PEM certificate chain (with `tls_key`). Without it, plain
    /// HTTP (behind a reverse proxy, or on loopback).
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key (PKCS#8, RSA or SEC1) for `tls_cert`.
    pub tls_key: Option<std::path::PathBuf>,
    /// Centre instances: the department's base URL, where summaries are pushed
    /// (e.g. `https://department.internal`). Without it summaries stay in the outbox.
    pub department_url: Option<String>,
    /// PEM file of a private certificate authority to trust for the department's URL
    /// (then only it is trusted).
    pub department_ca: Option<PathBuf>,
    /// The centre's Ed25519 private key (PKCS#8 PEM, created with mode 0600 on first
    /// start; refused when group or others may read it). Default: beside the SQLite
    /// file, else `$XDG_DATA_HOME/rehabops/` (or `~/.local/share/rehabops/`) — never the
    /// working directory.
    pub signing_key_path: Option<PathBuf>,
    /// Set when served behind TLS: cookies get the `Secure` flag.
    pub https: bool,
    /// Language for visitors who have not chosen one.
    pub default_lang: Lang,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after login, whatever the activity.
    pub session_absolute_hours: i64,
    /// Failed logins in a row before the account is locked.
    pub login_max_failures: i32,
    /// How long a locked account stays locked.
    pub login_lockout_minutes: i64,
    /// Run migrations when the server starts.
    pub migrate_on_start: bool,
    /// Directory served at `/assets` (CSS, JavaScript, fonts).
    pub assets_dir: PathBuf,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Demo mode: set only by `rehabops demo`; never read from a file.
    #[serde(skip)]
    pub demo: bool,
    /// A fixed "today" (tests only; never read from a file or the environment).
    #[serde(skip)]
    pub fixed_today: Option<chrono::NaiveDate>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            role: InstanceKind::Centre,
            centre: None,
            database_url: "sqlite://data/rehabops.db?mode=rwc".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            department_name: None,
            dhis2_mapping: None,
            tls_cert: None,
            tls_key: None,
            department_url: None,
            department_ca: None,
            signing_key_path: None,
            https: false,
            default_lang: Lang::Vi,
            session_idle_minutes: 480,
            session_absolute_hours: 12,
            login_max_failures: 5,
            login_lockout_minutes: 15,
            migrate_on_start: true,
            assets_dir: default_assets_dir(),
            log_format: "text".into(),
            max_body_bytes: 8 * 1024 * 1024,
            demo: false,
            fixed_today: None,
        }
    }
}

/// `./assets` when run from a deployment directory, else the source tree's `assets/`
/// (so `cargo run` works from anywhere inside the repository).
fn default_assets_dir() -> PathBuf {
    let local = Path::new("assets");
    if local.join("css").is_dir() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: a centre instance needs a centre code (--centre or REHABOPS_CENTRE)")]
    MissingCentre,
    #[error("configuration: the department instance takes no centre code")]
    UnexpectedCentre,
    #[error(
        "configuration: tls_cert and tls_key go together (REHABOPS_TLS_CERT, REHABOPS_TLS_KEY)"
    )]
    TlsPair,
}

impl Config {
    /// Loads defaults → TOML file (if given or `REHABOPS_CONFIG`) → environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("REHABOPS_CONFIG").map(PathBuf::from));
        if let Some(f) = file {
            fig = fig.merge(Toml::file_exact(f));
        }
        fig = fig
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("REHABOPS_").ignore(&["CONFIG"]));
        fig.extract().map_err(|e| ConfigError::Load(Box::new(e)))
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        match (self.role, &self.centre) {
            (InstanceKind::Centre, None) => Err(ConfigError::MissingCentre),
            (InstanceKind::Department, Some(_)) => Err(ConfigError::UnexpectedCentre),
            _ if self.tls_cert.is_some() != self.tls_key.is_some() => Err(ConfigError::TlsPair),
            _ => Ok(()),
        }
    }

    /// Short, cookie-safe name of this instance, used to keep the cookies of several
    /// instances on one host apart (browsers do not separate cookies by port).
    pub fn instance_slug(&self) -> String {
        match (&self.role, &self.centre) {
            (InstanceKind::Centre, Some(c)) => c
                .chars()
                .filter(|ch| ch.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase(),
            _ => "dept".into(),
        }
    }
}
