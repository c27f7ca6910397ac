//! Command line: parse flags, load the config (or start the demo fakes),
//! start refreshing, serve. Nothing else lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use std::sync::Arc;

use video_usage_exporter::clock::SystemClock;
use video_usage_exporter::config::Config;
use video_usage_exporter::{assemble, server, simulator};

#[derive(Parser)]
#[command(
    version,
    about = "Prometheus exporter for video streaming providers' usage APIs"
)]
struct Cli {
    /// Configuration file (YAML).
    #[arg(long = "config.file", global = true, default_value = "config.yml")]
    config_file: PathBuf,
    /// Address to listen on; `:9877` means every interface.
    #[arg(long = "web.listen-address", default_value = ":9877")]
    listen_address: String,
    /// Path under which to expose metrics.
    #[arg(long = "web.telemetry-path", default_value = "/metrics")]
    telemetry_path: String,
    /// Only log messages with the given severity or above.
    #[arg(long = "log.level", value_enum, default_value = "info")]
    log_level: LogLevel,
    /// Output format of log messages.
    #[arg(long = "log.format", value_enum, default_value = "logfmt")]
    log_format: LogFormat,
    /// Run against built-in simulated providers; no account needed.
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check the configuration file and exit: 0 when it is valid.
    CheckConfig,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Logfmt,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_level, cli.log_format);
    if let Some(Command::CheckConfig) = cli.command {
        return match Config::load(&cli.config_file) {
            Ok(config) => {
                println!(
                    "{}: valid ({} ScaleEngine and {} Wowza account(s))",
                    cli.config_file.display(),
                    config.scaleengine.len(),
                    config.wowza.len()
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "exiting");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // The simulator must outlive the server when running the demo.
    let (_demo, config) = if cli.demo {
        let (sim, config) = simulator::demo()
            .await
            .context("starting the demo simulator")?;
        tracing::info!(simulator = %sim.addr, "demo mode: serving simulated providers");
        (Some(sim), config)
    } else {
        (None, Config::load(&cli.config_file)?)
    };
    if !cli.telemetry_path.starts_with('/') || cli.telemetry_path.len() < 2 {
        anyhow::bail!("--web.telemetry-path must start with / and not be /");
    }
    let addr = listen_address(&cli.listen_address)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let state = assemble(&config, &cli.telemetry_path, Arc::new(SystemClock))
        .context("building the HTTP client")?;
    state.refresher.start();
    tracing::info!(address = %addr, telemetry_path = %cli.telemetry_path,
        version = env!("CARGO_PKG_VERSION"), "listening");
    server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("shut down");
    Ok(())
}

/// Accepts Go-style `:9877` (every interface) besides `host:port`.
fn listen_address(text: &str) -> anyhow::Result<SocketAddr> {
    let full = match text.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => text.to_string(),
    };
    full.parse()
        .with_context(|| format!("--web.listen-address `{text}` is not host:port or :port"))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(err) => {
            tracing::warn!(error = %err, "cannot listen for SIGTERM; only Ctrl-C stops");
            let _ = ctrl_c.await;
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("signal received, finishing in-flight requests");
}

fn init_logging(level: LogLevel, format: LogFormat) {
    let level = match level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    };
    // Our own crate at the chosen level; dependencies only from warn up.
    let filter = EnvFilter::new(format!("warn,video_usage_exporter={level}"));
    let layer = match format {
        LogFormat::Logfmt => tracing_subscriber::fmt::layer()
            .event_format(tracing_logfmt::EventsFormatter::default())
            .fmt_fields(tracing_logfmt::FieldsFormatter::default())
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .init();
}
