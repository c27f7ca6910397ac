//! Built-in fake provider APIs on loopback, for `--demo` and the tests.
//!
//! The fakes follow the providers' documents, not our client: they verify
//! signatures, paginate and format numbers the way the real APIs are
//! documented to, so a client bug shows up as a failure here too.
//!
//! Both fakes can also serve a believable history ([`Accrual::Daily`]):
//! every UTC day has its own [`weight`], so a past day, a past month and a
//! month to date each have exact answers of their own, and a backfill that
//! reads the wrong day gets numbers that differ from the right one's.

pub mod faults;
pub mod scaleengine;
pub mod wowza;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use time::macros::date;
use time::Date;
use tokio::net::TcpListener;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use scaleengine::ScaleEngineSim;
use wowza::WowzaSim;

/// How a fake's numbers grow with time (each fake says over what).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accrual {
    /// The numbers as given, whatever the period asked for.
    Off,
    /// At a steady rate: the numbers scaled by how much of the period
    /// asked for has passed by the simulator's clock.
    Steady,
    /// A history: usage accrues day by day, each UTC day at its own
    /// [`weight`], so that every past day and month has its own exact
    /// answer.
    Daily,
}

/// Days after which the weights repeat: 35 is neither a week nor any
/// month's or year's length, so a backfill off by a day, a week, a month
/// or a year reads different numbers.
const WEIGHT_CYCLE_DAYS: i64 = 35;

/// The weight of `date` in a [`Accrual::Daily`] history:
/// 1 + (days since 1970-01-01 mod 35), from 1 to 35. Neighbouring days
/// differ, and a leap day has a weight of its own.
pub fn weight(date: Date) -> u64 {
    weight_of_day((date - date!(1970 - 01 - 01)).whole_days())
}

/// The [`weight`] of the day `days` after 1970-01-01.
pub(crate) fn weight_of_day(days: i64) -> u64 {
    1 + days.rem_euclid(WEIGHT_CYCLE_DAYS).unsigned_abs()
}

/// A share of usage that has accrued, as an exact fraction: values above
/// 2^53 pass through unchanged (no `f64` on the way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Share {
    passed: u128,
    length: u128,
}

impl Share {
    pub(crate) const WHOLE: Share = Share {
        passed: 1,
        length: 1,
    };

    /// `passed` out of `length` (at least 1), in any one unit.
    pub(crate) fn new(passed: u128, length: u128) -> Share {
        Share {
            passed,
            length: length.max(1),
        }
    }

    /// `passed` out of `length` (more than whole when `passed` is longer).
    pub(crate) fn of(passed: std::time::Duration, length: std::time::Duration) -> Share {
        Share::new(passed.as_millis(), length.as_millis())
    }

    pub(crate) fn at_most_whole(self) -> Share {
        if self.passed >= self.length {
            Share::WHOLE
        } else {
            self
        }
    }

    /// This share `times` over.
    pub(crate) fn times(self, times: u64) -> Share {
        Share {
            passed: self.passed * u128::from(times),
            ..self
        }
    }

    pub(crate) fn apply(self, value: u64) -> u64 {
        u64::try_from(u128::from(value) * self.passed / self.length).unwrap_or(u64::MAX)
    }
}

/// The running fakes.
pub struct Simulator {
    pub addr: SocketAddr,
    pub scaleengine: Arc<ScaleEngineSim>,
    pub wowza: Arc<WowzaSim>,
}

impl Simulator {
    /// Serves the fakes on 127.0.0.1 at a free port, until the runtime
    /// ends, on the system clock.
    pub async fn start(
        scaleengine: scaleengine::Account,
        wowza: wowza::Account,
    ) -> std::io::Result<Simulator> {
        Self::start_with_clock(scaleengine, wowza, Arc::new(SystemClock)).await
    }

