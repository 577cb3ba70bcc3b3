//! Command line: `rehabops [demo|serve|migrate|seed|user add]`. With no command,
//! `rehabops` runs the demo (that is what `cargo run` does).

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::admin::users::{self, NewUserForm};
use crate::audit::Actor;
use crate::config::{Config, InstanceKind};
use crate::{app, db, demo, seed};

#[derive(Parser, Debug)]
#[command(
    name = "rehabops",
    version,
    about = "Operations system for Hanoi's public drug-rehabilitation centres"
)]
pub struct Cli {
    /// TOML configuration file (also REHABOPS_CONFIG).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct InstanceArgs {
    /// `centre` or `department`.
    #[arg(long, value_enum)]
    pub role: Option<InstanceKind>,
    /// The centre's code, e.g. CS01 (centre instances).
    #[arg(long)]
    pub centre: Option<String>,
    /// Database URL (also DATABASE_URL).
    #[arg(long)]
    pub database_url: Option<String>,
}

/// Which data set to seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DataProfile {
    /// The demo: a year of seven centres of ordinary size.
    Demo,
    /// The benchmark data set: the largest centre over five years (1,500 present,
    /// 20,000 admissions, beds for 2,000) and the department's five years.
    Large,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    #[arg(long, value_enum, default_value = "demo")]
    pub profile: DataProfile,
    /// Scale of the large profile (1.0 = full size; CI uses a small one).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}

