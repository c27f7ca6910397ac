//! Wowza Streaming Cloud usage: the six `/usage/...` resources.
//!
//! Each resource of each account and period is its own endpoint with its
//! own refresh interval, defaulting to how often Wowza updates it (see [`Resource`]), so
//! a resource fails, backs off and recovers alone. Transcoder resources are
//! queried once per `billing_mode` × `transcoder_type` and labelled by the
//! query, because their rows do not say which they belong to. Viewer data is
//! per stream target: the ids come from the latest stream-target network
//! usage of the same period, handed over in a watch channel, so no list is
//! fetched twice. Months start on the account's `billing_day`.

pub mod client;
pub mod config;
pub mod metrics;
pub mod model;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{stream, StreamExt as _};
use tokio::sync::watch;

use super::account::{account_keys, Account, Context};
use super::{BoxFuture, Endpoint, ProviderError, Schedule};
use crate::cardinality::Cardinality;
use crate::exposition::{
    ExcludedIds, Number, Snapshot, SnapshotBuilder, TableBuilder,
};
use crate::period::Bounds;
use client::Client;
pub use config::WowzaAccount;
use config::WowzaAuth;
use metrics::{
    PEAK_RECORDING_STORAGE_BYTES, STREAM_SOURCES, STREAM_TARGETS, STREAM_TARGET_ZONES, TRANSCODER_EGRESS,
    TRANSCODER_TIME, VIEWERS, VIEWERS_BY_COUNTRY, VIEWERS_BY_PROTOCOL, VIEWERS_BY_RENDITION,
    WINDOW_END, WINDOW_START,
};
use model::{UsageRow, ViewerData, Viewers};

pub const PROVIDER: &str = "wowza";

const HOURLY: Duration = Duration::from_secs(3600);

/// One `/usage/...` resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    TranscoderTime,
    TranscoderNetwork,
    StreamSourceNetwork,
    StreamTargetNetwork,
    PeakRecording,
    ViewerData,
}

impl Resource {
    const ALL: [Resource; 6] = [
        Resource::TranscoderTime,
        Resource::TranscoderNetwork,
        Resource::StreamSourceNetwork,
        Resource::StreamTargetNetwork,
        Resource::PeakRecording,
        Resource::ViewerData,
    ];

    /// The path below `api_url`, also the `endpoint` and `resource` label.
    pub fn path(self) -> &'static str {
        match self {
            Resource::TranscoderTime => "usage/time/transcoders",
            Resource::TranscoderNetwork => "usage/network/transcoders",
            Resource::StreamSourceNetwork => "usage/network/stream_sources",
            Resource::StreamTargetNetwork => "usage/network/stream_targets",
            Resource::PeakRecording => "usage/storage/peak_recording",
            Resource::ViewerData => "usage/viewer_data/stream_targets",
        }
    }

    /// The configured interval, else the provider's update cadence: time
    /// and transcoder egress are near real time (the global interval);
    /// stream source and target network usage update hourly (3 h behind);
    /// viewer data hourly (2 h behind); peak storage changes slowly. The
    /// global `refresh_interval` is a floor for the defaults.
    fn interval(self, account: &WowzaAccount, global: Duration) -> Duration {
        let i = &account.refresh_intervals;
        let (configured, cadence) = match self {
            Resource::TranscoderTime => (i.transcoder_time, global),
            Resource::TranscoderNetwork => (i.transcoder_network, global),
            Resource::StreamSourceNetwork => (i.stream_source_network, HOURLY),
            Resource::StreamTargetNetwork => (i.stream_target_network, HOURLY),
            Resource::PeakRecording => (i.peak_recording, HOURLY),
            Resource::ViewerData => (i.viewer_data, HOURLY),
        };
        configured.unwrap_or(cadence.max(global))
    }
}

/// A stream target known from network usage, for viewer data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRef {
    pub id: String,
    pub name: String,
}

/// What viewer data knows of the stream targets.
#[derive(Debug, Clone, Default)]
enum Targets {
    /// The first stream-target fetch has not finished.
    #[default]
    Pending,
    /// It failed, and no list was ever fetched.
    Failed,
    Known(Arc<Vec<TargetRef>>),
}

impl Account for WowzaAccount {
    account_keys!(PROVIDER);

    fn data_key(&self) -> String {
        format!(
            "{:?}",
            (
                self.billing_day,
                &self.billing_modes,
                &self.transcoder_types,
                &self.cardinality
            )
        )
    }

