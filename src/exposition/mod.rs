//! The exposition text of provider data: the sample-line builder every
//! provider renders through (label escaping, exact numbers) and the
//! cardinality controls, applied here once for every provider.
//!
//! Providers never write Prometheus text themselves. Per-row families (one
//! series per URL, stream target, transcoder) go through a [`Table`]: rows
//! beyond `max_series` per table and period, and rows a filter excluded,
//! are summed into one row whose id labels read `__other__`, so that a
//! `sum()` over the family still equals the provider's total exactly.
//!
//! A table is not kept as text: its rows are kept compactly (the escaped
//! ids in one buffer, the values beside them) and rendered once, by the
//! first scrape that wants text; a gzip scrape streams the rendering into
//! the compressor. So an account of a million URLs is never held as text
//! twice while a refresh replaces it, and a scraper that only asks for
//! gzip (Prometheus) never makes the text at all.
//!
//! Here: the [`Snapshot`] a provider builds and its [`SnapshotBuilder`]
//! (labels, gauges, escaping); `rows` keeps a table's rows compactly and
//! seals them (sorted, duplicates summed); `cap` applies `max_series` and
//! the filters, folding into `__other__`; `render` writes a table's
//! columns as text, or straight into the compressor.

mod cap;
mod render;
mod rows;

use std::io::Write as _;

use bytes::Bytes;

use crate::cardinality::Cardinality;
pub use cap::{TableBuilder, OTHER};
pub use render::Samples;
pub use rows::{ExcludedIds, Number, Rows, Table, Values};

/// Declares gauge families as statics: `NAME = "metric_name", "help";`,
/// the same way in every provider and in billing.
macro_rules! families {
    ($($id:ident = $name:literal, $help:literal;)*) => {
        $(pub static $id: $crate::exposition::GaugeFamily =
            $crate::exposition::GaugeFamily { name: $name, help: $help };)*
    };
}
pub(crate) use families;

/// A gauge family's name and help text. Providers declare theirs as statics.
#[derive(Debug)]
pub struct GaugeFamily {
    pub name: &'static str,
    pub help: &'static str,
}

/// The samples of one family within one snapshot, shared (not copied) by
/// every scrape that sends them. A snapshot may hold a family more than
/// once (its samples from `gauge` and from a table).
#[derive(Debug, Clone)]
pub struct FamilySamples {
    pub family: &'static GaugeFamily,
    pub samples: Samples,
}

/// A complete, immutable result of one endpoint fetch.
#[derive(Debug, Default)]
pub struct Snapshot {
    families: Vec<FamilySamples>,
    series: usize,
    dropped: usize,
}

impl Snapshot {
    pub fn families(&self) -> &[FamilySamples] {
        &self.families
    }

    /// How many series the snapshot holds.
    pub fn series(&self) -> usize {
        self.series
    }

    /// How many series cardinality controls folded into `__other__`.
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

/// A sample value, written exactly: integers as integers, never via `f64`.
pub trait SampleValue {
    fn write_to(&self, out: &mut Vec<u8>);
}

impl SampleValue for u64 {
    fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
    }
}

impl SampleValue for f64 {
    fn write_to(&self, out: &mut Vec<u8>) {
        if self.is_finite() {
            let _ = write!(out, "{self}");
        } else if self.is_nan() {
            out.extend_from_slice(b"NaN");
        } else if *self > 0.0 {
            out.extend_from_slice(b"+Inf");
        } else {
            out.extend_from_slice(b"-Inf");
        }
    }
}

/// A family's samples while a snapshot is built.
enum Building {
    Text(Vec<u8>),
    Done(Samples),
}

