//! Any text as a config file: a config or an error message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use video_usage_exporter::config::Config;

fuzz_target!(|text: &str| {
    let _ = Config::parse(text, "fuzz.yml");
});
