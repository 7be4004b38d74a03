//! Where the user is in a pane's scrollback.
//!
//! The position belongs to the app's state (plain data, changed only by `update`), while the
//! program keeps writing on the reader thread. Output that scrolls lines off the screen while
//! the user reads history would slide the text under a fixed "N lines back", so the position
//! is taken relative to the text: "N lines back when the session had pushed M lines into its
//! scrollback". Each draw adds what was pushed since, and the lines stay where the user left
//! them, as in xterm or tmux; the frame then says new output is waiting below.

/// How far back a session's scrollback reaches, read from its screen ([`super::ScreenHandle::extent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extent {
    /// Lines the session has pushed into its scrollback since it started (those since
    /// dropped off the far end included), so it only grows with new output.
    pub pushed: usize,
    /// Lines the scrollback holds now: the furthest the view can go back.
    pub len: usize,
}

/// A view of the scrollback: the live screen, or some lines back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScrollPos {
    /// Lines above the live screen, as it was when `mark` was taken (0: the live screen).
    back: usize,
    /// [`Extent::pushed`] when `back` was chosen.
    mark: usize,
}

impl ScrollPos {
    /// The live screen: it follows the output.
    pub const LIVE: ScrollPos = ScrollPos { back: 0, mark: 0 };

    pub fn is_live(self) -> bool {
        self.back == 0
    }

    /// Lines back from the live screen now, the lines pushed since the mark included
    /// (the screen clamps it to what its scrollback holds).
    pub fn offset(self, pushed: usize) -> usize {
        if self.is_live() {
            return 0;
        }
        // A taller screen pulls lines back out of the scrollback (`pushed` shrinks).
        self.back.saturating_add(pushed).saturating_sub(self.mark)
    }

    /// Output scrolled by since the user chose this position: there is more below.
    pub fn new_output_below(self, pushed: usize) -> bool {
        !self.is_live() && pushed > self.mark
    }

    /// `lines` further back (negative: forward), from where the view is now; never past
    /// the oldest line kept, and forward past the newest is the live screen.
    pub fn by(self, lines: isize, extent: Extent) -> ScrollPos {
        let now = self.offset(extent.pushed).min(extent.len);
        ScrollPos {
            back: now.saturating_add_signed(lines).min(extent.len),
            mark: extent.pushed,
        }
    }

    /// The oldest line kept.
    pub fn top(extent: Extent) -> ScrollPos {
        ScrollPos {
            back: extent.len,
            mark: extent.pushed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(pushed: usize, len: usize) -> Extent {
        Extent { pushed, len }
    }

    #[test]
    fn live_stays_live_whatever_arrives() {
        assert_eq!(ScrollPos::LIVE.offset(5000), 0);
        assert!(!ScrollPos::LIVE.new_output_below(5000));
        assert!(ScrollPos::default().is_live());
    }

    #[test]
    fn new_lines_keep_the_text_in_place_and_are_announced() {
        let pos = ScrollPos::LIVE.by(30, extent(100, 100));
        assert_eq!(pos.offset(100), 30);
        assert!(!pos.new_output_below(100));
        // 12 more lines scrolled off the screen: the same text is now 42 lines back.
        assert_eq!(pos.offset(112), 42);
        assert!(pos.new_output_below(112));
        // Moving takes the current offset as its start.
        let forward = pos.by(-10, extent(112, 112));
        assert_eq!(forward.offset(112), 32);
        assert!(!forward.new_output_below(112));
    }

    #[test]
    fn moves_stop_at_the_oldest_line_and_forward_ends_live() {
        let e = extent(40, 25);
        assert_eq!(ScrollPos::LIVE.by(1000, e).offset(40), 25);
        assert_eq!(ScrollPos::top(e).offset(40), 25);
        assert!(ScrollPos::top(e).by(-1000, e).is_live());
        // Nothing to scroll back through: the view stays live.
        assert!(ScrollPos::LIVE.by(10, extent(0, 0)).is_live());
        assert!(ScrollPos::top(extent(0, 0)).is_live());
    }

    #[test]
    fn a_taller_screen_taking_lines_back_never_underflows() {
        let pos = ScrollPos::LIVE.by(3, extent(10, 10));
        assert_eq!(pos.offset(4), 0);
        assert_eq!(pos.offset(8), 1);
    }
}
