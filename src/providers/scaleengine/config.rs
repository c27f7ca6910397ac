//! The keys of a `scaleengine:` account.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::billing::{Prices, Quotas};
use crate::cardinality::{self, Cardinality};
use crate::period::Period;
use crate::values::{env_u64, http_url, optional_duration, secret_from, EnvString, Secret};

/// Which request field carries the CDN id. The seed's field list says
/// `cdn_id`, its PHP example sends `cdn`; `both` (the default) sends both,
/// `cdn` first, which any reading of the API accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CdnField {
    #[default]
    Both,
    Cdn,
    CdnId,
}

/// A ScaleEngine application, by name or numeric id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(untagged)]
pub enum AppRef {
    Id(u64),
    Name(String),
}

impl fmt::Display for AppRef {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            AppRef::Id(id) => write!(f, "{id}"),
            AppRef::Name(name) => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawScaleEngine")]
pub struct ScaleEngineAccount {
    pub account: String,
    pub api_url: reqwest::Url,
    pub api_key: Secret,
    pub api_secret: Secret,
    pub cdn_id: u64,
    pub cdn_field: CdnField,
    pub apps: Option<Vec<AppRef>>,
    pub urls: Vec<String>,
    pub periods: Vec<Period>,
    pub page_size: u32,
    pub max_pages: u32,
    pub refresh_interval: Option<Duration>,
    /// `video.usage` pages in flight or parsed and not yet absorbed, at
    /// once, over the account's periods, apps and pages.
    pub concurrency: usize,
    pub quotas: Quotas,
    pub prices: Option<Prices>,
    pub cardinality: Cardinality,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScaleEngine {
    account: EnvString,
    #[serde(default = "default_url")]
    api_url: EnvString,
    api_key: EnvString,
    api_secret: Option<EnvString>,
    api_secret_file: Option<EnvString>,
    #[serde(deserialize_with = "env_u64")]
    cdn_id: u64,
    #[serde(default)]
    cdn_field: CdnField,
    apps: Option<Vec<AppRef>>,
    #[serde(default)]
    urls: Vec<EnvString>,
    #[serde(default = "default_periods")]
    periods: Vec<Period>,
    #[serde(default = "default_page_size")]
    page_size: u32,
    #[serde(default = "default_max_pages")]
    max_pages: u32,
    #[serde(default, deserialize_with = "optional_duration")]
    refresh_interval: Option<Duration>,
    #[serde(default = "default_concurrency")]
    concurrency: usize,
    #[serde(default)]
    quotas: Quotas,
    prices: Option<Prices>,
    max_series: Option<usize>,
    #[serde(default)]
    include: Vec<EnvString>,
    #[serde(default)]
    exclude: Vec<EnvString>,
    #[serde(default)]
    aggregate_only: bool,
}

fn default_url() -> EnvString {
    EnvString("https://api.scaleengine.net/stable/".into())
}

fn default_periods() -> Vec<Period> {
    vec![Period::Month, Period::Day]
}

fn default_concurrency() -> usize {
    4
}

fn default_page_size() -> u32 {
    1000
}

fn default_max_pages() -> u32 {
    10_000
}

impl TryFrom<RawScaleEngine> for ScaleEngineAccount {
    type Error = String;

    fn try_from(raw: RawScaleEngine) -> Result<Self, String> {
        let account = raw.account.0;
        if account.is_empty() {
            return Err("account must not be empty".into());
        }
        let api_secret = secret_from(raw.api_secret, raw.api_secret_file, "api_secret", &account)?;
        if raw.api_key.0.is_empty() {
            return Err(format!("account `{account}`: api_key is empty"));
        }
        let api_url = http_url(&raw.api_url.0, &account)?;
        if raw.periods.is_empty() {
            return Err(format!("account `{account}`: periods must not be empty"));
        }
        if raw.periods.iter().collect::<HashSet<_>>().len() != raw.periods.len() {
            return Err(format!("account `{account}`: periods are listed twice"));
        }
        if let Some(rolling) = raw.periods.iter().find(|p| matches!(p, Period::Rolling(_))) {
            return Err(format!(
                "account `{account}`: period `{rolling}`: video.usage answers for calendar months and days only (month, day, previous_month, previous_day)"
            ));
        }
        if let Some(apps) = &raw.apps {
            if apps.is_empty() {
                return Err(format!(
                    "account `{account}`: apps is empty; omit it to query every app"
                ));
            }
            if apps.iter().collect::<HashSet<_>>().len() != apps.len() {
                return Err(format!("account `{account}`: apps are listed twice"));
            }
        }
        if raw.concurrency == 0 || raw.concurrency > 64 {
            return Err(format!(
                "account `{account}`: concurrency is {}; it must be 1..=64",
                raw.concurrency
            ));
        }
        if raw.page_size == 0 || raw.max_pages == 0 {
            return Err(format!(
                "account `{account}`: page_size and max_pages must be positive"
            ));
        }
        raw.quotas.check(
            &account,
            raw.prices.as_ref(),
            &["transcoder_hours", "storage_bytes"],
        )?;
        Ok(ScaleEngineAccount {
            api_key: raw.api_key.into_secret(),
            api_secret,
            api_url,
            cdn_id: raw.cdn_id,
            cdn_field: raw.cdn_field,
            apps: raw.apps,
            urls: raw.urls.into_iter().map(|u| u.0).collect(),
            periods: raw.periods,
            page_size: raw.page_size,
            max_pages: raw.max_pages,
            refresh_interval: raw.refresh_interval,
            concurrency: raw.concurrency,
            cardinality: cardinality::from_keys(
                &account,
                raw.max_series,
                &raw.include,
                &raw.exclude,
                raw.aggregate_only,
            )?,
            quotas: raw.quotas,
            prices: raw.prices,
            account,
        })
    }
}
