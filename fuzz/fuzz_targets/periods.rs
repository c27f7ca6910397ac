//! Any text as a period or rolling window, at any time of four millennia
//! and any billing day: an error, or a period whose label reads back as
//! itself and whose bounds hold the time; never a panic.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use video_usage_exporter::period::Period;

/// 1970-01-01 to 5999-12-31: far beyond any clock this will run on.
const LAST_SECOND: u64 = 127_226_937_599;

fuzz_target!(|input: (u64, u8, &str)| {
    let (secs, day, text) = input;
    let Ok(period) = Period::parse(text) else {
        return;
    };
    assert_eq!(Period::parse(&period.label()), Ok(period));
    let now = UNIX_EPOCH + Duration::from_secs(secs % (LAST_SECOND + 1));
    let bounds = period.bounds(now, day % 28 + 1);
    assert!(bounds.start < bounds.end);
    assert!(bounds.start <= bounds.to);
    if !period.is_previous() {
        assert!(SystemTime::from(bounds.start) <= now);
    }
});
