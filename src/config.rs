//! The configuration file: typed, strict, and validated while it is parsed.
//!
//! Unknown keys are errors, and every check runs inside deserialization so
//! that each error carries the file, line, key path and reason. `${VAR}` is
//! expanded in string values (after parsing, so a secret's value never shows
//! up in a YAML error); `$$` is a literal `$`. Secrets live in [`Secret`],
//! which cannot be printed.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::exposition::{Cardinality, Filter};
use crate::providers::http::Limits;
pub use crate::providers::scaleengine::config::ScaleEngineAccount;
pub use crate::providers::wowza::config::WowzaAccount;

/// A config error, formatted as `file: key: reason at line L column C`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawConfig")]
pub struct Config {
    pub refresh_interval: Duration,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    pub previous_periods: PreviousPeriods,
    pub scaleengine: Vec<ScaleEngineAccount>,
    pub wowza: Vec<WowzaAccount>,
}

/// How closed periods (`previous_month`, `previous_day`) are refreshed:
/// providers revise them for a while (Wowza: billing every 12 h, viewers
/// final after 48 h), then never again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousPeriods {
    #[serde(default = "default_previous_refresh", deserialize_with = "duration")]
    pub refresh_interval: Duration,
    /// After the period's end plus this, its numbers are final.
    #[serde(default = "default_settle_time", deserialize_with = "duration")]
    pub settle_time: Duration,
}

impl Default for PreviousPeriods {
    fn default() -> Self {
        PreviousPeriods {
            refresh_interval: default_previous_refresh(),
            settle_time: default_settle_time(),
        }
    }
}

fn default_previous_refresh() -> Duration {
    Duration::from_secs(6 * 3600)
}

fn default_settle_time() -> Duration {
    Duration::from_secs(72 * 3600)
}

/// The shard, of `count`, that serves `provider`/`account`: a stable hash
/// (the first 8 bytes of SHA-256), the same in every replica and release.
pub fn shard_of(provider: &str, account: &str, count: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{provider}/{account}"));
    let head = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    u32::try_from(head % u64::from(count.max(1))).expect("less than count")
}

impl Config {
    /// Only the accounts of shard `index` of `count` (all of them when
    /// `count` is 1).
    pub fn shard(mut self, count: u32, index: u32) -> Config {
        use crate::providers::{scaleengine, wowza};
        self.scaleengine
            .retain(|a| shard_of(scaleengine::PROVIDER, &a.account, count) == index);
        self.wowza
            .retain(|a| shard_of(wowza::PROVIDER, &a.account, count) == index);
        self
    }
}

/// What a reload compares of one account, as digests (secrets are hashed,
/// never kept in clear).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Everything its endpoints are built and fetched with: its keys and
    /// URL, paging, intervals, and the global settings they use; not its
    /// quotas and prices, which are only gauges.
    pub fetch: [u8; 32],
    /// What its data means: which apps, URLs, billing modes and transcoder
    /// types it covers, its cardinality controls and billing day. While
    /// this stays, data fetched before a change is still right.
    pub data: [u8; 32],
}

impl Config {
    /// The limits of the HTTP client every upstream call goes through.
    pub fn upstream_limits(&self) -> Limits {
        Limits {
            timeout: self.timeout,
            max_body_bytes: self.max_response_bytes,
            ..Limits::default()
        }
    }

