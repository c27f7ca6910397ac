//! A table's rows, kept compactly as they are fetched (every id's escaped
//! text in one buffer, its values beside it), and sealed once: sorted by
//! id, duplicate ids summed, so that one sort does what a map would.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};

use super::{escape_label_value, GaugeFamily, SampleValue};

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

    pub(super) fn as_f64(self) -> f64 {
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
pub(super) fn add_values(sum: &mut Values, add: &Values) {
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
    pub(super) id_labels: &'static [&'static str],
    /// The id label values of every row, escaped, each value joined to the
    /// next by `","label="`, so that one slice is what a sample needs.
    pub(super) ids: Vec<u8>,
    pub(super) entries: Vec<Entry>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    start: usize,
    end: usize,
    pub(super) values: Values,
}

impl Entry {
    /// Its id text in `ids` (the buffer of the [`Rows`] it belongs to).
    pub(super) fn id<'a>(&self, ids: &'a [u8]) -> &'a [u8] {
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

    pub(super) fn append(&mut self, mut other: Rows) {
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
    pub(super) fn seal(&mut self) {
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
    pub(super) fn insert_sorted(&mut self, id: &[&str], values: Values) {
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
    pub(super) fn retain(&mut self, keep: &[bool], mut fold: impl FnMut(&Values)) {
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
    pub(super) fn compact(&mut self) {
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
pub struct ExcludedIds(pub(super) HashSet<u64>);

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

#[cfg(test)]
mod tests {
    use super::*;

    static A: GaugeFamily = GaugeFamily {
        name: "a",
        help: "A.",
    };
    static T: Table = Table {
        families: [&A, &A],
        group: &[],
        id: &["url"],
        id_first: false,
    };

    fn values(bytes: u64) -> Values {
        [Some(bytes.into()), None]
    }

    /// A day's rows into the month so far: an id already there is summed,
    /// a new one added, and the result is sealed (sorted, one row an id).
    #[test]
    fn merged_rows_sum_the_ids_they_share() {
        let mut month = Rows::new(&T);
        month.add(&["b"], values(2));
        month.add(&["a"], values(1));
        month.seal();
        let mut day = Rows::new(&T);
        day.add(&["c"], values(30));
        day.add(&["a"], values(10));
        day.add(&["a"], values(100));
        month.merge(day);
        let rows: Vec<(String, String)> = month
            .entries
            .iter()
            .map(|e| {
                let id = String::from_utf8(e.id(&month.ids).to_vec()).unwrap();
                let mut value = Vec::new();
                e.values[0].unwrap().write_to(&mut value);
                (id, String::from_utf8(value).unwrap())
            })
            .collect();
        let expected = [("a", "111"), ("b", "2"), ("c", "30")];
        assert_eq!(
            rows,
            expected.map(|(id, v)| (id.to_string(), v.to_string()))
        );
    }
}
