//! `backfill`: past months as the exporter would have exported them, in
//! OpenMetrics with timestamps, for `promtool tsdb create-blocks-from
//! openmetrics`.
//!
//! Steps run oldest first. At the last second of each step (what the
//! exporter serves at that instant: a step ending at midnight reports the
//! whole day, and the month through it), every endpoint's period is read
//! from the provider's history ([`Endpoint::fetch_history`]) and written
//! through the same snapshots, cardinality caps, quota and price gauges and
//! status gauges as `/metrics`, each sample stamped with that second. A
//! period whose bounds did not move since the last step (a closed month)
//! is not asked for again. ScaleEngine knows whole days only, so with an
//! hourly step its series have a sample at each day's end.
//!
//! Memory holds one step; the output is streamed. After each step the file
//! is flushed and `<output>.progress` records how far it got, so that an
//! interrupted run resumes where it stopped instead of starting over.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::future::try_join_all;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::billing;
use crate::clock::Clock;
use crate::config::Config;
use crate::exposition::Snapshot;
use crate::metrics::{group_families, status_text, EndpointState};
use crate::period::Bounds;
use crate::providers::http::{CallLabels, Observer, Upstream};
use crate::providers::{Endpoint, ProviderError};
use crate::refresh::{Served, Status};

/// Which steps to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The start of the first step.
    pub from: OffsetDateTime,
    /// The end of the last step.
    pub to: OffsetDateTime,
    pub step: Duration,
}

/// Why a range cannot be backfilled.
#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    #[error(
        "--step must be a whole number of minutes that divides a day (1h, 1d, 15m), not {0:?}"
    )]
    Step(Duration),
    #[error("--from must be at a step boundary (midnight UTC plus whole steps)")]
    Unaligned,
    #[error("--to must be after --from by whole steps")]
    Length,
    #[error("--to is in the future: providers have no usage for it yet")]
    Future,
}

impl Range {
    /// Checks that steps start at midnight UTC plus whole steps (so a day
    /// ends at a step's end), cover `from`..`to` exactly, and have passed
    /// by `now`.
    pub fn new(
        from: OffsetDateTime,
        to: OffsetDateTime,
        step: Duration,
        now: SystemTime,
    ) -> Result<Range, RangeError> {
        let (from, to) = (from.to_offset(UtcOffset::UTC), to.to_offset(UtcOffset::UTC));
        let secs = step.as_secs();
        if step.subsec_nanos() != 0
            || secs == 0
            || !secs.is_multiple_of(60)
            || !86_400u64.is_multiple_of(secs)
        {
            return Err(RangeError::Step(step));
        }
        let since_midnight = (from - from.date().midnight().assume_utc()).whole_seconds();
        if from.nanosecond() != 0 || since_midnight % i64::try_from(secs).expect("a day") != 0 {
            return Err(RangeError::Unaligned);
        }
        let length = (to - from).whole_seconds();
        if length <= 0 || length % i64::try_from(secs).expect("a day") != 0 {
            return Err(RangeError::Length);
        }
        if to > OffsetDateTime::from(now) {
            return Err(RangeError::Future);
        }
        Ok(Range { from, to, step })
    }

    /// How many steps the range has.
    pub fn steps(&self) -> u64 {
        let length = u64::try_from((self.to - self.from).whole_seconds()).unwrap_or(0);
        length / self.step.as_secs()
    }

    /// The last second of step `index` (0-based): when its samples are
    /// stamped, and the `now` its periods are taken at.
    fn last_second(&self, index: u64) -> OffsetDateTime {
        let end = self.step.as_secs() * (index + 1);
        self.from + Duration::from_secs(end) - time::Duration::SECOND
    }
}

/// Why a backfill stopped.
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    /// `what`: the provider, account, endpoint, period and step.
    #[error("{what}: {error}")]
    Provider {
        what: String,
        error: Box<ProviderError>,
    },
    #[error("{0}")]
    Resume(String),
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Steps written by this run, and steps an earlier run had written.
    pub steps: u64,
    pub resumed: u64,
    pub samples: u64,
    pub bytes: u64,
    pub calls: u64,
}

/// Told of the run's progress (a progress bar).
pub trait Progress {
    /// Before the first step: how many there are, and how many an earlier
    /// run already wrote.
    fn start(&self, steps: u64, done: u64);
    /// After each step: upstream calls so far.
    fn step(&self, calls: u64);
}

