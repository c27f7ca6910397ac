//! Usage periods: which span of time a snapshot's numbers cover, and until
//! when they may be served as that period.
//!
//! A `month` snapshot fetched at 23:59:40 on the last day of a month is not
//! the new month's data 21 seconds later: every snapshot carries the bounds
//! it was fetched for, and the refresher stops serving it when
//! [`Bounds::valid_until`] has passed. Months run from the account's
//! billing day (default the 1st), all in UTC.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::de::{self, Deserializer};
use serde::Deserialize;
use time::{Date, Month, OffsetDateTime, Time};

use crate::values::{duration, parse_duration};

/// A usage period, relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// The current (billing) month to date.
    Month,
    /// The current UTC day to date.
    Day,
    /// The last closed (billing) month.
    PreviousMonth,
    /// Yesterday (UTC).
    PreviousDay,
    /// The last `Duration`, ending now (Wowza only).
    Rolling(Duration),
}

/// The span a fetch covers, fixed at the time of the fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// First instant of the period.
    pub start: OffsetDateTime,
    /// End of the period (exclusive): the next boundary for a current
    /// period, the query time for a rolling window.
    pub end: OffsetDateTime,
    /// The last second asked for: now (whole seconds) for a period in
    /// progress or a rolling window, the period's last second for a closed
    /// one (Wowza's `to`).
    pub to: OffsetDateTime,
    /// When data of these bounds stops being this period's data (a month
    /// ends; yesterday becomes the day before). `None`: rolling windows,
    /// which only age.
    pub valid_until: Option<OffsetDateTime>,
}

impl Period {
    /// The `period` label value: `month`, `previous_day`, `7d`, ...
    pub fn label(&self) -> String {
        match self {
            Period::Month => "month".into(),
            Period::Day => "day".into(),
            Period::PreviousMonth => "previous_month".into(),
            Period::PreviousDay => "previous_day".into(),
            Period::Rolling(length) => {
                let secs = length.as_secs();
                match [(86_400, 'd'), (3_600, 'h'), (60, 'm')]
                    .into_iter()
                    .find(|(unit, _)| secs % unit == 0)
                {
                    Some((unit, suffix)) => format!("{}{suffix}", secs / unit),
                    None => format!("{secs}s"),
                }
            }
        }
    }

    /// A closed period, whose numbers only settle.
    pub fn is_previous(&self) -> bool {
        matches!(self, Period::PreviousMonth | Period::PreviousDay)
    }

