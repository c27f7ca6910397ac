//! Rendering: a finished table keeps, per group, the text around the ids
//! of a sample line and its rows, and writes a family's column at most
//! once as text, or streams it into the compressor a chunk at a time, so
//! that a scraper that only asks for gzip never makes the text at all.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use super::rows::{Number, Rows, Table};
use super::{label_pairs, GaugeFamily, SampleValue as _};

/// A finished table's columns, one per family: the family, how many
/// samples it has, and its samples (rendered on first use). `common` is
/// the labels every sample starts with; `groups` the group label values
/// and rows.
pub(super) fn columns(
    table: &'static Table,
    common: &[u8],
    groups: Vec<(Box<[String]>, Rows)>,
) -> Vec<(&'static GaugeFamily, usize, Samples)> {
    let groups: Vec<GroupData> = groups
        .into_iter()
        .map(|(labels, rows)| {
            let group_labels = table.group.iter().copied().zip(labels.iter());
            let mut before = common.to_vec();
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
                rows,
            }
        })
        .collect();
    let data = Arc::new(TableData { groups });
    table
        .families
        .iter()
        .enumerate()
        .map(|(index, family)| {
            let column = Column {
                table: data.clone(),
                index,
                text: OnceLock::new(),
            };
            let count = data.samples(index).count();
            (*family, count, Samples::new(Repr::Column(Arc::new(column))))
        })
        .collect()
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
