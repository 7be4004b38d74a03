//! The embedded terminal pane: a pty session's vt100 screen drawn cell by cell, framed with
//! what runs, whether the pane has the keys, how far it is scrolled back and how the
//! program ended.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::pty::{Exit, Session};
use crate::tui::theme::{ColorDepth, ColorSpec, Theme};

/// What the frame says about the pane.
#[derive(Debug, Clone, Copy)]
pub struct PaneStatus<'a> {
    /// What runs: the confirmed argv, or the shell's name (already sanitized by the caller
    /// if it holds label values).
    pub title: &'a str,
    /// Whether keys go to the program (the prefix key toggles it).
    pub focused: bool,
    /// How the program ended, once it has.
    pub exit: Option<&'a Exit>,
    /// Lines scrolled back, 0 for the live screen.
    pub scrollback: usize,
    /// While scrolled back: output arrived below what is shown.
    pub new_output_below: bool,
    /// How long it has run (or ran), e.g. `2m05s`.
    pub ran_for: &'a str,
    /// What the keys do now, e.g. `ctrl-g: back to oncall`.
    pub hint: &'a str,
}

/// Draws one screen. Build it from a session with [`render_session`], or from any vt100
/// screen (tests, recorded byte streams).
pub struct TermPane<'a> {
    screen: &'a vt100::Screen,
    status: PaneStatus<'a>,
    theme: &'a Theme,
    depth: ColorDepth,
}

impl<'a> TermPane<'a> {
    pub fn new(screen: &'a vt100::Screen, status: PaneStatus<'a>, theme: &'a Theme) -> Self {
        TermPane {
            screen,
            status,
            theme,
            depth: ColorDepth::TrueColor,
        }
    }

    /// The colours the user's terminal shows (the program's colours are brought down to
    /// them; `NO_COLOR` keeps only bold, italic, underline and inverse).
    pub fn color_depth(mut self, depth: ColorDepth) -> Self {
        self.depth = depth;
        self
    }
}

/// The rows and columns inside the pane's frame: resize the session to this on every
/// layout change so the program and the parser agree with what is drawn.
pub fn inner_size(area: Rect) -> (u16, u16) {
    let inner = Block::default().borders(Borders::ALL).inner(area);
    (inner.height.max(1), inner.width.max(1))
}

/// Draw a live session (locks its screen for the duration of the draw).
pub fn render_session(
    session: &Session,
    status: PaneStatus<'_>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    session.with_screen(|screen| TermPane::new(screen, status, theme).render(area, buf));
}

impl Widget for TermPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = self.frame(area.width);
        let inner = block.inner(area);
        block.render(area, buf);
        Clear.render(inner, buf);
        buf.set_style(inner, self.theme.text);
        self.draw_cells(inner, buf);
        // The cursor is the program's only when it has the keys, runs, shows one, and the
        // view is live (a cursor in old output would point at nothing).
        let s = self.status;
        if s.focused && s.exit.is_none() && s.scrollback == 0 && !self.screen.hide_cursor() {
            let (row, col) = self.screen.cursor_position();
            if row < inner.height && col < inner.width {
                let cell = &mut buf[(inner.x + col, inner.y + row)];
                cell.modifier.toggle(Modifier::REVERSED);
            }
        }
    }
}