    /// Per provider and account, what a reload compares to decide what it
    /// keeps (see [`crate::refresh::Carry`]).
    pub fn fingerprints(&self) -> Vec<(&'static str, String, Fingerprint)> {
        use crate::providers::{scaleengine, wowza};
        use sha2::{Digest, Sha256};
        let global = format!(
            "{:?}|{:?}|{:?}|{}",
            self.refresh_interval, self.timeout, self.previous_periods, self.max_response_bytes
        );
        let digest = |parts: &[&str]| -> [u8; 32] {
            let mut hash = Sha256::new();
            for part in parts {
                hash.update(part.len().to_le_bytes());
                hash.update(part);
            }
            hash.finalize().into()
        };
        let fingerprint = |fetch: String, secrets: Vec<&str>, data: String| {
            let mut parts = vec![global.as_str(), fetch.as_str()];
            parts.extend(secrets);
            Fingerprint {
                fetch: digest(&parts),
                data: digest(&[&data]),
            }
        };
        let scaleengine = self.scaleengine.iter().map(|a| {
            let fetch = ScaleEngineAccount {
                quotas: Quotas::default(),
                prices: None,
                ..a.clone()
            };
            let data = format!("{:?}", (a.cdn_id, &a.apps, &a.urls, &a.cardinality));
            let print = fingerprint(format!("{fetch:?}"), a.secrets(), data);
            (scaleengine::PROVIDER, a.account.clone(), print)
        });
        let wowza = self.wowza.iter().map(|a| {
            let fetch = WowzaAccount {
                quotas: Quotas::default(),
                prices: None,
                ..a.clone()
            };
            let data = format!(
                "{:?}",
                (
                    a.billing_day,
                    &a.billing_modes,
                    &a.transcoder_types,
                    &a.cardinality
                )
            );
            let print = fingerprint(format!("{fetch:?}"), a.secrets(), data);
            (wowza::PROVIDER, a.account.clone(), print)
        });
        scaleengine.chain(wowza).collect()
    }
}

/// One account's quotas and prices, whatever its provider.
pub struct Billing<'a> {
    pub provider: &'static str,
    pub account: &'a str,
    pub quotas: &'a Quotas,
    pub prices: Option<&'a Prices>,
}

impl Config {
    /// The quotas and prices of every account, in config order.
    pub fn billing(&self) -> impl Iterator<Item = Billing<'_>> {
        let scaleengine = self.scaleengine.iter().map(|a| Billing {
            provider: crate::providers::scaleengine::PROVIDER,
            account: &a.account,
            quotas: &a.quotas,
            prices: a.prices.as_ref(),
        });
        let wowza = self.wowza.iter().map(|a| Billing {
            provider: crate::providers::wowza::PROVIDER,
            account: &a.account,
            quotas: &a.quotas,
            prices: a.prices.as_ref(),
        });
        scaleengine.chain(wowza)
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, &file)
    }

    /// Parses YAML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        serde_norway::from_str(text).map_err(|e| {
            let mut message = e.to_string();
            // Errors in top-level values carry no key path; name the key.
            let key = e
                .location()
                .and_then(|l| text.lines().nth(l.line().saturating_sub(1)))
                .filter(|line| !line.starts_with([' ', '\t', '-', '#']))
                .and_then(|line| line.split_once(':'))
                .map(|(key, _)| key.trim());
            if let Some(key) = key.filter(|k| !k.is_empty() && !message.contains(*k)) {
                message = format!("{key}: {message}");
            }
            // A message may quote a value (`api_url ...`) after expansion.
            let values = referenced_env(text);
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            ConfigError {
                file: file.to_string(),
                message: crate::providers::redact(&message, &values),
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_refresh", deserialize_with = "duration")]
    refresh_interval: Duration,
    #[serde(default = "default_timeout", deserialize_with = "duration")]
    timeout: Duration,
    #[serde(default = "default_max_response_bytes")]
    max_response_bytes: u64,
    #[serde(default)]
    previous_periods: PreviousPeriods,
    #[serde(default)]
    scaleengine: Vec<ScaleEngineAccount>,
    #[serde(default)]
    wowza: Vec<WowzaAccount>,
}