/// Counts upstream calls, for the progress bar.
#[derive(Default)]
struct Calls(AtomicU64);

impl Observer for Calls {
    fn observe(&self, _: &CallLabels, _: &str, _: Duration) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// One endpoint and the period bounds and data it had at the last step.
struct Slot {
    endpoint: Arc<dyn Endpoint>,
    last: Option<(Bounds, Arc<Snapshot>)>,
}

/// Writes `range` for every account of `config` to `output` (standard
/// output when `None`), resuming an interrupted run of the same range.
pub async fn run(
    config: &Config,
    range: Range,
    output: Option<&Path>,
    clock: Arc<dyn Clock>,
    progress: &dyn Progress,
) -> Result<Summary, BackfillError> {
    let calls = Arc::new(Calls::default());
    let upstream = Arc::new(Upstream::new(calls.clone(), config.upstream_limits())?);
    let context = config.context(&upstream, &clock);
    let mut accounts: Vec<Vec<Slot>> = config
        .accounts()
        .map(|a| {
            a.endpoints(&context)
                .into_iter()
                .map(|endpoint| Slot {
                    endpoint,
                    last: None,
                })
                .collect()
        })
        .collect();
    let configured: Vec<Arc<Snapshot>> = billing::configured_gauges(config.billing())
        .into_iter()
        .map(Arc::new)
        .collect();
    let mut out = Output::open(output, range, accounts_digest(config))?;
    let mut summary = Summary {
        resumed: out.done,
        ..Summary::default()
    };
    progress.start(range.steps(), out.done);
    for index in out.done..range.steps() {
        let at = range.last_second(index);
        let states: Vec<Vec<EndpointState>> =
            try_join_all(accounts.iter_mut().map(|slots| step(slots, at))).await?;
        let states: Vec<EndpointState> = states.into_iter().flatten().collect();
        let mut snapshots: Vec<Arc<Snapshot>> = states
            .iter()
            .filter_map(|s| Some(s.served.as_ref()?.snapshot.clone()))
            .collect();
        snapshots.extend(configured.iter().cloned());
        let stamp = at.unix_timestamp().to_string();
        let mut writer = Stamped::new(&mut out, &stamp);
        for piece in group_families(&snapshots, &[]).0 {
            piece.write_chunks(|chunk| writer.write(chunk));
        }
        writer.write(status_text(states).as_bytes());
        summary.samples += writer.samples;
        writer.finish()?;
        out.step_done(index + 1)?;
        summary.steps += 1;
        progress.step(calls.0.load(Ordering::Relaxed));
    }
    summary.bytes = out.finish()?;
    summary.calls = calls.0.load(Ordering::Relaxed);
    Ok(summary)
}

/// One step of one account: its endpoints in order (a Wowza account's
/// stream targets before its viewer data; a ScaleEngine day read once for
/// its month and day), each read only when its bounds moved.
async fn step(slots: &mut [Slot], at: OffsetDateTime) -> Result<Vec<EndpointState>, BackfillError> {
    let mut states = Vec::new();
    for slot in slots.iter_mut() {
        let endpoint = &slot.endpoint;
        if !endpoint.has_history_at(at) {
            continue;
        }
        let schedule = endpoint.schedule();
        let bounds = schedule
            .period
            .bounds(SystemTime::from(at), schedule.billing_day);
        let snapshot = match &slot.last {
            Some((last, snapshot)) if *last == bounds => snapshot.clone(),
            _ => {
                let snapshot = endpoint.fetch_history(bounds).await.map_err(|error| {
                    BackfillError::Provider {
                        what: format!(
                            "{} account `{}`, {}, period {} at {}",
                            endpoint.provider(),
                            endpoint.account(),
                            endpoint.name(),
                            schedule.period.label(),
                            at.format(&Rfc3339).unwrap_or_default()
                        ),
                        error: Box::new(error),
                    }
                })?;
                Arc::new(snapshot)
            }
        };
        slot.last = Some((bounds, snapshot.clone()));
        let mut status = Status::default();
        status.up = true;
        status.attempted = true;
        status.last_success = Some(SystemTime::from(at));
        states.push(EndpointState {
            endpoint: endpoint.clone(),
            status,
            served: Some(Arc::new(Served {
                snapshot,
                bounds,
                fetched_at: SystemTime::from(at),
            })),
        });
    }
    Ok(states)
}

/// Copies exposition text, appending ` <timestamp>` to every sample line
/// (comment lines pass as they are). Chunks end at line ends.
struct Stamped<'a> {
    out: &'a mut Output,
    stamp: &'a str,
    samples: u64,
    buffer: Vec<u8>,
    error: Option<std::io::Error>,
}

