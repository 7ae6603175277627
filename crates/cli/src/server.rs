//! `cephalog serve`: settings from flags, environment variables or a TOML file (in that order of
//! precedence), structured request logs, graceful shutdown on Ctrl-C or SIGTERM.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;

use cephalog_web::{AppState, Clock, Config};

use crate::ServeArgs;

/// The file form of the settings; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    rules_dir: Option<PathBuf>,
    insecure_cookies: Option<bool>,
    trust_forwarded_for: Option<bool>,
    idle_timeout_minutes: Option<u64>,
    absolute_timeout_hours: Option<u64>,
    log_format: Option<String>,
    e2b_sender: Option<PathBuf>,
    audit_key_file: Option<PathBuf>,
    audit_checkpoints: Option<PathBuf>,
    api_requests_per_minute: Option<u32>,
}

fn read_settings(path: &Path) -> Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the settings file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{}: not valid settings", path.display()))
}

/// Starts the request log: human-readable, or JSON lines with `--log-format json`. The level comes
/// from `RUST_LOG` (default `info`).
pub fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second initialisation (tests) is harmless: the first subscriber stays.
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Resolves when the process is asked to stop.
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
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Binds `listen` and serves `state` until asked to stop; `on_ready` is told the bound address.
pub async fn run_server(
    listen: &str,
    state: AppState,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    on_ready(addr);
    cephalog_web::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

pub async fn serve(
    database: Option<String>,
    target: crate::Target,
    rules_dir: Option<PathBuf>,
    a: ServeArgs,
) -> Result<()> {
    let file = match &a.config {
        Some(p) => read_settings(p)?,
        None => FileSettings::default(),
    };
    init_logs(
        a.log_format
            .as_deref()
            .or(file.log_format.as_deref())
            .unwrap_or("text"),
    );
    let url = database
        .or(file.database_url)
        .unwrap_or_else(|| crate::DEFAULT_DATABASE.to_owned());
    let target = crate::Target {
        url,
        key_file: target.key_file.or(file.audit_key_file),
        checkpoints: target.checkpoints.or(file.audit_checkpoints),
    };
    let store = target.connect().await?;
    let rules = crate::pathway::load_rule_sets(rules_dir.or(file.rules_dir).as_deref())?;
    let defaults = Config::default();
    let config = Config {
        secure_cookies: !(a.insecure_cookies || file.insecure_cookies.unwrap_or(false)),
        trust_forwarded_for: a.trust_forwarded_for || file.trust_forwarded_for.unwrap_or(false),
        idle_timeout: file
            .idle_timeout_minutes
            .map_or(defaults.idle_timeout, |m| Duration::from_secs(m * 60)),
        absolute_timeout: file
            .absolute_timeout_hours
            .map_or(defaults.absolute_timeout, |h| Duration::from_secs(h * 3600)),
        clock: a.today.map_or(Clock::System, Clock::Fixed),
        e2b_sender: match a.e2b_sender.or(file.e2b_sender) {
            Some(p) => Some(crate::safety::read_sender(&p)?),
            None => None,
        },
        api_requests_per_minute: a
            .api_requests_per_minute
            .or(file.api_requests_per_minute)
            .unwrap_or(defaults.api_requests_per_minute),
    };
    let listen = a
        .listen
        .or(file.listen)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let state = AppState::new(store.clone(), rules, config);
    run_server(&listen, state, |addr| {
        println!("Cephalog is serving on http://{addr}/");
    })
    .await?;
    store.close().await;
    Ok(())
}