    /// The bounds of this period at `now`; months start on `billing_day`.
    pub fn bounds(&self, now: SystemTime, billing_day: u8) -> Bounds {
        let now = OffsetDateTime::from(now);
        let second = time::Duration::SECOND;
        let now_whole = now.replace_nanosecond(0).expect("0 is a valid nanosecond");
        let midnight = |date: Date| date.with_time(Time::MIDNIGHT).assume_utc();
        let today = midnight(now.date());
        let tomorrow = today + time::Duration::DAY;
        let month_start = month_start(now, billing_day);
        let next_month = add_months(month_start, 1, billing_day);
        match self {
            Period::Month => Bounds {
                start: month_start,
                end: next_month,
                to: now_whole,
                valid_until: Some(next_month),
            },
            Period::Day => Bounds {
                start: today,
                end: tomorrow,
                to: now_whole,
                valid_until: Some(tomorrow),
            },
            Period::PreviousMonth => Bounds {
                start: add_months(month_start, -1, billing_day),
                end: month_start,
                to: month_start - second,
                valid_until: Some(next_month),
            },
            Period::PreviousDay => Bounds {
                start: today - time::Duration::DAY,
                end: today,
                to: today - second,
                valid_until: Some(tomorrow),
            },
            Period::Rolling(length) => Bounds {
                start: now_whole - *length,
                end: now_whole,
                to: now_whole,
                valid_until: None,
            },
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl Period {
    /// `month`, `day`, `previous_month`, `previous_day`, or a rolling
    /// window: a whole number of seconds (`7d`, `36h`), so that every window
    /// has a label of its own, up to the longest duration (400 days).
    pub fn parse(text: &str) -> Result<Period, String> {
        match text {
            "month" => return Ok(Period::Month),
            "day" => return Ok(Period::Day),
            "previous_month" => return Ok(Period::PreviousMonth),
            "previous_day" => return Ok(Period::PreviousDay),
            _ => {}
        }
        let expected = "a period is `month`, `day`, `previous_month`, `previous_day` or a rolling window like `7d`";
        let length = parse_duration(text).map_err(|e| format!("{expected}: {e}"))?;
        if length.subsec_nanos() != 0 {
            return Err(format!(
                "rolling window `{text}`: must be a whole number of seconds"
            ));
        }
        Ok(Period::Rolling(length))
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Period::parse(&String::deserialize(d)?).map_err(de::Error::custom)
    }
}

/// 00:00 UTC on `billing_day` of the month `now` is in, or of the month
/// before when that day has not come yet.
fn month_start(now: OffsetDateTime, billing_day: u8) -> OffsetDateTime {
    let this = at_day(now.year(), now.month(), billing_day);
    if now >= this {
        this
    } else {
        add_months(this, -1, billing_day)
    }
}

/// The billing-day boundary `months` months after `start` (a boundary).
fn add_months(start: OffsetDateTime, months: i32, billing_day: u8) -> OffsetDateTime {
    let index = start.year() * 12 + i32::from(u8::from(start.month())) - 1 + months;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).expect("1..=12"))
        .expect("valid month");
    at_day(index.div_euclid(12), month, billing_day)
}

fn at_day(year: i32, month: Month, day: u8) -> OffsetDateTime {
    Date::from_calendar_date(year, month, day)
        .expect("billing days are 1..=28, valid in every month")
        .with_time(Time::MIDNIGHT)
        .assume_utc()
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn at(t: OffsetDateTime) -> SystemTime {
        t.into()
    }

    #[test]
    fn month_rolls_over_at_new_year() {
        let b = Period::Month.bounds(at(datetime!(2026-12-31 23:59:59 UTC)), 1);
        assert_eq!(b.start, datetime!(2026-12-01 00:00 UTC));
        assert_eq!(b.end, datetime!(2027-01-01 00:00 UTC));
        assert_eq!(b.valid_until, Some(datetime!(2027-01-01 00:00 UTC)));
        let b = Period::Month.bounds(at(datetime!(2027-01-01 00:00 UTC)), 1);
        assert_eq!(b.start, datetime!(2027-01-01 00:00 UTC));
        let p = Period::PreviousMonth.bounds(at(datetime!(2027-01-01 00:00 UTC)), 1);
        assert_eq!(p.start, datetime!(2026-12-01 00:00 UTC));
        assert_eq!(p.end, datetime!(2027-01-01 00:00 UTC));
        assert_eq!(p.valid_until, Some(datetime!(2027-02-01 00:00 UTC)));
    }

    #[test]
    fn leap_day_is_a_day_of_february() {
        let feb28 = at(datetime!(2028-02-28 23:59:59 UTC));
        let feb29 = at(datetime!(2028-02-29 00:00 UTC));
        let mar1 = at(datetime!(2028-03-01 00:00 UTC));
        assert_eq!(
            Period::Day.bounds(feb28, 1).valid_until,
            Some(datetime!(2028-02-29 00:00 UTC))
        );
        let day = Period::Day.bounds(feb29, 1);
        assert_eq!(day.start, datetime!(2028-02-29 00:00 UTC));
        assert_eq!(day.end, datetime!(2028-03-01 00:00 UTC));
        assert_eq!(
            Period::Month.bounds(feb29, 1).end,
            datetime!(2028-03-01 00:00 UTC)
        );
        let yesterday = Period::PreviousDay.bounds(mar1, 1);
        assert_eq!(yesterday.start, datetime!(2028-02-29 00:00 UTC));
        assert_eq!(yesterday.end, datetime!(2028-03-01 00:00 UTC));
        let february = Period::PreviousMonth.bounds(mar1, 1);
        assert_eq!(february.start, datetime!(2028-02-01 00:00 UTC));
        assert_eq!(february.end - february.start, time::Duration::days(29));
    }

    #[test]
    fn last_second_of_a_month_is_still_that_month() {
        let b = Period::Month.bounds(at(datetime!(2026-11-30 23:59:59.999 UTC)), 1);
        assert_eq!(b.start, datetime!(2026-11-01 00:00 UTC));
        assert_eq!(b.to, datetime!(2026-11-30 23:59:59 UTC));
        let b = Period::Month.bounds(at(datetime!(2026-12-01 00:00 UTC)), 1);
        assert_eq!(b.start, datetime!(2026-12-01 00:00 UTC));
    }

    #[test]
    fn billing_day_moves_the_month() {
        let before = Period::Month.bounds(at(datetime!(2027-01-14 23:00 UTC)), 15);
        assert_eq!(before.start, datetime!(2026-12-15 00:00 UTC));
        assert_eq!(before.end, datetime!(2027-01-15 00:00 UTC));
        let after = Period::Month.bounds(at(datetime!(2027-01-15 00:00 UTC)), 15);
        assert_eq!(after.start, datetime!(2027-01-15 00:00 UTC));
        let previous = Period::PreviousMonth.bounds(at(datetime!(2027-01-15 00:00 UTC)), 15);
        assert_eq!(previous.start, datetime!(2026-12-15 00:00 UTC));
        assert_eq!(previous.to, datetime!(2027-01-14 23:59:59 UTC));
    }

    #[test]
    fn rolling_windows_end_now_and_never_roll_over() {
        let now = datetime!(2026-11-24 12:00 UTC);
        let b = Period::Rolling(Duration::from_secs(7 * 86_400)).bounds(at(now), 1);
        assert_eq!(b.start, datetime!(2026-11-17 12:00 UTC));
        assert_eq!(b.to, now);
        assert_eq!(b.valid_until, None);
    }

    #[test]
    fn labels() {
        assert_eq!(Period::PreviousMonth.label(), "previous_month");
        assert_eq!(
            Period::Rolling(Duration::from_secs(7 * 86_400)).label(),
            "7d"
        );
        assert_eq!(Period::Rolling(Duration::from_secs(90 * 60)).label(), "90m");
        assert_eq!(Period::Rolling(Duration::from_secs(45)).label(), "45s");
    }

    #[test]
    fn windows_are_whole_seconds_up_to_400_days() {
        for (text, reason) in [
            ("20000y", "longer than 400d"),
            ("401d", "longer than 400d"),
            ("500ms", "whole number of seconds"),
            ("1ms", "whole number of seconds"),
            ("1500ms", "whole number of seconds"),
            ("0s", "must be positive"),
            ("week", "a period is `month`"),
        ] {
            let err = Period::parse(text).unwrap_err();
            assert!(err.contains(reason), "{text}: {err}");
        }
        assert_eq!(
            Period::parse("400d"),
            Ok(Period::Rolling(crate::values::MAX_DURATION))
        );
        assert_eq!(Period::parse("36h").unwrap().label(), "36h");
    }

    proptest::proptest! {
        /// Every valid window's label names it alone: it reads back as the
        /// same window, so two windows never share a label.
        #[test]
        fn window_labels_read_back_as_the_same_window(secs in 1u64..=crate::values::MAX_DURATION.as_secs()) {
            let window = Period::Rolling(Duration::from_secs(secs));
            proptest::prop_assert_eq!(Period::parse(&window.label()), Ok(window));
            let bounds = window.bounds(SystemTime::now(), 1);
            proptest::prop_assert_eq!((bounds.end - bounds.start).whole_seconds() as u64, secs);
        }

        #[test]
        fn bounds_tile_time_without_gaps(secs in 0i64..8_000_000_000, billing_day in 1u8..=28) {
            let now = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let month = Period::Month.bounds(now.into(), billing_day);
            proptest::prop_assert!(month.start <= now && now < month.end);
            proptest::prop_assert_eq!(month.start.day(), billing_day);
            proptest::prop_assert_eq!(month.start.time(), Time::MIDNIGHT);
            let length = (month.end - month.start).whole_days();
            proptest::prop_assert!((28..=31).contains(&length), "{} days", length);
            proptest::prop_assert_eq!(month.valid_until, Some(month.end));
            // The month before ends where this one starts.
            let before = Period::Month.bounds((month.start - time::Duration::SECOND).into(), billing_day);
            proptest::prop_assert_eq!(before.end, month.start);
            let previous = Period::PreviousMonth.bounds(now.into(), billing_day);
            proptest::prop_assert_eq!((previous.start, previous.end), (before.start, before.end));
            proptest::prop_assert_eq!(previous.to, month.start - time::Duration::SECOND);
            proptest::prop_assert_eq!(previous.valid_until, Some(month.end));
            let day = Period::Day.bounds(now.into(), billing_day);
            proptest::prop_assert!(day.start <= now && now < day.end);
            proptest::prop_assert_eq!(day.end - day.start, time::Duration::DAY);
            let yesterday = Period::PreviousDay.bounds(now.into(), billing_day);
            proptest::prop_assert_eq!(yesterday.end, day.start);
            proptest::prop_assert_eq!(yesterday.valid_until, Some(day.end));
        }
    }
}