    /// Serves the fakes, reading time from `clock` (the exporter's, in
    /// tests that move time).
    pub async fn start_with_clock(
        scaleengine: scaleengine::Account,
        wowza: wowza::Account,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Simulator> {
        let scaleengine = ScaleEngineSim::new(scaleengine, clock.clone());
        let wowza = WowzaSim::new(wowza, clock);
        let app = Router::new()
            .merge(scaleengine.router())
            .merge(wowza.router());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(error = %err, "simulator stopped");
            }
        });
        Ok(Simulator {
            addr,
            scaleengine,
            wowza,
        })
    }

    /// The `api_url` of the fake ScaleEngine API.
    pub fn scaleengine_url(&self) -> String {
        format!("http://{}/scaleengine/", self.addr)
    }

    /// The `api_url` of the fake Wowza API.
    pub fn wowza_url(&self) -> String {
        format!("http://{}{}", self.addr, wowza::BASE)
    }
}

/// Starts the demo fakes and returns a config that points at them: one
/// ScaleEngine account, and two Wowza accounts, one per auth style.
pub async fn demo() -> std::io::Result<(Simulator, Config)> {
    let se = scaleengine::demo_account();
    let wsc = wowza::demo_account();
    let yaml = |sim: &Simulator| {
        format!(
            "refresh_interval: 15s\n\
             scaleengine:\n\
             \x20 - account: demo\n\
             \x20   api_url: {se_url}\n\
             \x20   api_key: {se_key}\n\
             \x20   api_secret: {se_secret}\n\
             \x20   cdn_id: {cdn}\n\
             \x20   periods: [month, day, previous_month, previous_day]\n\
             \x20   quotas: {{egress_bytes: {{month: 2TB, day: 100GB}}, app_egress_bytes: {{demo-vod: {{month: 1TB}}}}, budget: 150}}\n\
             \x20   prices: {{currency: USD, egress_per_gb: 0.04}}\n\
             wowza:\n\
             \x20 - account: demo\n\
             \x20   api_url: {wsc_url}\n\
             \x20   api_key: {wsc_key}\n\
             \x20   access_key: {wsc_access}\n\
             \x20   periods: [month, day, previous_month]\n\
             \x20   refresh_intervals: {{stream_source_network: 1m, stream_target_network: 1m, peak_recording: 1m, viewer_data: 1m}}\n\
             \x20   quotas: {wowza_quotas}\n\
             \x20   prices: {wowza_prices}\n\
             \x20 - account: demo-jwt\n\
             \x20   api_url: {wsc_url}\n\
             \x20   token: {wsc_token}\n\
             \x20   viewer_data: false\n\
             \x20   periods: [month, day, previous_month]\n\
             \x20   quotas: {wowza_quotas}\n\
             \x20   prices: {wowza_prices}\n",
            wowza_quotas = "{egress_bytes: {month: 5TB}, transcoder_hours: {month: 720}, storage_bytes: 500GB, budget: 2000}",
            wowza_prices = "{currency: USD, egress_per_gb: 0.05, transcoder_per_hour: {transcoded: 2.5, passthrough: 0.5}, storage_per_gb_month: 0.1}",
            se_url = sim.scaleengine_url(),
            se_key = se.api_key,
            se_secret = se.api_secret,
            cdn = se.cdn_id,
            wsc_url = sim.wowza_url(),
            wsc_key = wsc.api_key,
            wsc_access = wsc.access_key,
            wsc_token = wsc.token,
        )
    };
    let sim = Simulator::start(se.clone(), wsc.clone()).await?;
    let config =
        Config::parse(&yaml(&sim), "<demo>").map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((sim, config))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn weights_cycle_over_35_days_from_1970() {
        assert_eq!(weight(date!(1970 - 01 - 01)), 1);
        assert_eq!(weight(date!(1970 - 02 - 04)), 35);
        assert_eq!(weight(date!(1970 - 02 - 05)), 1);
        assert_eq!(weight(date!(1969 - 12 - 31)), 35);
        // 2024-02-29 is day 19,782 = 565 × 35 + 7.
        assert_eq!(weight(date!(2024 - 02 - 29)), 8);
    }

    #[test]
    fn neighbouring_days_weigh_differently() {
        let mut day = date!(2023 - 12 - 01);
        while day < date!(2025 - 01 - 01) {
            let next = day.next_day().unwrap();
            assert_ne!(weight(day), weight(next), "{day}");
            day = next;
        }
    }
}