    fn secrets(&self) -> Vec<&str> {
        match &self.auth {
            WowzaAuth::Keys {
                api_key,
                access_key,
            } => vec![api_key.expose(), access_key.expose()],
            WowzaAuth::Token(token) => vec![token.expose()],
        }
    }

    fn endpoints(&self, context: &Context) -> Vec<Arc<dyn Endpoint>> {
        let account = Arc::new(self.clone());
        let client = Arc::new(Client::new(account.clone(), context.upstream.clone()));
        let mut all: Vec<Arc<dyn Endpoint>> = Vec::new();
        for &period in &account.periods {
            let targets = Arc::new(watch::Sender::new(Targets::Pending));
            for resource in Resource::ALL {
                if resource == Resource::ViewerData && !account.viewer_data {
                    continue;
                }
                let interval = resource.interval(&account, context.refresh_interval);
                all.push(Arc::new(ResourceEndpoint {
                    resource,
                    schedule: context.schedule(period, account.billing_day, interval),
                    wait_for_targets: context.timeout * 2,
                    account: account.clone(),
                    client: client.clone(),
                    targets: targets.clone(),
                }));
            }
        }
        all
    }
}

struct ResourceEndpoint {
    resource: Resource,
    account: Arc<WowzaAccount>,
    client: Arc<Client>,
    schedule: Schedule,
    /// Published by the stream-target endpoint, read by viewer data.
    targets: Arc<watch::Sender<Targets>>,
    wait_for_targets: Duration,
}

impl ResourceEndpoint {
    async fn fetch_resource(&self, bounds: Bounds) -> Result<Snapshot, ProviderError> {
        let (from, to) = (bounds.start, bounds.to);
        let (from_text, to_text) = (client::format_time(from), client::format_time(to));
        let window = [("from", from_text.as_str()), ("to", to_text.as_str())];
        let mut snapshot = SnapshotBuilder::usage(
            &self.account.account,
            &self.schedule.period.label(),
            &self.account.cardinality,
        );
        match self.resource {
            Resource::TranscoderTime | Resource::TranscoderNetwork => {
                self.transcoders(&window, &mut snapshot).await?
            }
            Resource::StreamSourceNetwork => {
                let rows = self.rows(&window, "stream_sources").await?;
                let mut sums = Sums::new(&self.account.cardinality);
                for row in &rows {
                    sums.add(Vec::new(), identity(row), row.bytes_used, row.bytes_billed)?;
                }
                sums.emit(snapshot.table(&STREAM_SOURCES));
            }
            Resource::StreamTargetNetwork => self.stream_targets(&window, &mut snapshot).await?,
            Resource::PeakRecording => {
                let body = self.client.get(self.resource.path(), None, &window).await?;
                if let Some(bytes) = model::peak_recording(&body)? {
                    snapshot.gauge(&PEAK_RECORDING_STORAGE_BYTES, &[], bytes);
                }
            }
            Resource::ViewerData => self.viewer_data(&window, &mut snapshot).await?,
        }
        let resource = [("resource", self.resource.path())];
        snapshot.gauge(&WINDOW_START, &resource, from.unix_timestamp() as f64);
        snapshot.gauge(&WINDOW_END, &resource, to.unix_timestamp() as f64);
        Ok(snapshot.finish())
    }

    async fn rows(
        &self,
        query: &[(&str, &str)],
        key: &str,
    ) -> Result<Vec<UsageRow>, ProviderError> {
        let body = self.client.get(self.resource.path(), None, query).await?;
        model::rows(&body, key)
    }

    async fn transcoders(
        &self,
        window: &[(&str, &str)],
        snapshot: &mut SnapshotBuilder,
    ) -> Result<(), ProviderError> {
        let time = self.resource == Resource::TranscoderTime;
        let mut sums = Sums::new(&self.account.cardinality);
        for mode in &self.account.billing_modes {
            for kind in &self.account.transcoder_types {
                let mut query = window.to_vec();
                query.push(("transcoder_type", kind.as_str()));
                query.push(("billing_mode", mode.as_str()));
                for row in self.rows(&query, "transcoders").await? {
                    let group = vec![mode.as_str().into(), kind.as_str().into()];
                    if time {
                        sums.add(group, identity(&row), row.seconds_used, row.seconds_billed)?;
                    } else {
                        sums.add(group, identity(&row), row.bytes_used, row.bytes_billed)?;
                    }
                }
            }
        }
        sums.emit(snapshot.table(if time {
            &TRANSCODER_TIME
        } else {
            &TRANSCODER_EGRESS
        }));
        Ok(())
    }

