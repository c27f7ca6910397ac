//! The configuration file: the global settings and each provider's
//! accounts; typed, strict, and validated while it is parsed.
//!
//! Unknown keys are errors, and every check runs inside deserialization so
//! that each error carries the file, line, key path and reason. What the
//! keys share (durations, sizes, `${VAR}`, secrets) is in [`crate::values`];
//! each provider's keys are in its folder. The providers' keys follow from
//! `registered!` in [`crate::providers`]: this module names no provider.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::billing::Billing;
use crate::clock::Clock;
use crate::period::PreviousPeriods;
use crate::providers::account::{Account, Context};
use crate::providers::http::{Limits, Upstream};
use crate::providers::redact::redact;
use crate::providers::Endpoint;
use crate::values::{duration, referenced_env};

/// A config error, formatted as `file: key: reason at line L column C`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub message: String,
}

/// `Config` and its file form, with a list of accounts per provider under
/// the provider's key.
macro_rules! config {
    ($($key:ident: $account:ident,)*) => {
        #[derive(Debug, Clone, Deserialize)]
        #[serde(try_from = "RawConfig")]
        pub struct Config {
            pub refresh_interval: Duration,
            pub timeout: Duration,
            pub max_response_bytes: u64,
            pub previous_periods: PreviousPeriods,
            $(pub $key: Vec<crate::providers::$key::$account>,)*
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
            $(#[serde(default)] $key: Vec<crate::providers::$key::$account>,)*
        }

        impl TryFrom<RawConfig> for Config {
            type Error = String;

            fn try_from(raw: RawConfig) -> Result<Self, String> {
                if true $(&& raw.$key.is_empty())* {
                    let keys = [$(concat!("`", stringify!($key), "`"),)*];
                    return Err(format!(
                        "no provider account is configured (add a {} entry)",
                        keys.join(" or ")
                    ));
                }
                $(unique(stringify!($key), raw.$key.iter().map(|a| a.name()))?;)*
                if raw.max_response_bytes == 0 {
                    return Err("max_response_bytes must be positive".into());
                }
                Ok(Config {
                    refresh_interval: raw.refresh_interval,
                    timeout: raw.timeout,
                    max_response_bytes: raw.max_response_bytes,
                    previous_periods: raw.previous_periods,
                    $($key: raw.$key,)*
                })
            }
        }

        impl Config {
            /// Every account, in config order, provider by provider.
            pub fn accounts(&self) -> impl Iterator<Item = &dyn Account> {
                std::iter::empty()
                    $(.chain(self.$key.iter().map(|a| a as &dyn Account)))*
            }

            /// The number of accounts of each provider, by config key.
            pub fn account_counts(&self) -> Vec<(&'static str, usize)> {
                vec![$((stringify!($key), self.$key.len()),)*]
            }

            /// Only the accounts of shard `index` of `count` (all of them
            /// when `count` is 1).
            pub fn shard(mut self, count: u32, index: u32) -> Config {
                $(self.$key.retain(|a| shard_of(a.provider(), a.name(), count) == index);)*
                self
            }
        }
    };
}
crate::providers::registered!(config);

fn default_refresh() -> Duration {
    Duration::from_secs(300)
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_max_response_bytes() -> u64 {
    64 << 20
}

fn unique<'a>(what: &str, accounts: impl Iterator<Item = &'a str>) -> Result<(), String> {
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

/// The shard, of `count`, that serves `provider`/`account`: a stable hash
/// (the first 8 bytes of SHA-256), the same in every replica and release.
pub fn shard_of(provider: &str, account: &str, count: u32) -> u32 {
    let digest = Sha256::digest(format!("{provider}/{account}"));
    let head = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    u32::try_from(head % u64::from(count.max(1))).expect("less than count")
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
                message: redact(&message, &values),
            }
        })
    }

    /// The limits of the HTTP client every upstream call goes through.
    pub fn upstream_limits(&self) -> Limits {
        Limits {
            timeout: self.timeout,
            max_body_bytes: self.max_response_bytes,
            ..Limits::default()
        }
    }

    /// The globals a provider's endpoints use, with the client they call
    /// and the clock they read time from.
    pub fn context<'a>(
        &self,
        upstream: &'a Arc<Upstream>,
        clock: &'a Arc<dyn Clock>,
    ) -> Context<'a> {
        Context {
            refresh_interval: self.refresh_interval,
            timeout: self.timeout,
            previous_periods: self.previous_periods,
            upstream,
            clock,
        }
    }

    /// The endpoints of every account, in config order.
    pub fn endpoints(&self, context: &Context) -> Vec<Arc<dyn Endpoint>> {
        self.accounts().flat_map(|a| a.endpoints(context)).collect()
    }

    /// The quotas and prices of every account, in config order.
    pub fn billing(&self) -> impl Iterator<Item = Billing<'_>> {
        self.accounts().map(|a| Billing {
            provider: a.provider(),
            account: a.name(),
            quotas: a.quotas(),
            prices: a.prices(),
        })
    }

    /// Per provider and account, what a reload compares to decide what it
    /// keeps (see [`crate::refresh::Carry`]).
    pub fn fingerprints(&self) -> HashMap<(&'static str, String), Fingerprint> {
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
        self.accounts()
            .map(|a| {
                let fetch = a.fetch_key();
                let mut parts = vec![global.as_str(), fetch.as_str()];
                parts.extend(a.secrets());
                let print = Fingerprint {
                    fetch: digest(&parts),
                    data: digest(&[&a.data_key()]),
                };
                ((a.provider(), a.name().to_string()), print)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;
    use crate::providers::scaleengine::config::{AppRef, CdnField};
    use crate::values::{Amount, Currency, Size, MAX_DURATION};

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
