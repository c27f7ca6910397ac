//! Wowza Streaming Cloud usage responses, parsed once at the edge.
//!
//! Missing and unknown fields are tolerated (a missing quantity is simply
//! not exposed), numbers may be strings, ids may be numbers (the OpenAPI
//! document says integer where the examples show strings), and `-1` billed
//! bytes mean "not available". Viewer data nests arrays of single-key
//! objects (`[{"US": {...}}, {"CA": {...}}]`) and `"...": "..."`
//! placeholders; those parse too. A value of the wrong type is an error,
//! for that resource only.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::providers::numbers::{lenient_f64_opt, lenient_u64_opt, lenient_u64_or_unavailable};
use crate::providers::ProviderError;

/// One row of any `/usage/time|network/...` list.
#[derive(Debug, Default, Deserialize)]
pub struct UsageRow {
    #[serde(default, deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub deleted: Option<bool>,
    #[serde(default, deserialize_with = "lenient_u64_opt")]
    pub seconds_used: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64_or_unavailable")]
    pub seconds_billed: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64_opt")]
    pub bytes_used: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64_or_unavailable")]
    pub bytes_billed: Option<u64>,
    /// Stream targets only: usage by protocol, then by billing zone.
    #[serde(default)]
    pub protocols: Option<BTreeMap<String, ProtocolUsage>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ProtocolUsage {
    #[serde(default)]
    pub zones: Option<BTreeMap<String, ZoneUsage>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ZoneUsage {
    #[serde(default, deserialize_with = "lenient_u64_opt")]
    pub bytes_used: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64_or_unavailable")]
    pub bytes_billed: Option<u64>,
}

/// Parses `{"<key>": [rows]}`; a missing key is an error (it is how an
/// unrelated answer, such as an error envelope, shows), `null` is no rows.
pub fn rows(body: &[u8], key: &str) -> Result<Vec<UsageRow>, ProviderError> {
    let mut root: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| decode(key, e))?;
    let list = root
        .remove(key)
        .ok_or_else(|| ProviderError::Decode(format!("no `{key}` in the response")))?;
    Option::<Vec<UsageRow>>::deserialize(list)
        .map(Option::unwrap_or_default)
        .map_err(|e| decode(key, e))
}

/// `/usage/storage/peak_recording`
pub fn peak_recording(body: &[u8]) -> Result<Option<u64>, ProviderError> {
    #[derive(Deserialize)]
    struct Root {
        peak_recording: Option<Peak>,
    }
    #[derive(Deserialize)]
    struct Peak {
        #[serde(default, deserialize_with = "lenient_u64_opt")]
        bytes_total: Option<u64>,
    }
    let root: Root = serde_json::from_slice(body).map_err(|e| decode("peak_recording", e))?;
    Ok(root.peak_recording.and_then(|p| p.bytes_total))
}

/// Unique viewers and viewing time: overall, or of one country, protocol
/// or rendition.
#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize)]
pub struct Viewers {
    #[serde(default, deserialize_with = "lenient_u64_opt")]
    pub total_unique_viewers: Option<u64>,
    #[serde(default, deserialize_with = "lenient_f64_opt")]
    pub seconds_total_viewing_time: Option<f64>,
}

/// `/usage/viewer_data/stream_targets/{id}`: the totals and the first level
/// of each breakdown. Deeper levels (protocols per country, ...) are
/// skipped: dashboards slice by one dimension at a time.
#[derive(Debug, Default, Deserialize)]
pub struct ViewerData {
    #[serde(flatten)]
    pub total: Viewers,
    #[serde(default)]
    pub countries: Breakdown,
    #[serde(default)]
    pub protocols: Breakdown,
    #[serde(default)]
    pub renditions: Breakdown,
}

pub fn viewer_data(body: &[u8]) -> Result<ViewerData, ProviderError> {
    #[derive(Deserialize)]
    struct Root {
        stream_target: Option<ViewerData>,
    }
    let root: Root = serde_json::from_slice(body).map_err(|e| decode("stream_target", e))?;
    root.stream_target
        .ok_or_else(|| ProviderError::Decode("no `stream_target` in the response".into()))
}

/// Entries keyed by country code, protocol or rendition, in the order
/// given; later duplicates of a key are dropped.
#[derive(Debug, Default, PartialEq)]
pub struct Breakdown(pub Vec<(String, Viewers)>);

impl Breakdown {
    fn push(&mut self, key: String, value: Viewers) {
        if key != "..." && !self.0.iter().any(|(k, _)| *k == key) {
            self.0.push((key, value));
        }
    }
}

impl<'de> Deserialize<'de> for Breakdown {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BreakdownVisitor)
    }
}

struct BreakdownVisitor;

