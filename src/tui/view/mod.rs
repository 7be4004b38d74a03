//! Drawing the app. Reads the state, never changes it; every region has its own function.

pub mod ascii;
pub mod dashboard;
pub mod header;
pub mod overlay;
pub mod silence_form;
pub mod status;
pub mod triage;

use ratatui::Frame;

use super::app::{App, View};
use super::layout;

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let screen = layout::screen(area);
    let buf = frame.buffer_mut();
    header::render_header(app, screen.header, buf);
    header::render_tabs(app, screen.tabs, buf);
    match app.view {
        View::Dashboard(i) => {
            if let Some(d) = app.dashboards.get(i) {
                dashboard::render(app, d, screen.main, buf);
            }
        }
        View::Triage(kind) => triage::render(app, kind, screen.main, buf),
    }
    status::render(app, screen.status, buf);
    overlay::render(app, area, screen, buf);
    if app.prefs.ascii {
        ascii::translate(frame.buffer_mut());
    }
}