/// Builds a [`Snapshot`]; every sample starts with the same labels
/// (`account`, and for usage data `period`).
pub struct SnapshotBuilder {
    /// `account="...",period="..."`, escaped, without braces.
    common: Vec<u8>,
    families: Vec<(&'static GaugeFamily, Building)>,
    series: usize,
    dropped: usize,
    cardinality: Cardinality,
}

/// Appends `labels` as `name="value"` pairs, each after a comma unless
/// `out` is empty or ends in the `{` that opens a label set.
fn label_pairs(
    out: &mut Vec<u8>,
    labels: impl IntoIterator<Item = (&'static str, impl AsRef<str>)>,
) {
    for (name, value) in labels {
        if !out.is_empty() && !out.ends_with(b"{") {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_label_value(out, value.as_ref());
        out.push(b'"');
    }
}

impl SnapshotBuilder {
    /// Samples labelled `account` only.
    pub fn new(account: &str) -> Self {
        Self::with_labels(&[("account", account)])
    }

    /// Usage samples: `account` and `period`; tables are capped by
    /// `cardinality`.
    pub fn usage(account: &str, period: &str, cardinality: &Cardinality) -> Self {
        let mut builder = Self::with_labels(&[("account", account), ("period", period)]);
        builder.cardinality = cardinality.clone();
        builder
    }

    /// Samples that all start with `labels`.
    pub fn with_labels(labels: &[(&'static str, &str)]) -> Self {
        let mut common = Vec::new();
        label_pairs(&mut common, labels.iter().copied());
        SnapshotBuilder {
            common,
            families: Vec::new(),
            series: 0,
            dropped: 0,
            cardinality: Cardinality::default(),
        }
    }

    /// A table of rows to add, capped as a whole when finished.
    pub fn table(&mut self, table: &'static Table) -> TableBuilder<'_> {
        TableBuilder::new(self, table)
    }

    /// Adds one sample. Callers guarantee label sets are unique per family.
    pub fn gauge(
        &mut self,
        family: &'static GaugeFamily,
        labels: &[(&'static str, &str)],
        value: impl SampleValue,
    ) {
        let index = match self
            .families
            .iter()
            .position(|(f, b)| std::ptr::eq(*f, family) && matches!(b, Building::Text(_)))
        {
            Some(index) => index,
            None => {
                self.families.push((family, Building::Text(Vec::new())));
                self.families.len() - 1
            }
        };
        let Building::Text(out) = &mut self.families[index].1 else {
            unreachable!("found as text")
        };
        out.extend_from_slice(family.name.as_bytes());
        out.push(b'{');
        out.extend_from_slice(&self.common);
        label_pairs(out, labels.iter().copied());
        out.extend_from_slice(b"} ");
        value.write_to(out);
        out.push(b'\n');
        self.series += 1;
    }

    /// Adds a finished table's families, each with at least one sample:
    /// its groups' label values and rows.
    fn add_table(&mut self, table: &'static Table, groups: Vec<(Box<[String]>, Rows)>) {
        for (family, count, samples) in render::columns(table, &self.common, groups) {
            self.series += count;
            if count > 0 {
                self.families.push((family, Building::Done(samples)));
            }
        }
    }

    pub fn finish(self) -> Snapshot {
        Snapshot {
            families: self
                .families
                .into_iter()
                .map(|(family, samples)| FamilySamples {
                    family,
                    samples: match samples {
                        Building::Text(text) => Samples::from(Bytes::from(text)),
                        Building::Done(samples) => samples,
                    },
                })
                .collect(),
            series: self.series,
            dropped: self.dropped,
        }
    }
}

/// Escapes a label value for both the text format and OpenMetrics.
pub fn escape_label_value(out: &mut Vec<u8>, value: &str) {
    let mut rest = value.as_bytes();
    while let Some(i) = rest.iter().position(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(match rest[i] {
            b'\\' => b"\\\\",
            b'"' => b"\\\"",
            _ => b"\\n",
        });
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cardinality::Filter;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    static BYTES: GaugeFamily = GaugeFamily {
        name: "test_bytes",
        help: "Test.",
    };

    #[test]
    fn label_values_are_escaped() {
        let mut b = SnapshotBuilder::new("a\"b");
        b.gauge(&BYTES, &[("url", "x\\y\nz")], 5u64);
        let snap = b.finish();
        assert_eq!(
            snap.families()[0].samples.text(),
            "test_bytes{account=\"a\\\"b\",url=\"x\\\\y\\nz\"} 5\n"
        );
        assert_eq!(snap.series(), 1);
    }

    #[test]
    fn large_integers_are_written_exactly() {
        let mut b = SnapshotBuilder::new("a");
        b.gauge(&BYTES, &[], 18_446_744_073_709_551_615u64);
        assert!(b.finish().families()[0]
            .samples
            .text()
            .ends_with(b" 18446744073709551615\n"));
    }

    static ROWS: Table = Table {
        families: [&BYTES, &REQUESTS],
        group: &["app"],
        id: &["url"],
        id_first: false,
    };

    static REQUESTS: GaugeFamily = GaugeFamily {
        name: "test_requests",
        help: "Test.",
    };

    fn rendered(cardinality: Cardinality, rows: &[(&str, &str, u64)]) -> (String, Snapshot) {
        let mut b = SnapshotBuilder::usage("a", "month", &cardinality);
        let mut table = b.table(&ROWS);
        for (app, url, bytes) in rows {
            if cardinality.keeps(url) {
                let values = [Some(Number::Int(*bytes)), Some(Number::Int(1))];
                table.row(&[app], &[url], values);
            } else {
                let values = [Some(Number::Int(*bytes)), Some(Number::Int(1))];
                table.excluded(&[app], values, ExcludedIds::of(&[url]));
            }
        }
        table.finish();
        let snapshot = b.finish();
        let text = snapshot
            .families()
            .iter()
            .map(|f| String::from_utf8(f.samples.text().to_vec()).unwrap())
            .collect();
        (text, snapshot)
    }

    fn sum(text: &str, family: &str) -> u64 {
        text.lines()
            .filter(|l| l.starts_with(family))
            .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
            .sum()
    }

    const ROWS_OF_TWO_APPS: [(&str, &str, u64); 5] = [
        ("x", "a.mp4", 50),
        ("x", "b.mp4", 10),
        ("y", "c.mp4", 40),
        ("y", "d.mp4", 30),
        ("x", "e.mp4", 20),
    ];

    #[test]
    fn caps_keep_the_largest_rows_and_fold_the_rest_per_group() {
        let caps = Cardinality {
            max_series: Some(2),
            filter: None,
        };
        let (text, snapshot) = rendered(caps, &ROWS_OF_TWO_APPS);
        assert!(text
            .contains("test_bytes{account=\"a\",period=\"month\",app=\"x\",url=\"a.mp4\"} 50\n"));
        assert!(text
            .contains("test_bytes{account=\"a\",period=\"month\",app=\"y\",url=\"c.mp4\"} 40\n"));
        assert!(text.contains(
            "test_bytes{account=\"a\",period=\"month\",app=\"x\",url=\"__other__\"} 30\n"
        ));
        assert!(text.contains(
            "test_bytes{account=\"a\",period=\"month\",app=\"y\",url=\"__other__\"} 30\n"
        ));
        assert!(text.contains(
            "test_requests{account=\"a\",period=\"month\",app=\"x\",url=\"__other__\"} 2\n"
        ));
        assert_eq!(sum(&text, "test_bytes{"), 150, "totals stay exact");
        assert_eq!(sum(&text, "test_requests{"), 5);
        assert_eq!(snapshot.dropped(), 6, "3 rows in 2 families");
        assert_eq!(snapshot.series(), 8);
    }

    #[test]
    fn totals_only_and_filters_fold_everything_they_drop() {
        let (text, snapshot) = rendered(
            Cardinality {
                max_series: Some(0),
                filter: None,
            },
            &ROWS_OF_TWO_APPS,
        );
        assert_eq!(text.lines().count(), 4, "{text}");
        assert_eq!(sum(&text, "test_bytes{"), 150);
        assert_eq!(snapshot.dropped(), 10);
        let filter = Filter::new(&["\\.mp4$".into()], &["^[bd]".into()]).unwrap();
        let (text, _) = rendered(
            Cardinality {
                max_series: None,
                filter: Some(Arc::new(filter)),
            },
            &ROWS_OF_TWO_APPS,
        );
        assert!(!text.contains("b.mp4") && !text.contains("d.mp4") && text.contains("e.mp4"));
        assert!(text.contains("app=\"x\",url=\"__other__\"} 10\n"), "{text}");
        assert_eq!(sum(&text, "test_bytes{"), 150);
    }

    #[test]
    fn an_id_in_several_rows_is_one_dropped_series_however_it_is_folded() {
        let rows = [("x", "a.mp4", 1), ("x", "b.mp4", 2), ("x", "a.mp4", 3)];
        let (_, capped) = rendered(
            Cardinality {
                max_series: Some(0),
                filter: None,
            },
            &rows,
        );
        let filter = Filter::new(&[], &["mp4".into()]).unwrap();
        let (text, filtered) = rendered(
            Cardinality {
                max_series: None,
                filter: Some(Arc::new(filter)),
            },
            &rows,
        );
        assert!(text.contains("url=\"__other__\"} 6\n"), "{text}");
        assert_eq!(capped.dropped(), 4, "2 URLs in 2 families");
        assert_eq!(filtered.dropped(), 4, "2 URLs in 2 families");
    }

    #[test]
    fn no_controls_no_other_row() {
        let (text, snapshot) = rendered(Cardinality::default(), &ROWS_OF_TWO_APPS);
        assert!(!text.contains(OTHER));
        assert_eq!(snapshot.dropped(), 0);
        assert_eq!(snapshot.series(), 10);
    }

    /// Tables shaped like Wowza's: two id labels first, with and without a
    /// group label after them.
    static TARGETS: Table = Table {
        families: [&BYTES, &REQUESTS],
        group: &[],
        id: &["id", "name"],
        id_first: true,
    };

    static ZONES: Table = Table {
        families: [&BYTES, &REQUESTS],
        group: &["zone"],
        id: &["id", "name"],
        id_first: true,
    };

    const SHAPES: [&Table; 3] = [&ROWS, &TARGETS, &ZONES];

    /// A row: group number, two id values (the second only where the
    /// table has two id labels), two values.
    type TestRow = (u8, String, String, Option<u64>, Option<u64>);

    /// The reference for tables: rows summed in a map, capped by a full
    /// sort, every sample written on its own with the simplest escaping.
    /// Ties at the cap go to the first in label text order.
    fn reference(shape: usize, rows: &[TestRow], max: Option<usize>) -> (Vec<String>, usize) {
        fn escape(s: &str) -> String {
            s.chars()
                .map(|c| match c {
                    '\\' => "\\\\".to_string(),
                    '"' => "\\\"".to_string(),
                    '\n' => "\\n".to_string(),
                    c => c.to_string(),
                })
                .collect()
        }
        fn plus(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            }
        }
        // The labels that identify a row as they are written, but for the
        // closing quote (label text order, as ties are broken).
        let id_text = |id: &str, name: &str| match shape {
            0 => format!("url=\"{}", escape(id)),
            _ => format!("id=\"{}\",name=\"{}", escape(id), escape(name)),
        };
        let group = |g: u8| match shape {
            1 => String::new(),
            _ => format!("g{g}"),
        };
        type Sums = BTreeMap<(String, String), (Option<u64>, Option<u64>)>;
        let mut sums = Sums::new();
        for (g, id, name, a, b) in rows {
            let sum = sums.entry((group(*g), id_text(id, name))).or_default();
            *sum = (plus(sum.0, *a), plus(sum.1, *b));
        }
        let all: Vec<_> = sums.into_iter().collect();
        let mut kept = vec![true; all.len()];
        if let Some(max) = max.filter(|m| *m < all.len()) {
            let rank = |i: usize| all[i].1 .0.map_or(f64::NEG_INFINITY, |v| v as f64);
            let mut order: Vec<usize> = (0..all.len()).collect();
            order.sort_by(|&i, &j| rank(j).total_cmp(&rank(i)).then(i.cmp(&j)));
            for &i in &order[max..] {
                kept[i] = false;
            }
        }
        let mut out = Sums::new();
        let mut folded = 0;
        for (((g, id), (a, b)), kept) in all.into_iter().zip(kept) {
            let id = if kept {
                id
            } else {
                folded += 1;
                id_text(OTHER, OTHER)
            };
            let sum = out.entry((g, id)).or_default();
            *sum = (plus(sum.0, a), plus(sum.1, b));
        }
        let mut lines = Vec::new();
        for ((g, id), (a, b)) in out {
            let labels = match shape {
                0 => format!("app=\"{g}\",{id}\""),
                1 => format!("{id}\""),
                _ => format!("{id}\",zone=\"{g}\""),
            };
            for (family, value) in [("test_bytes", a), ("test_requests", b)] {
                if let Some(v) = value {
                    lines.push(format!(
                        "{family}{{account=\"a\",period=\"month\",{labels}}} {v}"
                    ));
                }
            }
        }
        lines.sort();
        (lines, folded * 2)
    }

    proptest::proptest! {
        #[test]
        fn tables_render_like_the_reference(
            shape in 0usize..3,
            rows in proptest::collection::vec(
                (
                    0u8..3,
                    // Now and then a real id that reads `__other__`.
                    proptest::prop_oneof![
                        9 => "[ab\"\\\\\n _]{0,3}",
                        1 => proptest::strategy::Just(OTHER.to_string()),
                    ],
                    proptest::prop_oneof![
                        9 => "[a\"\\\\\n]{0,2}",
                        1 => proptest::strategy::Just(OTHER.to_string()),
                    ],
                    proptest::option::of(0u64..1000),
                    proptest::option::of(0u64..1000),
                ),
                0..80,
            ),
            max in proptest::option::of(0usize..12),
            whole_groups in proptest::bool::ANY,
        ) {
            let caps = Cardinality { max_series: max, filter: None };
            let table_shape = SHAPES[shape];
            let mut b = SnapshotBuilder::usage("a", "month", &caps);
            let mut table = b.table(table_shape);
            // Whole groups come in two parts each: the second is appended.
            let mut groups: BTreeMap<(String, usize), Rows> = BTreeMap::new();
            for (i, (g, id, name, bytes, requests)) in rows.iter().enumerate() {
                let values = [bytes.map(Number::Int), requests.map(Number::Int)];
                let g = format!("g{g}");
                let group: Vec<&str> = table_shape.group.iter().map(|_| g.as_str()).collect();
                let id: Vec<&str> = [id.as_str(), name.as_str()][..table_shape.id.len()].to_vec();
                if whole_groups {
                    groups
                        .entry((group.concat(), i % 2))
                        .or_insert_with(|| Rows::new(table_shape))
                        .add(&id, values);
                } else {
                    table.row(&group, &id, values);
                }
            }
            for ((g, _), rows) in groups {
                let group: Vec<&str> = table_shape.group.iter().map(|_| g.as_str()).collect();
                table.rows(&group, rows);
            }
            table.finish();
            let snapshot = b.finish();
            let mut lines: Vec<String> = snapshot
                .families()
                .iter()
                .flat_map(|f| {
                    // Streamed before the text exists, so it is rendered anew.
                    let mut streamed = Vec::new();
                    f.samples.write_chunks(|chunk| streamed.extend_from_slice(chunk));
                    let text = String::from_utf8(f.samples.text().to_vec()).unwrap();
                    assert_eq!(streamed, text.as_bytes(), "chunks and text agree");
                    text.lines().map(str::to_string).collect::<Vec<_>>()
                })
                .collect();
            lines.sort();
            let (expected, dropped) = reference(shape, &rows, max);
            proptest::prop_assert_eq!(&lines, &expected);
            proptest::prop_assert_eq!(snapshot.series(), expected.len());
            proptest::prop_assert_eq!(snapshot.dropped(), dropped);
        }
    }
}
