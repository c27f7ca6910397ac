//! ScaleEngine response shapes, parsed once at the edge.
//!
//! Counts arrive as numbers or strings; `usage` is a JSON array, but a PHP
//! array with holes encodes as an object keyed by index, and an empty
//! result may be `null` or absent. All of those parse. The envelope is read
//! first so that a `"status": "failure"` answer becomes the API's message,
//! whatever else it carries.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::providers::numbers::{lenient_u64, lenient_u64_opt};
use crate::providers::ProviderError;

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    message: Option<Value>,
}

/// Words in a failure message that mean the credentials (key, secret,
/// signature, or the signed timestamp) were refused. ScaleEngine answers
/// those with HTTP 200 and `status: failure`; retrying cannot help.
const AUTH_WORDS: [&str; 9] = [
    "api key",
    "api_key",
    "apikey",
    "signature",
    "auth",
    "credential",
    "permission",
    "denied",
    "timestamp",
];

/// Checks `status` and returns an error carrying the API's message on
/// failure: an auth error when the message is about credentials.
pub fn check_status(body: &[u8]) -> Result<(), ProviderError> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|e| ProviderError::Decode(format!("not a JSON object: {e}")))?;
    match envelope.status.as_deref() {
        Some("success") => Ok(()),
        Some(_) => {
            let message = match envelope.message {
                Some(Value::String(s)) => s,
                Some(other) => other.to_string(),
                None => "no message".into(),
            };
            let lower = message.to_lowercase();
            if AUTH_WORDS.iter().any(|w| lower.contains(w)) {
                Err(ProviderError::ApiAuth(message))
            } else {
                Err(ProviderError::Api(message))
            }
        }
        None => Err(ProviderError::Decode("no `status` field".into())),
    }
}

/// One page of `video.usage`.
#[derive(Debug, Deserialize)]
pub struct UsagePage {
    #[serde(default, deserialize_with = "rows")]
    pub usage: Vec<UsageRow>,
    /// Total results available for the request, across all pages.
    #[serde(default, deserialize_with = "lenient_u64_opt")]
    pub count: Option<u64>,
}

#[derive(Debug, PartialEq, Eq, Hash, Deserialize)]
pub struct UsageRow {
    /// A stream named by digits may come as a JSON number.
    #[serde(deserialize_with = "text")]
    pub video_url: String,
    #[serde(deserialize_with = "lenient_u64")]
    pub bytes_total: u64,
    #[serde(deserialize_with = "lenient_u64")]
    pub requests_total: u64,
}

impl UsagePage {
    pub fn parse(body: &[u8]) -> Result<UsagePage, ProviderError> {
        check_status(body)?;
        serde_json::from_slice(body).map_err(|e| ProviderError::Decode(format!("video.usage: {e}")))
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(de::Error::custom(format!(
            "video_url is {other}, not a string"
        ))),
    }
}

fn rows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<UsageRow>, D::Error> {
    struct Rows;
    impl<'de> Visitor<'de> for Rows {
        type Value = Vec<UsageRow>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array or object of usage rows")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(10_000));
            while let Some(row) = seq.next_element()? {
                rows.push(row);
            }
            Ok(rows)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut rows = Vec::new();
            while let Some((_, row)) = map.next_entry::<de::IgnoredAny, UsageRow>()? {
                rows.push(row);
            }
            Ok(rows)
        }
    }
    d.deserialize_any(Rows)
}

/// An application as listed by `video.getapps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub id: Option<u64>,
    pub name: Option<String>,
}

/// Parses `video.getapps`. Its response is not in our API document, so this
/// accepts the shapes ScaleEngine uses elsewhere: a list (or index-keyed
/// object) under `apps`, `applications`, `usage` or `data`, of names or of
/// objects with `name`/`app_name`/`app` and `id`/`app_id`; or an object
/// keyed by app name whose values are ids or such objects.
pub fn parse_apps(body: &[u8]) -> Result<Vec<App>, ProviderError> {
    check_status(body)?;
    let mut root: HashMap<String, Value> = serde_json::from_slice(body)
        .map_err(|e| ProviderError::Decode(format!("video.getapps: {e}")))?;
    let list = ["apps", "applications", "usage", "data"]
        .iter()
        .find_map(|k| root.remove(*k))
        .ok_or_else(|| ProviderError::Decode("video.getapps: no `apps` list".into()))?;
    let items: Vec<Value> = match list {
        Value::Array(items) => items,
        // PHP encodes an array with holes as an object keyed by index.
        Value::Object(map) if map.keys().all(|k| k.bytes().all(|b| b.is_ascii_digit())) => {
            map.into_iter().map(|(_, v)| v).collect()
        }
        Value::Object(map) => map
            .into_iter()
            .map(|(name, v)| match v {
                Value::Object(mut fields) => {
                    fields.entry("name").or_insert(Value::String(name));
                    Value::Object(fields)
                }
                id => serde_json::json!({ "name": name, "id": id }),
            })
            .collect(),
        Value::Null => Vec::new(),
        other => {
            return Err(ProviderError::Decode(format!(
                "video.getapps: `apps` is {other}, not a list"
            )))
        }
    };
    items.into_iter().map(parse_app).collect()
}

