//! The configuration file: typed, strict, and validated while it is parsed.
//!
//! Unknown keys are errors, and every check runs inside deserialization so
//! that each error carries the file, line, key path and reason. `${VAR}` is
//! expanded in string values (after parsing, so a secret's value never shows
//! up in a YAML error); `$$` is a literal `$`. Secrets live in [`Secret`],
//! which cannot be printed.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// A config error, formatted as `file: key: reason at line L column C`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawConfig")]
pub struct Config {
    pub refresh_interval: Duration,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    pub scaleengine: Vec<ScaleEngineAccount>,
    pub wowza: Vec<WowzaAccount>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, &file)
    }

    /// Parses YAML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        serde_norway::from_str(text).map_err(|e| {
            let mut message = e.to_string();
            // Errors in top-level values carry no key path; name the key.
            let key = e
                .location()
                .and_then(|l| text.lines().nth(l.line().saturating_sub(1)))
                .filter(|line| !line.starts_with([' ', '\t', '-', '#']))
                .and_then(|line| line.split_once(':'))
                .map(|(key, _)| key.trim());
            if let Some(key) = key.filter(|k| !k.is_empty() && !message.contains(*k)) {
                message = format!("{key}: {message}");
            }
            ConfigError {
                file: file.to_string(),
                message,
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_refresh", deserialize_with = "duration")]
    refresh_interval: Duration,
    #[serde(default = "default_timeout", deserialize_with = "duration")]
    timeout: Duration,
    #[serde(default = "default_max_response_bytes")]
    max_response_bytes: u64,
    #[serde(default)]
    scaleengine: Vec<ScaleEngineAccount>,
    #[serde(default)]
    wowza: Vec<WowzaAccount>,
}

fn default_refresh() -> Duration {
    Duration::from_secs(300)
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_max_response_bytes() -> u64 {
    64 << 20
}

impl TryFrom<RawConfig> for Config {
    type Error = String;

    fn try_from(raw: RawConfig) -> Result<Self, String> {
        if raw.scaleengine.is_empty() && raw.wowza.is_empty() {
            return Err(
                "no provider account is configured (add a `scaleengine` or `wowza` entry)".into(),
            );
        }
        unique("scaleengine", raw.scaleengine.iter().map(|a| &a.account))?;
        unique("wowza", raw.wowza.iter().map(|a| &a.account))?;
        if raw.max_response_bytes == 0 {
            return Err("max_response_bytes must be positive".into());
        }
        Ok(Config {
            refresh_interval: raw.refresh_interval,
            timeout: raw.timeout,
            max_response_bytes: raw.max_response_bytes,
            scaleengine: raw.scaleengine,
            wowza: raw.wowza,
        })
    }
}

fn unique<'a>(what: &str, accounts: impl Iterator<Item = &'a String>) -> Result<(), String> {
    let mut seen = HashSet::new();
    for account in accounts {
        if !seen.insert(account) {
            return Err(format!(
                "{what}: account `{account}` is configured twice; `account` values must be unique"
            ));
        }
    }
    Ok(())
}

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

/// Which request field carries the CDN id. The seed's field list says
/// `cdn_id`, its PHP example sends `cdn`; `both` (the default) sends both,
/// `cdn` first, which any reading of the API accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CdnField {
    #[default]
    Both,
    Cdn,
    CdnId,
}

/// A usage period, current in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Month to date.
    Month,
    /// Day to date.
    Day,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Day => "day",
        }
    }
}

/// A ScaleEngine application, by name or numeric id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(untagged)]
pub enum AppRef {
    Id(u64),
    Name(String),
}