impl TermPane<'_> {
    /// The border with its top title (what runs, who has the keys, how far back) and bottom
    /// line (how it runs or ended, new output, the keys' hint).
    fn frame(&self, width: u16) -> Block<'static> {
        let t = self.theme;
        let s = self.status;
        let keys = if s.focused {
            Span::styled(" keys: program ", t.accent)
        } else {
            Span::styled(" keys: oncall ", t.muted)
        };
        let back = (s.scrollback > 0).then(|| {
            let unit = if s.scrollback == 1 { "line" } else { "lines" };
            Span::styled(
                format!(" scrolled back {} {unit} ", s.scrollback),
                t.warning,
            )
        });
        // The argv gives way first, so who has the keys and the scroll position stay seen.
        let room = usize::from(width.saturating_sub(2))
            .saturating_sub(keys.width())
            .saturating_sub(back.as_ref().map_or(0, Span::width))
            .saturating_sub(2);
        let title = super::truncate(&crate::sanitize::one_line(s.title), room);
        let mut top = Vec::with_capacity(3);
        if !title.is_empty() {
            top.push(Span::styled(format!(" {title} "), t.header));
        }
        top.push(keys);
        top.extend(back);

        let state = match s.exit {
            None => Span::styled(format!(" running {} ", s.ran_for), t.accent),
            Some(exit) if exit.success() => {
                Span::styled(format!(" {exit} after {} ", s.ran_for), t.ok)
            }
            Some(exit) => Span::styled(format!(" {exit} after {} ", s.ran_for), t.critical),
        };
        let mut bottom = vec![state];
        if s.scrollback > 0 && s.new_output_below {
            bottom.push(Span::styled(" ↓ new output below ", t.warning));
        }
        bottom.push(Span::styled(format!(" {} ", s.hint), t.key_hint));

        Block::default()
            .borders(Borders::ALL)
            .border_style(if s.focused { t.border_focus } else { t.border })
            .title(Line::from(top))
            .title_bottom(Line::from(bottom))
    }

    /// The screen's cells into `inner`, clipped to it (the program may not have caught up
    /// with a resize yet).
    fn draw_cells(&self, inner: Rect, buf: &mut Buffer) {
        let (rows, cols) = self.screen.size();
        let rows = rows.get().min(inner.height);
        let cols = cols.get().min(inner.width);
        for row in 0..rows {
            for col in 0..cols {
                let Some(cell) = self.screen.cell(row, col) else {
                    continue;
                };
                // Covered by the wide character to its left.
                if cell.is_wide_continuation() {
                    continue;
                }
                let (x, y) = (inner.x + col, inner.y + row);
                let style = self.style(cell);
                let symbol = match cell.contents() {
                    "" => " ",
                    text => text,
                };
                if cell.is_wide() {
                    if col + 1 < cols {
                        buf[(x, y)].set_symbol(symbol).set_style(style);
                        // As ratatui does for wide text: the cell under its right half is
                        // left blank, and the diff skips it.
                        buf[(x + 1, y)].reset();
                    } else {
                        // Half a character cannot be drawn; a blank keeps the columns true.
                        buf[(x, y)].set_symbol(" ").set_style(style);
                    }
                    continue;
                }
                buf[(x, y)].set_symbol(symbol).set_style(style);
            }
        }
    }

    fn style(&self, cell: &vt100::Cell) -> Style {
        let mut style = self.theme.text;
        if let Some(fg) = color(cell.fgcolor(), self.depth) {
            style = style.fg(fg);
        }
        if let Some(bg) = color(cell.bgcolor(), self.depth) {
            style = style.bg(bg);
        }
        let modifiers = [
            (cell.bold(), Modifier::BOLD),
            (cell.dim(), Modifier::DIM),
            (cell.italic(), Modifier::ITALIC),
            (cell.underline(), Modifier::UNDERLINED),
            (cell.inverse(), Modifier::REVERSED),
        ];
        for (on, modifier) in modifiers {
            if on {
                style = style.add_modifier(modifier);
            }
        }
        style
    }
}

