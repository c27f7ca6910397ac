//! PHP's `json_encode` with default flags, byte for byte: `/` escaped as
//! `\/`, every non-ASCII character as `\uXXXX` (lowercase hex, UTF-16
//! surrogate pairs above the BMP). serde_json escapes neither.
//!
//! ScaleEngine signs this form of a request, and an API written in PHP
//! echoes text in it, so redaction must know it too.

use std::fmt::Write as _;

use serde_json::Value;

/// PHP's `json_encode($value)` with default flags.
pub fn php_json_encode(value: &Value) -> String {
    let mut out = String::new();
    encode_into(&mut out, value);
    out
}

fn encode_into(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => encode_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_into(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_string(out, key);
                out.push(':');
                encode_into(out, item);
            }
            out.push('}');
        }
    }
}

fn encode_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
