//! What every provider's configuration shares: durations, sizes, amounts
//! and currencies, `${VAR}` expansion, secrets (inline or from a file) and
//! API URLs, each parsed and checked while the file is deserialized.
//!
//! A newcomer's trap: `${VAR}` is expanded after YAML parsing, so a value
//! from the environment never shows up in a YAML error; and a [`Secret`]
//! cannot be printed, not even with `{:?}`.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// A secret: its `Debug` and `Display` print `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(pub String);

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(text))
        } else {
            Err(de::Error::custom(format!(
                "currency `{text}` is not a three-letter ISO 4217 code like USD"
            )))
        }
    }
}

/// A non-negative, finite number (a price, hours, a budget).
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Amount(pub f64);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(d)?;
        if value.is_finite() && value >= 0.0 {
            Ok(Amount(value))
        } else {
            Err(de::Error::custom(format!(
                "{value} must be a finite number, 0 or more"
            )))
        }
    }
}

/// A byte count: a whole number, or with an SI (`50TB` = 50·10^12) or IEC
/// (`50TiB` = 50·2^40) suffix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumberOrText {
            Number(u64),
            Text(String),
        }
        match NumberOrText::deserialize(d)? {
            NumberOrText::Number(n) => Ok(Size(n)),
            NumberOrText::Text(t) => parse_size(&t).map(Size).map_err(de::Error::custom),
        }
    }
}

/// Parses `1000`, `1.5GB`, `50TB`, `50TiB`, `512 MiB` into bytes, exactly.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a size like 1000, 500GB, 50TB or 50TiB");
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier: u128 = match unit.trim() {
        "" | "B" => 1,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        "PB" => 1_000_000_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "PiB" => 1 << 50,
        _ => return Err(bad()),
    };
    // Decimal fractions exactly: `1.5GB` is 1,500,000,000.
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(bad());
    }
    let digits = format!("{whole}{fraction}");
    let scale = 10u128
        .checked_pow(u32::try_from(fraction.len()).map_err(|_| bad())?)
        .ok_or_else(bad)?;
    let mantissa: u128 = digits.parse().map_err(|_| bad())?;
    let bytes = mantissa.checked_mul(multiplier).ok_or_else(bad)?;
    if bytes % scale != 0 {
        return Err(format!("`{text}` is not a whole number of bytes"));
    }
    u64::try_from(bytes / scale).map_err(|_| format!("`{text}` is too large"))
}

/// Exactly one of `key` and `key_file`; a file's trailing newline is dropped.
pub(crate) fn secret_from(
    inline: Option<EnvString>,
    file: Option<EnvString>,
    key: &str,
    account: &str,
) -> Result<Secret, String> {
    let value = match (inline, file) {
        (Some(v), None) => v.0,
        (None, Some(path)) => std::fs::read_to_string(&path.0)
            .map_err(|e| format!("account `{account}`: {key}_file `{}`: {e}", path.0))?
            .trim_end_matches(['\n', '\r'])
            .to_string(),
        (Some(_), Some(_)) => {
            return Err(format!(
                "account `{account}`: set {key} or {key}_file, not both"
            ))
        }
        (None, None) => {
            return Err(format!(
                "account `{account}`: {key} or {key}_file is required"
            ))
        }
    };
    if value.is_empty() {
        return Err(format!("account `{account}`: {key} is empty"));
    }
    Ok(Secret(value))
}

pub(crate) fn http_url(text: &str, account: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| format!("account `{account}`: api_url `{text}`: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "account `{account}`: api_url `{text}` must be http or https"
        ));
    }
    Ok(url)
}

/// A string with `${VAR}` expanded from the environment.
pub struct EnvString(pub String);

impl EnvString {
    pub(crate) fn into_secret(self) -> Secret {
        Secret(self.0)
    }
}

impl<'de> Deserialize<'de> for EnvString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        expand_env(&raw, |name| std::env::var(name).ok())
            .map(EnvString)
            .map_err(de::Error::custom)
    }
}

pub(crate) fn env_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(u64),
        Text(EnvString),
    }
    match NumberOrText::deserialize(d)? {
        NumberOrText::Number(n) => Ok(n),
        NumberOrText::Text(t) => {
            t.0.trim()
                .parse()
                .map_err(|_| de::Error::custom(format!("`{}` is not a whole number", t.0)))
        }
    }
}

/// The values of the environment variables that `text` names as
/// `${NAME}`: what an error message must not show.
pub(crate) fn referenced_env(text: &str) -> Vec<String> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .filter_map(|(name, _)| std::env::var(name).ok())
        // Too short to be a secret, and would garble the message (`line 1`).
        .filter(|value| value.len() >= 4)
        .collect()
}

/// Expands `${NAME}`; `$$` is a literal `$`; any other `$` stays as it is.
fn expand_env(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or_else(|| "unclosed `${` in value".to_string())?;
            let name = &after[..end];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "`${{{name}}}` is not a valid environment variable name"
                ));
            }
            let value =
                lookup(name).ok_or_else(|| format!("environment variable `{name}` is not set"))?;
            out.push_str(&value);
            rest = &after[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The longest duration any key takes (intervals, timeouts, windows):
/// longer than any provider keeps usage at a fine grain, and far from where
/// adding it to a date or a clock could overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(400 * 86_400);

pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration like 30s, 5m or 1h: {e}"))?;
    if d.is_zero() {
        return Err("a duration must be positive".into());
    }
    if d > MAX_DURATION {
        return Err(format!(
            "`{text}` is longer than 400d, the most any duration may be"
        ));
    }
    Ok(d)
}

pub(crate) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse_duration(&String::deserialize(d)?).map_err(de::Error::custom)
}

pub(crate) fn optional_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse_duration(&s).map_err(de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_expansion_rules() {
        let env = |name: &str| (name == "KEY").then(|| "v@l".to_string());
        assert_eq!(expand_env("a${KEY}b", env).unwrap(), "av@lb");
        assert_eq!(expand_env("$$5 and $x", env).unwrap(), "$5 and $x");
        assert!(expand_env("${NOPE}", env)
            .unwrap_err()
            .contains("`NOPE` is not set"));
        assert!(expand_env("${KEY", env).is_err());
        assert!(expand_env("${a-b}", env).is_err());
    }

    #[test]
    fn sizes_are_exact_with_si_and_iec_suffixes() {
        assert_eq!(parse_size("50TB").unwrap(), 50_000_000_000_000);
        assert_eq!(parse_size("50TiB").unwrap(), 50 << 40);
        assert_eq!(parse_size("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("512 MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert_eq!(parse_size("18446744073709551615").unwrap(), u64::MAX);
        assert!(parse_size("20EB").is_err());
        assert!(parse_size("1.5B").unwrap_err().contains("whole number"));
        assert!(parse_size("100000PB").unwrap_err().contains("too large"));
        assert!(parse_size("TB").is_err());
    }
}
