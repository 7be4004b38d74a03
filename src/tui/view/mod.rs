//! Drawing the app. Reads the state, never changes it; every region has its own function.

pub mod ascii;
pub mod dashboard;
pub mod header;
pub mod incident_work;
pub mod inspect;
pub mod overlay;
pub mod pane;
pub mod runbook;
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
    // An open pane takes the bottom of the body, below whichever view is on screen.
    let (main, pane_area) = match &app.pane {
        Some(_) => {
            let (view, pane) = super::app::pane::split(screen.main);
            (view, Some(pane))
        }
        None => (screen.main, None),
    };
    match app.view {
        View::Dashboard(i) => {
            if let Some(d) = app.dashboards.get(i) {
                dashboard::render(app, d, main, buf);
            }
        }
        View::Triage(kind) => triage::render(app, kind, main, buf),
    }
    if let (Some(p), Some(area)) = (&app.pane, pane_area) {
        pane::render(app, p, area, buf);
    }
    status::render(app, screen.status, buf);
    overlay::render(app, area, screen, buf);
    if app.prefs.ascii {
        ascii::translate(frame.buffer_mut());
    }
}
