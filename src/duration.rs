//! Durations as people write them in configs, dashboard files, on the command line and in
//! `:range`: `30s`, `5m`, `1h30m`, `2d`. The units are Prometheus's (`ms s m h d w y`), so what
//! works in a PromQL range works here.

use std::time::Duration;

/// What a duration must look like, for error messages.
pub const DURATION_HINT: &str =
    "a duration like \"30s\", \"5m\", \"2h\" or \"1h30m\" (units ms, s, m, h, d, w, y)";

/// Parse `1h30m`-style durations. Every number needs a unit; a bare `0` is allowed.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration; expected {DURATION_HINT}"));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "`{text}` is not a duration; expected {DURATION_HINT}"
            ));
        }
        let number: u128 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` has a number too large for a duration"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let millis_per_unit: u128 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "y" => 365 * 86_400_000,
            "" => {
                return Err(format!(
                    "`{text}` needs a unit after {number}; expected {DURATION_HINT}"
                ))
            }
            other => {
                return Err(format!(
                    "`{text}` has an unknown unit `{other}`; expected {DURATION_HINT}"
                ))
            }
        };
        total = number
            .checked_mul(millis_per_unit)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(|| format!("`{text}` is too long a duration"))?;
    }
    let millis = u64::try_from(total).map_err(|_| format!("`{text}` is too long a duration"))?;
    Ok(Duration::from_millis(millis))
}

/// Like [`parse_duration`], but zero is refused: a refresh interval or a time range of zero is
/// a typo, not a request for "no time".
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(format!(
            "`{}` is zero; expected a positive duration",
            text.trim()
        ));
    }
    Ok(d)
}

/// The shortest `1h30m`-style form of a duration (whole milliseconds), the inverse of
/// [`parse_duration`] for every value it produces.
pub fn format_duration(d: Duration) -> String {
    let mut ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000u128),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_and_compound_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("1w"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn rejects_what_is_not_a_duration_and_says_what_is() {
        for bad in ["", "10", "ten", "5 m", "1.5h", "3x", "-5m", "m5"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(
                err.contains("expected") || err.contains("unit"),
                "{bad}: {err}"
            );
        }
        assert!(parse_duration("99999999999999999999999y").is_err());
    }

    #[test]
    fn format_round_trips() {
        for s in ["1d2h3m4s", "30m", "45s", "1h", "1s500ms"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(format_duration(d), s);
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_secs(14 * 86_400)), "14d");
    }

    #[test]
    fn positive_refuses_zero() {
        assert!(parse_positive_duration("0s").unwrap_err().contains("zero"));
        assert_eq!(
            parse_positive_duration("6h"),
            Ok(Duration::from_secs(6 * 3600))
        );
    }
}
