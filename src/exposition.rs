//! The exposition text of provider data: the sample-line builder every
//! provider renders through (label escaping, exact numbers) and the
//! cardinality controls, applied here once for every provider.
//!
//! Providers never write Prometheus text themselves. Per-row families (one
//! series per URL, stream target, transcoder) go through a [`Table`]: rows
//! beyond `max_series` per table and period, and rows a filter excluded,
//! are summed into one row whose id labels read `__other__`, so that a
//! `sum()` over the family still equals the provider's total exactly.

use std::collections::{BTreeMap, BinaryHeap};
use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use regex::RegexSet;

use crate::period::Period;

/// The id label value of the row that sums what cardinality controls
/// folded away.
pub const OTHER: &str = "__other__";

/// An account's cardinality controls.
#[derive(Debug, Clone, Default)]
pub struct Cardinality {
    /// Most rows kept per table and period (0: totals only); `None`: all.
    pub max_series: Option<usize>,
    pub filter: Option<Arc<Filter>>,
}

impl Cardinality {
    /// Whether a row named `name` (URL, stream or target name) is kept.
    pub fn keeps(&self, name: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f.keeps(name))
    }
}

/// `include` and `exclude` regexes on row names, searched anywhere in the
/// name as `grep -E` does (anchor with `^...$` to match whole names).
#[derive(Debug)]
pub struct Filter {
    include: Option<RegexSet>,
    exclude: Option<RegexSet>,
}

impl Filter {
    /// Compiles the patterns; an empty list does not filter.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter, regex::Error> {
        let set = |patterns: &[String]| {
            (!patterns.is_empty())
                .then(|| RegexSet::new(patterns))
                .transpose()
        };
        Ok(Filter {
            include: set(include)?,
            exclude: set(exclude)?,
        })
    }

    /// Kept: matches an `include` pattern (when there are any) and no
    /// `exclude` pattern.
    pub fn keeps(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|s| s.is_match(name))
            && !self.exclude.as_ref().is_some_and(|s| s.is_match(name))
    }
}

/// Two families that describe the same rows (bytes and requests of a URL,
/// used and billed bytes of a target), capped together: a row is kept or
/// folded in both at once, ranked by the first family's value.
#[derive(Debug)]
pub struct Table {
    pub families: [&'static GaugeFamily; 2],
    /// Labels that group rows and are kept on the `__other__` row (`app`).
    pub group: &'static [&'static str],
    /// Labels that identify a row; `__other__` on the folded row.
    pub id: &'static [&'static str],
    /// Whether the id labels come before the group labels in a sample.
    pub id_first: bool,
}

/// A row's values, one per family of its table (`None`: no sample).
pub type Values = [Option<Number>; 2];

/// A table value: exact integers, or fractional numbers where the
/// provider reports them (viewing seconds).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub enum Number {
    Int(u64),
    Float(f64),
}

impl Number {
    fn plus(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Number::Int(a.saturating_add(b)),
            (a, b) => Number::Float(a.as_f64() + b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Number::Int(n) => n as f64,
            Number::Float(x) => x,
        }
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Number {
        Number::Int(n)
    }
}

impl From<f64> for Number {
    fn from(x: f64) -> Number {
        Number::Float(x)
    }
}

impl SampleValue for Number {
    fn write_to(&self, out: &mut String) {
        match self {
            Number::Int(n) => n.write_to(out),
            Number::Float(x) => x.write_to(out),
        }
    }
}

/// One row kept for later: only the top `max_series` are, in a heap.
struct Row {
    /// Index into [`TableBuilder::groups`].
    group: usize,
    id: Box<[String]>,
    values: Values,
}

impl Row {
    fn rank(&self) -> f64 {
        self.values[0].map_or(f64::NEG_INFINITY, Number::as_f64)
    }
}

/// Heap order: the row to drop first (smallest value; among equals the
/// last by id, so the cut is stable) is the heap's maximum.
struct Ranked(Row);

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .0
            .rank()
            .total_cmp(&self.0.rank())
            .then_with(|| (self.0.group, &self.0.id).cmp(&(other.0.group, &other.0.id)))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked {}

/// Rows of one [`Table`] being added. Without `max_series` each row is
/// rendered as it comes and nothing is kept; with it, only the largest
/// `max_series` rows are kept (a heap) and every other row is folded at
/// once, so memory stays bounded by the cap, not by the account.
pub struct TableBuilder<'a> {
    snapshot: &'a mut SnapshotBuilder,
    table: &'static Table,
    /// Distinct group label values (apps, zones: few), interned.
    groups: Vec<Box<[String]>>,
    kept: BinaryHeap<Ranked>,
    /// Per group: the sum of folded rows, and how many there were.
    other: BTreeMap<usize, (Values, usize)>,
}

