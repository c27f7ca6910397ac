//! Gzip bodies made of pieces that are compressed once each and reused:
//! every piece is a [`Segment`], its own raw deflate stream (a compressor
//! in its initial state, no dictionary shared with any other piece) ending in a
//! completed sync flush, so it is byte-aligned and has no final block, and
//! segments can follow one another in any order within one gzip member. A
//! body is the gzip header, segments, one final stream, and a trailer whose
//! CRC-32 is combined from the segments' own, so no piece is read again.
//!
//! The one thing to get wrong: a sync flush must complete. flate2's
//! `Write::flush` can stop before it does (issue 16: when miniz_oxide still
//! holds output from an earlier call, its next call only drains that
//! output, and flate2 takes a short drain for a finished flush); our own
//! loop, `compress_all`, repeats the call until one returns with room to
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

/// Compresses pieces into [`Segment`]s and bodies, one after another, with
/// one compressor that is reset before each: every segment starts from a
/// fresh state (no dictionary from the piece before), and a scrape that
/// compresses hundreds of small pieces does not build a compressor (some
/// hundreds of KiB to allocate and clear) for each.
pub struct Deflater {
    compress: Compress,
    /// Where output is made; each segment keeps an exact copy.
    out: Vec<u8>,
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater {
            compress: Compress::new(Compression::fast(), false),
            out: Vec::new(),
        }
    }
}

impl Deflater {
    /// The segment of one piece, which `feed` hands to its argument in
    /// chunks, in order.
    pub fn segment(&mut self, feed: impl FnOnce(&mut dyn FnMut(&[u8]))) -> Segment {
        self.compress.reset();
        self.out.clear();
        let mut crc = Crc::new();
        feed(&mut |chunk| {
            crc.update(chunk);
            compress_all(
                &mut self.compress,
                chunk,
                &mut self.out,
                FlushCompress::None,
            );
        });
        compress_all(&mut self.compress, &[], &mut self.out, FlushCompress::Sync);
        Segment {
            data: Bytes::copy_from_slice(&self.out),
            crc,
        }
    }

    /// A gzip body, as chunks to send in order: the header, each segment,
    /// then `last` as a final deflate stream of its own, and one trailer
    /// for all.
    pub fn gzip_body<'a>(
        &mut self,
        segments: impl IntoIterator<Item = &'a Segment>,
        last: &[u8],
    ) -> Vec<Bytes> {
        let mut body = vec![Bytes::from_static(&GZIP_HEADER)];
        let mut crc = Crc::new();
        for segment in segments {
            crc.combine(&segment.crc);
            body.push(segment.data.clone());
        }
        self.compress.reset();
        self.out.clear();
        compress_all(
            &mut self.compress,
            last,
            &mut self.out,
            FlushCompress::Finish,
        );
        body.push(Bytes::copy_from_slice(&self.out));
        crc.update(last);
        // The input's length mod 2^32, as the gzip trailer holds it.
        let mut trailer = Vec::with_capacity(8);
        trailer.extend_from_slice(&crc.sum().to_le_bytes());
        trailer.extend_from_slice(&crc.amount().to_le_bytes());
        body.push(Bytes::from(trailer));
        body
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn segment(deflater: &mut Deflater, chunks: &[&[u8]]) -> Segment {
        deflater.segment(|write| chunks.iter().for_each(|chunk| write(chunk)))
    }

    #[test]
    fn segments_follow_one_another_in_any_order_and_number() {
        // Longer than a deflate block, and in chunks, so that the sync
        // flush follows output the compressor held back.
        let large: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 27) as u8 + b'a')
            .collect();
        let line: &[u8] = b"a line that the next piece repeats\n";
        let mut deflater = Deflater::default();
        let a = segment(&mut deflater, &[line]);
        // Decodes first in the body only if it refers to nothing of `a`.
        let repeats = segment(&mut deflater, &[line, line, line]);
        let b = segment(&mut deflater, &[&large[..1_000_000], &large[1_000_000..]]);
        let empty = segment(&mut deflater, &[]);
        let body = deflater
            .gzip_body([&repeats, &b, &a, &empty, &b, &a], b"last\n")
            .concat();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut decoded)
            .expect("one gzip member");
        let expected = [line, line, line, &large, line, &large, line, b"last\n"].concat();
        assert!(decoded == expected, "decoded {} bytes", decoded.len());
    }
}
