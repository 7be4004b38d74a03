//! The embedded terminal pane under the view: the program's screen (scrolled back as the
//! user asked), framed with what runs, who has the keys, and how it ended.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::tui::app::pane::PaneState;
use crate::tui::app::App;
use crate::tui::command::Command;
use crate::tui::keymap::Mode;
use crate::tui::widgets::run_time;
use crate::tui::widgets::term_pane::{PaneStatus, TermPane};

/// What the keys do now, for the frame's bottom line.
fn hint(app: &App, pane: &PaneState) -> String {
    let prefix = app.pane_prefix();
    let key = |c: Command| {
        app.keymap
            .keys_for(Mode::Pane, c)
            .first()
            .map(|k| k.to_string())
    };
    if pane.confirm_kill {
        return format!("kill {}? y/n", crate::sanitize::one_line(&pane.argv));
    }
    if pane.focused {
        return format!("{prefix}: back to oncall");
    }
    if pane.running() {
        let kill = key(Command::PaneKill)
            .map(|k| format!(" · {k}: kill"))
            .unwrap_or_default();
        return format!("{prefix}: keys to the program{kill}");
    }
    let close: Vec<String> = app
        .keymap
        .keys_for(Mode::Pane, Command::PaneClose)
        .iter()
        .map(|k| k.to_string())
        .collect();
    if close.is_empty() {
        String::new()
    } else {
        format!("{}: close", close.join("/"))
    }
}

pub fn render(app: &App, pane: &PaneState, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let until = pane.ended.as_ref().map_or(app.now_ms, |(_, at)| *at);
    let ran_for = run_time(until - pane.started_ms);
    let hint = hint(app, pane);
    let title = crate::sanitize::one_line(&pane.title);
    let exit = pane.ended.as_ref().map(|(exit, _)| exit);
    pane.screen.with_scrolled(pane.scroll, |screen, scrolled| {
        let status = PaneStatus {
            title: &title,
            focused: pane.focused,
            exit,
            scrollback: scrolled.back,
            new_output_below: scrolled.new_output_below,
            ran_for: &ran_for,
            hint: &hint,
        };
        TermPane::new(screen, status, &app.theme)
            .color_depth(app.depth)
            .render(area, buf);
    });
}
