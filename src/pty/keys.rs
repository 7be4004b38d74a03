//! Keys and pastes to the bytes a terminal program expects (xterm conventions).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

const ESC: u8 = 0x1b;
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// The bytes for a key press; `None` for key releases and keys terminals do not send.
/// `application_cursor` is the program's DECCKM mode (`vt100::Screen::application_cursor`).
pub fn encode_key(key: &KeyEvent, application_cursor: bool) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let mods = key.modifiers;
    let alt = mods.contains(KeyModifiers::ALT);
    let ctrl = mods.contains(KeyModifiers::CONTROL);
    // xterm's modifier parameter: 1 + shift + 2*alt + 4*ctrl.
    let param =
        1 + u8::from(mods.contains(KeyModifiers::SHIFT)) + 2 * u8::from(alt) + 4 * u8::from(ctrl);
    let bytes = match key.code {
        KeyCode::Char(c) => {
            let mut out = Vec::new();
            if alt {
                out.push(ESC);
            }
            match (ctrl, control_byte(c)) {
                (true, Some(b)) => out.push(b),
                _ => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            out
        }
        KeyCode::Enter => prefixed(alt, b"\r"),
        KeyCode::Tab => prefixed(alt, b"\t"),
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Backspace => prefixed(alt, if ctrl { b"\x08" } else { b"\x7f" }),
        KeyCode::Esc => vec![ESC],
        KeyCode::Up => cursor(b'A', param, application_cursor),
        KeyCode::Down => cursor(b'B', param, application_cursor),
        KeyCode::Right => cursor(b'C', param, application_cursor),
        KeyCode::Left => cursor(b'D', param, application_cursor),
        KeyCode::Home => cursor(b'H', param, application_cursor),
        KeyCode::End => cursor(b'F', param, application_cursor),
        KeyCode::Insert => tilde(2, param),
        KeyCode::Delete => tilde(3, param),
        KeyCode::PageUp => tilde(5, param),
        KeyCode::PageDown => tilde(6, param),
        KeyCode::F(n @ 1..=4) => {
            let last = b"PQRS"[usize::from(n - 1)];
            if param == 1 {
                vec![ESC, b'O', last]
            } else {
                format!("\x1b[1;{param}{}", char::from(last)).into_bytes()
            }
        }
        KeyCode::F(n @ 5..=12) => {
            let code = [15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)];
            tilde(code, param)
        }
        _ => return None,
    };
    Some(bytes)
}

/// Pasted text: wrapped in bracketed-paste markers when the program asked for them (escape
/// bytes inside the text are removed so a paste cannot end the bracket early), else
/// with line feeds sent as carriage returns, as a terminal does.
pub fn encode_paste(text: &str, bracketed: bool) -> Vec<u8> {
    if bracketed {
        let body = text.replace('\x1b', "");
        [PASTE_START, body.as_bytes(), PASTE_END].concat()
    } else {
        text.replace("\r\n", "\r").replace('\n', "\r").into_bytes()
    }
}

fn control_byte(c: char) -> Option<u8> {
    match c {
        'a'..='z' => Some(c as u8 - b'a' + 1),
        'A'..='Z' => Some(c as u8 - b'A' + 1),
        '@' | ' ' | '2' => Some(0),
        '[' | '3' => Some(0x1b),
        '\\' | '4' => Some(0x1c),
        ']' | '5' => Some(0x1d),
        '^' | '6' => Some(0x1e),
        '_' | '7' | '/' => Some(0x1f),
        '?' | '8' => Some(0x7f),
        _ => None,
    }
}

fn prefixed(alt: bool, bytes: &[u8]) -> Vec<u8> {
    if alt {
        [&[ESC], bytes].concat()
    } else {
        bytes.to_vec()
    }
}

fn cursor(last: u8, param: u8, application: bool) -> Vec<u8> {
    match (param, application) {
        (1, true) => vec![ESC, b'O', last],
        (1, false) => vec![ESC, b'[', last],
        _ => format!("\x1b[1;{param}{}", char::from(last)).into_bytes(),
    }
}