impl TableBuilder<'_> {
    fn group(&mut self, group: &[&str]) -> usize {
        match self
            .groups
            .iter()
            .position(|g| g.iter().map(String::as_str).eq(group.iter().copied()))
        {
            Some(index) => index,
            None => {
                self.groups
                    .push(group.iter().map(|g| g.to_string()).collect());
                self.groups.len() - 1
            }
        }
    }

    /// Adds one row: `group` and `id` label values in the table's order.
    pub fn row(&mut self, group: &[&str], id: Vec<String>, values: Values) {
        let row = Row {
            group: self.group(group),
            id: id.into_boxed_slice(),
            values,
        };
        let Some(max) = self.snapshot.cardinality.max_series else {
            self.render(&row);
            return;
        };
        self.kept.push(Ranked(row));
        if self.kept.len() > max {
            let Some(Ranked(smallest)) = self.kept.pop() else {
                unreachable!("the heap is not empty")
            };
            self.fold(smallest.group, &smallest.values, 1);
        }
    }

    /// Adds rows that were folded before they were stored (a filter
    /// excluded them while parsing): their sum and how many there were.
    pub fn folded(&mut self, group: &[&str], values: Values, rows: usize) {
        if rows > 0 {
            let group = self.group(group);
            self.fold(group, &values, rows);
        }
    }

    fn fold(&mut self, group: usize, values: &Values, rows: usize) {
        let entry = self.other.entry(group).or_insert(([None, None], 0));
        for (sum, value) in entry.0.iter_mut().zip(values) {
            *sum = match (*sum, *value) {
                (Some(a), Some(b)) => Some(a.plus(b)),
                (a, b) => a.or(b),
            };
        }
        entry.1 += rows;
    }

    fn render(&mut self, row: &Row) {
        let table = self.table;
        let group = table.group.iter().zip(self.groups[row.group].iter());
        let id = table.id.iter().zip(row.id.iter());
        let labels: Vec<(&str, &str)> = if table.id_first {
            id.chain(group).map(|(n, v)| (*n, v.as_str())).collect()
        } else {
            group.chain(id).map(|(n, v)| (*n, v.as_str())).collect()
        };
        for (family, value) in table.families.iter().zip(&row.values) {
            if let Some(value) = value {
                self.snapshot.gauge(family, &labels, *value);
            }
        }
    }

    /// Renders the kept rows in label order, then the folded ones.
    pub fn finish(mut self) {
        let mut kept: Vec<Row> = std::mem::take(&mut self.kept)
            .into_iter()
            .map(|Ranked(row)| row)
            .collect();
        let groups = &self.groups;
        kept.sort_by(|a, b| (&groups[a.group], &a.id).cmp(&(&groups[b.group], &b.id)));
        for row in &kept {
            self.render(row);
        }
        let other_id: Box<[String]> = vec![OTHER.to_string(); self.table.id.len()].into();
        let mut folded = 0;
        for (group, (values, rows)) in std::mem::take(&mut self.other) {
            folded += rows;
            self.render(&Row {
                group,
                id: other_id.clone(),
                values,
            });
        }
        self.snapshot.dropped += folded * self.table.families.len();
    }
}

/// A gauge family's name and help text. Providers declare theirs as statics.
#[derive(Debug)]
pub struct GaugeFamily {
    pub name: &'static str,
    pub help: &'static str,
}

/// The rendered sample lines of one family within one snapshot, shared
/// (not copied) by every scrape that sends them.
#[derive(Debug)]
pub struct FamilySamples {
    pub family: &'static GaugeFamily,
    pub text: Bytes,
}

/// A complete, immutable result of one endpoint fetch, already rendered.
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
    fn write_to(&self, out: &mut String);
}

