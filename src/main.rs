//! Command line: parse flags, load the config (or start the demo fakes),
//! start refreshing, serve. Nothing else lives here.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use std::sync::Arc;

use video_usage_exporter::backfill;
use video_usage_exporter::clock::{Clock as _, SystemClock};
use video_usage_exporter::config::Config;
use video_usage_exporter::server::{self, Limits, Options};
use video_usage_exporter::web::{Web, WebConfig};
use video_usage_exporter::{assemble_from, simulator};

/// `--version`: the same values as `video_usage_exporter_build_info`.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (revision ",
    env!("VUE_GIT_REVISION"),
    ", rustc ",
    env!("VUE_RUSTC_VERSION"),
    ")"
);

#[derive(Parser)]
#[command(
    version = VERSION,
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
    /// Prometheus exporter-toolkit web config (TLS, basic auth); also
    /// checked by check-config.
    #[arg(long = "web.config.file", global = true)]
    web_config_file: Option<PathBuf>,
    /// Connections served at once; more wait to be accepted.
    #[arg(long = "web.max-connections", default_value_t = 512,
        value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Time for a client to complete the TLS handshake or send a request's
    /// headers; also the longest a keep-alive connection idles.
    #[arg(long = "web.read-header-timeout", default_value = "10s", value_parser = positive_duration)]
    read_header_timeout: Duration,
    /// Serve `POST /-/reload` (re-read the config file), as Prometheus's
    /// lifecycle API; SIGHUP reloads either way.
    #[arg(long = "web.enable-lifecycle")]
    enable_lifecycle: bool,
    /// Only log messages with the given severity or above.
    #[arg(long = "log.level", value_enum, default_value = "info")]
    log_level: LogLevel,
    /// Output format of log messages.
    #[arg(long = "log.format", value_enum, default_value = "logfmt")]
    log_format: LogFormat,
    /// Run against built-in simulated providers; no account needed.
    #[arg(long)]
    demo: bool,
    /// Number of replicas sharing one config: each serves the accounts a
    /// stable hash of provider/account assigns to it.
    #[arg(long = "shard.count", env = "VUE_SHARD_COUNT", default_value_t = 1,
        value_parser = clap::value_parser!(u32).range(1..))]
    shard_count: u32,
    /// This replica's shard, 0 .. shard.count - 1 (a StatefulSet ordinal).
    #[arg(long = "shard.index", env = "VUE_SHARD_INDEX", default_value_t = 0)]
    shard_index: u32,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check the configuration file and exit: 0 when it is valid.
    CheckConfig,
    /// Write past usage as OpenMetrics with timestamps, the series the
    /// exporter would have exported, for `promtool tsdb
    /// create-blocks-from openmetrics`. Resumes an interrupted run.
    Backfill {
        /// Start of the first step: a date (`2025-12-01`, midnight UTC) or
        /// an RFC 3339 time at a step boundary.
        #[arg(long, value_parser = instant)]
        from: time::OffsetDateTime,
        /// End of the last step, as `--from`; not in the future.
        #[arg(long, value_parser = instant)]
        to: time::OffsetDateTime,
        /// Step length: samples are written at the last second of each
        /// step. It divides a day (`1d`, `1h`, `15m`); ScaleEngine has a
        /// sample a day whatever the step.
        #[arg(long, default_value = "1d", value_parser = positive_duration)]
        step: Duration,
        /// Output file (standard output when omitted: no resume).
        #[arg(long)]
        output: Option<PathBuf>,
    },
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
        return check_config(&cli);
    }
    if let Some(Command::Backfill { .. }) = &cli.command {
        return backfill(&cli);
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

/// `check-config`: the config file and, when given, the web config file.
fn check_config(cli: &Cli) -> ExitCode {
    let mut ok = true;
    match Config::load(&cli.config_file) {
        Ok(config) => {
            let counts: Vec<String> = config
                .account_counts()
                .iter()
                .map(|(provider, n)| format!("{n} {provider}"))
                .collect();
            println!(
                "{}: valid ({} account(s))",
                cli.config_file.display(),
                counts.join(" and ")
            );
        }
        Err(err) => {
            eprintln!("{err}");
            ok = false;
        }
    }
    if let Some(path) = &cli.web_config_file {
        match WebConfig::load(path) {
            Ok(web) => println!("{}: valid ({})", path.display(), web.describe()),
            Err(err) => {
                eprintln!("{err}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `--shard.index` is one of `--shard.count`'s shards.
fn check_shard(cli: &Cli) -> anyhow::Result<()> {
    if cli.shard_index >= cli.shard_count {
        anyhow::bail!(
            "--shard.index={} must be less than --shard.count={}",
            cli.shard_index,
            cli.shard_count
        );
    }
    Ok(())
}

/// `2025-12-01` (midnight UTC) or an RFC 3339 time.
fn instant(text: &str) -> Result<time::OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    let day = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &day)
        .map(|d| d.midnight().assume_utc())
        .or_else(|_| time::OffsetDateTime::parse(text, &Rfc3339))
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map_err(|_| format!("`{text}` is not a date like 2025-12-01 or an RFC 3339 time"))
}

/// `backfill`: the range's steps to a file or standard output, with a
/// progress bar and a summary on standard error.
fn backfill(cli: &Cli) -> ExitCode {
    let Some(Command::Backfill {
        from,
        to,
        step,
        output,
    }) = &cli.command
    else {
        unreachable!("called for the backfill command")
    };
    let result = (|| -> anyhow::Result<backfill::Summary> {
        check_shard(cli)?;
        let config = Config::load(&cli.config_file)?.shard(cli.shard_count, cli.shard_index);
        let clock = Arc::new(SystemClock);
        let range = backfill::Range::new(*from, *to, *step, clock.now())?;
        let settled = clock.now() - config.previous_periods.settle_time;
        if SystemTime::from(*to) > settled {
            eprintln!(
                "backfill: warning: providers may still revise usage after --to for up to previous_periods.settle_time ({}); the last steps may change at the provider",
                humantime::format_duration(config.previous_periods.settle_time)
            );
        }
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        let bar = Bar::new();
        let started = std::time::Instant::now();
        let summary = runtime.block_on(backfill::run(
            &config,
            range,
            output.as_deref(),
            clock,
            &bar,
        ))?;
        bar.0.finish_and_clear();
        eprintln!(
            "backfill: {} steps written{}, {} samples, {} upstream calls, {:.1} MiB in all, in {:.1} s",
            summary.steps,
            if summary.resumed > 0 {
                format!(" after {} from an earlier run", summary.resumed)
            } else {
                String::new()
            },
            summary.samples,
            summary.calls,
            summary.bytes as f64 / f64::from(1 << 20),
            started.elapsed().as_secs_f64()
        );
        Ok(summary)
    })();
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("backfill: {err:#}");
            if output.is_some() {
                eprintln!(
                    "backfill: run the same command again to resume after the last whole step"
                );
            }
            ExitCode::FAILURE
        }
    }
}

/// The backfill's progress bar on standard error (hidden when it is not a
/// terminal): steps, upstream calls, time left.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Bar {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} steps, {msg} upstream calls, ETA {eta}",
            )
            .expect("a valid template"),
        );
        Bar(bar)
    }
}

