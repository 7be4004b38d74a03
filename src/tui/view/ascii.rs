//! ASCII-only drawing, for terminals or fonts without braille, block or box-drawing glyphs
//! (`[ui] ascii = true`, `--ascii`). Rather than every widget knowing two alphabets, the
//! finished frame is translated cell by cell: braille by where its dots are, blocks by how
//! full they are, lines to `-|+`, marks to letters, anything else not ASCII to `?`.

use ratatui::buffer::Buffer;

/// Replace every non-ASCII symbol in `buf` with its ASCII stand-in.
pub fn translate(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let mut chars = symbol.chars();
        let replacement = match (chars.next(), chars.next()) {
            (Some(c), None) => stand_in(c),
            // A grapheme of several code points (emoji with modifiers, combining marks).
            _ => '?',
        };
        cell.set_char(replacement);
    }
}

/// The ASCII character drawn for `c`.
pub fn stand_in(c: char) -> char {
    match c {
        // Braille: dots in the upper half, the lower half, or both.
        '\u{2800}'..='\u{28FF}' => {
            let bits = u32::from(c) - 0x2800;
            let upper = bits & (0x01 | 0x08 | 0x02 | 0x10) != 0;
            let lower = bits & (0x04 | 0x20 | 0x40 | 0x80) != 0;
            match (upper, lower) {
                (true, true) => ':',
                (true, false) => '\'',
                (false, true) => '.',
                (false, false) => ' ',
            }
        }
        // Sparkline eighths, low to full.
        '▁' | '▂' => '_',
        '▃' => '.',
        '▄' | '▅' => '-',
        '▆' | '▇' => '=',
        '█' => '#',
        // Gauge partial blocks.
        '▏' | '▎' | '▍' => '|',
        '▌' | '▋' | '▊' | '▉' => '=',
        // Box drawing: horizontal, vertical, everything else (corners, junctions).
        '─' | '━' | '┄' | '┅' | '┈' | '┉' | '╌' | '╍' | '═' => '-',
        '│' | '┃' | '┆' | '┇' | '┊' | '┋' | '╎' | '╏' | '║' => '|',
        '\u{2500}'..='\u{257F}' => '+',
        '·' => '.',
        '…' => '~',
        '—' | '–' => '-',
        '●' => 'o',
        '◐' => '~',
        '◌' => '.',
        '✖' => 'X',
        '✓' => 'v',
        '▲' => '^',
        '⚠' => '!',
        '⟳' => '~',
        '↓' => 'v',
        '↑' => '^',
        '←' => '<',
        '→' => '>',
        _ => '?',
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn every_glyph_becomes_ascii() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 24, 1));
        buf.set_string(0, 0, "⡀⠁⣿⠀▁▄█▌┏━┓│●✖…日x", Style::new());
        translate(&mut buf);
        let text: String = (0..24).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(text.is_ascii(), "{text}");
        assert!(text.starts_with(".': _-#=+-+|oX~?"), "{text}");
    }
}
