//! PromQL tokens. Durations (`5m`, `1h30m`) are told apart from numbers here, so the parser
//! only has to check where each may appear.

use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// Metric names, label names, keywords and function names; the parser decides which.
    Ident(String),
    Number(f64),
    /// Milliseconds.
    Duration(i64),
    Str(String),
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Colon,
    At,
    /// `=` (label matcher).
    Assign,
    EqlEql,
    Neq,
    RegexMatch,
    RegexNoMatch,
    Lt,
    Lte,
    Gt,
    Gte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eof,
}

impl Tok {
    /// How Prometheus names a token in "unexpected ..." messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier {s:?}"),
            Tok::Number(_) => "number".to_string(),
            Tok::Duration(_) => "duration".to_string(),
            Tok::Str(_) => "string".to_string(),
            Tok::LParen => "left parenthesis \"(\"".to_string(),
            Tok::RParen => "right parenthesis \")\"".to_string(),
            Tok::LBrace => "left brace \"{\"".to_string(),
            Tok::RBrace => "right brace \"}\"".to_string(),
            Tok::LBracket => "left bracket \"[\"".to_string(),
            Tok::RBracket => "right bracket \"]\"".to_string(),
            Tok::Comma => "\",\"".to_string(),
            Tok::Colon => "\":\"".to_string(),
            Tok::At => "\"@\"".to_string(),
            Tok::Assign => "\"=\"".to_string(),
            Tok::EqlEql => "<op:==>".to_string(),
            Tok::Neq => "<op:!=>".to_string(),
            Tok::RegexMatch => "\"=~\"".to_string(),
            Tok::RegexNoMatch => "\"!~\"".to_string(),
            Tok::Lt => "<op:<>".to_string(),
            Tok::Lte => "<op:<=>".to_string(),
            Tok::Gt => "<op:>>".to_string(),
            Tok::Gte => "<op:>=>".to_string(),
            Tok::Add => "<op:+>".to_string(),
            Tok::Sub => "<op:->".to_string(),
            Tok::Mul => "<op:*>".to_string(),
            Tok::Div => "<op:/>".to_string(),
            Tok::Mod => "<op:%>".to_string(),
            Tok::Pow => "<op:^>".to_string(),
            Tok::Eof => "end of input".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Byte offset in the query, for error positions.
    pub pos: usize,
}

pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let simple = |tok: Tok, len: usize| (tok, len);
        let (tok, len) = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'(' => simple(Tok::LParen, 1),
            b')' => simple(Tok::RParen, 1),
            b'{' => simple(Tok::LBrace, 1),
            b'}' => simple(Tok::RBrace, 1),
            b'[' => simple(Tok::LBracket, 1),
            b']' => simple(Tok::RBracket, 1),
            b',' => simple(Tok::Comma, 1),
            b':' => simple(Tok::Colon, 1),
            b'@' => simple(Tok::At, 1),
            b'+' => simple(Tok::Add, 1),
            b'-' => simple(Tok::Sub, 1),
            b'*' => simple(Tok::Mul, 1),
            b'/' => simple(Tok::Div, 1),
            b'%' => simple(Tok::Mod, 1),
            b'^' => simple(Tok::Pow, 1),
            b'=' => match bytes.get(i + 1) {
                Some(b'=') => simple(Tok::EqlEql, 2),
                Some(b'~') => simple(Tok::RegexMatch, 2),
                _ => simple(Tok::Assign, 1),
            },
            b'!' => match bytes.get(i + 1) {
                Some(b'=') => simple(Tok::Neq, 2),
                Some(b'~') => simple(Tok::RegexNoMatch, 2),
                _ => return Err(ParseError::new(start, "unexpected character after '!'")),
            },
            b'<' => match bytes.get(i + 1) {
                Some(b'=') => simple(Tok::Lte, 2),
                _ => simple(Tok::Lt, 1),
            },
            b'>' => match bytes.get(i + 1) {
                Some(b'=') => simple(Tok::Gte, 2),
                _ => simple(Tok::Gt, 1),
            },
            b'"' | b'\'' | b'`' => {
                let (s, len) = lex_string(input, start)?;
                (Tok::Str(s), len)
            }
            b'0'..=b'9' | b'.' => lex_number_or_duration(input, start)?,
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < bytes.len()
                    && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b':')
                {
                    j += 1;
                }
                (Tok::Ident(input[i..j].to_string()), j - i)
            }
            _ => {
                let ch = input[i..].chars().next().unwrap_or('?');
                return Err(ParseError::new(
                    start,
                    format!("unexpected character: {ch:?}"),
                ));
            }
        };
        out.push(Token { tok, pos: start });
        i += len;
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: input.len(),
    });
    Ok(out)
}