fn default_refresh() -> Duration {
    Duration::from_secs(300)
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_max_response_bytes() -> u64 {
    64 << 20
}

impl TryFrom<RawConfig> for Config {
    type Error = String;

    fn try_from(raw: RawConfig) -> Result<Self, String> {
        if raw.scaleengine.is_empty() && raw.wowza.is_empty() {
            return Err(
                "no provider account is configured (add a `scaleengine` or `wowza` entry)".into(),
            );
        }
        unique("scaleengine", raw.scaleengine.iter().map(|a| &a.account))?;
        unique("wowza", raw.wowza.iter().map(|a| &a.account))?;
        if raw.max_response_bytes == 0 {
            return Err("max_response_bytes must be positive".into());
        }
        Ok(Config {
            refresh_interval: raw.refresh_interval,
            timeout: raw.timeout,
            max_response_bytes: raw.max_response_bytes,
            previous_periods: raw.previous_periods,
            scaleengine: raw.scaleengine,
            wowza: raw.wowza,
        })
    }
}

fn unique<'a>(what: &str, accounts: impl Iterator<Item = &'a String>) -> Result<(), String> {
    let mut seen = HashSet::new();
    for account in accounts {
        if !seen.insert(account) {
            return Err(format!(
                "{what}: account `{account}` is configured twice; `account` values must be unique"
            ));
        }
    }
    Ok(())
}

/// A secret: its `Debug` and `Display` print `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Usage quotas of one account. Each provider accepts the keys that fit
/// it (see [`Quotas::check`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// Egress bytes of the whole account per period.
    #[serde(default)]
    pub egress_bytes: PerPeriod<Size>,
    /// Egress bytes per app (ScaleEngine), by app name or id.
    #[serde(default)]
    pub app_egress_bytes: BTreeMap<String, PerPeriod<Size>>,
    /// Transcoder processing hours per period (Wowza).
    #[serde(default)]
    pub transcoder_hours: PerPeriod<Amount>,
    /// Peak recording storage (Wowza).
    pub storage_bytes: Option<Size>,
    /// Monthly spend, in the account's `prices.currency`.
    pub budget: Option<Amount>,
}

/// A quota for the current month and/or day.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerPeriod<T> {
    pub month: Option<T>,
    pub day: Option<T>,
}

impl<T: Copy> PerPeriod<T> {
    /// The set values with their `period` label.
    pub fn values(&self) -> impl Iterator<Item = (&'static str, T)> {
        [("month", self.month), ("day", self.day)]
            .into_iter()
            .filter_map(|(period, value)| Some((period, value?)))
    }

    fn is_set(&self) -> bool {
        self.month.is_some() || self.day.is_some()
    }
}

impl Quotas {
    /// Rejects keys the provider has no usage for, and a budget without a
    /// currency.
    pub(crate) fn check(
        &self,
        account: &str,
        prices: Option<&Prices>,
        unsupported: &[&str],
    ) -> Result<(), String> {
        let set = [
            ("app_egress_bytes", !self.app_egress_bytes.is_empty()),
            ("transcoder_hours", self.transcoder_hours.is_set()),
            ("storage_bytes", self.storage_bytes.is_some()),
        ];
        let prices_set = prices.map_or([false; 2], |p| {
            [
                p.transcoder_per_hour.is_set(),
                p.storage_per_gb_month.is_some(),
            ]
        });
        let price_keys = [
            (
                "transcoder_hours",
                "prices.transcoder_per_hour",
                prices_set[0],
            ),
            (
                "storage_bytes",
                "prices.storage_per_gb_month",
                prices_set[1],
            ),
        ];
        for key in unsupported {
            if set.iter().any(|(k, on)| k == key && *on) {
                return Err(format!(
                    "account `{account}`: quotas.{key} does not apply to this provider"
                ));
            }
            if let Some((_, price, _)) = price_keys.iter().find(|(k, _, on)| k == key && *on) {
                return Err(format!(
                    "account `{account}`: {price} does not apply to this provider"
                ));
            }
        }
        if self.budget.is_some() && prices.is_none() {
            return Err(format!(
                "account `{account}`: quotas.budget needs `prices` (its currency and rates)"
            ));
        }
        Ok(())
    }
}