impl SampleValue for u64 {
    fn write_to(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl SampleValue for f64 {
    fn write_to(&self, out: &mut String) {
        if self.is_finite() {
            let _ = write!(out, "{self}");
        } else if self.is_nan() {
            out.push_str("NaN");
        } else if *self > 0.0 {
            out.push_str("+Inf");
        } else {
            out.push_str("-Inf");
        }
    }
}

/// Builds a [`Snapshot`]; every sample starts with the same labels
/// (`account`, and for usage data `period`).
pub struct SnapshotBuilder {
    /// `account="...",period="..."`, escaped, without braces.
    common: String,
    families: Vec<(&'static GaugeFamily, String)>,
    series: usize,
    dropped: usize,
    cardinality: Cardinality,
}

impl SnapshotBuilder {
    /// Samples labelled `account` only.
    pub fn new(account: &str) -> Self {
        Self::with_labels(&[("account", account)])
    }

    /// Usage samples: `account` and `period`; tables are capped by
    /// `cardinality`.
    pub fn usage(account: &str, period: &Period, cardinality: &Cardinality) -> Self {
        let mut builder = Self::with_labels(&[("account", account), ("period", &period.label())]);
        builder.cardinality = cardinality.clone();
        builder
    }

    /// Samples that all start with `labels`.
    pub fn with_labels(labels: &[(&str, &str)]) -> Self {
        let mut common = String::new();
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                common.push(',');
            }
            common.push_str(name);
            common.push_str("=\"");
            escape_label_value(&mut common, value);
            common.push('"');
        }
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
        TableBuilder {
            snapshot: self,
            table,
            groups: Vec::new(),
            kept: BinaryHeap::new(),
            other: BTreeMap::new(),
        }
    }

    /// Adds one sample. Callers guarantee label sets are unique per family.
    pub fn gauge(
        &mut self,
        family: &'static GaugeFamily,
        labels: &[(&str, &str)],
        value: impl SampleValue,
    ) {
        let index = match self
            .families
            .iter()
            .position(|(f, _)| std::ptr::eq(*f, family))
        {
            Some(index) => index,
            None => {
                self.families.push((family, String::new()));
                self.families.len() - 1
            }
        };
        let out = &mut self.families[index].1;
        out.push_str(family.name);
        out.push('{');
        out.push_str(&self.common);
        for (name, value) in labels {
            out.push(',');
            out.push_str(name);
            out.push_str("=\"");
            escape_label_value(out, value);
            out.push('"');
        }
        out.push_str("} ");
        value.write_to(out);
        out.push('\n');
        self.series += 1;
    }

    pub fn finish(self) -> Snapshot {
        Snapshot {
            families: self
                .families
                .into_iter()
                .map(|(family, text)| FamilySamples {
                    family,
                    text: Bytes::from(text),
                })
                .collect(),
            series: self.series,
            dropped: self.dropped,
        }
    }
}

/// Escapes a label value for both the text format and OpenMetrics.
pub fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            snap.families()[0].text,
            "test_bytes{account=\"a\\\"b\",url=\"x\\\\y\\nz\"} 5\n"
        );
        assert_eq!(snap.series(), 1);
    }

    #[test]
    fn large_integers_are_written_exactly() {
        let mut b = SnapshotBuilder::new("a");
        b.gauge(&BYTES, &[], 18_446_744_073_709_551_615u64);
        assert!(b.finish().families()[0]
            .text
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
        let mut b = SnapshotBuilder::usage("a", &Period::Month, &cardinality);
        let mut table = b.table(&ROWS);
        for (app, url, bytes) in rows {
            if cardinality.keeps(url) {
                let values = [Some(Number::Int(*bytes)), Some(Number::Int(1))];
                table.row(&[app], vec![url.to_string()], values);
            } else {
                let values = [Some(Number::Int(*bytes)), Some(Number::Int(1))];
                table.folded(&[app], values, 1);
            }
        }
        table.finish();
        let snapshot = b.finish();
        let text = snapshot
            .families()
            .iter()
            .map(|f| String::from_utf8(f.text.to_vec()).unwrap())
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
    fn no_controls_no_other_row() {
        let (text, snapshot) = rendered(Cardinality::default(), &ROWS_OF_TWO_APPS);
        assert!(!text.contains(OTHER));
        assert_eq!(snapshot.dropped(), 0);
        assert_eq!(snapshot.series(), 10);
    }
}
