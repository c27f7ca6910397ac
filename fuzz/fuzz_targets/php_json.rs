//! The PHP-style encoder must produce JSON that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use video_usage_exporter::providers::php::php_json_encode;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let encoded = php_json_encode(&value);
    assert!(encoded.is_ascii(), "PHP escapes all non-ASCII: {encoded}");
    let bytes = encoded.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'/' {
            assert!(i > 0 && bytes[i - 1] == b'\\', "unescaped / in {encoded}");
        }
    }
    let decoded: Value = serde_json::from_str(&encoded).expect("valid JSON");
    assert_eq!(decoded, value);
});
