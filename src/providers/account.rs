//! What the core asks of one configured account of any provider
//! ([`Account`]), and what it hands a provider to build its endpoints
//! with ([`Context`]).
//!
//! A provider never reads the global configuration: the context carries
//! the few globals endpoints need, so a provider folder can be read, and
//! tested, without the config file around it.

use std::sync::Arc;
use std::time::Duration;

use super::http::Upstream;
use super::{Endpoint, Schedule};
use crate::billing::{Prices, Quotas};
use crate::clock::Clock;
use crate::period::{Period, PreviousPeriods};

/// One configured account of a provider, as the core sees it: its labels,
/// its billing keys, what a reload compares, and its endpoints.
pub trait Account: Send + Sync {
    /// The `provider` label value, also the account's config key.
    fn provider(&self) -> &'static str;
    /// The `account` label value.
    fn name(&self) -> &str;
    fn quotas(&self) -> &Quotas;
    fn prices(&self) -> Option<&Prices>;
    /// Everything its endpoints are built and fetched with, as text to
    /// digest, secrets excluded (see [`Account::secrets`]), quotas and
    /// prices excluded (they are only gauges).
    fn fetch_key(&self) -> String;
    /// What its data means (which apps, URLs, modes, types, cardinality
    /// controls, billing day), as text to digest: while this stays, data
    /// fetched before a reload is still right.
    fn data_key(&self) -> String;
    /// The credentials' values: redacted from every upstream text, and
    /// digested (never kept) by a reload.
    fn secrets(&self) -> Vec<&str>;
    /// Its endpoints, one per resource and period.
    fn endpoints(&self, context: &Context) -> Vec<Arc<dyn Endpoint>>;
}

/// The [`Account`] methods every account type has alike, for a type with
/// the `account`, `quotas` and `prices` keys: its labels (`provider` is
/// `$provider`), its billing keys, and its fetch key (its `Debug` without
/// quotas and prices, which secrets print as `<redacted>`).
macro_rules! account_keys {
    ($provider:expr) => {
        fn provider(&self) -> &'static str {
            $provider
        }

        fn name(&self) -> &str {
            &self.account
        }

        fn quotas(&self) -> &$crate::billing::Quotas {
            &self.quotas
        }

        fn prices(&self) -> Option<&$crate::billing::Prices> {
            self.prices.as_ref()
        }

        fn fetch_key(&self) -> String {
            let fetch = Self {
                quotas: $crate::billing::Quotas::default(),
                prices: None,
                ..self.clone()
            };
            format!("{fetch:?}")
        }
    };
}
pub(crate) use account_keys;

/// What a provider's endpoints are built from: the global settings they
/// use, the shared HTTP client and the clock.
pub struct Context<'a> {
    /// The global `refresh_interval`, for accounts that set none.
    pub refresh_interval: Duration,
    /// The global upstream `timeout`.
    pub timeout: Duration,
    pub previous_periods: PreviousPeriods,
    pub upstream: &'a Arc<Upstream>,
    pub clock: &'a Arc<dyn Clock>,
}

impl Context<'_> {
    /// The schedule of one endpoint of `period`: closed periods follow
    /// `previous_periods`, the others `interval`.
    pub fn schedule(&self, period: Period, billing_day: u8, interval: Duration) -> Schedule {
        Schedule {
            period,
            billing_day,
            refresh_interval: if period.is_previous() {
                self.previous_periods.refresh_interval
            } else {
                interval
            },
            settle_time: self.previous_periods.settle_time,
        }
    }
}