/// What usage costs, for estimated spend. Rates are per unit the providers
/// bill in: GB (10^9 bytes) of egress, hour of transcoding, GB-month of
/// storage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    pub currency: Currency,
    pub egress_per_gb: Option<Amount>,
    #[serde(default)]
    pub transcoder_per_hour: TranscoderPrices,
    pub storage_per_gb_month: Option<Amount>,
}

/// Transcoder prices per hour, by Wowza transcoder type.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscoderPrices {
    pub transcoded: Option<Amount>,
    pub passthrough: Option<Amount>,
}

impl TranscoderPrices {
    fn is_set(&self) -> bool {
        self.transcoded.is_some() || self.passthrough.is_some()
    }
}

/// A currency code such as `USD` (three capital letters, ISO 4217).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(pub String);

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(text))
        } else {
            Err(de::Error::custom(format!(
                "currency `{text}` is not a three-letter ISO 4217 code like USD"
            )))
        }
    }
}

/// A non-negative, finite number (a price, hours, a budget).
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Amount(pub f64);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(d)?;
        if value.is_finite() && value >= 0.0 {
            Ok(Amount(value))
        } else {
            Err(de::Error::custom(format!(
                "{value} must be a finite number, 0 or more"
            )))
        }
    }
}

/// A byte count: a whole number, or with an SI (`50TB` = 50·10^12) or IEC
/// (`50TiB` = 50·2^40) suffix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumberOrText {
            Number(u64),
            Text(String),
        }
        match NumberOrText::deserialize(d)? {
            NumberOrText::Number(n) => Ok(Size(n)),
            NumberOrText::Text(t) => parse_size(&t).map(Size).map_err(de::Error::custom),
        }
    }
}

/// Parses `1000`, `1.5GB`, `50TB`, `50TiB`, `512 MiB` into bytes, exactly.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a size like 1000, 500GB, 50TB or 50TiB");
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier: u128 = match unit.trim() {
        "" | "B" => 1,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        "PB" => 1_000_000_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "PiB" => 1 << 50,
        _ => return Err(bad()),
    };
    // Decimal fractions exactly: `1.5GB` is 1,500,000,000.
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(bad());
    }
    let digits = format!("{whole}{fraction}");
    let scale = 10u128
        .checked_pow(u32::try_from(fraction.len()).map_err(|_| bad())?)
        .ok_or_else(bad)?;
    let mantissa: u128 = digits.parse().map_err(|_| bad())?;
    let bytes = mantissa.checked_mul(multiplier).ok_or_else(bad)?;
    if bytes % scale != 0 {
        return Err(format!("`{text}` is not a whole number of bytes"));
    }
    u64::try_from(bytes / scale).map_err(|_| format!("`{text}` is too large"))
}

/// An account's cardinality keys: `max_series`, `include`, `exclude`,
/// `aggregate_only` (which is `max_series: 0`).
pub(crate) fn cardinality(
    account: &str,
    max_series: Option<usize>,
    include: &[EnvString],
    exclude: &[EnvString],
    aggregate_only: bool,
) -> Result<Cardinality, String> {
    let max_series = match (max_series, aggregate_only) {
        (Some(_), true) => {
            return Err(format!(
                "account `{account}`: set max_series or aggregate_only, not both"
            ))
        }
        (_, true) => Some(0),
        (max, false) => max,
    };
    let patterns = |list: &[EnvString]| list.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
    let (include, exclude) = (patterns(include), patterns(exclude));
    let filter = if include.is_empty() && exclude.is_empty() {
        None
    } else {
        let filter = Filter::new(&include, &exclude)
            .map_err(|e| format!("account `{account}`: include/exclude: {e}"))?;
        Some(Arc::new(filter))
    };
    Ok(Cardinality { max_series, filter })
}

