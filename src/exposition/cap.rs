//! The cap: rows beyond `max_series` per table and period, and rows a
//! filter excluded, are summed into one row per group whose id labels read
//! `__other__`, so that a `sum()` over a family still equals the
//! provider's total exactly. Ties are broken by label order, so the same
//! data always keeps the same rows.

use super::rows::{add_values, Number, Rows, Table, Values};
use super::{ExcludedIds, SnapshotBuilder};

/// The id label value of the row that sums what cardinality controls
/// folded away.
pub const OTHER: &str = "__other__";

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

impl<'a> TableBuilder<'a> {
    pub(super) fn new(snapshot: &'a mut SnapshotBuilder, table: &'static Table) -> Self {
        TableBuilder {
            snapshot,
            table,
            groups: Vec::new(),
        }
    }

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
        self.snapshot.add_table(
            self.table,
            groups.into_iter().map(|g| (g.labels, g.rows)).collect(),
        );
    }
}
