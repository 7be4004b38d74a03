//! The embedded terminal pane: a pty session's vt100 screen drawn with tui-term, framed
//! with what runs, whether the pane has the keys, and how the program ended.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};
use tui_term::widget::{Cursor, PseudoTerminal};

use crate::pty::{Exit, Session};
use crate::tui::theme::Theme;

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
}

impl<'a> TermPane<'a> {
    pub fn new(screen: &'a vt100::Screen, status: PaneStatus<'a>, theme: &'a Theme) -> Self {
        TermPane {
            screen,
            status,
            theme,
        }
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
        let t = self.theme;
        let s = self.status;
        let border = if s.focused { t.border_focus } else { t.border };
        let state = match s.exit {
            None => Span::styled(format!(" running {} ", s.ran_for), t.accent),
            Some(exit) if exit.success() => {
                Span::styled(format!(" {exit} after {} ", s.ran_for), t.ok)
            }
            Some(exit) => Span::styled(format!(" {exit} after {} ", s.ran_for), t.critical),
        };
        let hint = format!(" {} ", s.hint);
        let mut bottom = vec![state];
        if s.scrollback > 0 {
            bottom.push(Span::styled(
                format!(" scrolled back {} ", s.scrollback),
                t.warning,
            ));
        }
        bottom.push(Span::styled(hint, t.key_hint));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(Line::from(vec![
                Span::styled(
                    format!(" {} ", crate::sanitize::one_line(s.title)),
                    t.header,
                ),
                if s.focused {
                    Span::styled(" keys: program ", t.accent)
                } else {
                    Span::styled(" keys: oncall ", t.muted)
                },
            ]))
            .title_bottom(Line::from(bottom));
        // The cursor is the program's only when the pane has the keys and it is running.
        let mut cursor = Cursor::default();
        if !s.focused || s.exit.is_some() || s.scrollback > 0 {
            cursor.hide();
        }
        PseudoTerminal::new(self.screen)
            .block(block)
            .cursor(cursor)
            .style(t.text)
            .render(area, buf);
    }
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
            ran_for: "3s",
            hint: "ctrl-g: keys to the program",
        }
    }

    fn draw(parser: &vt100::Parser, status: PaneStatus<'_>) -> Buffer {
        let theme = Theme::fallback();
        let mut terminal = Terminal::new(TestBackend::new(40, 6)).unwrap();
        terminal
            .draw(|f| f.render_widget(TermPane::new(parser.screen(), status, &theme), f.area()))
            .unwrap();
        terminal.backend().buffer().clone()
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
        let (rows, cols) = inner_size(Rect::new(0, 0, 40, 6));
        assert_eq!((rows, cols), (4, 38));
        let mut parser = vt100::Parser::new(rows, cols, 100);
        parser.process(b"NAME   READY\r\napi-1  \x1b[32m1/1\x1b[0m");
        let buf = draw(&parser, status(None, true));
        let lines = text(&buf);
        assert!(lines[0].contains(" kubectl get pods "), "{lines:?}");
        assert!(lines[1].starts_with("│NAME   READY"), "{lines:?}");
        assert!(lines[2].starts_with("│api-1  1/1"), "{lines:?}");
        assert!(lines[5].contains("running"), "{lines:?}");
        // The program's colour survives.
        assert_eq!(buf[(8, 2)].fg, ratatui::style::Color::Indexed(2));
    }

    #[test]
    fn shows_how_the_program_ended() {
        let parser = vt100::Parser::new(4, 38, 0);
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
        let parser = vt100::Parser::new(4, 38, 0);
        let mut s = status(None, false);
        s.title = "echo \x1b]52;c;AAAA\x07x";
        let lines = text(&draw(&parser, s));
        assert!(!lines[0].contains('\x1b'), "{lines:?}");
    }
}