/// Exactly one of `key` and `key_file`; a file's trailing newline is dropped.
pub(crate) fn secret_from(
    inline: Option<EnvString>,
    file: Option<EnvString>,
    key: &str,
    account: &str,
) -> Result<Secret, String> {
    let value = match (inline, file) {
        (Some(v), None) => v.0,
        (None, Some(path)) => std::fs::read_to_string(&path.0)
            .map_err(|e| format!("account `{account}`: {key}_file `{}`: {e}", path.0))?
            .trim_end_matches(['\n', '\r'])
            .to_string(),
        (Some(_), Some(_)) => {
            return Err(format!(
                "account `{account}`: set {key} or {key}_file, not both"
            ))
        }
        (None, None) => {
            return Err(format!(
                "account `{account}`: {key} or {key}_file is required"
            ))
        }
    };
    if value.is_empty() {
        return Err(format!("account `{account}`: {key} is empty"));
    }
    Ok(Secret(value))
}

pub(crate) fn http_url(text: &str, account: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| format!("account `{account}`: api_url `{text}`: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "account `{account}`: api_url `{text}` must be http or https"
        ));
    }
    Ok(url)
}

/// A string with `${VAR}` expanded from the environment.
pub(crate) struct EnvString(pub(crate) String);

impl EnvString {
    pub(crate) fn into_secret(self) -> Secret {
        Secret(self.0)
    }
}

impl<'de> Deserialize<'de> for EnvString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        expand_env(&raw, |name| std::env::var(name).ok())
            .map(EnvString)
            .map_err(de::Error::custom)
    }
}

pub(crate) fn env_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(u64),
        Text(EnvString),
    }
    match NumberOrText::deserialize(d)? {
        NumberOrText::Number(n) => Ok(n),
        NumberOrText::Text(t) => {
            t.0.trim()
                .parse()
                .map_err(|_| de::Error::custom(format!("`{}` is not a whole number", t.0)))
        }
    }
}

/// The values of the environment variables that `text` names as
/// `${NAME}`: what an error message must not show.
fn referenced_env(text: &str) -> Vec<String> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .filter_map(|(name, _)| std::env::var(name).ok())
        // Too short to be a secret, and would garble the message (`line 1`).
        .filter(|value| value.len() >= 4)
        .collect()
}

/// Expands `${NAME}`; `$$` is a literal `$`; any other `$` stays as it is.
fn expand_env(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or_else(|| "unclosed `${` in value".to_string())?;
            let name = &after[..end];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "`${{{name}}}` is not a valid environment variable name"
                ));
            }
            let value =
                lookup(name).ok_or_else(|| format!("environment variable `{name}` is not set"))?;
            out.push_str(&value);
            rest = &after[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The longest duration any key takes (intervals, timeouts, windows):
/// longer than any provider keeps usage at a fine grain, and far from where
/// adding it to a date or a clock could overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(400 * 86_400);

pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration like 30s, 5m or 1h: {e}"))?;
    if d.is_zero() {
        return Err("a duration must be positive".into());
    }
    if d > MAX_DURATION {
        return Err(format!(
            "`{text}` is longer than 400d, the most any duration may be"
        ));
    }
    Ok(d)
}

pub(crate) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse_duration(&String::deserialize(d)?).map_err(de::Error::custom)
}

