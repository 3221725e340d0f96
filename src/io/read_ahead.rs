//! Decompression on a thread of its own (data-spec/eqtlgen-tarball.md §3): a gzipped stream is
//! inflated by a reader thread a few megabytes ahead of its consumer, so that the inflate (one
//! gzip stream cannot be inflated in parallel) overlaps with the work done on the bytes (tar
//! parsing and the inner inflate of a member, text parsing).

use std::io::{BufRead, Read};
use std::sync::mpsc::{sync_channel, Receiver};

/// Size of one block handed over by the reader thread.
const BLOCK: usize = 4 << 20;

/// Blocks in flight between the reader thread and the consumer.
const IN_FLIGHT: usize = 4;

/// The consumer side: reads the blocks the reader thread produced, in order.
pub struct ReadAhead {
    rx: Receiver<std::io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ReadAhead {
    /// Read `inner` to its end on a new thread, at most [`IN_FLIGHT`] blocks ahead. The thread
    /// stops at the end of `inner`, at its first error (handed to the consumer in place), or
    /// when the consumer is dropped.
    pub fn spawn<R: Read + Send + 'static>(mut inner: R) -> ReadAhead {
        let (tx, rx) = sync_channel(IN_FLIGHT);
        std::thread::spawn(move || loop {
            let mut buf = Vec::with_capacity(BLOCK);
            let r = (&mut inner).take(BLOCK as u64).read_to_end(&mut buf);
            let end = matches!(r, Ok(0) | Err(_));
            let msg = r.map(|_| buf);
            // A closed channel: the consumer is gone, nothing more to do.
            if tx.send(msg).is_err() || end {
                return;
            }
        });
        ReadAhead {
            rx,
            cur: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(out.len());
            out[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.pos >= self.cur.len() && !self.done {
            match self.rx.recv() {
                Ok(Ok(b)) if b.is_empty() => self.done = true,
                Ok(Ok(b)) => {
                    self.cur = b;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The thread ended without a last message: it panicked.
                Err(_) => {
                    self.done = true;
                    return Err(std::io::Error::other("the decompression thread failed"));
                }
            }
        }
        Ok(&self.cur[self.pos.min(self.cur.len())..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.cur.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_arrive_in_order_and_errors_are_passed_on() {
        let data: Vec<u8> = (0..(3 * BLOCK + 17)).map(|i| (i * 7 % 251) as u8).collect();
        let mut got = Vec::new();
        ReadAhead::spawn(std::io::Cursor::new(data.clone()))
            .read_to_end(&mut got)
            .unwrap();
        assert_eq!(got, data);
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let n = b.len().min(self.0);
                b[..n].fill(1);
                self.0 -= n;
                Ok(n)
            }
        }
        let mut got = Vec::new();
        let e = ReadAhead::spawn(Failing(10))
            .read_to_end(&mut got)
            .unwrap_err();
        assert!(e.to_string().contains("disk on fire"));
    }
}
