//! Prometheus-style durations (`30s`, `5m`, `1h30m`, `7d`) as written in dashboard files,
//! `--range` and `:range`.

use std::time::Duration;

const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Parse `1h30m`, `15s`, `500ms`, `7d`. Zero, empty, and unit-less numbers are rejected so a
/// typo is reported rather than read as "no time".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration; write e.g. 30s, 5m, 6h, 7d".into());
    }
    let mut total_ms: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "`{s}` is not a duration; write e.g. 30s, 5m, 6h, 7d"
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{s}` is too long a duration"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let Some(&(_, ms)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(if unit.is_empty() {
                format!("`{s}` has no unit; write e.g. {n}s or {n}m")
            } else {
                format!("unknown unit `{unit}` in `{s}`; use ms, s, m, h, d, w or y")
            });
        };
        total_ms = n
            .checked_mul(ms)
            .and_then(|v| total_ms.checked_add(v))
            .ok_or_else(|| format!("`{s}` is too long a duration"))?;
        rest = &rest[unit_len..];
    }
    if total_ms == 0 {
        return Err(format!("`{s}` is zero; a duration must be positive"));
    }
    Ok(Duration::from_millis(total_ms))
}

/// The shortest Prometheus form: 90 s -> `1m30s`, 6 h -> `6h`, 1.5 s -> `1s500ms`.
pub fn format_duration(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (name, unit_ms) in UNITS {
        // Years and weeks read oddly for ranges like 14d; stop at days.
        if name == "y" || name == "w" {
            continue;
        }
        if ms >= unit_ms {
            out.push_str(&format!("{}{name}", ms / unit_ms));
            ms %= unit_ms;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_simple_and_compound() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration(" 2w "), Ok(Duration::from_secs(14 * 86_400)));
    }

    #[test]
    fn rejects_typos() {
        assert!(parse_duration("").is_err());
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0s").unwrap_err().contains("zero"));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("99999999999999999999y").is_err());
    }

    #[test]
    fn formats_shortest_form() {
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(6 * 3600)), "6h");
        assert_eq!(format_duration(Duration::from_secs(86_400)), "1d");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1s500ms");
        for s in ["15s", "1h30m", "14d", "250ms"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(format_duration(d), s);
        }
    }
}
