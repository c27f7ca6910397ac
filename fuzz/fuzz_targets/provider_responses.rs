//! Any bytes as a provider response: an error or a value, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use video_usage_exporter::providers::{scaleengine, wowza};

fuzz_target!(|body: &[u8]| {
    let _ = scaleengine::model::UsagePage::parse(body);
    let _ = scaleengine::model::parse_apps(body);
    for key in ["transcoders", "stream_sources", "stream_targets"] {
        let _ = wowza::model::rows(body, key);
    }
    let _ = wowza::model::peak_recording(body);
    let _ = wowza::model::viewer_data(body);
});