    async fn stream_targets(
        &self,
        window: &[(&str, &str)],
        snapshot: &mut SnapshotBuilder,
    ) -> Result<(), ProviderError> {
        let rows = self.rows(window, "stream_targets").await?;
        let mut totals = Sums::new(&self.account.cardinality);
        let mut zones = Sums::new(&self.account.cardinality);
        let mut targets: Vec<TargetRef> = Vec::new();
        for row in &rows {
            totals.add(Vec::new(), identity(row), row.bytes_used, row.bytes_billed)?;
            for (protocol, usage) in row.protocols.iter().flatten() {
                for (zone, bytes) in usage.zones.iter().flatten() {
                    zones.add(
                        vec![protocol.clone(), zone.clone()],
                        identity(row),
                        bytes.bytes_used,
                        bytes.bytes_billed,
                    )?;
                }
            }
            let (id, name) = (row.id.clone(), name(row));
            if !id.is_empty() && !targets.iter().any(|t| t.id == id) {
                targets.push(TargetRef { id, name });
            }
        }
        totals.emit(snapshot.table(&STREAM_TARGETS));
        zones.emit(snapshot.table(&STREAM_TARGET_ZONES));
        self.targets.send_replace(Targets::Known(Arc::new(targets)));
        Ok(())
    }

