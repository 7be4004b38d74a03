//! The real terminal: raw mode and the alternate screen, always given back — by a drop guard
//! on every normal or error exit, and by a panic hook when something goes badly wrong — and a
//! writer that counts the bytes sent, because over a slow SSH link they are what costs.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// Counts what goes through it.
pub struct CountingWriter<W: Write> {
    inner: W,
    count: Arc<AtomicU64>,
}

impl<W: Write> CountingWriter<W> {
    pub fn new(inner: W) -> (CountingWriter<W>, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        (
            CountingWriter {
                inner,
                count: count.clone(),
            },
            count,
        )
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

pub type TermBackend = CrosstermBackend<BufWriter<CountingWriter<Stdout>>>;

/// Raw mode and the alternate screen, for as long as it lives; dropping it restores the
/// screen the user had.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Switch to raw mode and the alternate screen, and make the terminal to draw on, whose
    /// bytes are counted. If that fails half way, what was done is undone first.
    pub fn enter() -> io::Result<(TerminalGuard, Terminal<TermBackend>, Arc<AtomicU64>)> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard { _private: () };
        let (writer, bytes) = CountingWriter::new(io::stdout());
        let mut writer = BufWriter::with_capacity(64 * 1024, writer);
        execute!(writer, EnterAlternateScreen, Hide)?;
        let terminal = Terminal::new(CrosstermBackend::new(writer))?;
        Ok((guard, terminal, bytes))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leave the alternate screen, show the cursor, cooked mode. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restore the terminal before the panic message is printed, so it is readable and the shell
/// is usable afterwards.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_bytes_written() {
        let (mut w, count) = CountingWriter::new(Vec::new());
        w.write_all(b"hello").unwrap();
        w.write_all("é".as_bytes()).unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 7);
    }
}