impl<'a> Stamped<'a> {
    fn new(out: &'a mut Output, stamp: &'a str) -> Self {
        Stamped {
            out,
            stamp,
            samples: 0,
            buffer: Vec::with_capacity(256 * 1024),
            error: None,
        }
    }

    fn write(&mut self, text: &[u8]) {
        for line in text.split_inclusive(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\n").unwrap_or(line);
            if line.is_empty() || line == b"# EOF" {
                continue;
            }
            self.buffer.extend_from_slice(line);
            if !line.starts_with(b"#") {
                self.buffer.push(b' ');
                self.buffer.extend_from_slice(self.stamp.as_bytes());
                self.samples += 1;
            }
            self.buffer.push(b'\n');
        }
        if self.buffer.len() >= 128 * 1024 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.out.write(&self.buffer) {
                self.error = Some(e);
            }
        }
        self.buffer.clear();
    }

    fn finish(mut self) -> Result<(), BackfillError> {
        self.flush();
        match self.error.take() {
            Some(error) => Err(self.out.error(error)),
            None => Ok(()),
        }
    }
}

/// Where the OpenMetrics text goes, and how far an earlier run got.
struct Output {
    writer: BufWriter<Box<dyn Write>>,
    /// The file and its progress record; `None` for standard output.
    file: Option<(PathBuf, PathBuf)>,
    /// The file again, to put it on disk before the record says so.
    sync: Option<File>,
    range: Range,
    /// What the accounts were (a digest): a run resumes only its own file.
    accounts: String,
    /// Steps written (by earlier runs, then this one).
    done: u64,
    bytes: u64,
}

const EOF: &[u8] = b"# EOF\n";