    async fn viewer_data(
        &self,
        window: &[(&str, &str)],
        snapshot: &mut SnapshotBuilder,
    ) -> Result<(), ProviderError> {
        let mut receiver = self.targets.subscribe();
        // The borrowed state must be released before the calls below.
        let known = match tokio::time::timeout(
            self.wait_for_targets,
            receiver.wait_for(|t| !matches!(t, Targets::Pending)),
        )
        .await
        {
            Ok(Ok(state)) => match &*state {
                Targets::Known(targets) => Some(targets.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(targets) = known else {
            return Err(ProviderError::NotReady(
                "no stream target list yet (usage/network/stream_targets has not succeeded)".into(),
            ));
        };
        // A few targets at a time: faster than one by one, gentle on limits.
        // The client bounds the calls in flight over all the account's periods.
        let (client, targets) = (&self.client, &targets);
        // By index: a closure taking `&TargetRef` fails the boxed future's
        // `Send` check (a known limit of higher-ranked lifetimes in async).
        let mut bodies = stream::iter(0..targets.len())
            .map(|index| async move {
                let target = &targets[index];
                let _permit = client.viewer_permit().await;
                let path = Resource::ViewerData.path();
                (target, client.get(path, Some(&target.id), window).await)
            })
            .buffered(client::VIEWER_CONCURRENCY);
        let mut viewers = Vec::with_capacity(targets.len());
        while let Some((target, body)) = bodies.next().await {
            match body {
                // A target without viewer data (not on Wowza CDN, say) has none to show.
                Err(ProviderError::Status { status: 404, .. }) => {}
                other => viewers.push((target, model::viewer_data(&other?)?)),
            }
        }
        emit_viewers(snapshot, &self.account.cardinality, &viewers);
        Ok(())
    }
}

/// Viewer totals and breakdowns of every target, one table each, so that
/// caps and filters apply to targets as to any other rows.
fn emit_viewers(
    snapshot: &mut SnapshotBuilder,
    cardinality: &Cardinality,
    viewers: &[(&TargetRef, ViewerData)],
) {
    let values = |v: &Viewers| {
        [
            v.total_unique_viewers.map(Number::from),
            v.seconds_total_viewing_time.map(Number::from),
        ]
    };
    let mut totals = snapshot.table(&VIEWERS);
    for (target, data) in viewers {
        let id = [target.id.as_str(), target.name.as_str()];
        if cardinality.keeps(&target.name) {
            totals.row(&[], &id, values(&data.total));
        } else {
            totals.excluded(&[], values(&data.total), ExcludedIds::of(&id));
        }
    }
    totals.finish();
    for (table, breakdown) in [
        (
            &VIEWERS_BY_COUNTRY,
            (|d: &ViewerData| &d.countries) as fn(&ViewerData) -> &_,
        ),
        (&VIEWERS_BY_PROTOCOL, |d: &ViewerData| &d.protocols),
        (&VIEWERS_BY_RENDITION, |d: &ViewerData| &d.renditions),
    ] {
        let mut rows = snapshot.table(table);
        for (target, data) in viewers {
            let id = [target.id.as_str(), target.name.as_str()];
            for (key, v) in &breakdown(data).0 {
                if cardinality.keeps(&target.name) {
                    rows.row(&[key], &id, values(v));
                } else {
                    rows.excluded(&[key], values(v), ExcludedIds::of(&id));
                }
            }
        }
        rows.finish();
    }
}

/// `id`, `name` and `deleted` of a usage row, as id label values.
fn identity(row: &UsageRow) -> Vec<String> {
    vec![row.id.clone(), name(row), deleted(row)]
}

fn name(row: &UsageRow) -> String {
    row.name.clone().unwrap_or_default()
}

fn deleted(row: &UsageRow) -> String {
    match row.deleted {
        Some(true) => "true".into(),
        Some(false) => "false".into(),
        None => "unknown".into(),
    }
}

/// Used and billed amounts per row; rows with the same labels (the API may
/// list an id twice) are summed so that no series is duplicated. Rows whose
/// name `include`/`exclude` drops are summed apart, never stored (only a
/// hash of their ids, to count them).
struct Sums<'a> {
    cardinality: &'a Cardinality,
    rows: BTreeMap<(Vec<String>, Vec<String>), Pair>,
    excluded: BTreeMap<Vec<String>, (Pair, ExcludedIds)>,
}

type Pair = (Option<u64>, Option<u64>);

impl<'a> Sums<'a> {
    fn new(cardinality: &'a Cardinality) -> Self {
        Sums {
            cardinality,
            rows: BTreeMap::new(),
            excluded: BTreeMap::new(),
        }
    }

    /// Adds a row: `group` labels, `identity` (id, name, deleted).
    fn add(
        &mut self,
        group: Vec<String>,
        identity: Vec<String>,
        used: Option<u64>,
        billed: Option<u64>,
    ) -> Result<(), ProviderError> {
        fn plus(a: Option<u64>, b: Option<u64>) -> Result<Option<u64>, ProviderError> {
            match (a, b) {
                (Some(a), Some(b)) => a
                    .checked_add(b)
                    .map(Some)
                    .ok_or_else(|| ProviderError::Decode("usage sum overflows 64 bits".into())),
                (a, b) => Ok(a.or(b)),
            }
        }
        let entry = if self.cardinality.keeps(&identity[1]) {
            self.rows.entry((group, identity)).or_default()
        } else {
            let (pair, ids) = self.excluded.entry(group).or_default();
            ids.add(&identity);
            pair
        };
        *entry = (plus(entry.0, used)?, plus(entry.1, billed)?);
        Ok(())
    }

    fn emit(self, mut table: TableBuilder) {
        let values = |(used, billed): Pair| [used.map(Number::from), billed.map(Number::from)];
        for (group, (pair, ids)) in self.excluded {
            let group: Vec<&str> = group.iter().map(String::as_str).collect();
            table.excluded(&group, values(pair), ids);
        }
        for ((group, id), pair) in self.rows {
            let group: Vec<&str> = group.iter().map(String::as_str).collect();
            let id: Vec<&str> = id.iter().map(String::as_str).collect();
            table.row(&group, &id, values(pair));
        }
        table.finish();
    }
}

impl Endpoint for ResourceEndpoint {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn account(&self) -> &str {
        &self.account.account
    }

    fn name(&self) -> &str {
        self.resource.path()
    }

    fn schedule(&self) -> Schedule {
        self.schedule
    }

    fn fetch(&self, bounds: Bounds) -> BoxFuture<'_, Result<Snapshot, ProviderError>> {
        Box::pin(async move {
            let result = self
                .fetch_resource(bounds)
                .await
                .map_err(|e| self.client.redact(e));
            if result.is_err() && self.resource == Resource::StreamTargetNetwork {
                // Viewer data waiting for a first list need not wait longer.
                self.targets.send_if_modified(|t| {
                    let pending = matches!(t, Targets::Pending);
                    if pending {
                        *t = Targets::Failed;
                    }
                    pending
                });
            }
            result
        })
    }
}
