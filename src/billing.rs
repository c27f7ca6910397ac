//! Quotas and prices from the configuration, as gauges, so that recording
//! rules and alerts compute use of quota and estimated cost in PromQL.
//!
//! Everything is converted to base units: quotas in bytes and seconds
//! (transcoder hours × 3600), prices per byte (per GB ÷ 10^9, GB being
//! decimal as providers bill), per second (per hour ÷ 3600) and per byte of
//! monthly peak storage (per GB-month ÷ 10^9).

use crate::config::{Billing, Config};
use crate::exposition::{GaugeFamily, Snapshot, SnapshotBuilder};

macro_rules! families {
    ($($id:ident = $name:literal, $help:literal;)*) => {
        $(static $id: GaugeFamily = GaugeFamily { name: $name, help: $help };)*
    };
}

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

const GB: f64 = 1e9;
const HOUR: f64 = 3600.0;

/// One snapshot per account that has quotas or prices configured.
pub fn configured_gauges(config: &Config) -> Vec<Snapshot> {
    config
        .billing()
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
        let config = Config::parse(
            "wowza:\n  - account: w\n    api_key: k\n    access_key: a\n    quotas: {egress_bytes: {month: 50TB, day: 2TiB}, transcoder_hours: {month: 10}, storage_bytes: 1TB, budget: 900}\n    prices: {currency: USD, egress_per_gb: 0.05, transcoder_per_hour: {transcoded: 3.6}, storage_per_gb_month: 0.1}\nscaleengine:\n  - account: s\n    api_key: k\n    api_secret: s\n    cdn_id: 1\n    quotas: {app_egress_bytes: {vod: {month: 1TB}}}\n",
            "cfg.yml",
        )
        .unwrap();
        let text: String = configured_gauges(&config)
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