impl DataArgs {
    fn large(&self) -> Option<f64> {
        (self.profile == DataProfile::Large).then_some(self.scale.clamp(0.001, 10.0))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The department and the seven centres in one process on 127.0.0.1, on SQLite, seeded.
    Demo {
        /// Where the eight SQLite files live (default `data/demo`, or `data/demo-large`
        /// with `--profile large`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The department's port; centres take the next seven.
        #[arg(long, default_value_t = 8080)]
        base_port: u16,
        #[command(flatten)]
        data: DataArgs,
    },
    /// One real instance.
    Serve {
        #[command(flatten)]
        instance: InstanceArgs,
        /// Address to listen on (also REHABOPS_BIND).
        #[arg(long)]
        bind: Option<SocketAddr>,
    },
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        instance: InstanceArgs,
    },
    /// Load reference data (centres and their capacity) where missing; with `--profile
    /// large`, also the benchmark data set and the demo's accounts.
    Seed {
        #[command(flatten)]
        instance: InstanceArgs,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// A centre's summary-signing key: print its public key (creating the key on first
    /// use), or, on the department, register a centre's public key.
    CentreKey {
        #[command(flatten)]
        instance: InstanceArgs,
        #[command(subcommand)]
        command: Option<KeyCommand>,
    },
    /// A consistent copy of this instance's SQLite database into a new file, taken while
    /// it serves (restore: stop the instance, put the copy in the database's place,
    /// start it; README "Security and backups"). PostgreSQL: use pg_dump.
    Backup {
        #[command(flatten)]
        instance: InstanceArgs,
        /// The new file (it must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Centre: queue reconstructed day closes for the past DAYS days (those not yet
    /// summarised), so the department has this centre's history. Run once after
    /// importing the register; the summaries go out with the next push.
    BackfillSummaries {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long, default_value_t = 365)]
        days: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Department: accept summaries from CENTRE signed with PUBLIC_KEY.
    Register {
        #[arg(long = "for-centre")]
        for_centre: String,
        #[arg(long)]
        public_key: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password is asked for (or read from standard input with
    /// --password-stdin); no default password is ever created.
    Add {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// intake_clerk, doctor, nurse, dispenser, vocational_trainer, labour_supervisor,
        /// director, department_monitor or administrator.
        #[arg(long = "user-role")]
        user_role: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn load(config: Option<&std::path::Path>, args: &InstanceArgs) -> anyhow::Result<Config> {
    let mut cfg = Config::load(config)?;
    if let Some(r) = args.role {
        cfg.role = r;
        if r == InstanceKind::Department {
            cfg.centre = None;
        }
    }
    if let Some(c) = &args.centre {
        cfg.centre = Some(c.clone());
    }
    if let Some(u) = &args.database_url {
        cfg.database_url = u.clone();
    }
    cfg.validate()?;
    Ok(cfg)
}

pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.as_deref();
    match cli.command.unwrap_or(Command::Demo {
        dir: None,
        base_port: 8080,
        data: DataArgs {
            profile: DataProfile::Demo,
            scale: 1.0,
        },
    }) {
        Command::Demo {
            dir,
            base_port,
            data,
        } => {
            init_tracing(false);
            let dir = dir.unwrap_or_else(|| {
                if data.large().is_some() {
                    "data/demo-large".into()
                } else {
                    "data/demo".into()
                }
            });
            let handle = demo::start_with(&dir, Some(base_port), data.large()).await?;
            println!("{}", handle.banner());
            shutdown_signal().await;
            println!("Đang dừng… / Shutting down…");
            handle.stop().await;
            Ok(())
        }
        Command::Serve { instance, bind } => {
            let mut cfg = load(config, &instance)?;
            if let Some(b) = bind {
                cfg.bind = b;
            }
            init_tracing(cfg.log_format == "json");
            let cfg = Arc::new(cfg);
            let (conn, inst) = app::prepare(&cfg).await?;
            let (router, state) = app::router(cfg.clone(), conn, inst);
            let listener = tokio::net::TcpListener::bind(cfg.bind)
                .await
                .with_context(|| format!("cannot listen on {}", cfg.bind))?;
            match (&cfg.tls_cert, &cfg.tls_key) {
                (Some(cert), Some(key)) => {
                    let tls = crate::tls::server_config(cert, key)?;
                    tracing::info!(bind = %cfg.bind, role = cfg.role.as_str(), centre = ?cfg.centre, "rehabops serving HTTPS");
                    let listener = crate::tls::TlsListener::new(listener, tls)?;
                    app::serve(listener, router, state, shutdown_signal()).await
                }
                _ => {
                    tracing::info!(bind = %cfg.bind, role = cfg.role.as_str(), centre = ?cfg.centre, "rehabops serving");
                    app::serve(listener, router, state, shutdown_signal()).await
                }
            }
        }
        Command::Migrate { instance } => {
            init_tracing(false);
            let cfg = load(config, &instance)?;
            let conn = db::connect(&cfg.database_url).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed { instance, data } => {
            init_tracing(false);
            let cfg = load(config, &instance)?;
            let conn = db::connect(&cfg.database_url).await?;
            db::migrate(&conn).await?;
            let txn = db::begin_write(&conn).await?;
            let n = seed::reference(&txn)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{n} centre(s) added");
            if let Some(scale) = data.large() {
                seed_large(&txn, cfg.role, scale).await?;
            }
            txn.commit().await?;
            Ok(())
        }
        Command::Backup { instance, to } => {
            init_tracing(false);
            let cfg = load(config, &instance)?;
            let conn = db::connect(&cfg.database_url).await?;
            let bytes = db::backup(&conn, &to).await?;
            println!("{} ({bytes} bytes, integrity checked)", to.display());
            Ok(())
        }
        Command::BackfillSummaries { instance, days } => {
            init_tracing(false);
            let cfg = load(config, &instance)?;
            anyhow::ensure!(
                cfg.role == InstanceKind::Centre,
                "summaries are a centre's: use --role centre --centre CODE"
            );
            let (conn, inst) = app::prepare(&cfg).await?;
            let (Some(c), Some(d)) = (&inst.centre, &inst.delivery) else {
                anyhow::bail!("this instance has no centre or signing key");
            };
            let today = crate::i18n::today_hanoi();
            let n = crate::summary::outbox::backfill(
                &conn,
                &d.key,
                &Actor::system("cli"),
                &c.code,
                today - chrono::Days::new(days),
                today - chrono::Days::new(1),
            )
            .await
            .map_err(|e| cli_error("backfill failed", e))?;
            println!("{n} reconstructed day close(s) queued for {}", c.code);
            Ok(())
        }
        Command::CentreKey {
            instance,
            command: None,
        } => {
            let cfg = load(config, &instance)?;
            anyhow::ensure!(
                cfg.role == InstanceKind::Centre,
                "centre-key prints a centre's key: use --role centre --centre CODE"
            );
            let path = cfg
                .signing_key_path
                .clone()
                .unwrap_or_else(|| crate::summary::default_key_path(&cfg));
            let key = crate::summary::signing::load_or_create(&path)?;
            println!("{}", crate::summary::signing::public_key_b64(&key));
            Ok(())
        }
        Command::CentreKey {
            instance,
            command:
                Some(KeyCommand::Register {
                    for_centre,
                    public_key,
                }),
        } => {
            init_tracing(false);
            let cfg = load(config, &instance)?;
            anyhow::ensure!(
                cfg.role == InstanceKind::Department,
                "keys are registered on the department: use --role department"
            );
            let (conn, _) = app::prepare(&cfg).await?;
            let txn = db::begin_write(&conn).await?;
            match crate::department::keys::register(
                &txn,
                &Actor::system("cli"),
                &for_centre,
                &public_key,
            )
            .await
            {
                Ok(k) => {
                    txn.commit().await?;
                    println!("key registered for {}", k.centre_code);
                    Ok(())
                }
                Err(e) => Err(cli_error("key not registered", e)),
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    instance,
                    username,
                    full_name,
                    user_role,
                    password_stdin,
                },
        } => {
            init_tracing(false);
            let cfg = load(config, &instance)?;
            let (conn, inst) = app::prepare(&cfg).await?;
            let password = read_password(password_stdin)?;
            let form = NewUserForm {
                username,
                full_name,
                role: user_role,
                password: password.clone(),
                password_confirm: password,
            };
            let txn = db::begin_write(&conn).await?;
            match users::create(
                &txn,
                &Actor::system("cli"),
                inst.kind,
                cfg.default_lang,
                &form,
            )
            .await
            {
                Ok(u) => {
                    txn.commit().await?;
                    println!("account {} ({}) created", u.username, u.role);
                    Ok(())
                }
                Err(e) => Err(cli_error("account not created", e)),
            }
        }
    }
}

/// A service error as the command line shows it: field messages in English, one a line.
fn cli_error(what: &str, e: crate::error::AppError) -> anyhow::Error {
    match e {
        crate::error::AppError::Invalid(errors) => {
            let cat = crate::i18n::Lang::En.catalog();
            let msgs: Vec<String> = errors
                .0
                .iter()
                .map(|(f, m)| format!("{f}: {}", m.render(cat)))
                .collect();
            anyhow::anyhow!("{what}:\n  {}", msgs.join("\n  "))
        }
        other => anyhow::anyhow!("{what}: {other}"),
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        let p = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(p == again, "the two passwords differ");
        Ok(p)
    }
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The benchmark data set for one instance, with the demo's accounts to sign in with.
async fn seed_large(
    txn: &sea_orm::DatabaseTransaction,
    kind: InstanceKind,
    scale: f64,
) -> anyhow::Result<()> {
    let today = crate::i18n::today_hanoi();
    let started = std::time::Instant::now();
    seed::demo_accounts(txn, kind)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let n = match kind {
        InstanceKind::Centre => {
            crate::profile::seed_centre(txn, scale, today, &demo::progress).await
        }
        InstanceKind::Department => {
            crate::profile::seed_department(txn, scale, today, true, &demo::progress).await
        }
    }
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "large profile (scale {scale}): {n} records in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
