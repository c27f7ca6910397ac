//! Quotas and prices from the configuration, as gauges, so that recording
//! rules and alerts compute use of quota and estimated cost in PromQL.
//!
//! Everything is converted to base units: quotas in bytes and seconds
//! (transcoder hours × 3600), prices per byte (per GB ÷ 10^9, GB being
//! decimal as providers bill), per second (per hour ÷ 3600) and per byte of
//! monthly peak storage (per GB-month ÷ 10^9).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::exposition::{families, Snapshot, SnapshotBuilder};
use crate::values::{Amount, Currency, Size};

families! {
    QUOTA_BYTES = "video_usage_quota_bytes",
        "Configured byte quota of the account per period: resource egress (month, day) or storage (peak recording, month).";
    APP_QUOTA_BYTES = "video_usage_app_quota_bytes",
        "Configured egress byte quota of one app per period.";
    QUOTA_SECONDS = "video_usage_quota_seconds",
        "Configured transcoder time quota of the account per period, in seconds.";
    BUDGET = "video_usage_budget",
        "Configured monthly spend budget of the account, in `currency`.";
    PRICE_PER_BYTE = "video_usage_price_per_byte",
        "Configured price of one egress byte, in `currency` (the per-GB price / 10^9).";
    PRICE_PER_SECOND = "video_usage_price_per_second",
        "Configured price of one second of transcoding by transcoder type, in `currency` (the hourly price / 3600).";
    PRICE_PER_BYTE_MONTH = "video_usage_price_per_byte_month",
        "Configured price of one byte of peak recording storage for a month, in `currency` (the GB-month price / 10^9).";
}

/// One account's quotas and prices, whatever its provider.
pub struct Billing<'a> {
    pub provider: &'static str,
    pub account: &'a str,
    pub quotas: &'a Quotas,
    pub prices: Option<&'a Prices>,
}

/// Usage quotas of one account. Each provider accepts the keys that fit
/// it (see `Quotas::check`).
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

const GB: f64 = 1e9;
const HOUR: f64 = 3600.0;

/// One snapshot per account that has quotas or prices configured.
pub fn configured_gauges<'a>(accounts: impl IntoIterator<Item = Billing<'a>>) -> Vec<Snapshot> {
    accounts
        .into_iter()
        .map(|billing| account_gauges(&billing))
        .filter(|s| s.series() > 0)
        .collect()
}

fn account_gauges(billing: &Billing) -> Snapshot {
    let mut s = SnapshotBuilder::with_labels(&[
        ("provider", billing.provider),
        ("account", billing.account),
    ]);
    let quotas = billing.quotas;
    for (period, bytes) in quotas.egress_bytes.values() {
        s.gauge(
            &QUOTA_BYTES,
            &[("resource", "egress"), ("period", period)],
            bytes.0,
        );
    }
    if let Some(bytes) = quotas.storage_bytes {
        s.gauge(
            &QUOTA_BYTES,
            &[("resource", "storage"), ("period", "month")],
            bytes.0,
        );
    }
    for (app, quota) in &quotas.app_egress_bytes {
        for (period, bytes) in quota.values() {
            s.gauge(
                &APP_QUOTA_BYTES,
                &[("app", app), ("period", period)],
                bytes.0,
            );
        }
    }
    for (period, hours) in quotas.transcoder_hours.values() {
        s.gauge(
            &QUOTA_SECONDS,
            &[("resource", "transcoder"), ("period", period)],
            hours.0 * HOUR,
        );
    }
    let Some(prices) = billing.prices else {
        return s.finish();
    };
    let currency = prices.currency.0.as_str();
    if let Some(budget) = quotas.budget {
        s.gauge(
            &BUDGET,
            &[("currency", currency), ("period", "month")],
            budget.0,
        );
    }
    if let Some(per_gb) = prices.egress_per_gb {
        s.gauge(
            &PRICE_PER_BYTE,
            &[("resource", "egress"), ("currency", currency)],
            per_gb.0 / GB,
        );
    }
    let transcoder = &prices.transcoder_per_hour;
    for (kind, price) in [
        ("transcoded", transcoder.transcoded),
        ("passthrough", transcoder.passthrough),
    ] {
        if let Some(per_hour) = price {
            s.gauge(
                &PRICE_PER_SECOND,
                &[
                    ("resource", "transcoder"),
                    ("transcoder_type", kind),
                    ("currency", currency),
                ],
                per_hour.0 / HOUR,
            );
        }
    }
    if let Some(per_gb_month) = prices.storage_per_gb_month {
        s.gauge(
            &PRICE_PER_BYTE_MONTH,
            &[("resource", "storage"), ("currency", currency)],
            per_gb_month.0 / GB,
        );
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_and_prices_become_gauges_in_base_units() {
        fn yaml<T: serde::de::DeserializeOwned>(text: &str) -> T {
            serde_norway::from_str(text).unwrap()
        }
        let (wowza_quotas, scaleengine_quotas): (Quotas, Quotas) = (
            yaml("{egress_bytes: {month: 50TB, day: 2TiB}, transcoder_hours: {month: 10}, storage_bytes: 1TB, budget: 900}"),
            yaml("{app_egress_bytes: {vod: {month: 1TB}}}"),
        );
        let prices: Prices = yaml("{currency: USD, egress_per_gb: 0.05, transcoder_per_hour: {transcoded: 3.6}, storage_per_gb_month: 0.1}");
        let accounts = [
            Billing {
                provider: "wowza",
                account: "w",
                quotas: &wowza_quotas,
                prices: Some(&prices),
            },
            Billing {
                provider: "scaleengine",
                account: "s",
                quotas: &scaleengine_quotas,
                prices: None,
            },
        ];
        let text: String = configured_gauges(accounts)
            .iter()
            .flat_map(|s| s.families().iter())
            .map(|f| String::from_utf8(f.samples.text().to_vec()).unwrap())
            .collect();
        for line in [
            "video_usage_quota_bytes{provider=\"wowza\",account=\"w\",resource=\"egress\",period=\"month\"} 50000000000000\n",
            "video_usage_quota_bytes{provider=\"wowza\",account=\"w\",resource=\"egress\",period=\"day\"} 2199023255552\n",
            "video_usage_quota_bytes{provider=\"wowza\",account=\"w\",resource=\"storage\",period=\"month\"} 1000000000000\n",
            "video_usage_quota_seconds{provider=\"wowza\",account=\"w\",resource=\"transcoder\",period=\"month\"} 36000\n",
            "video_usage_budget{provider=\"wowza\",account=\"w\",currency=\"USD\",period=\"month\"} 900\n",
            "video_usage_price_per_byte{provider=\"wowza\",account=\"w\",resource=\"egress\",currency=\"USD\"} 0.00000000005\n",
            "video_usage_price_per_second{provider=\"wowza\",account=\"w\",resource=\"transcoder\",transcoder_type=\"transcoded\",currency=\"USD\"} 0.001\n",
            "video_usage_price_per_byte_month{provider=\"wowza\",account=\"w\",resource=\"storage\",currency=\"USD\"} 0.0000000001\n",
            "video_usage_app_quota_bytes{provider=\"scaleengine\",account=\"s\",app=\"vod\",period=\"month\"} 1000000000000\n",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
        assert!(
            !text.contains("passthrough"),
            "unset prices are not exported"
        );
    }
}