impl Output {
    /// Standard output, or `path`: created, or, when a progress record of
    /// the same range and `accounts` is beside it, cut back to the last
    /// whole step.
    fn open(path: Option<&Path>, range: Range, accounts: String) -> Result<Output, BackfillError> {
        let Some(path) = path else {
            return Ok(Output {
                writer: BufWriter::new(Box::new(std::io::stdout())),
                file: None,
                sync: None,
                range,
                accounts,
                done: 0,
                bytes: 0,
            });
        };
        let record = progress_path(path);
        let io = |error| BackfillError::Io {
            path: path.display().to_string(),
            error,
        };
        let (done, bytes) = match std::fs::read_to_string(&record) {
            Ok(text) => Self::resume_point(&text, range, &accounts, &record)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if path.exists() {
                    return Err(BackfillError::Resume(format!(
                        "{} exists and has no progress record ({}): it is complete or not ours; remove it to write it again",
                        path.display(),
                        record.display()
                    )));
                }
                (0, 0)
            }
            Err(error) => {
                return Err(BackfillError::Io {
                    path: record.display().to_string(),
                    error,
                })
            }
        };
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let length = file.metadata().map_err(io)?.len();
        if length < bytes {
            return Err(BackfillError::Resume(format!(
                "{} holds {length} bytes, less than the {bytes} its progress record says were written: it is not the run's file; remove both to start over",
                path.display()
            )));
        }
        file.set_len(bytes).map_err(io)?;
        let mut file = file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).map_err(io)?;
        let sync = file.try_clone().map_err(io)?;
        let mut output = Output {
            writer: BufWriter::new(Box::new(file)),
            file: Some((path.to_path_buf(), record)),
            sync: Some(sync),
            range,
            accounts,
            done,
            bytes,
        };
        if done == 0 {
            output.record()?;
        }
        Ok(output)
    }

    /// Steps done and bytes written, from a progress record of `range`
    /// and `accounts`.
    fn resume_point(
        text: &str,
        range: Range,
        accounts: &str,
        record: &Path,
    ) -> Result<(u64, u64), BackfillError> {
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
        };
        let numbers = field("steps_done")
            .and_then(|n| n.parse().ok())
            .zip(field("bytes").and_then(|n| n.parse().ok()));
        let Some(point) = numbers else {
            return Err(BackfillError::Resume(format!(
                "{}: not a progress record",
                record.display()
            )));
        };
        if field("range") != Some(Self::describe(range)) {
            return Err(BackfillError::Resume(format!(
                "{} is a run of another range ({}); remove it and the output to start this one",
                record.display(),
                field("range").unwrap_or_default()
            )));
        }
        if field("accounts").as_deref() != Some(accounts) {
            return Err(BackfillError::Resume(format!(
                "{} is a run of another configuration (accounts, periods, cardinality controls, credentials or shard changed); remove it and the output to start this one",
                record.display()
            )));
        }
        Ok(point)
    }

    fn describe(range: Range) -> String {
        format!(
            "{} {} {}s",
            range.from.format(&Rfc3339).unwrap_or_default(),
            range.to.format(&Rfc3339).unwrap_or_default(),
            range.step.as_secs()
        )
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.bytes += bytes.len() as u64;
        self.writer.write_all(bytes)
    }

    fn error(&self, error: std::io::Error) -> BackfillError {
        BackfillError::Io {
            path: self
                .file
                .as_ref()
                .map_or("<stdout>".into(), |(p, _)| p.display().to_string()),
            error,
        }
    }

    /// A whole step is written: on disk, and recorded.
    fn step_done(&mut self, done: u64) -> Result<(), BackfillError> {
        self.done = done;
        self.writer.flush().map_err(|e| self.error(e))?;
        if let Some(file) = &self.sync {
            file.sync_data().map_err(|e| self.error(e))?;
        }
        self.record()
    }

    /// Writes the progress record (a new file renamed over the old one).
    fn record(&mut self) -> Result<(), BackfillError> {
        let Some((_, record)) = &self.file else {
            return Ok(());
        };
        let text = format!(
            "range={}\naccounts={}\nsteps_done={}\nbytes={}\n",
            Self::describe(self.range),
            self.accounts,
            self.done,
            self.bytes
        );
        let fresh = record.with_extension("progress.new");
        let io = |error| BackfillError::Io {
            path: record.display().to_string(),
            error,
        };
        let mut file = File::create(&fresh).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&fresh, record).map_err(io)
    }

    /// Ends the text with `# EOF`; the progress record goes. Returns the
    /// bytes written in all.
    fn finish(mut self) -> Result<u64, BackfillError> {
        self.write(EOF).map_err(|e| self.error(e))?;
        self.writer.flush().map_err(|e| self.error(e))?;
        if let Some((_, record)) = &self.file {
            std::fs::remove_file(record).map_err(|error| BackfillError::Io {
                path: record.display().to_string(),
                error,
            })?;
        }
        Ok(self.bytes)
    }
}

