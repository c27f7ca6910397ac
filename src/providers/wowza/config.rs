//! The keys of a `wowza:` account.

use std::collections::HashSet;
use std::time::Duration;

use serde::Deserialize;

use crate::billing::{Prices, Quotas};
use crate::cardinality::{self, Cardinality};
use crate::period::Period;
use crate::values::{http_url, optional_duration, secret_from, EnvString, Secret};

/// Wowza Streaming Cloud credentials: the key pair, or a bearer token (JWT).
#[derive(Debug, Clone)]
pub enum WowzaAuth {
    Keys { api_key: Secret, access_key: Secret },
    Token(Secret),
}

/// `billing_mode` query values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    PayAsYouGo,
    TwentyfourSeven,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::PayAsYouGo => "pay_as_you_go",
            BillingMode::TwentyfourSeven => "twentyfour_seven",
        }
    }
}

/// `transcoder_type` query values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscoderType {
    Transcoded,
    Passthrough,
}

impl TranscoderType {
    pub fn as_str(self) -> &'static str {
        match self {
            TranscoderType::Transcoded => "transcoded",
            TranscoderType::Passthrough => "passthrough",
        }
    }
}

/// Per-resource refresh intervals; unset ones follow the provider's cadence.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WowzaIntervals {
    #[serde(default, deserialize_with = "optional_duration")]
    pub transcoder_time: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub transcoder_network: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub stream_source_network: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub stream_target_network: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub peak_recording: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub viewer_data: Option<Duration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawWowza")]
pub struct WowzaAccount {
    pub account: String,
    pub api_url: reqwest::Url,
    pub auth: WowzaAuth,
    pub viewer_data: bool,
    pub periods: Vec<Period>,
    /// Day of the month (1..=28) on which the account's billing month starts.
    pub billing_day: u8,
    pub billing_modes: Vec<BillingMode>,
    pub transcoder_types: Vec<TranscoderType>,
    pub refresh_intervals: WowzaIntervals,
    pub quotas: Quotas,
    pub prices: Option<Prices>,
    pub cardinality: Cardinality,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWowza {
    account: EnvString,
    #[serde(default = "default_url")]
    api_url: EnvString,
    api_key: Option<EnvString>,
    api_key_file: Option<EnvString>,
    access_key: Option<EnvString>,
    access_key_file: Option<EnvString>,
    token: Option<EnvString>,
    token_file: Option<EnvString>,
    #[serde(default = "default_true")]
    viewer_data: bool,
    periods: Option<Vec<Period>>,
    /// Deprecated: one period, before `periods` existed.
    window: Option<Period>,
    #[serde(default = "default_billing_day")]
    billing_day: u8,
    #[serde(default = "default_billing_modes")]
    billing_modes: Vec<BillingMode>,
    #[serde(default = "default_transcoder_types")]
    transcoder_types: Vec<TranscoderType>,
    #[serde(default)]
    refresh_intervals: WowzaIntervals,
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
    EnvString("https://api.cloud.wowza.com/api/v1".into())
}

fn default_true() -> bool {
    true
}

fn default_periods() -> Vec<Period> {
    vec![Period::Month, Period::PreviousMonth]
}

fn default_billing_day() -> u8 {
    1
}

fn default_billing_modes() -> Vec<BillingMode> {
    vec![BillingMode::PayAsYouGo, BillingMode::TwentyfourSeven]
}

fn default_transcoder_types() -> Vec<TranscoderType> {
    vec![TranscoderType::Transcoded, TranscoderType::Passthrough]
}

impl TryFrom<RawWowza> for WowzaAccount {
    type Error = String;