fn parse_app(item: Value) -> Result<App, ProviderError> {
    let id_of = |v: &Value| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => crate::providers::numbers::parse_u64_text(s),
        _ => None,
    };
    let app = match &item {
        Value::String(name) => App {
            id: None,
            name: Some(name.clone()),
        },
        Value::Number(_) => App {
            id: id_of(&item),
            name: None,
        },
        Value::Object(map) => App {
            id: ["id", "app_id"]
                .iter()
                .find_map(|k| map.get(*k).and_then(id_of)),
            name: ["name", "app_name", "app"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str))
                .map(str::to_string),
        },
        _ => App {
            id: None,
            name: None,
        },
    };
    if app.id.is_none() && app.name.is_none() {
        return Err(ProviderError::Decode(format!(
            "video.getapps: an app without a name or id: {item}"
        )));
    }
    Ok(app)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fixtures;

    #[test]
    fn seed_example_parses_with_strings_as_numbers() {
        let page = UsagePage::parse(&fixtures::bytes("scaleengine_usage_example.json")).unwrap();
        assert_eq!(page.count, Some(2));
        assert_eq!(page.usage.len(), 2);
        assert_eq!(page.usage[0].video_url, "sestore/jb/my_video.mp4");
        assert_eq!(page.usage[0].bytes_total, 5_106_077);
        assert_eq!(page.usage[1].bytes_total, 2_875_558);
        assert_eq!(page.usage[1].requests_total, 1);
    }

    #[test]
    fn failure_status_carries_the_api_message() {
        let err =
            UsagePage::parse(br#"{"status":"failure","message":"Invalid signature"}"#).unwrap_err();
        assert!(matches!(&err, ProviderError::ApiAuth(m) if m == "Invalid signature"));
        assert!(err.is_auth());
        let maintenance = check_status(br#"{"status":"failure","message":"Maintenance window"}"#);
        assert!(matches!(&maintenance, Err(ProviderError::Api(m)) if m == "Maintenance window"));
    }

    #[test]
    fn usage_as_object_or_null_parses() {
        let page = UsagePage::parse(
            br#"{"status":"success","count":"1","usage":{"3":{"video_url":"a","bytes_total":1,"requests_total":"2"}}}"#,
        )
        .unwrap();
        assert_eq!(page.usage.len(), 1);
        assert_eq!(page.count, Some(1));
        let page = UsagePage::parse(br#"{"status":"success","count":0,"usage":null}"#).unwrap();
        assert!(page.usage.is_empty());
        let page = UsagePage::parse(
            br#"{"status":"success","usage":[{"video_url":12345,"bytes_total":1,"requests_total":1}]}"#,
        )
        .unwrap();
        assert_eq!(page.usage[0].video_url, "12345");
    }

    #[test]
    fn malformed_rows_are_errors() {
        for body in [
            &br#"{"status":"success","usage":[{"video_url":"a","bytes_total":"x","requests_total":1}]}"#[..],
            br#"{"status":"success","usage":[{"bytes_total":1,"requests_total":1}]}"#,
            br#"{"status":"success","usage":[{"video_url":null,"bytes_total":1,"requests_total":1}]}"#,
            br#"{"status":"success","usage":"nope"}"#,
            br#"{"usage":[]}"#,
            b"<html>",
        ] {
            assert!(UsagePage::parse(body).is_err());
        }
    }

    #[test]
    fn apps_parse_from_names_and_objects() {
        let apps = parse_apps(
            br#"{"status":"success","apps":[{"app_id":"12","app_name":"demo-origin"},"other",{"id":7}]}"#,
        )
        .unwrap();
        assert_eq!(
            apps,
            vec![
                App {
                    id: Some(12),
                    name: Some("demo-origin".into())
                },
                App {
                    id: None,
                    name: Some("other".into())
                },
                App {
                    id: Some(7),
                    name: None
                },
            ]
        );
        assert!(parse_apps(br#"{"status":"success","apps":[{}]}"#).is_err());
        let by_name =
            parse_apps(br#"{"status":"success","apps":{"demo-origin":"12","vod":{"id":13}}}"#)
                .unwrap();
        assert_eq!(
            by_name,
            vec![
                App {
                    id: Some(12),
                    name: Some("demo-origin".into())
                },
                App {
                    id: Some(13),
                    name: Some("vod".into())
                },
            ]
        );
        let by_index = parse_apps(br#"{"status":"success","data":{"0":"a","2":"b"}}"#).unwrap();
        assert_eq!(by_index.len(), 2);
        assert!(parse_apps(br#"{"status":"failure","message":"Bad key"}"#).is_err());
    }
}