/// A digest of what every account is fetched with and what its data
/// means (secrets digested, never kept): a progress record of other
/// accounts, periods, cardinality controls or credentials is not resumed.
fn accounts_digest(config: &Config) -> String {
    use sha2::{Digest as _, Sha256};
    let mut prints: Vec<_> = config.fingerprints().into_iter().collect();
    prints.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hash = Sha256::new();
    for ((provider, account), print) in prints {
        for part in [
            provider.as_bytes(),
            account.as_bytes(),
            &print.fetch,
            &print.data,
        ] {
            hash.update(part.len().to_le_bytes());
            hash.update(part);
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `<output>.progress`.
fn progress_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".progress");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const DAY: Duration = Duration::from_secs(86_400);

    fn now() -> SystemTime {
        SystemTime::from(datetime!(2026-12-02 10:00 UTC))
    }

    #[test]
    fn ranges_are_whole_steps_from_a_boundary_and_in_the_past() {
        let midnight_utc = time::macros::datetime!(2025-12-01 2:00 +2);
        let range = Range::new(midnight_utc, datetime!(2025-12-02 0:00 UTC), DAY, now()).unwrap();
        assert_eq!(range.last_second(0), datetime!(2025-12-01 23:59:59 UTC));
        assert_eq!(
            range.last_second(0).offset(),
            UtcOffset::UTC,
            "steps end in UTC"
        );
        let from = datetime!(2025-12-01 0:00 UTC);
        let year = Range::new(from, datetime!(2026-12-01 0:00 UTC), DAY, now()).unwrap();
        assert_eq!(year.steps(), 365);
        assert_eq!(year.last_second(0), datetime!(2025-12-01 23:59:59 UTC));
        assert_eq!(year.last_second(364), datetime!(2026-11-30 23:59:59 UTC));
        let hourly = Range::new(
            from,
            datetime!(2025-12-02 0:00 UTC),
            Duration::from_secs(3600),
            now(),
        );
        assert_eq!(hourly.unwrap().steps(), 24);
        let to = datetime!(2026-01-01 0:00 UTC);
        for step in [
            Duration::from_secs(7 * 3600),
            Duration::from_millis(1500),
            2 * DAY,
        ] {
            assert!(matches!(
                Range::new(from, to, step, now()),
                Err(RangeError::Step(_))
            ));
        }
        let noon = datetime!(2025-12-01 12:00 UTC);
        assert!(matches!(
            Range::new(noon, to, DAY, now()),
            Err(RangeError::Unaligned)
        ));
        assert!(matches!(
            Range::new(to, from, DAY, now()),
            Err(RangeError::Length)
        ));
        let tomorrow = datetime!(2026-12-03 0:00 UTC);
        assert!(matches!(
            Range::new(from, tomorrow, DAY, now()),
            Err(RangeError::Future)
        ));
    }

    /// `count` days from 2026-01-01, a step a day.
    fn days(count: u32) -> Range {
        let from = datetime!(2026-01-01 0:00 UTC);
        Range::new(from, from + DAY * count, DAY, now()).unwrap()
    }

    /// An empty directory of this test process.
    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vue-backfill-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn output(dir: &Path, range: Range) -> Result<Output, BackfillError> {
        Output::open(Some(&dir.join("out.om")), range, "accounts".into())
    }

    #[test]
    fn samples_get_the_step_time_and_comments_stay_as_they_are() {
        let dir = fresh_dir("stamp");
        let mut out = output(&dir, days(2)).unwrap();
        let mut writer = Stamped::new(&mut out, "1767311999");
        writer.write(b"# HELP a_bytes x\n# TYPE a_bytes gauge\na_bytes{account=\"a\"} 5\n");
        writer.write(b"b 1\n# EOF\n");
        assert_eq!(writer.samples, 2);
        writer.finish().unwrap();
        out.step_done(1).unwrap();
        out.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("out.om")).unwrap(),
            "# HELP a_bytes x\n# TYPE a_bytes gauge\na_bytes{account=\"a\"} 5 1767311999\nb 1 1767311999\n# EOF\n"
        );
        assert!(
            !dir.join("out.om.progress").exists(),
            "a finished run leaves no record"
        );
    }

    /// An interrupted run: the file holds a step and a half; the record
    /// says one step. A rerun cuts the half and goes on from step 2; a run
    /// over a finished file, of another range or configuration, or over a
    /// file shorter than its record, is refused.
    #[test]
    fn an_interrupted_run_resumes_after_its_last_whole_step() {
        let dir = fresh_dir("resume");
        let range = days(3);
        let mut out = output(&dir, range).unwrap();
        out.write(b"a 1 100\n").unwrap();
        out.step_done(1).unwrap();
        out.write(b"a 2 2").unwrap();
        out.writer.flush().unwrap();
        drop(out);
        let mut out = output(&dir, range).unwrap();
        assert_eq!((out.done, out.bytes), (1, 8));
        out.write(b"a 2 200\n").unwrap();
        out.step_done(2).unwrap();
        out.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("out.om")).unwrap(),
            "a 1 100\na 2 200\n# EOF\n"
        );
        let error = output(&dir, range).err().unwrap().to_string();
        assert!(error.contains("no progress record"), "{error}");
        std::fs::remove_file(dir.join("out.om")).unwrap();
        let mut out = output(&dir, range).unwrap();
        out.step_done(1).unwrap();
        drop(out);
        let other = Range {
            step: Duration::from_secs(3600),
            ..range
        };
        let error = output(&dir, other).err().unwrap().to_string();
        assert!(error.contains("another range"), "{error}");
        let other = Output::open(Some(&dir.join("out.om")), range, "others".into());
        let error = other.err().unwrap().to_string();
        assert!(error.contains("another configuration"), "{error}");
        std::fs::write(
            dir.join("out.om.progress"),
            format!(
                "range={}\naccounts=accounts\nsteps_done=1\nbytes=100\n",
                Output::describe(range)
            ),
        )
        .unwrap();
        let error = output(&dir, range).err().unwrap().to_string();
        assert!(
            error.contains("less than the 100"),
            "a shorter file is not padded: {error}"
        );
    }
}