fn tilde(code: u8, param: u8) -> Vec<u8> {
    if param == 1 {
        format!("\x1b[{code}~").into_bytes()
    } else {
        format!("\x1b[{code};{param}~").into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Vec<u8> {
        encode_key(&KeyEvent::new(code, modifiers), false).unwrap()
    }

    #[test]
    fn plain_and_control_characters() {
        assert_eq!(key(KeyCode::Char('a'), KeyModifiers::NONE), b"a");
        assert_eq!(key(KeyCode::Char('é'), KeyModifiers::NONE), "é".as_bytes());
        assert_eq!(key(KeyCode::Char('c'), KeyModifiers::CONTROL), [3]);
        assert_eq!(key(KeyCode::Char('d'), KeyModifiers::CONTROL), [4]);
        assert_eq!(key(KeyCode::Char('['), KeyModifiers::CONTROL), [0x1b]);
        assert_eq!(key(KeyCode::Char(' '), KeyModifiers::CONTROL), [0]);
        assert_eq!(key(KeyCode::Char('x'), KeyModifiers::ALT), b"\x1bx");
        assert_eq!(
            key(
                KeyCode::Char('c'),
                KeyModifiers::ALT | KeyModifiers::CONTROL
            ),
            b"\x1b\x03"
        );
    }

    #[test]
    fn editing_keys() {
        assert_eq!(key(KeyCode::Enter, KeyModifiers::NONE), b"\r");
        assert_eq!(key(KeyCode::Tab, KeyModifiers::NONE), b"\t");
        assert_eq!(key(KeyCode::BackTab, KeyModifiers::SHIFT), b"\x1b[Z");
        assert_eq!(key(KeyCode::Backspace, KeyModifiers::NONE), b"\x7f");
        assert_eq!(key(KeyCode::Backspace, KeyModifiers::ALT), b"\x1b\x7f");
        assert_eq!(key(KeyCode::Esc, KeyModifiers::NONE), b"\x1b");
        assert_eq!(key(KeyCode::Delete, KeyModifiers::NONE), b"\x1b[3~");
        assert_eq!(key(KeyCode::Insert, KeyModifiers::NONE), b"\x1b[2~");
    }

    #[test]
    fn cursor_keys_follow_the_cursor_mode_and_modifiers() {
        assert_eq!(key(KeyCode::Up, KeyModifiers::NONE), b"\x1b[A");
        assert_eq!(key(KeyCode::Left, KeyModifiers::NONE), b"\x1b[D");
        assert_eq!(key(KeyCode::Home, KeyModifiers::NONE), b"\x1b[H");
        assert_eq!(key(KeyCode::End, KeyModifiers::NONE), b"\x1b[F");
        let app = |code| encode_key(&KeyEvent::new(code, KeyModifiers::NONE), true).unwrap();
        assert_eq!(app(KeyCode::Down), b"\x1bOB");
        assert_eq!(app(KeyCode::Home), b"\x1bOH");
        assert_eq!(key(KeyCode::Right, KeyModifiers::CONTROL), b"\x1b[1;5C");
        assert_eq!(key(KeyCode::Up, KeyModifiers::SHIFT), b"\x1b[1;2A");
        assert_eq!(key(KeyCode::PageUp, KeyModifiers::NONE), b"\x1b[5~");
        assert_eq!(key(KeyCode::PageDown, KeyModifiers::NONE), b"\x1b[6~");
        assert_eq!(key(KeyCode::PageDown, KeyModifiers::ALT), b"\x1b[6;3~");
    }

    #[test]
    fn function_keys() {
        let f = |n| key(KeyCode::F(n), KeyModifiers::NONE);
        assert_eq!(f(1), b"\x1bOP");
        assert_eq!(f(4), b"\x1bOS");
        assert_eq!(f(5), b"\x1b[15~");
        assert_eq!(f(6), b"\x1b[17~");
        assert_eq!(f(10), b"\x1b[21~");
        assert_eq!(f(11), b"\x1b[23~");
        assert_eq!(f(12), b"\x1b[24~");
        assert_eq!(key(KeyCode::F(1), KeyModifiers::SHIFT), b"\x1b[1;2P");
        assert_eq!(key(KeyCode::F(5), KeyModifiers::CONTROL), b"\x1b[15;5~");
        assert!(encode_key(&KeyEvent::new(KeyCode::F(13), KeyModifiers::NONE), false).is_none());
    }

    #[test]
    fn releases_are_not_sent() {
        let release = KeyEvent {
            code: KeyCode::Char('a'),
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Release,
            state: KeyEventState::NONE,
        };
        assert!(encode_key(&release, false).is_none());
    }

    #[test]
    fn pastes() {
        assert_eq!(encode_paste("a\nb", false), b"a\rb");
        assert_eq!(encode_paste("a\r\nb", false), b"a\rb");
        assert_eq!(encode_paste("ls", true), b"\x1b[200~ls\x1b[201~");
        // A paste cannot close the bracket early and smuggle keystrokes.
        assert_eq!(
            encode_paste("x\x1b[201~rm", true),
            b"\x1b[200~x[201~rm\x1b[201~"
        );
    }
}