    fn try_from(raw: RawWowza) -> Result<Self, String> {
        let account = raw.account.0;
        if account.is_empty() {
            return Err("account must not be empty".into());
        }
        let has_keys = raw.api_key.is_some()
            || raw.api_key_file.is_some()
            || raw.access_key.is_some()
            || raw.access_key_file.is_some();
        let has_token = raw.token.is_some() || raw.token_file.is_some();
        let auth = match (has_keys, has_token) {
            (true, true) => {
                return Err(format!(
                    "account `{account}`: set api_key and access_key, or token, not both"
                ))
            }
            (false, false) => {
                return Err(format!(
                    "account `{account}`: api_key and access_key (or token) are required"
                ))
            }
            (true, false) => WowzaAuth::Keys {
                api_key: secret_from(raw.api_key, raw.api_key_file, "api_key", &account)?,
                access_key: secret_from(
                    raw.access_key,
                    raw.access_key_file,
                    "access_key",
                    &account,
                )?,
            },
            (false, true) => {
                WowzaAuth::Token(secret_from(raw.token, raw.token_file, "token", &account)?)
            }
        };
        let api_url = http_url(raw.api_url.0.trim_end_matches('/'), &account)?;
        for (name, empty, twice) in [
            (
                "billing_modes",
                raw.billing_modes.is_empty(),
                raw.billing_modes.iter().collect::<HashSet<_>>().len() != raw.billing_modes.len(),
            ),
            (
                "transcoder_types",
                raw.transcoder_types.is_empty(),
                raw.transcoder_types.iter().collect::<HashSet<_>>().len()
                    != raw.transcoder_types.len(),
            ),
        ] {
            if empty || twice {
                return Err(format!(
                    "account `{account}`: {name} must list each value once, and at least one"
                ));
            }
        }
        let periods = match (raw.periods, raw.window) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "account `{account}`: set periods, not the deprecated window as well"
                ))
            }
            (Some(periods), None) => periods,
            (None, Some(window)) => {
                tracing::warn!(
                    account = %account,
                    "wowza `window` is deprecated; use `periods: [{window}]`"
                );
                vec![window]
            }
            (None, None) => default_periods(),
        };
        if periods.is_empty() || periods.iter().collect::<HashSet<_>>().len() != periods.len() {
            return Err(format!(
                "account `{account}`: periods must list each period once, and at least one"
            ));
        }
        if !(1..=28).contains(&raw.billing_day) {
            return Err(format!(
                "account `{account}`: billing_day is {}; it must be 1..=28 (a day every month has)",
                raw.billing_day
            ));
        }
        raw.quotas
            .check(&account, raw.prices.as_ref(), &["app_egress_bytes"])?;
        let cardinality = cardinality::from_keys(
            &account,
            raw.max_series,
            &raw.include,
            &raw.exclude,
            raw.aggregate_only,
        )?;
        Ok(WowzaAccount {
            account,
            api_url,
            auth,
            viewer_data: raw.viewer_data,
            periods,
            billing_day: raw.billing_day,
            cardinality,
            quotas: raw.quotas,
            prices: raw.prices,
            billing_modes: raw.billing_modes,
            transcoder_types: raw.transcoder_types,
            refresh_intervals: raw.refresh_intervals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Size;

    /// The `wowza:` key of a config file.
    #[derive(Debug, Deserialize)]
    struct File {
        wowza: Vec<WowzaAccount>,
    }

    fn parse(text: &str) -> Result<File, String> {
        serde_norway::from_str(text).map_err(|e| e.to_string())
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err()
    }

    const WOWZA: &str = r#"
wowza:
  - account: main
    api_key: k
    access_key: a
"#;

    #[test]
    fn wowza_defaults_and_auth_styles() {
        let c = parse(WOWZA).unwrap();
        let a = &c.wowza[0];
        assert_eq!(a.api_url.as_str(), "https://api.cloud.wowza.com/api/v1");
        assert!(matches!(a.auth, WowzaAuth::Keys { .. }));
        assert!(a.viewer_data);
        assert_eq!(a.periods, vec![Period::Month, Period::PreviousMonth]);
        assert_eq!(a.billing_modes.len(), 2);
        assert_eq!(a.transcoder_types.len(), 2);

        let c = parse("wowza:\n  - account: jwt\n    token: eyJhbGciOi.x.y\n    api_url: http://127.0.0.1:1/api/v2.0/\n    window: 7d\n    refresh_intervals: {viewer_data: 2h}\n")
        .unwrap();
        let a = &c.wowza[0];
        assert!(matches!(&a.auth, WowzaAuth::Token(t) if t.expose() == "eyJhbGciOi.x.y"));
        assert_eq!(a.api_url.as_str(), "http://127.0.0.1:1/api/v2.0");
        assert_eq!(
            a.periods,
            vec![Period::Rolling(Duration::from_secs(7 * 86400))]
        );
        assert_eq!(
            a.refresh_intervals.viewer_data,
            Some(Duration::from_secs(7200))
        );
    }

    #[test]
    fn wowza_bad_auth_and_values_are_rejected() {
        for (from, to, reason) in [
            (
                "    access_key: a\n",
                "",
                "access_key or access_key_file is required",
            ),
            ("    api_key: k\n    access_key: a\n", "", "are required"),
            (
                "    access_key: a\n",
                "    access_key: a\n    token: t\n",
                "not both",
            ),
            (
                "    access_key: a\n",
                "    access_key: a\n    periods: [fortnight]\n",
                "a period is",
            ),
            (
                "    access_key: a\n",
                "    access_key: a\n    billing_modes: [monthly]\n",
                "unknown variant",
            ),
            (
                "    access_key: a\n",
                "    access_key: a\n    refresh_intervals: {views: 1h}\n",
                "unknown field `views`",
            ),
        ] {
            let e = error(&WOWZA.replace(from, to));
            assert!(e.contains(reason), "{to}: {e}");
        }
    }

    #[test]
    fn periods_billing_day_and_quotas() {
        let text = WOWZA.to_string()
            + "    periods: [month, day, previous_month, previous_day, 7d]\n    billing_day: 15\n    quotas: {egress_bytes: {month: 1PB}, transcoder_hours: {month: 720}, storage_bytes: 2TiB, budget: 900}\n    prices: {currency: USD, egress_per_gb: 0.05, transcoder_per_hour: {transcoded: 2.5, passthrough: 0.5}, storage_per_gb_month: 0.1}\n";
        let c = parse(&text).unwrap();
        let a = &c.wowza[0];
        assert_eq!(a.periods.len(), 5);
        assert_eq!(a.billing_day, 15);
        assert_eq!(a.quotas.storage_bytes, Some(Size(2 << 40)));
        assert_eq!(a.quotas.transcoder_hours.month.unwrap().0, 720.0);
        for (extra, reason) in [
            ("    billing_day: 29\n", "1..=28"),
            ("    periods: []\n", "at least one"),
            ("    periods: [day, day]\n", "each period once"),
            (
                "    periods: [day]\n    window: month\n",
                "not the deprecated window",
            ),
            (
                "    quotas: {app_egress_bytes: {x: {month: 1TB}}}\n",
                "does not apply",
            ),
        ] {
            let e = error(&(WOWZA.to_string() + extra));
            assert!(e.contains(reason), "{extra}: {e}");
        }
    }

    #[test]
    fn window_is_a_deprecated_alias_of_one_period() {
        let c = parse(&(WOWZA.to_string() + "    window: day\n")).unwrap();
        assert_eq!(c.wowza[0].periods, vec![Period::Day]);
    }
}