impl backfill::Progress for Bar {
    fn start(&self, steps: u64, done: u64) {
        self.0.set_length(steps);
        self.0.set_position(done);
        self.0.reset_eta();
    }

    fn step(&self, calls: u64) {
        self.0.set_message(calls.to_string());
        self.0.inc(1);
    }
}

fn positive_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d > Duration::ZERO => Ok(d),
        Ok(_) => Err("must be above zero".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn load_web(path: Option<&Path>) -> anyhow::Result<Web> {
    let Some(path) = path else {
        return Ok(Web::plain());
    };
    let config = WebConfig::load(path)?;
    tracing::info!(file = %path.display(), config = config.describe(), "web config loaded");
    Ok(Web::new(path, config))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // Flags and the web config first: a mistake there starts nothing.
    server::check_telemetry_path(&cli.telemetry_path)?;
    check_shard(&cli)?;
    let web = load_web(cli.web_config_file.as_deref())?;
    let options = Options {
        limits: Limits {
            max_connections: cli.max_connections as usize,
            read_header_timeout: cli.read_header_timeout,
            ..Limits::default()
        },
        enable_lifecycle: cli.enable_lifecycle,
    };
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
    let config = config.shard(cli.shard_count, cli.shard_index);
    if cli.shard_count > 1 {
        tracing::info!(
            shard = cli.shard_index,
            of = cli.shard_count,
            scaleengine = config.scaleengine.len(),
            wowza = config.wowza.len(),
            "serving this shard's accounts"
        );
    }
    let addr = listen_address(&cli.listen_address)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let source = (!cli.demo).then(|| video_usage_exporter::Source {
        path: cli.config_file.clone(),
        shard: (cli.shard_count, cli.shard_index),
    });
    let state = assemble_from(&config, source, &cli.telemetry_path, Arc::new(SystemClock))
        .context("building the HTTP client")?;
    state.refresher.start();
    reload_on_sighup(state.clone());
    tracing::info!(address = %addr, telemetry_path = %cli.telemetry_path,
        version = env!("CARGO_PKG_VERSION"), "listening");
    server::serve_with(listener, state, Arc::new(web), options, shutdown_signal()).await?;
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

/// SIGHUP re-reads the configuration file, as Prometheus does.
fn reload_on_sighup(state: Arc<video_usage_exporter::app::AppState>) {
    let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(hangup) => hangup,
        Err(err) => {
            tracing::warn!(error = %err,
                "cannot listen for SIGHUP; reload with POST /-/reload and --web.enable-lifecycle");
            return;
        }
    };
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            let state = state.clone();
            // The outcome is logged and exported by the reload itself.
            let _ = tokio::task::spawn_blocking(move || state.reload()).await;
        }
    });
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
