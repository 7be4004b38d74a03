//! A braille dot canvas: each cell holds 2x4 dots, so a chart gets twice the columns and four
//! times the rows of the area it sits in. Written here rather than using ratatui's `Chart`,
//! which joins every point of a dataset and so would draw a gap as a line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Dot bits of a braille cell, indexed `[dx][dy]`.
const DOTS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

pub struct BrailleCanvas {
    /// Size in cells.
    width: u16,
    height: u16,
    dots: Vec<u8>,
    /// A cell shows one colour; the last layer drawn into it wins.
    styles: Vec<Option<Style>>,
}

impl BrailleCanvas {
    pub fn new(width: u16, height: u16) -> BrailleCanvas {
        let n = usize::from(width) * usize::from(height);
        BrailleCanvas {
            width,
            height,
            dots: vec![0; n],
            styles: vec![None; n],
        }
    }

    /// Dots across.
    pub fn px_width(&self) -> u32 {
        u32::from(self.width) * 2
    }

    /// Dots down.
    pub fn px_height(&self) -> u32 {
        u32::from(self.height) * 4
    }

    /// Set the dot at (`x`, `y`), `y` counted from the top. Out-of-range dots are ignored.
    pub fn dot(&mut self, x: i64, y: i64, style: Style) {
        if x < 0 || y < 0 || x >= i64::from(self.px_width()) || y >= i64::from(self.px_height()) {
            return;
        }
        let (cx, cy) = ((x / 2) as usize, (y / 4) as usize);
        let i = cy * usize::from(self.width) + cx;
        self.dots[i] |= DOTS[(x % 2) as usize][(y % 4) as usize];
        self.styles[i] = Some(style);
    }

    /// A straight line between two dots (Bresenham).
    pub fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), style: Style) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        // Bounded: a line never needs more steps than its longer side.
        for _ in 0..=(dx.max(-dy) + 1) {
            self.dot(x, y, style);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// A dotted horizontal line at dot row `y` (one dot every two cells), for thresholds:
    /// sparse enough not to be read as data.
    pub fn dashed_row(&mut self, y: i64, style: Style) {
        for x in (0..i64::from(self.px_width())).step_by(4) {
            self.dot(x, y, style);
        }
    }

    /// Copy the dots into `buf` at `area` (clipped); empty cells are left untouched.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        for cy in 0..self.height.min(area.height) {
            for cx in 0..self.width.min(area.width) {
                let i = usize::from(cy) * usize::from(self.width) + usize::from(cx);
                let bits = self.dots[i];
                if bits == 0 {
                    continue;
                }
                let Some(ch) = char::from_u32(0x2800 + u32::from(bits)) else {
                    continue;
                };
                if let Some(cell) = buf.cell_mut((area.x + cx, area.y + cy)) {
                    cell.set_char(ch);
                    if let Some(style) = self.styles[i] {
                        cell.set_style(style);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: &BrailleCanvas) -> String {
        let mut buf = Buffer::empty(Rect::new(0, 0, c.width, c.height));
        c.render(buf.area, &mut buf);
        (0..c.height)
            .map(|y| {
                (0..c.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn dots_map_to_braille_bits() {
        let mut c = BrailleCanvas::new(1, 1);
        c.dot(0, 0, Style::new());
        c.dot(1, 3, Style::new());
        assert_eq!(text(&c), "\u{2881}");
        c.dot(5, 5, Style::new());
        c.dot(-1, 0, Style::new());
        assert_eq!(text(&c), "\u{2881}");
    }

    #[test]
    fn lines_connect_both_ends() {
        let mut c = BrailleCanvas::new(2, 1);
        c.line((0, 3), (3, 0), Style::new());
        assert_eq!(text(&c), "⡠⠊");
    }
}
