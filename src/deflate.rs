//! Gzip bodies made of pieces that are compressed once each and reused:
//! every piece is a [`Segment`], its own raw deflate stream (a fresh
//! compressor, no dictionary shared with any other piece) ending in a
//! completed sync flush, so it is byte-aligned and has no final block, and
//! segments can follow one another in any order within one gzip member. A
//! body is the gzip header, segments, one final stream, and a trailer whose
//! CRC-32 is combined from the segments' own, so no piece is read again.
//!
//! The one thing to get wrong: a sync flush must complete. flate2's
//! `Write::flush` can stop before it does (issue 16: when miniz_oxide still
//! holds output from an earlier call, its next call only drains that
//! output, and flate2 takes a short drain for a finished flush); our own
//! loop, [`compress_all`], repeats the call until one returns with room to
//! spare.

use bytes::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// A gzip member header: deflate, no name or time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// Least free output space for one compressor call. zlib's contract is that
/// a flush is complete once a call returns with output space left; this
/// much room also exceeds the largest block any deflate backend buffers
/// internally, so no call ever returns with output still held back.
const DEFLATE_ROOM: usize = 256 * 1024;

/// One piece of a body, compressed: a raw deflate stream ending in a
/// completed sync flush (not final), and the CRC-32 and length of its
/// input.
#[derive(Debug)]
pub struct Segment {
    data: Bytes,
    crc: Crc,
}

impl Segment {
    /// The compressed bytes, shared by every body that sends them.
    pub fn data(&self) -> &Bytes {
        &self.data
    }
}

/// Compresses one piece, fed in chunks, into a [`Segment`].
pub struct SegmentWriter {
    compress: Compress,
    crc: Crc,
    data: Vec<u8>,
}

impl Default for SegmentWriter {
    fn default() -> Self {
        SegmentWriter {
            compress: Compress::new(Compression::fast(), false),
            crc: Crc::new(),
            data: Vec::new(),
        }
    }
}

impl SegmentWriter {
    /// The next bytes of the piece.
    pub fn write(&mut self, chunk: &[u8]) {
        self.crc.update(chunk);
        compress_all(
            &mut self.compress,
            chunk,
            &mut self.data,
            FlushCompress::None,
        );
    }

    /// The segment of everything written, flushed to a byte boundary.
    pub fn finish(mut self) -> Segment {
        compress_all(&mut self.compress, &[], &mut self.data, FlushCompress::Sync);
        // Kept for as long as the piece: not with the room it was made in.
        self.data.shrink_to_fit();
        Segment {
            data: Bytes::from(self.data),
            crc: self.crc,
        }
    }
}

/// Feeds all of `input` to `compress` with `flush`, repeating the call
/// until the input is consumed and a call returns with room to spare (the
/// flush, if any, is then complete).
fn compress_all(
    compress: &mut Compress,
    mut input: &[u8],
    out: &mut Vec<u8>,
    flush: FlushCompress,
) {
    loop {
        if out.capacity() - out.len() < DEFLATE_ROOM {
            out.reserve(DEFLATE_ROOM.max(out.len() / 2));
        }
        let before = compress.total_in();
        let status = compress
            .compress_vec(input, out, flush)
            .expect("deflate of in-memory data cannot fail");
        input = &input[usize::try_from(compress.total_in() - before).expect("fits memory")..];
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => input.is_empty() && out.len() < out.capacity(),
        };
        if done {
            return;
        }
    }
}

/// A gzip body, as chunks to send in order: the header, each segment, then
/// `last` as a final deflate stream of its own, and one trailer for all.
pub fn gzip_body<'a>(segments: impl IntoIterator<Item = &'a Segment>, last: &[u8]) -> Vec<Bytes> {
    let mut body = vec![Bytes::from_static(&GZIP_HEADER)];
    let mut crc = Crc::new();
    for segment in segments {
        crc.combine(&segment.crc);
        body.push(segment.data.clone());
    }
    let mut compress = Compress::new(Compression::fast(), false);
    let mut data = Vec::with_capacity(last.len() / 4 + DEFLATE_ROOM);
    compress_all(&mut compress, last, &mut data, FlushCompress::Finish);
    body.push(Bytes::from(data));
    crc.update(last);
    // The input's length mod 2^32, as the gzip trailer holds it.
    let mut trailer = Vec::with_capacity(8);
    trailer.extend_from_slice(&crc.sum().to_le_bytes());
    trailer.extend_from_slice(&crc.amount().to_le_bytes());
    body.push(Bytes::from(trailer));
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn segment(chunks: &[&[u8]]) -> Segment {
        let mut writer = SegmentWriter::default();
        for chunk in chunks {
            writer.write(chunk);
        }
        writer.finish()
    }

    #[test]
    fn segments_follow_one_another_in_any_order_and_number() {
        // Longer than a deflate block, and in chunks, so that the sync
        // flush follows output the compressor held back.
        let large: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 27) as u8 + b'a')
            .collect();
        let (a, b, empty) = (
            segment(&[b"first\n"]),
            segment(&[&large[..1_000_000], &large[1_000_000..]]),
            segment(&[]),
        );
        let body = gzip_body([&b, &a, &empty, &b, &a], b"last\n").concat();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut decoded)
            .expect("one gzip member");
        let expected = [&large[..], b"first\n", &large, b"first\n", b"last\n"].concat();
        assert!(decoded == expected, "decoded {} bytes", decoded.len());
    }
}
