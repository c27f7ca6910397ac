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

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::io::Write as _;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use crate::cardinality::Cardinality;

/// The id label value of the row that sums what cardinality controls
/// folded away.
pub const OTHER: &str = "__other__";

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
    /// Callers check their totals for overflow (a sum of all rows), which
    /// bounds every partial sum; this saturates instead of wrapping.
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
    fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Number::Int(n) => n.write_to(out),
            Number::Float(x) => x.write_to(out),
        }
    }
}

/// Sums `add` into `sum`, value by value; a value missing on one side is
/// the other's.
fn add_values(sum: &mut Values, add: &Values) {
    for (sum, value) in sum.iter_mut().zip(add) {
        *sum = match (*sum, *value) {
            (Some(a), Some(b)) => Some(a.plus(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Rows of one group of a [`Table`], keyed by their id label values and
/// stored compactly: every id's escaped text in one buffer, its values
/// beside it. Duplicate ids are summed when the table is finished.
#[derive(Debug, Clone)]
pub struct Rows {
    id_labels: &'static [&'static str],
    /// The id label values of every row, escaped, each value joined to the
    /// next by `","label="`, so that one slice is what a sample needs.
    ids: Vec<u8>,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    start: usize,
    end: usize,
    values: Values,
}

impl Entry {
    /// Its id text in `ids` (the buffer of the [`Rows`] it belongs to).
    fn id<'a>(&self, ids: &'a [u8]) -> &'a [u8] {
        &ids[self.start..self.end]
    }
}

impl Rows {
    /// No rows yet, for `table`'s id labels.
    pub fn new(table: &'static Table) -> Rows {
        Rows {
            id_labels: table.id,
            ids: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Adds a row: its id label values in the table's order.
    pub fn add(&mut self, id: &[&str], values: Values) {
        debug_assert_eq!(id.len(), self.id_labels.len(), "one value per id label");
        let start = self.ids.len();
        for (i, value) in id.iter().enumerate() {
            if i > 0 {
                self.ids.extend_from_slice(b"\",");
                self.ids.extend_from_slice(self.id_labels[i].as_bytes());
                self.ids.extend_from_slice(b"=\"");
            }
            escape_label_value(&mut self.ids, value);
        }
        self.entries.push(Entry {
            start,
            end: self.ids.len(),
            values,
        });
    }

    /// Adds `other`'s rows, summing those of an id already here (a day's
    /// rows into the month so far).
    pub fn merge(&mut self, other: Rows) {
        self.append(other);
        self.seal();
    }

    fn append(&mut self, mut other: Rows) {
        if self.entries.is_empty() {
            // The usual case (a group's rows come at once): no copy.
            *self = other;
            return;
        }
        let offset = self.ids.len();
        self.ids.append(&mut other.ids);
        self.entries
            .extend(other.entries.into_iter().map(|e| Entry {
                start: e.start + offset,
                end: e.end + offset,
                values: e.values,
            }));
    }

    /// Orders the rows by id and sums the rows of a repeated id in the
    /// order they came (equal ids are ordered by where their text starts),
    /// sorting in place: no second copy of the rows.
    fn seal(&mut self) {
        let ids = &self.ids;
        self.entries
            .sort_unstable_by(|a, b| a.id(ids).cmp(b.id(ids)).then(a.start.cmp(&b.start)));
        self.entries.dedup_by(|later, kept| {
            let same = later.id(ids) == kept.id(ids);
            if same {
                add_values(&mut kept.values, &later.values);
            }
            same
        });
        self.compact();
    }

    /// Adds a row to sealed rows, in its place: summed with a row of the
    /// same id (a real URL named `__other__`), so that no series repeats.
    fn insert_sorted(&mut self, id: &[&str], values: Values) {
        self.add(id, values);
        let Some(new) = self.entries.pop() else {
            unreachable!("just added")
        };
        let ids = &self.ids;
        match self
            .entries
            .binary_search_by(|e| e.id(ids).cmp(new.id(ids)))
        {
            Ok(same) => add_values(&mut self.entries[same].values, &new.values),
            Err(place) => self.entries.insert(place, new),
        }
    }

    /// Keeps the rows `keep` says (by index, in order) and gives the others
    /// to `fold`.
    fn retain(&mut self, keep: &[bool], mut fold: impl FnMut(&Values)) {
        let mut index = 0;
        self.entries.retain(|entry| {
            let kept = keep[index];
            index += 1;
            if !kept {
                fold(&entry.values);
            }
            kept
        });
        self.compact();
    }

    /// Drops the text of rows that are gone, when it is a large part.
    fn compact(&mut self) {
        let used: usize = self.entries.iter().map(|e| e.end - e.start).sum();
        if used < self.ids.len() - self.ids.len() / 4 {
            let mut ids = Vec::with_capacity(used);
            for entry in &mut self.entries {
                let start = ids.len();
                ids.extend_from_slice(entry.id(&self.ids));
                *entry = Entry {
                    start,
                    end: ids.len(),
                    values: entry.values,
                };
            }
            self.ids = ids;
        } else {
            self.ids.shrink_to_fit();
        }
        self.entries.shrink_to_fit();
    }
}

/// The distinct ids of rows a filter excluded while the response was
/// parsed, each kept as a 64-bit hash: the ids themselves are never stored,
/// yet an id in several rows is one dropped series, as a capped row is.
#[derive(Debug, Default, Clone)]
pub struct ExcludedIds(HashSet<u64>);

impl ExcludedIds {
    /// The id of one row.
    pub fn of(id: &[impl AsRef<str>]) -> Self {
        let mut ids = Self::default();
        ids.add(id);
        ids
    }

    /// Adds a row's id label values, in the table's order.
    pub fn add(&mut self, id: &[impl AsRef<str>]) {
        // Keys fixed for the process: the hashes of separate sets must agree.
        let mut hasher = DefaultHasher::new();
        for value in id {
            value.as_ref().hash(&mut hasher);
        }
        self.0.insert(hasher.finish());
    }

    /// Adds every id of `other`.
    pub fn merge(&mut self, other: ExcludedIds) {
        self.0.extend(other.0);
    }
}

/// One group of a table being built: its label values, its rows, the sum
/// of the rows folded away, and how many distinct rows those were.
struct Group {
    labels: Box<[String]>,
    rows: Rows,
    other: Option<Values>,
    /// Rows `max_series` folded (each id once: rows are sealed first).
    capped: usize,
    excluded: ExcludedIds,
}

impl Group {
    fn fold(&mut self, values: &Values) {
        add_values(self.other.get_or_insert([None, None]), values);
    }
}

/// Caps the rows of all `groups` (each sealed, and the groups in order) at
/// `max`: the largest by the first value are kept, and among equals the
/// first in label order; the others are folded into their group's
/// `__other__` row.
fn cap(groups: &mut [Group], max: usize) {
    let total: usize = groups.iter().map(|g| g.rows.entries.len()).sum();
    if total <= max {
        return;
    }
    let rank = |(g, i): (usize, usize)| {
        groups[g].rows.entries[i].values[0].map_or(f64::NEG_INFINITY, Number::as_f64)
    };
    let mut all: Vec<(usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| (0..group.rows.entries.len()).map(move |i| (g, i)))
        .collect();
    if max > 0 {
        // (group, row) order is label order: groups and rows are sorted.
        all.select_nth_unstable_by(max - 1, |&a, &b| {
            rank(b).total_cmp(&rank(a)).then_with(|| a.cmp(&b))
        });
    }
    let mut keep: Vec<Vec<bool>> = groups
        .iter()
        .map(|g| vec![true; g.rows.entries.len()])
        .collect();
    for &(g, i) in &all[max..] {
        keep[g][i] = false;
    }
    drop(all);
    for (group, keep) in groups.iter_mut().zip(keep) {
        let mut folded = ([None, None], 0);
        group.rows.retain(&keep, |values| {
            add_values(&mut folded.0, values);
            folded.1 += 1;
        });
        if folded.1 > 0 {
            group.fold(&folded.0);
            group.capped += folded.1;
        }
    }
}

/// Rows of one [`Table`] being added. They are kept compactly until
/// [`finish`](Self::finish) sums duplicates, applies `max_series` and
/// hands them to the snapshot.
pub struct TableBuilder<'a> {
    snapshot: &'a mut SnapshotBuilder,
    table: &'static Table,
    /// In the order they first came.
    groups: Vec<Group>,
}

impl TableBuilder<'_> {
    fn group(&mut self, group: &[&str]) -> &mut Group {
        let index = match self.groups.iter().position(|g| {
            g.labels
                .iter()
                .map(String::as_str)
                .eq(group.iter().copied())
        }) {
            Some(index) => index,
            None => {
                self.groups.push(Group {
                    labels: group.iter().map(|g| g.to_string()).collect(),
                    rows: Rows::new(self.table),
                    other: None,
                    capped: 0,
                    excluded: ExcludedIds::default(),
                });
                self.groups.len() - 1
            }
        };
        &mut self.groups[index]
    }

    /// Adds one row: `group` and `id` label values in the table's order.
    /// Rows with the same labels are summed.
    pub fn row(&mut self, group: &[&str], id: &[&str], values: Values) {
        self.group(group).rows.add(id, values);
    }

    /// Adds the rows of one group at once.
    pub fn rows(&mut self, group: &[&str], rows: Rows) {
        debug_assert!(
            std::ptr::eq(rows.id_labels, self.table.id),
            "rows of this table"
        );
        self.group(group).rows.append(rows);
    }

    /// Adds rows that were folded before they were stored (a filter
    /// excluded them while parsing): their sum and their distinct ids.
    pub fn excluded(&mut self, group: &[&str], values: Values, ids: ExcludedIds) {
        if !ids.0.is_empty() {
            let group = self.group(group);
            group.fold(&values);
            group.excluded.0.extend(ids.0);
        }
    }

    /// Sums duplicates, caps, adds the `__other__` rows, and hands the
    /// table to the snapshot: groups in label order, rows in the order of
    /// their escaped id text (which also breaks ties at the cap).
    pub fn finish(mut self) {
        for group in &mut self.groups {
            group.rows.seal();
        }
        self.groups.sort_by(|a, b| a.labels.cmp(&b.labels));
        if let Some(max) = self.snapshot.cardinality.max_series {
            cap(&mut self.groups, max);
        }
        let other_id = vec![OTHER; self.table.id.len()];
        let mut folded = 0;
        for group in &mut self.groups {
            folded += group.capped + std::mem::take(&mut group.excluded).0.len();
            if let Some(values) = group.other.take() {
                group.rows.insert_sorted(&other_id, values);
            }
        }
        self.snapshot.dropped += folded * self.table.families.len();
        let groups = std::mem::take(&mut self.groups);
        self.snapshot.add_table(self.table, groups);
    }
}

/// A finished table as a snapshot keeps it: per group the text around the
/// ids of a sample line, and the rows.
#[derive(Debug)]
struct TableData {
    groups: Vec<GroupData>,
}

#[derive(Debug)]
struct GroupData {
    /// Per family: `name{` and every label before the ids' values.
    heads: [Vec<u8>; 2],
    /// Everything after the ids' values, up to the sample value.
    tail: Vec<u8>,
    rows: Rows,
}

/// Bytes a rendered chunk is sent or compressed in.
const CHUNK: usize = 256 * 1024;

impl TableData {
    /// Family `column`'s samples in order: each with its group, its id
    /// text and its value.
    fn samples(&self, column: usize) -> impl Iterator<Item = (&GroupData, &[u8], Number)> {
        self.groups.iter().flat_map(move |group| {
            group.rows.entries.iter().filter_map(move |entry| {
                let value = entry.values[column]?;
                Some((group, entry.id(&group.rows.ids), value))
            })
        })
    }

    /// Writes family `column`'s sample lines to `out`, handing it to
    /// `flush` whenever it holds `limit` bytes or more.
    fn render(
        &self,
        column: usize,
        out: &mut Vec<u8>,
        limit: usize,
        mut flush: impl FnMut(&mut Vec<u8>),
    ) {
        for (group, id, value) in self.samples(column) {
            out.extend_from_slice(&group.heads[column]);
            out.extend_from_slice(id);
            out.extend_from_slice(&group.tail);
            value.write_to(out);
            out.push(b'\n');
            if out.len() >= limit {
                flush(out);
            }
        }
    }

    /// The length of family `column`'s text, or a little more (see
    /// [`VALUE_LEN`]).
    fn capacity(&self, column: usize) -> usize {
        self.samples(column)
            .map(|(group, id, _)| {
                group.heads[column].len() + id.len() + group.tail.len() + VALUE_LEN + 1
            })
            .sum()
    }
}

/// Room for a sample value: a `u64` has at most 20 digits. A large `f64`
/// (written without an exponent) may need more; the buffer then grows.
const VALUE_LEN: usize = 24;

/// One family's column of a table: rendered at most once.
#[derive(Debug)]
struct Column {
    table: Arc<TableData>,
    index: usize,
    text: OnceLock<Bytes>,
}

/// The sample lines of one family in one snapshot: text, or a table's
/// column that is rendered on first use; and, once a scraper asks for
/// gzip, their compressed segment. Both live as long as the snapshot, so an
/// unchanged snapshot is compressed once however often others change.
#[derive(Debug, Clone)]
pub struct Samples {
    repr: Repr,
    segment: Arc<OnceLock<crate::deflate::Segment>>,
}

#[derive(Debug, Clone)]
enum Repr {
    Text(Bytes),
    Column(Arc<Column>),
}

impl From<Bytes> for Samples {
    fn from(text: Bytes) -> Samples {
        Samples::new(Repr::Text(text))
    }
}

impl Samples {
    fn new(repr: Repr) -> Samples {
        Samples {
            repr,
            segment: Arc::default(),
        }
    }

    /// The lines as one buffer, shared by every scrape that sends them; a
    /// table's column is rendered by the first caller.
    pub fn text(&self) -> Bytes {
        match &self.repr {
            Repr::Text(text) => text.clone(),
            Repr::Column(column) => column
                .text
                .get_or_init(|| {
                    let mut out = Vec::with_capacity(column.table.capacity(column.index));
                    column
                        .table
                        .render(column.index, &mut out, usize::MAX, |_| {});
                    out.shrink_to_fit();
                    Bytes::from(out)
                })
                .clone(),
        }
    }

    /// Hands the lines to `write` in order, in pieces: a column not
    /// rendered yet is rendered a chunk at a time and not kept.
    pub fn write_chunks(&self, mut write: impl FnMut(&[u8])) {
        match &self.repr {
            Repr::Text(text) => write(text),
            Repr::Column(column) => match column.text.get() {
                Some(text) => write(text),
                None => {
                    let mut out = Vec::with_capacity(CHUNK + CHUNK / 4);
                    column.table.render(column.index, &mut out, CHUNK, |out| {
                        write(out);
                        out.clear();
                    });
                    write(&out);
                }
            },
        }
    }

    /// The lines as an independent deflate segment, compressed by the first
    /// caller with its `deflater` (a column not rendered yet streams into
    /// it, a chunk at a time) and shared with every later one.
    pub fn segment(&self, deflater: &mut crate::deflate::Deflater) -> &crate::deflate::Segment {
        self.segment
            .get_or_init(|| deflater.segment(|write| self.write_chunks(write)))
    }
}

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
        TableBuilder {
            snapshot: self,
            table,
            groups: Vec::new(),
        }
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

    /// Adds a finished table's families, each with at least one sample.
    fn add_table(&mut self, table: &'static Table, groups: Vec<Group>) {
        let groups: Vec<GroupData> = groups
            .into_iter()
            .map(|group| {
                let group_labels = table.group.iter().copied().zip(group.labels.iter());
                let mut before = self.common.clone();
                let mut tail = b"\"".to_vec();
                if table.id_first {
                    label_pairs(&mut tail, group_labels);
                } else {
                    label_pairs(&mut before, group_labels);
                }
                if !before.is_empty() {
                    before.push(b',');
                }
                before.extend_from_slice(table.id[0].as_bytes());
                before.extend_from_slice(b"=\"");
                tail.extend_from_slice(b"} ");
                let head = |family: &GaugeFamily| {
                    let mut head = format!("{}{{", family.name).into_bytes();
                    head.extend_from_slice(&before);
                    head
                };
                GroupData {
                    heads: [head(table.families[0]), head(table.families[1])],
                    tail,
                    rows: group.rows,
                }
            })
            .collect();
        let data = Arc::new(TableData { groups });
        for (index, family) in table.families.iter().enumerate() {
            let count = data.samples(index).count();
            self.series += count;
            if count > 0 {
                let column = Column {
                    table: data.clone(),
                    index,
                    text: OnceLock::new(),
                };
                self.families.push((
                    family,
                    Building::Done(Samples::new(Repr::Column(Arc::new(column)))),
                ));
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