fn lex_number_or_duration(input: &str, start: usize) -> Result<(Tok, usize), ParseError> {
    let bytes = input.as_bytes();
    let mut j = start;
    while j < bytes.len() {
        let c = bytes[j];
        let exponent_sign = (c == b'+' || c == b'-')
            && j > start
            && matches!(bytes[j - 1], b'e' | b'E')
            && !input[start..j].starts_with("0x")
            && input[start..j - 1]
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.');
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || exponent_sign {
            j += 1;
        } else {
            break;
        }
    }
    let text = &input[start..j];
    if let Some(ms) = parse_duration(text) {
        return Ok((Tok::Duration(ms), j - start));
    }
    let value = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok().map(|v| v as f64)
    } else if text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        text.parse::<f64>().ok()
    } else {
        None
    };
    match value {
        Some(v) => Ok((Tok::Number(v), j - start)),
        None => Err(ParseError::new(
            start,
            format!("bad number or duration syntax: {text:?}"),
        )),
    }
}

/// `1h30m`, `5m`, `250ms`: units must appear from largest to smallest, each at most once.
pub fn parse_duration(text: &str) -> Option<i64> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    if text.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total: i64 = 0;
    let mut last_unit = 0usize;
    let mut any = false;
    while i < bytes.len() {
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return None;
        }
        let n: i64 = text[digits_start..i].parse().ok()?;
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &text[unit_start..i];
        let idx = UNITS.iter().position(|(u, _)| *u == unit)?;
        if any && idx <= last_unit {
            return None;
        }
        last_unit = idx;
        any = true;
        total = total.checked_add(n.checked_mul(UNITS[idx].1)?)?;
    }
    Some(total)
}

/// A quoted string with Go's escapes (double and single quotes) or raw (backticks).
fn lex_string(input: &str, start: usize) -> Result<(String, usize), ParseError> {
    let mut chars = input[start..].char_indices();
    let quote = match chars.next() {
        Some((_, q)) => q,
        None => return Err(ParseError::new(start, "unterminated quoted string")),
    };
    let mut out = String::new();
    while let Some((off, c)) = chars.next() {
        if c == quote {
            return Ok((out, off + c.len_utf8()));
        }
        if quote == '`' {
            out.push(c);
            continue;
        }
        match c {
            '\n' => return Err(ParseError::new(start, "unterminated quoted string")),
            '\\' => {
                let (_, e) = chars
                    .next()
                    .ok_or_else(|| ParseError::new(start, "unterminated quoted string"))?;
                match e {
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\u{b}'),
                    '\\' => out.push('\\'),
                    '"' | '\'' => out.push(e),
                    'x' | 'u' | 'U' => {
                        let len = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(len).map(|(_, c)| c).collect();
                        let ch = u32::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| hex.len() == len)
                            .and_then(char::from_u32)
                            .ok_or_else(|| {
                                ParseError::new(start + off, "invalid escape sequence in string")
                            })?;
                        out.push(ch);
                    }
                    '0'..='7' => {
                        let rest: String = chars.by_ref().take(2).map(|(_, c)| c).collect();
                        let oct = format!("{e}{rest}");
                        let ch = u32::from_str_radix(&oct, 8)
                            .ok()
                            .filter(|v| oct.len() == 3 && *v <= 255)
                            .and_then(char::from_u32)
                            .ok_or_else(|| {
                                ParseError::new(start + off, "invalid escape sequence in string")
                            })?;
                        out.push(ch);
                    }
                    other => {
                        return Err(ParseError::new(
                            start + off,
                            format!("unknown escape sequence {other:?}"),
                        ))
                    }
                }
            }
            c => out.push(c),
        }
    }
    Err(ParseError::new(start, "unterminated quoted string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn durations_and_numbers_are_told_apart() {
        assert_eq!(parse_duration("5m"), Some(300_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("250ms"), Some(250));
        assert_eq!(parse_duration("30m5s"), Some(1_805_000));
        assert_eq!(parse_duration("5m1h"), None);
        assert_eq!(parse_duration("5"), None);
        assert_eq!(toks("1e3"), vec![Tok::Number(1000.0), Tok::Eof]);
        assert_eq!(toks("1.5e-2"), vec![Tok::Number(0.015), Tok::Eof]);
        assert_eq!(toks("0x1f"), vec![Tok::Number(31.0), Tok::Eof]);
        assert_eq!(toks(".5"), vec![Tok::Number(0.5), Tok::Eof]);
        assert_eq!(
            toks("[5m]"),
            vec![
                Tok::LBracket,
                Tok::Duration(300_000),
                Tok::RBracket,
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("1-2"),
            vec![Tok::Number(1.0), Tok::Sub, Tok::Number(2.0), Tok::Eof]
        );
    }

    #[test]
    fn strings_and_operators() {
        assert_eq!(
            toks(r#"a{b=~"x\"y",c!~'z'} != `r\n`"#),
            vec![
                Tok::Ident("a".into()),
                Tok::LBrace,
                Tok::Ident("b".into()),
                Tok::RegexMatch,
                Tok::Str("x\"y".into()),
                Tok::Comma,
                Tok::Ident("c".into()),
                Tok::RegexNoMatch,
                Tok::Str("z".into()),
                Tok::RBrace,
                Tok::Neq,
                Tok::Str("r\\n".into()),
                Tok::Eof
            ]
        );
        assert!(tokenize("\"open").is_err());
        assert!(tokenize("a ! b").is_err());
    }
}