impl<'de> Visitor<'de> for BreakdownVisitor {
    type Value = Breakdown;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of single-key objects, or an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Breakdown, E> {
        Ok(Breakdown::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Breakdown, A::Error> {
        let mut out = Breakdown::default();
        while let Some(Entries(entries)) = seq.next_element()? {
            for (key, value) in entries {
                out.push(key, value);
            }
        }
        Ok(out)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Breakdown, A::Error> {
        let Entries(entries) = Entries::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let mut out = Breakdown::default();
        for (key, value) in entries {
            out.push(key, value);
        }
        Ok(out)
    }
}

/// The keys of one object; a `"...": "..."` placeholder is skipped.
struct Entries(Vec<(String, Viewers)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object keyed by country, protocol or rendition")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "..." {
                        map.next_value::<de::IgnoredAny>()?;
                    } else {
                        entries.push((key, map.next_value::<Viewers>()?));
                    }
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

/// Ids are strings in the examples and integers in the OpenAPI document.
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::Text(s)) => s,
        Some(Id::Number(n)) => n.to_string(),
        None => String::new(),
    })
}

fn decode(what: &str, e: impl fmt::Display) -> ProviderError {
    ProviderError::Decode(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fixtures;

    #[test]
    fn seed_transcoder_time_parses() {
        let rows = rows(
            &fixtures::bytes("wowza_time_transcoders.json"),
            "transcoders",
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].id, "1234abcd");
        assert_eq!(rows[0].name.as_deref(), Some("July 1 IP Camera"));
        assert_eq!(rows[0].seconds_used, Some(20134));
        assert_eq!(rows[2].deleted, Some(true));
    }

    #[test]
    fn spec_stream_targets_parse_with_zones_and_unavailable_billing() {
        let rows = rows(
            &fixtures::bytes("wowza_network_stream_targets_spec.json"),
            "stream_targets",
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        let ull = &rows[1].protocols.as_ref().unwrap()["ull"]
            .zones
            .as_ref()
            .unwrap()["azure-westus"];
        assert_eq!(ull.bytes_used, Some(1_093_617_287));
        assert_eq!(ull.bytes_billed, None);
    }

    #[test]
    fn numeric_ids_strings_and_missing_fields_are_tolerated() {
        let rows = rows(
            br#"{"transcoders":[{"id":42,"bytes_used":"53446778562","extra":{"x":1}},{"name":"no id"}]}"#,
            "transcoders",
        )
        .unwrap();
        assert_eq!(rows[0].id, "42");
        assert_eq!(rows[0].bytes_used, Some(53_446_778_562));
        assert_eq!(rows[0].bytes_billed, None);
        assert_eq!(rows[0].deleted, None);
        assert_eq!(rows[1].id, "");
    }

    #[test]
    fn wrong_types_and_missing_lists_are_errors() {
        assert!(rows(
            br#"{"transcoders":[{"id":"a","seconds_used":"many"}]}"#,
            "transcoders"
        )
        .is_err());
        assert!(rows(br#"{"transcoders":{"id":"a"}}"#, "transcoders").is_err());
        assert!(rows(br#"{"meta":{"message":"x"}}"#, "transcoders").is_err());
        assert!(rows(br#"{"transcoders":null}"#, "transcoders")
            .unwrap()
            .is_empty());
        assert!(peak_recording(br#"{"peak_recording":{"bytes_total":"lots"}}"#).is_err());
        assert!(viewer_data(br#"{"stream_target":{"countries":[["US"]]}}"#).is_err());
        assert!(viewer_data(
            br#"{"stream_target":{"protocols":[{"hls":{"total_unique_viewers":true}}]}}"#
        )
        .is_err());
    }

    #[test]
    fn seed_viewer_data_parses_nested_single_key_objects_and_placeholders() {
        let v = viewer_data(&fixtures::bytes("wowza_viewer_data_seed.json")).unwrap();
        assert_eq!(v.total.total_unique_viewers, Some(17058));
        assert_eq!(v.total.seconds_total_viewing_time, Some(44_925_498.0));
        let keys: Vec<&str> = v.countries.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["US", "CA"]);
        assert_eq!(v.countries.0[0].1, Viewers::default());
        assert_eq!(v.protocols.0.len(), 3);
        assert_eq!(v.protocols.0[1].0, "hls");
        assert_eq!(v.protocols.0[1].1.total_unique_viewers, Some(11397));
        assert_eq!(
            v.protocols.0[1].1.seconds_total_viewing_time,
            Some(20_230_110.0)
        );
        let renditions: Vec<&str> = v.renditions.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(renditions, ["448", "640"]);
        assert_eq!(v.renditions.0[0].1.total_unique_viewers, Some(12453));
    }

    #[test]
    fn peak_recording_parses() {
        assert_eq!(
            peak_recording(br#"{"peak_recording":{"bytes_total":15130718193}}"#).unwrap(),
            Some(15_130_718_193)
        );
        assert_eq!(peak_recording(br#"{"peak_recording":{}}"#).unwrap(), None);
    }
}
