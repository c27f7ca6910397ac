//! Counts that arrive as JSON numbers or as strings (`"bytes_total": "5106077"`).
//!
//! PHP APIs often return numeric columns as strings, and values above 2^32
//! are normal for bytes. Both forms parse to an exact `u64`; a fraction, a
//! negative number or other text is an error, never a silent zero.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// `#[serde(deserialize_with = "numbers::lenient_u64")]`
pub fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(LenientU64)
}

/// Like [`lenient_u64`], for a field that may be absent or `null`.
pub fn lenient_u64_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(OptionalU64)
}

/// Like [`lenient_u64_opt`], but a negative number means "not available"
/// (Wowza reports `bytes_billed: -1` where nothing is billed yet).
pub fn lenient_u64_or_unavailable<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(Unavailable)
}

/// A non-negative number of any magnitude or fraction (viewing seconds),
/// as a number or a string.
pub fn lenient_f64_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(OptionalF64)
}

/// Parses the text form: digits, optionally surrounded by blanks.
pub fn parse_u64_text(s: &str) -> Option<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

struct LenientU64;

impl<'de> Visitor<'de> for LenientU64 {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a non-negative integer, as a number or a string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("negative count {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        // 2^64 is exactly representable; anything below it with no fraction fits.
        if v.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&v) {
            Ok(v as u64)
        } else {
            Err(E::custom(format!("{v} is not a non-negative integer")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse_u64_text(v).ok_or_else(|| E::custom(format!("{v:?} is not a non-negative integer")))
    }
}

struct OptionalU64;

impl<'de> Visitor<'de> for OptionalU64 {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        LenientU64.expecting(f)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        LenientU64.visit_u64(v).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        LenientU64.visit_i64(v).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        LenientU64.visit_f64(v).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        LenientU64.visit_str(v).map(Some)
    }
}

struct Unavailable;

impl<'de> Visitor<'de> for Unavailable {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer, as a number or a string (negative: not available)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).ok())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v < 0.0 {
            Ok(None)
        } else {
            LenientU64.visit_f64(v).map(Some)
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim().strip_prefix('-') {
            Some(rest) if parse_u64_text(rest).is_some() => Ok(None),
            _ => LenientU64.visit_str(v).map(Some),
        }
    }
}

struct OptionalF64;

impl<'de> Visitor<'de> for OptionalF64 {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a non-negative number, as a number or a string")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.is_finite() && v >= 0.0 {
            Ok(Some(v))
        } else {
            Err(E::custom(format!("{v} is not a non-negative number")))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim().parse::<f64>() {
            Ok(n) => self.visit_f64(n),
            Err(_) => Err(E::custom(format!("{v:?} is not a number"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "lenient_u64")]
        n: u64,
        #[serde(default, deserialize_with = "lenient_u64_opt")]
        m: Option<u64>,
    }

    fn n(json: &str) -> Result<u64, serde_json::Error> {
        serde_json::from_str::<Row>(json).map(|r| r.n)
    }

    #[test]
    fn strings_and_numbers_parse_to_the_same_value() {
        assert_eq!(n(r#"{"n": "5106077"}"#).unwrap(), 5_106_077);
        assert_eq!(n(r#"{"n": 5106077}"#).unwrap(), 5_106_077);
        assert_eq!(n(r#"{"n": " 42 "}"#).unwrap(), 42);
    }

    #[test]
    fn values_above_two_to_the_32_are_exact() {
        assert_eq!(n(r#"{"n": "53446778562123"}"#).unwrap(), 53_446_778_562_123);
        assert_eq!(n(r#"{"n": "18446744073709551615"}"#).unwrap(), u64::MAX);
        assert_eq!(n(r#"{"n": 4294967296.0}"#).unwrap(), 4_294_967_296);
    }

    #[test]
    fn junk_negative_and_fractions_are_errors() {
        for bad in [
            r#"{"n": "12abc"}"#,
            r#"{"n": ""}"#,
            r#"{"n": -1}"#,
            r#"{"n": "-1"}"#,
            r#"{"n": 1.5}"#,
            r#"{"n": true}"#,
            r#"{"n": "18446744073709551616"}"#,
        ] {
            assert!(n(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn negative_billed_bytes_mean_unavailable() {
        #[derive(Deserialize)]
        struct Billed {
            #[serde(deserialize_with = "lenient_u64_or_unavailable")]
            b: Option<u64>,
        }
        let b = |json: &str| serde_json::from_str::<Billed>(json).map(|r| r.b);
        assert_eq!(b(r#"{"b": -1}"#).unwrap(), None);
        assert_eq!(b(r#"{"b": "-1"}"#).unwrap(), None);
        assert_eq!(b(r#"{"b": 53446778562}"#).unwrap(), Some(53_446_778_562));
        assert!(b(r#"{"b": "x"}"#).is_err());
    }

    #[test]
    fn viewing_seconds_accept_fractions_and_strings() {
        #[derive(Deserialize)]
        struct Secs {
            #[serde(deserialize_with = "lenient_f64_opt")]
            s: Option<f64>,
        }
        let s = |json: &str| serde_json::from_str::<Secs>(json).map(|r| r.s);
        assert_eq!(
            s(r#"{"s": 3689.7337516808607}"#).unwrap(),
            Some(3689.7337516808607)
        );
        assert_eq!(s(r#"{"s": "44925498"}"#).unwrap(), Some(44_925_498.0));
        // Exact, not merely close (serde_json's `float_roundtrip`; found by fuzzing).
        assert_eq!(
            s(r#"{"s": 1.5136666666666665e54}"#).unwrap(),
            Some(1.5136666666666665e54)
        );
        assert!(s(r#"{"s": -2}"#).is_err());
        assert!(s(r#"{"s": {}}"#).is_err());
    }

    #[test]
    fn optional_counts_accept_null_and_absence() {
        let r: Row = serde_json::from_str(r#"{"n": 1, "m": null}"#).unwrap();
        assert_eq!(r.m, None);
        let r: Row = serde_json::from_str(r#"{"n": 1}"#).unwrap();
        assert_eq!(r.m, None);
        let r: Row = serde_json::from_str(r#"{"n": 1, "m": "7"}"#).unwrap();
        assert_eq!(r.m, Some(7));
    }
}