impl fmt::Display for AppRef {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            AppRef::Id(id) => write!(f, "{id}"),
            AppRef::Name(name) => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawScaleEngine")]
pub struct ScaleEngineAccount {
    pub account: String,
    pub api_url: reqwest::Url,
    pub api_key: Secret,
    pub api_secret: Secret,
    pub cdn_id: u64,
    pub cdn_field: CdnField,
    pub apps: Option<Vec<AppRef>>,
    pub urls: Vec<String>,
    pub periods: Vec<Period>,
    pub page_size: u32,
    pub max_pages: u32,
    pub refresh_interval: Option<Duration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScaleEngine {
    account: EnvString,
    #[serde(default = "default_scaleengine_url")]
    api_url: EnvString,
    api_key: EnvString,
    api_secret: Option<EnvString>,
    api_secret_file: Option<EnvString>,
    #[serde(deserialize_with = "env_u64")]
    cdn_id: u64,
    #[serde(default)]
    cdn_field: CdnField,
    apps: Option<Vec<AppRef>>,
    #[serde(default)]
    urls: Vec<EnvString>,
    #[serde(default = "default_periods")]
    periods: Vec<Period>,
    #[serde(default = "default_page_size")]
    page_size: u32,
    #[serde(default = "default_max_pages")]
    max_pages: u32,
    #[serde(default, deserialize_with = "optional_duration")]
    refresh_interval: Option<Duration>,
}

fn default_scaleengine_url() -> EnvString {
    EnvString("https://api.scaleengine.net/stable/".into())
}

fn default_periods() -> Vec<Period> {
    vec![Period::Month, Period::Day]
}

fn default_page_size() -> u32 {
    1000
}

fn default_max_pages() -> u32 {
    10_000
}

impl TryFrom<RawScaleEngine> for ScaleEngineAccount {
    type Error = String;

    fn try_from(raw: RawScaleEngine) -> Result<Self, String> {
        let account = raw.account.0;
        if account.is_empty() {
            return Err("account must not be empty".into());
        }
        let api_secret = secret_from(raw.api_secret, raw.api_secret_file, "api_secret", &account)?;
        if raw.api_key.0.is_empty() {
            return Err(format!("account `{account}`: api_key is empty"));
        }
        let api_url = http_url(&raw.api_url.0, &account)?;
        if raw.periods.is_empty() {
            return Err(format!("account `{account}`: periods must not be empty"));
        }
        if raw.periods.iter().collect::<HashSet<_>>().len() != raw.periods.len() {
            return Err(format!("account `{account}`: periods are listed twice"));
        }
        if let Some(apps) = &raw.apps {
            if apps.is_empty() {
                return Err(format!(
                    "account `{account}`: apps is empty; omit it to query every app"
                ));
            }
            if apps.iter().collect::<HashSet<_>>().len() != apps.len() {
                return Err(format!("account `{account}`: apps are listed twice"));
            }
        }
        if raw.page_size == 0 || raw.max_pages == 0 {
            return Err(format!(
                "account `{account}`: page_size and max_pages must be positive"
            ));
        }
        Ok(ScaleEngineAccount {
            api_key: Secret(raw.api_key.0),
            api_secret,
            api_url,
            cdn_id: raw.cdn_id,
            cdn_field: raw.cdn_field,
            apps: raw.apps,
            urls: raw.urls.into_iter().map(|u| u.0).collect(),
            periods: raw.periods,
            page_size: raw.page_size,
            max_pages: raw.max_pages,
            refresh_interval: raw.refresh_interval,
            account,
        })
    }
}

/// Wowza Streaming Cloud credentials: the key pair, or a bearer token (JWT).
#[derive(Debug, Clone)]
pub enum WowzaAuth {
    Keys { api_key: Secret, access_key: Secret },
    Token(Secret),
}

/// The `from`/`to` window of Wowza queries, ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// From the start of the current UTC month.
    Month,
    /// From the start of the current UTC day.
    Day,
    /// A rolling window of this length.
    Last(Duration),
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "month" => Ok(Window::Month),
            "day" => Ok(Window::Day),
            other => parse_duration(other).map(Window::Last).map_err(|e| {
                de::Error::custom(format!("window is `month`, `day` or a duration: {e}"))
            }),
        }
    }
}