pub(crate) fn optional_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse_duration(&s).map_err(de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;
    use crate::providers::scaleengine::config::{AppRef, CdnField};

    const GOOD: &str = r#"
refresh_interval: 5m
scaleengine:
  - account: main
    api_url: https://api.scaleengine.net/stable/
    api_key: key
    api_secret: secret
    cdn_id: 158
    apps: [demo-origin, 12]
    urls: []
    periods: [month, day]
"#;

    fn error(text: &str) -> String {
        Config::parse(text, "cfg.yml").unwrap_err().to_string()
    }

    #[test]
    fn good_config_parses_with_defaults() {
        let c = Config::parse(GOOD, "cfg.yml").unwrap();
        assert_eq!(c.refresh_interval, Duration::from_secs(300));
        assert_eq!(c.timeout, Duration::from_secs(30));
        let a = &c.scaleengine[0];
        assert_eq!(
            a.apps,
            Some(vec![AppRef::Name("demo-origin".into()), AppRef::Id(12)])
        );
        assert_eq!(a.cdn_field, CdnField::Both);
        assert_eq!(a.page_size, 1000);
        assert_eq!(format!("{:?}", a.api_secret), "<redacted>");
        assert!(!format!("{a:?}").contains("secret\""));
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let e = error(&GOOD.replace("cdn_id: 158", "cdn_id: 158\n    bogus: 1"));
        assert!(e.starts_with("cfg.yml: "), "{e}");
        assert!(e.contains("unknown field `bogus`"), "{e}");
        assert!(e.contains("scaleengine[0]"), "{e}");
        assert!(e.contains("line 9"), "{e}");
    }

    #[test]
    fn validation_errors_carry_a_line() {
        let e = error(&GOOD.replace("    api_secret: secret\n", ""));
        assert!(
            e.contains("api_secret or api_secret_file is required"),
            "{e}"
        );
        assert!(e.contains("line "), "{e}");
        let e = error(&GOOD.replace("5m", "5 parsecs"));
        assert!(e.contains("refresh_interval"), "{e}");
        assert!(e.contains("not a duration"), "{e}");
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn bad_values_are_rejected() {
        for (from, to, reason) in [
            ("cdn_id: 158", "cdn_id: abc", "not a whole number"),
            ("[month, day]", "[month, week]", "a period is `month`"),
            (
                "[month, day]",
                "[month, 7d]",
                "calendar months and days only",
            ),
            ("[month, day]", "[day, day]", "listed twice"),
            (
                "https://api.scaleengine.net/stable/",
                "ftp://x/",
                "http or https",
            ),
            (
                "api_key: key",
                "api_key: ${VUE_TEST_UNSET_VAR}",
                "`VUE_TEST_UNSET_VAR` is not set",
            ),
            ("apps: [demo-origin, 12]", "apps: []", "omit it"),
        ] {
            let e = error(&GOOD.replace(from, to));
            assert!(e.contains(reason), "{from} -> {to}: {e}");
        }
        let e = error(&GOOD.replace("api_key: key", "api_key: ${VUE_TEST_UNSET_VAR}"));
        assert!(e.starts_with("cfg.yml: scaleengine[0]: "), "{e}");
        let e = error("refresh_interval: 1m\n");
        assert!(e.contains("no provider account"), "{e}");
        let twice = GOOD.to_string() + &GOOD["\nrefresh_interval: 5m\nscaleengine:\n".len()..];
        let e = error(&twice);
        assert!(e.contains("configured twice"), "{e}");
    }

    #[test]
    fn secrets_come_from_files_and_environment() {
        let dir = std::env::temp_dir().join(format!("vue-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "from-file\n").unwrap();
        let text = GOOD.replace(
            "api_secret: secret",
            &format!("api_secret_file: {}", path.display()),
        );
        let c = Config::parse(&text, "cfg.yml").unwrap();
        assert_eq!(c.scaleengine[0].api_secret.expose(), "from-file");
        let e = error(&GOOD.replace("api_secret: secret", "api_secret_file: /nonexistent/x"));
        assert!(e.contains("api_secret_file `/nonexistent/x`"), "{e}");
        let e = error(&GOOD.replace(
            "api_secret: secret",
            &format!("api_secret: s\n    api_secret_file: {}", path.display()),
        ));
        assert!(e.contains("not both"), "{e}");
    }

    /// A duration beyond any clock once passed `check-config` and panicked
    /// at the first scrape after a fetch.
    #[test]
    fn durations_are_at_most_400_days() {
        for (from, to) in [
            ("refresh_interval: 5m", "refresh_interval: 300000000000y"),
            (
                "refresh_interval: 5m",
                "refresh_interval: 5m\ntimeout: 500d",
            ),
            (
                "refresh_interval: 5m",
                "refresh_interval: 5m\nprevious_periods: {settle_time: 401d}",
            ),
        ] {
            let e = error(&GOOD.replace(from, to));
            assert!(e.contains("longer than 400d"), "{to}: {e}");
        }
        let c = Config::parse(&GOOD.replace("5m", "400d"), "cfg.yml").unwrap();
        assert_eq!(c.refresh_interval, MAX_DURATION);
    }

    /// `[20000y]` once passed and panicked in every refresh; `[500ms]` was
    /// labelled `0d`, and `[500ms, 1ms]` exported every series twice.
    #[test]
    fn rolling_windows_that_cannot_be_served_are_rejected() {
        let wowza = |periods: &str| {
            format!("wowza:\n  - account: w\n    api_key: k\n    access_key: a\n    periods: {periods}\n")
        };
        for (periods, reason) in [
            ("[20000y]", "longer than 400d"),
            ("[500ms]", "whole number of seconds"),
            ("[500ms, 1ms]", "whole number of seconds"),
            ("[1d, 24h]", "each period once"),
        ] {
            let e = error(&wowza(periods));
            assert!(e.contains(reason), "{periods}: {e}");
        }
        assert!(Config::parse(&wowza("[400d, 90m, month]"), "cfg.yml").is_ok());
    }

    /// A value from the environment may hold a secret (a token in
    /// `api_url`): errors quote the value with it removed.
    #[test]
    fn errors_never_show_values_from_the_environment() {
        let path = std::env::var("PATH").expect("tests run with a PATH");
        let e = error(&GOOD.replace(
            "https://api.scaleengine.net/stable/",
            "ftp://user:${PATH}@host/",
        ));
        assert!(e.contains("http or https"), "{e}");
        assert!(e.contains("<redacted>"), "{e}");
        assert!(!e.contains(&path), "{e}");
    }

    #[test]
    fn env_expansion_rules() {
        let env = |name: &str| (name == "KEY").then(|| "v@l".to_string());
        assert_eq!(expand_env("a${KEY}b", env).unwrap(), "av@lb");
        assert_eq!(expand_env("$$5 and $x", env).unwrap(), "$5 and $x");
        assert!(expand_env("${NOPE}", env)
            .unwrap_err()
            .contains("`NOPE` is not set"));
        assert!(expand_env("${KEY", env).is_err());
        assert!(expand_env("${a-b}", env).is_err());
    }

    #[test]
    fn shards_partition_the_accounts_exactly() {
        let mut text = String::from("scaleengine:\n");
        for i in 0..40 {
            text += &format!("  - {{account: se-{i}, api_key: k, api_secret: s, cdn_id: 1}}\n");
        }
        text += "wowza:\n";
        for i in 0..40 {
            text += &format!("  - {{account: w-{i}, api_key: k, access_key: a}}\n");
        }
        let config = Config::parse(&text, "cfg.yml").unwrap();
        let all = |c: &Config| -> Vec<String> {
            c.scaleengine
                .iter()
                .map(|a| format!("scaleengine/{}", a.account))
                .chain(c.wowza.iter().map(|a| format!("wowza/{}", a.account)))
                .collect()
        };
        for count in 1..=8 {
            let mut seen: Vec<String> = Vec::new();
            for index in 0..count {
                let shard = all(&config.clone().shard(count, index));
                assert!(count == 1 || shard.len() < 80, "{count}: one shard has all");
                seen.extend(shard);
            }
            seen.sort();
            let mut every = all(&config);
            every.sort();
            assert_eq!(seen, every, "{count} shards: each account exactly once");
        }
        // Stable across releases: a change would move accounts between pods.
        assert_eq!(
            (0..8)
                .map(|n| shard_of("wowza", "main", n + 1))
                .collect::<Vec<_>>(),
            SHARDS_OF_WOWZA_MAIN
        );
    }

    /// `shard_of("wowza", "main", n)` for n = 1..=8, computed independently:
    /// `int.from_bytes(hashlib.sha256(b"wowza/main").digest()[:8], "big") % n`.
    const SHARDS_OF_WOWZA_MAIN: [u32; 8] = [0, 0, 0, 0, 2, 0, 0, 4];

    #[test]
    fn sizes_are_exact_with_si_and_iec_suffixes() {
        assert_eq!(parse_size("50TB").unwrap(), 50_000_000_000_000);
        assert_eq!(parse_size("50TiB").unwrap(), 50 << 40);
        assert_eq!(parse_size("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("512 MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert_eq!(parse_size("18446744073709551615").unwrap(), u64::MAX);
        assert!(parse_size("20EB").is_err());
        assert!(parse_size("1.5B").unwrap_err().contains("whole number"));
        assert!(parse_size("100000PB").unwrap_err().contains("too large"));
        assert!(parse_size("TB").is_err());
    }

    #[test]
    fn quotas_prices_and_previous_periods_parse() {
        let text = GOOD.replace(
            "    periods: [month, day]\n",
            "    periods: [month, day, previous_month, previous_day]\n    quotas:\n      egress_bytes: {month: 50TB, day: 2TB}\n      app_egress_bytes: {demo-origin: {month: 10TiB}}\n      budget: 5000\n    prices: {currency: EUR, egress_per_gb: 0.02}\n",
        ) + "previous_periods: {refresh_interval: 3h, settle_time: 96h}\n";
        let c = Config::parse(&text, "cfg.yml").unwrap();
        assert_eq!(
            c.previous_periods.refresh_interval,
            Duration::from_secs(3 * 3600)
        );
        assert_eq!(
            c.previous_periods.settle_time,
            Duration::from_secs(96 * 3600)
        );
        let a = &c.scaleengine[0];
        assert_eq!(a.periods[2], Period::PreviousMonth);
        assert_eq!(a.quotas.egress_bytes.month, Some(Size(50_000_000_000_000)));
        assert_eq!(a.quotas.egress_bytes.day, Some(Size(2_000_000_000_000)));
        assert_eq!(
            a.quotas.app_egress_bytes["demo-origin"].month,
            Some(Size(10 << 40))
        );
        assert_eq!(a.quotas.budget, Some(Amount(5000.0)));
        let prices = a.prices.as_ref().unwrap();
        assert_eq!(prices.currency, Currency("EUR".into()));
        assert_eq!(prices.egress_per_gb, Some(Amount(0.02)));
        assert_eq!(
            Config::parse(GOOD, "cfg.yml").unwrap().previous_periods,
            PreviousPeriods::default()
        );
    }

    #[test]
    fn bad_quotas_and_prices_are_rejected() {
        for (quotas, reason) in [
            ("quotas: {egress_bytes: {month: 5XB}}", "not a size"),
            (
                "quotas: {egress_bytes: {week: 5TB}}",
                "unknown field `week`",
            ),
            ("quotas: {budget: 100}", "needs `prices`"),
            (
                "quotas: {storage_bytes: 1TB}",
                "does not apply to this provider",
            ),
            ("prices: {currency: usd}", "three-letter"),
            ("prices: {currency: USD, egress_per_gb: -1}", "0 or more"),
            (
                "prices: {currency: USD, transcoder_per_hour: {transcoded: 1}}",
                "does not apply to this provider",
            ),
        ] {
            let e =
                error(&GOOD.replace("    urls: []\n", &format!("    urls: []\n    {quotas}\n")));
            assert!(e.contains(reason), "{quotas}: {e}");
        }
    }
}