/// A program's colour at the user's colour depth; `None` keeps the theme's.
fn color(color: vt100::Color, depth: ColorDepth) -> Option<Color> {
    let spec = match color {
        vt100::Color::Default => return None,
        vt100::Color::Idx(n) => ColorSpec::Indexed(n),
        vt100::Color::Rgb(r, g, b) => ColorSpec::Rgb(r, g, b),
    };
    spec.at_depth(depth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn status<'a>(exit: Option<&'a Exit>, focused: bool) -> PaneStatus<'a> {
        PaneStatus {
            title: "kubectl get pods",
            focused,
            exit,
            scrollback: 0,
            new_output_below: false,
            ran_for: "3s",
            hint: "ctrl-g: keys to the program",
        }
    }

    fn parser(bytes: &[u8]) -> vt100::Parser {
        let (rows, cols) = inner_size(Rect::new(0, 0, 40, 6));
        let mut parser = vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            100,
        );
        parser.process(bytes);
        parser
    }

    fn draw_at(screen: &vt100::Screen, status: PaneStatus<'_>, depth: ColorDepth) -> Buffer {
        draw_wide(screen, status, depth, 40)
    }

    fn draw_wide(
        screen: &vt100::Screen,
        status: PaneStatus<'_>,
        depth: ColorDepth,
        width: u16,
    ) -> Buffer {
        let theme = Theme::fallback();
        let mut terminal = Terminal::new(TestBackend::new(width, 6)).unwrap();
        terminal
            .draw(|f| {
                let pane = TermPane::new(screen, status, &theme).color_depth(depth);
                f.render_widget(pane, f.area())
            })
            .unwrap();
        terminal.backend().buffer().clone()
    }

    fn draw(parser: &vt100::Parser, status: PaneStatus<'_>) -> Buffer {
        draw_at(parser.screen(), status, ColorDepth::TrueColor)
    }

    fn text(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn draws_the_screen_inside_a_titled_frame() {
        assert_eq!(inner_size(Rect::new(0, 0, 40, 6)), (4, 38));
        let parser = parser(b"NAME   READY\r\napi-1  \x1b[32m1/1\x1b[0m");
        let buf = draw(&parser, status(None, true));
        let lines = text(&buf);
        assert!(lines[0].contains(" kubectl get pods "), "{lines:?}");
        assert!(lines[1].starts_with("│NAME   READY"), "{lines:?}");
        assert!(lines[2].starts_with("│api-1  1/1"), "{lines:?}");
        assert!(lines[5].contains("running"), "{lines:?}");
        // The program's colour survives.
        assert_eq!(buf[(8, 2)].fg, Color::Indexed(2));
    }

    #[test]
    fn colours_follow_the_program_and_the_users_colour_depth() {
        // Indexed green, RGB orange on indexed blue, then the default.
        let parser = parser(b"\x1b[32mg\x1b[38;2;255;128;0;44mo\x1b[0md");
        let screen = parser.screen();
        let theme = Theme::fallback();
        let at = |depth| draw_at(screen, status(None, false), depth);

        let full = at(ColorDepth::TrueColor);
        assert_eq!(full[(1, 1)].fg, Color::Indexed(2));
        assert_eq!(full[(2, 1)].fg, Color::Rgb(255, 128, 0));
        assert_eq!(full[(2, 1)].bg, Color::Indexed(4));
        // The program's default colour is the theme's text colour.
        assert_eq!(full[(3, 1)].fg, theme.text.fg.unwrap_or(Color::Reset));

        let ansi256 = at(ColorDepth::Ansi256);
        assert!(matches!(ansi256[(2, 1)].fg, Color::Indexed(_)));

        let ansi16 = at(ColorDepth::Ansi16);
        assert_eq!(ansi16[(1, 1)].fg, Color::Green);
        assert!(!matches!(
            ansi16[(2, 1)].fg,
            Color::Rgb(..) | Color::Indexed(_)
        ));

        // NO_COLOR: none of the program's colours reach the terminal.
        let none = at(ColorDepth::None);
        for x in 1..4 {
            assert_eq!(none[(x, 1)].fg, theme.text.fg.unwrap_or(Color::Reset));
            assert_eq!(none[(x, 1)].bg, theme.text.bg.unwrap_or(Color::Reset));
        }
    }

    #[test]
    fn bold_italic_underline_and_inverse_are_drawn_even_without_colour() {
        let parser = parser(b"\x1b[1mb\x1b[0m\x1b[3mi\x1b[0m\x1b[4mu\x1b[0m\x1b[7mr\x1b[0mn");
        for depth in [ColorDepth::TrueColor, ColorDepth::None] {
            let buf = draw_at(parser.screen(), status(None, false), depth);
            let m = |x: u16| buf[(x, 1)].modifier;
            assert!(m(1).contains(Modifier::BOLD));
            assert!(m(2).contains(Modifier::ITALIC));
            assert!(m(3).contains(Modifier::UNDERLINED));
            assert!(m(4).contains(Modifier::REVERSED));
            assert!(m(5).is_empty(), "{:?}", m(5));
        }
    }

    #[test]
    fn a_wide_character_takes_two_columns_and_the_next_one_follows_it() {
        let parser = parser("日本x".as_bytes());
        let buf = draw(&parser, status(None, false));
        assert_eq!(buf[(1, 1)].symbol(), "日");
        assert_eq!(buf[(3, 1)].symbol(), "本");
        assert_eq!(buf[(5, 1)].symbol(), "x");
        let lines = text(&buf);
        // The cells under the right halves are blank, so the row keeps its width.
        assert!(lines[1].starts_with("│日 本 x"), "{lines:?}");
    }

    #[test]
    fn the_cursor_shows_only_with_the_keys_on_the_live_screen_of_a_running_program() {
        let parser = parser(b"$ ls");
        let reversed = |buf: &Buffer| buf[(5, 1)].modifier.contains(Modifier::REVERSED);
        assert!(reversed(&draw(&parser, status(None, true))));
        assert!(!reversed(&draw(&parser, status(None, false))));
        let mut back = status(None, true);
        back.scrollback = 3;
        assert!(!reversed(&draw(&parser, back)));
        let exit = Exit {
            code: 0,
            signal: None,
        };
        assert!(!reversed(&draw(&parser, status(Some(&exit), true))));
        // The program hid it (DECTCEM).
        let hidden = self::parser(b"$ ls\x1b[?25l");
        assert!(!reversed(&draw(&hidden, status(None, true))));
        // Over a character, the character stays and is inverted.
        let over = self::parser(b"abc\x1b[1;2H");
        let buf = draw(&over, status(None, true));
        assert_eq!(buf[(2, 1)].symbol(), "b");
        assert!(buf[(2, 1)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn the_title_says_how_far_back_and_the_bottom_that_output_waits_below() {
        let parser = parser(b"");
        let mut s = status(None, false);
        s.title = "kubectl describe pod api-7d9f8b6c5-x2x4z --namespace production";
        s.scrollback = 120;
        s.new_output_below = true;
        let lines = text(&draw_wide(parser.screen(), s, ColorDepth::TrueColor, 64));
        // The argv gives way to the scroll position.
        assert!(lines[0].contains("scrolled back 120 lines ┐"), "{lines:?}");
        assert!(lines[0].contains("┌ kubectl"), "{lines:?}");
        assert!(lines[0].contains('…'), "{lines:?}");
        assert!(lines[5].contains("new output below"), "{lines:?}");
        s.scrollback = 0;
        let lines = text(&draw(&parser, s));
        assert!(!lines[0].contains("scrolled back"), "{lines:?}");
        assert!(!lines[5].contains("new output below"), "{lines:?}");
    }

    #[test]
    fn shows_how_the_program_ended() {
        let parser = parser(b"");
        let exit = Exit {
            code: 2,
            signal: None,
        };
        let lines = text(&draw(&parser, status(Some(&exit), false)));
        assert!(lines[5].contains("exit 2 after 3s"), "{lines:?}");
        assert!(lines[5].contains("ctrl-g"), "{lines:?}");
    }

    #[test]
    fn control_characters_in_the_title_are_not_drawn() {
        let parser = parser(b"");
        let mut s = status(None, false);
        s.title = "echo \x1b]52;c;AAAA\x07x";
        let lines = text(&draw(&parser, s));
        assert!(!lines[0].contains('\x1b'), "{lines:?}");
    }

    #[test]
    fn any_area_down_to_nothing_draws_without_panicking() {
        let parser = parser("日本語のテキスト\r\nline".as_bytes());
        let theme = Theme::fallback();
        for (w, h) in [(0, 0), (1, 1), (2, 2), (3, 3), (5, 4), (80, 24)] {
            let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
            TermPane::new(parser.screen(), status(None, true), &theme).render(buf.area, &mut buf);
        }
    }
}