/// `billing_mode` query values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    PayAsYouGo,
    TwentyfourSeven,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::PayAsYouGo => "pay_as_you_go",
            BillingMode::TwentyfourSeven => "twentyfour_seven",
        }
    }
}

/// `transcoder_type` query values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscoderType {
    Transcoded,
    Passthrough,
}

impl TranscoderType {
    pub fn as_str(self) -> &'static str {
        match self {
            TranscoderType::Transcoded => "transcoded",
            TranscoderType::Passthrough => "passthrough",
        }
    }
}

/// Per-resource refresh intervals; unset ones follow the provider's cadence.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WowzaIntervals {
    #[serde(default, deserialize_with = "optional_duration")]
    pub transcoder_time: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub transcoder_network: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub stream_source_network: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub stream_target_network: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub peak_recording: Option<Duration>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub viewer_data: Option<Duration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawWowza")]
pub struct WowzaAccount {
    pub account: String,
    pub api_url: reqwest::Url,
    pub auth: WowzaAuth,
    pub viewer_data: bool,
    pub window: Window,
    pub billing_modes: Vec<BillingMode>,
    pub transcoder_types: Vec<TranscoderType>,
    pub refresh_intervals: WowzaIntervals,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWowza {
    account: EnvString,
    #[serde(default = "default_wowza_url")]
    api_url: EnvString,
    api_key: Option<EnvString>,
    api_key_file: Option<EnvString>,
    access_key: Option<EnvString>,
    access_key_file: Option<EnvString>,
    token: Option<EnvString>,
    token_file: Option<EnvString>,
    #[serde(default = "default_true")]
    viewer_data: bool,
    #[serde(default = "default_window")]
    window: Window,
    #[serde(default = "default_billing_modes")]
    billing_modes: Vec<BillingMode>,
    #[serde(default = "default_transcoder_types")]
    transcoder_types: Vec<TranscoderType>,
    #[serde(default)]
    refresh_intervals: WowzaIntervals,
}

fn default_wowza_url() -> EnvString {
    EnvString("https://api.cloud.wowza.com/api/v1".into())
}

fn default_true() -> bool {
    true
}

fn default_window() -> Window {
    Window::Month
}

fn default_billing_modes() -> Vec<BillingMode> {
    vec![BillingMode::PayAsYouGo, BillingMode::TwentyfourSeven]
}

fn default_transcoder_types() -> Vec<TranscoderType> {
    vec![TranscoderType::Transcoded, TranscoderType::Passthrough]
}

impl TryFrom<RawWowza> for WowzaAccount {
    type Error = String;

    fn try_from(raw: RawWowza) -> Result<Self, String> {
        let account = raw.account.0;
        if account.is_empty() {
            return Err("account must not be empty".into());
        }
        let has_keys = raw.api_key.is_some()
            || raw.api_key_file.is_some()
            || raw.access_key.is_some()
            || raw.access_key_file.is_some();
        let has_token = raw.token.is_some() || raw.token_file.is_some();
        let auth = match (has_keys, has_token) {
            (true, true) => {
                return Err(format!(
                    "account `{account}`: set api_key and access_key, or token, not both"
                ))
            }
            (false, false) => {
                return Err(format!(
                    "account `{account}`: api_key and access_key (or token) are required"
                ))
            }
            (true, false) => WowzaAuth::Keys {
                api_key: secret_from(raw.api_key, raw.api_key_file, "api_key", &account)?,
                access_key: secret_from(
                    raw.access_key,
                    raw.access_key_file,
                    "access_key",
                    &account,
                )?,
            },
            (false, true) => {
                WowzaAuth::Token(secret_from(raw.token, raw.token_file, "token", &account)?)
            }
        };
        let api_url = http_url(raw.api_url.0.trim_end_matches('/'), &account)?;
        for (name, empty, twice) in [
            (
                "billing_modes",
                raw.billing_modes.is_empty(),
                raw.billing_modes.iter().collect::<HashSet<_>>().len() != raw.billing_modes.len(),
            ),
            (
                "transcoder_types",
                raw.transcoder_types.is_empty(),
                raw.transcoder_types.iter().collect::<HashSet<_>>().len()
                    != raw.transcoder_types.len(),
            ),
        ] {
            if empty || twice {
                return Err(format!(
                    "account `{account}`: {name} must list each value once, and at least one"
                ));
            }
        }
        Ok(WowzaAccount {
            account,
            api_url,
            auth,
            viewer_data: raw.viewer_data,
            window: raw.window,
            billing_modes: raw.billing_modes,
            transcoder_types: raw.transcoder_types,
            refresh_intervals: raw.refresh_intervals,
        })
    }
}

/// Exactly one of `key` and `key_file`; a file's trailing newline is dropped.
fn secret_from(
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

fn http_url(text: &str, account: &str) -> Result<reqwest::Url, String> {
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
struct EnvString(String);

impl<'de> Deserialize<'de> for EnvString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        expand_env(&raw, |name| std::env::var(name).ok())
            .map(EnvString)
            .map_err(de::Error::custom)
    }
}

fn env_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
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

fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration like 30s, 5m or 1h: {e}"))?;
    if d.is_zero() {
        return Err("a duration must be positive".into());
    }
    Ok(d)
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse_duration(&String::deserialize(d)?).map_err(de::Error::custom)
}

fn optional_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse_duration(&s).map_err(de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
refresh_interval: 5m
scaleengine:
  - account: main
    api_url: https://api.scaleengine.net/stable/
    api_key: key
    api_secret: secret
    cdn_id: 158
    apps: [demo-origin, 12]
    urls: []
    periods: [month, day]
"#;

    fn error(text: &str) -> String {
        Config::parse(text, "cfg.yml").unwrap_err().to_string()
    }

    #[test]
    fn good_config_parses_with_defaults() {
        let c = Config::parse(GOOD, "cfg.yml").unwrap();
        assert_eq!(c.refresh_interval, Duration::from_secs(300));
        assert_eq!(c.timeout, Duration::from_secs(30));
        let a = &c.scaleengine[0];
        assert_eq!(
            a.apps,
            Some(vec![AppRef::Name("demo-origin".into()), AppRef::Id(12)])
        );
        assert_eq!(a.cdn_field, CdnField::Both);
        assert_eq!(a.page_size, 1000);
        assert_eq!(format!("{:?}", a.api_secret), "<redacted>");
        assert!(!format!("{a:?}").contains("secret\""));
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let e = error(&GOOD.replace("cdn_id: 158", "cdn_id: 158\n    bogus: 1"));
        assert!(e.starts_with("cfg.yml: "), "{e}");
        assert!(e.contains("unknown field `bogus`"), "{e}");
        assert!(e.contains("scaleengine[0]"), "{e}");
        assert!(e.contains("line 9"), "{e}");
    }

    #[test]
    fn validation_errors_carry_a_line() {
        let e = error(&GOOD.replace("    api_secret: secret\n", ""));
        assert!(
            e.contains("api_secret or api_secret_file is required"),
            "{e}"
        );
        assert!(e.contains("line "), "{e}");
        let e = error(&GOOD.replace("5m", "5 parsecs"));
        assert!(e.contains("refresh_interval"), "{e}");
        assert!(e.contains("not a duration"), "{e}");
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn bad_values_are_rejected() {
        for (from, to, reason) in [
            ("cdn_id: 158", "cdn_id: abc", "not a whole number"),
            ("[month, day]", "[month, week]", "unknown variant `week`"),
            ("[month, day]", "[day, day]", "listed twice"),
            (
                "https://api.scaleengine.net/stable/",
                "ftp://x/",
                "http or https",
            ),
            (
                "api_key: key",
                "api_key: ${VUE_TEST_UNSET_VAR}",
                "`VUE_TEST_UNSET_VAR` is not set",
            ),
            ("apps: [demo-origin, 12]", "apps: []", "omit it"),
        ] {
            let e = error(&GOOD.replace(from, to));
            assert!(e.contains(reason), "{from} -> {to}: {e}");
        }
        let e = error(&GOOD.replace("api_key: key", "api_key: ${VUE_TEST_UNSET_VAR}"));
        assert!(e.starts_with("cfg.yml: scaleengine[0]: "), "{e}");
        let e = error("refresh_interval: 1m\n");
        assert!(e.contains("no provider account"), "{e}");
        let twice = GOOD.to_string() + &GOOD["\nrefresh_interval: 5m\nscaleengine:\n".len()..];
        let e = error(&twice);
        assert!(e.contains("configured twice"), "{e}");
    }

    #[test]
    fn secrets_come_from_files_and_environment() {
        let dir = std::env::temp_dir().join(format!("vue-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "from-file\n").unwrap();
        let text = GOOD.replace(
            "api_secret: secret",
            &format!("api_secret_file: {}", path.display()),
        );
        let c = Config::parse(&text, "cfg.yml").unwrap();
        assert_eq!(c.scaleengine[0].api_secret.expose(), "from-file");
        let e = error(&GOOD.replace("api_secret: secret", "api_secret_file: /nonexistent/x"));
        assert!(e.contains("api_secret_file `/nonexistent/x`"), "{e}");
        let e = error(&GOOD.replace(
            "api_secret: secret",
            &format!("api_secret: s\n    api_secret_file: {}", path.display()),
        ));
        assert!(e.contains("not both"), "{e}");
    }

    const WOWZA: &str = r#"
wowza:
  - account: main
    api_key: k
    access_key: a
"#;

    #[test]
    fn wowza_defaults_and_auth_styles() {
        let c = Config::parse(WOWZA, "cfg.yml").unwrap();
        let a = &c.wowza[0];
        assert_eq!(a.api_url.as_str(), "https://api.cloud.wowza.com/api/v1");
        assert!(matches!(a.auth, WowzaAuth::Keys { .. }));
        assert!(a.viewer_data);
        assert_eq!(a.window, Window::Month);
        assert_eq!(a.billing_modes.len(), 2);
        assert_eq!(a.transcoder_types.len(), 2);

        let c = Config::parse(
            "wowza:\n  - account: jwt\n    token: eyJhbGciOi.x.y\n    api_url: http://127.0.0.1:1/api/v2.0/\n    window: 7d\n    refresh_intervals: {viewer_data: 2h}\n",
            "cfg.yml",
        )
        .unwrap();
        let a = &c.wowza[0];
        assert!(matches!(&a.auth, WowzaAuth::Token(t) if t.expose() == "eyJhbGciOi.x.y"));
        assert_eq!(a.api_url.as_str(), "http://127.0.0.1:1/api/v2.0");
        assert_eq!(a.window, Window::Last(Duration::from_secs(7 * 86400)));
        assert_eq!(
            a.refresh_intervals.viewer_data,
            Some(Duration::from_secs(7200))
        );
    }

    #[test]
    fn wowza_bad_auth_and_values_are_rejected() {
        for (from, to, reason) in [
            (
                "    access_key: a\n",
                "",
                "access_key or access_key_file is required",
            ),
            ("    api_key: k\n    access_key: a\n", "", "are required"),
            (
                "    access_key: a\n",
                "    access_key: a\n    token: t\n",
                "not both",
            ),
            (
                "    access_key: a\n",
                "    access_key: a\n    window: fortnight\n",
                "window is",
            ),
            (
                "    access_key: a\n",
                "    access_key: a\n    billing_modes: [monthly]\n",
                "unknown variant",
            ),
            (
                "    access_key: a\n",
                "    access_key: a\n    refresh_intervals: {views: 1h}\n",
                "unknown field `views`",
            ),
        ] {
            let e = error(&WOWZA.replace(from, to));
            assert!(e.contains(reason), "{to}: {e}");
        }
    }

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
}
