//! Units and human formatting of values: `512 MiB`, `340 ms`, `99.95 %`, `1.2k req/s`, `$1.2M`.
//! Values below 1 keep their digits (a plot that rounds them draws a latency of 0.4 s as 0).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unit {
    Seconds,
    Milliseconds,
    /// IEC: KiB, MiB, GiB.
    Bytes,
    BytesPerSec,
    /// 0-100.
    Percent,
    /// 0-1, shown as a percentage.
    Ratio,
    ReqPerSec,
    OpsPerSec,
    Plain,
    /// ISO code (`USD`, `TRY`) or a symbol; common codes print as their symbol.
    Currency(String),
    /// A time counted in another unit than seconds, shown as a duration.
    Time(TimeUnit),
    /// SI-prefixed with a unit symbol: `1.2 Mb/s`, `50 Hz`, `3.2 kW`.
    Si(String),
    /// A number with a fixed suffix, never prefixed: `21.5 °C`.
    Suffix(String),
    /// 0 is the first word, anything else the second.
    Bool(BoolWords),
    /// IEC bytes counted in KiB (1), MiB (2), GiB (3)...: the power of 1024.
    BytesOf(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    Nanoseconds,
    Microseconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    fn seconds(self) -> f64 {
        match self {
            TimeUnit::Nanoseconds => 1e-9,
            TimeUnit::Microseconds => 1e-6,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
            TimeUnit::Days => 86_400.0,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TimeUnit::Nanoseconds => "ns",
            TimeUnit::Microseconds => "us",
            TimeUnit::Minutes => "min",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoolWords {
    TrueFalse,
    YesNo,
    OnOff,
}

impl BoolWords {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            BoolWords::TrueFalse => ("false", "true"),
            BoolWords::YesNo => ("no", "yes"),
            BoolWords::OnOff => ("off", "on"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            BoolWords::TrueFalse => "bool",
            BoolWords::YesNo => "bool_yes_no",
            BoolWords::OnOff => "bool_on_off",
        }
    }
}

/// The names accepted in dashboard files, for error messages.
pub const UNIT_NAMES: &str =
    "s, ms, ns, us, min, h, d, bytes, kbytes, mbytes, gbytes, bytes/s, percent, ratio, req/s, ops/s, plain, bool, bool_yes_no, bool_on_off, si:<SYMBOL>, suffix:<TEXT>, currency:<CODE>";

impl Unit {
    /// Parse a unit name as written in dashboard files (a few aliases accepted).
    pub fn parse(s: &str) -> Option<Unit> {
        let unit = match s.trim() {
            "s" | "seconds" => Unit::Seconds,
            "ms" | "milliseconds" => Unit::Milliseconds,
            "bytes" => Unit::Bytes,
            "bytes/s" | "Bps" => Unit::BytesPerSec,
            "percent" | "%" => Unit::Percent,
            "ratio" | "percentunit" => Unit::Ratio,
            "req/s" | "reqps" => Unit::ReqPerSec,
            "ops/s" | "ops" => Unit::OpsPerSec,
            "plain" | "none" | "short" => Unit::Plain,
            "currency" => Unit::Currency("USD".to_string()),
            "ns" => Unit::Time(TimeUnit::Nanoseconds),
            "us" | "µs" => Unit::Time(TimeUnit::Microseconds),
            "min" => Unit::Time(TimeUnit::Minutes),
            "h" => Unit::Time(TimeUnit::Hours),
            "d" => Unit::Time(TimeUnit::Days),
            "bool" => Unit::Bool(BoolWords::TrueFalse),
            "bool_yes_no" => Unit::Bool(BoolWords::YesNo),
            "bool_on_off" => Unit::Bool(BoolWords::OnOff),
            "kbytes" => Unit::BytesOf(1),
            "mbytes" => Unit::BytesOf(2),
            "gbytes" => Unit::BytesOf(3),
            "tbytes" => Unit::BytesOf(4),
            other if other.starts_with("si:") || other.starts_with("suffix:") => {
                let (kind, text) = other.split_once(':')?;
                let text = text.trim();
                if text.is_empty() || text.chars().any(char::is_control) || text.len() > 16 {
                    return None;
                }
                match kind {
                    "si" => Unit::Si(text.to_string()),
                    _ => Unit::Suffix(text.to_string()),
                }
            }
            other => {
                let code = other.strip_prefix("currency:")?.trim();
                if code.is_empty() || code.chars().any(|c| c.is_control() || c.is_whitespace()) {
                    return None;
                }
                Unit::Currency(code.to_string())
            }
        };
        Some(unit)
    }

    /// The canonical file name of the unit (`parse(u.name()) == Some(u)`).
    pub fn name(&self) -> String {
        match self {
            Unit::Seconds => "s".into(),
            Unit::Milliseconds => "ms".into(),
            Unit::Bytes => "bytes".into(),
            Unit::BytesPerSec => "bytes/s".into(),
            Unit::Percent => "percent".into(),
            Unit::Ratio => "ratio".into(),
            Unit::ReqPerSec => "req/s".into(),
            Unit::OpsPerSec => "ops/s".into(),
            Unit::Plain => "plain".into(),
            Unit::Currency(code) => format!("currency:{code}"),
            Unit::Time(t) => t.name().into(),
            Unit::Si(symbol) => format!("si:{symbol}"),
            Unit::Suffix(text) => format!("suffix:{text}"),
            Unit::Bool(words) => words.name().into(),
            Unit::BytesOf(power) => match power {
                1 => "kbytes".into(),
                2 => "mbytes".into(),
                3 => "gbytes".into(),
                _ => "tbytes".into(),
            },
        }
    }

    /// Human form of `v`. `decimals` fixes the digits after the point; `None` picks about three
    /// significant digits and trims trailing zeros.
    pub fn format(&self, v: f64, decimals: Option<u8>) -> String {
        if v.is_nan() {
            return "NaN".to_string();
        }
        if v.is_infinite() {
            return if v > 0.0 {
                "+Inf".into()
            } else {
                "-Inf".into()
            };
        }
        match self {
            Unit::Seconds => duration(v, decimals),
            Unit::Milliseconds => duration(v / 1000.0, decimals),
            Unit::Bytes => iec(v, decimals, ""),
            Unit::BytesPerSec => iec(v, decimals, "/s"),
            Unit::Percent => percent(v, decimals),
            Unit::Ratio => percent(v * 100.0, decimals),
            Unit::ReqPerSec => format!("{} req/s", si(v, decimals)),
            Unit::OpsPerSec => format!("{} ops/s", si(v, decimals)),
            Unit::Plain => si(v, decimals),
            Unit::Time(t) => duration(v * t.seconds(), decimals),
            Unit::Si(symbol) => {
                let (text, prefix) = scaled(v, decimals, 1000.0, &["", "k", "M", "G", "T", "P"]);
                format!("{text} {prefix}{symbol}")
            }
            Unit::Suffix(text) => format!("{} {text}", number(v, decimals)),
            Unit::Bool(words) => {
                let (no, yes) = words.words();
                if v == 0.0 { no } else { yes }.to_string()
            }
            Unit::BytesOf(power) => iec(v * 1024f64.powi(i32::from(*power)), decimals, ""),
            Unit::Currency(code) => {
                let body = si(v.abs(), decimals);
                let sign = if v < 0.0 { "-" } else { "" };
                match currency_symbol(code) {
                    Some(sym) => format!("{sign}{sym}{body}"),
                    None => format!("{sign}{body} {code}"),
                }
            }
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

fn currency_symbol(code: &str) -> Option<&'static str> {
    Some(match code {
        "USD" | "$" => "$",
        "EUR" | "€" => "€",
        "GBP" | "£" => "£",
        "JPY" | "¥" => "¥",
        "TRY" | "₺" => "₺",
        "BTC" | "₿" => "₿",
        _ => return None,
    })
}

/// Digits after the point for about three significant digits; small values keep two
/// significant digits (0.0042 -> "0.0042"), capped so noise does not print 15 digits.
fn auto_decimals(abs: f64) -> usize {
    if abs == 0.0 || abs >= 100.0 {
        0
    } else if abs >= 10.0 {
        1
    } else if abs >= 1.0 {
        2
    } else {
        let leading_zeros = (-abs.log10()).floor() as usize;
        (leading_zeros + 2).min(9)
    }
}

/// Fixed or automatic number of decimals; automatic trims trailing zeros ("1.20" -> "1.2").
fn number(v: f64, decimals: Option<u8>) -> String {
    match decimals {
        Some(d) => format!("{:.*}", usize::from(d), v),
        None => trim_zeros(format!("{:.*}", auto_decimals(v.abs()), v)),
    }
}

fn trim_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0').trim_end_matches('.');
    // "-0" after rounding a tiny negative value reads as an error; show 0.
    if t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// Scale by a step (1000 or 1024) to the largest prefix that keeps the value >= 1, and
/// re-scale when rounding carries it to the next prefix (999.96 k -> 1 M).
fn scaled(
    v: f64,
    decimals: Option<u8>,
    step: f64,
    prefixes: &[&'static str],
) -> (String, &'static str) {
    let mut idx = 0;
    let mut x = v.abs();
    while x >= step && idx + 1 < prefixes.len() {
        x /= step;
        idx += 1;
    }
    let mut text = number(x, scaled_decimals(x, idx, decimals));
    if idx + 1 < prefixes.len() && text.parse::<f64>().is_ok_and(|r| r >= step) {
        x /= step;
        idx += 1;
        text = number(x, scaled_decimals(x, idx, decimals));
    }
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    (format!("{sign}{text}"), prefixes[idx])
}

/// Decimals asked for a count (`decimals = 0`) must not turn 1,523 into "2k": once a prefix
/// is applied, at least the automatic digits are kept.
fn scaled_decimals(x: f64, idx: usize, decimals: Option<u8>) -> Option<u8> {
    match decimals {
        Some(d) if idx > 0 && usize::from(d) < auto_decimals(x) => None,
        other => other,
    }
}

fn si(v: f64, decimals: Option<u8>) -> String {
    let (text, prefix) = scaled(v, decimals, 1000.0, &["", "k", "M", "G", "T", "P"]);
    format!("{text}{prefix}")
}

fn iec(v: f64, decimals: Option<u8>, suffix: &str) -> String {
    let (text, prefix) = scaled(
        v,
        decimals,
        1024.0,
        &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"],
    );
    format!("{text} {prefix}{suffix}")
}

fn percent(v: f64, decimals: Option<u8>) -> String {
    let text = match decimals {
        Some(_) => number(v, decimals),
        None => {
            // 99.95 % must not round to "100 %": keep the digits that separate it from 100.
            let mut d = auto_decimals(v.abs());
            if v > 90.0 && v < 100.0 {
                let needed = (-(100.0 - v).log10()).ceil().max(0.0) as usize;
                d = d.max(needed.min(4));
            }
            trim_zeros(format!("{:.*}", d, v))
        }
    };
    format!("{text} %")
}

/// Seconds as ns/µs/ms/s/min/h/d, choosing the unit that keeps the number readable.
fn duration(secs: f64, decimals: Option<u8>) -> String {
    let abs = secs.abs();
    let (value, unit) = if abs == 0.0 {
        (0.0, "s")
    } else if abs < 1e-6 {
        (secs * 1e9, "ns")
    } else if abs < 1e-3 {
        (secs * 1e6, "µs")
    } else if abs < 1.0 {
        (secs * 1e3, "ms")
    } else if abs < 60.0 {
        (secs, "s")
    } else if abs < 3600.0 {
        (secs / 60.0, "min")
    } else if abs < 86_400.0 {
        (secs / 3600.0, "h")
    } else {
        (secs / 86_400.0, "d")
    };
    let text = number(value, decimals);
    // 999.7 ms rounds to "1000 ms": say "1 s" instead.
    let carried = match unit {
        "ns" | "µs" | "ms" => text.parse::<f64>().is_ok_and(|r| r.abs() >= 1000.0),
        "s" | "min" => text.parse::<f64>().is_ok_and(|r| r.abs() >= 60.0),
        "h" => text.parse::<f64>().is_ok_and(|r| r.abs() >= 24.0),
        _ => false,
    };
    if carried {
        let next = match unit {
            "ns" => 1e-6,
            "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 60.0,
            "min" => 3600.0,
            _ => 86_400.0,
        };
        let bumped = secs.signum() * next;
        return duration(bumped, decimals);
    }
    format!("{text} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_iec() {
        assert_eq!(Unit::Bytes.format(512.0 * 1024.0 * 1024.0, None), "512 MiB");
        assert_eq!(Unit::Bytes.format(1536.0, None), "1.5 KiB");
        assert_eq!(Unit::Bytes.format(0.0, None), "0 B");
        assert_eq!(Unit::Bytes.format(1023.9, Some(0)), "1 KiB");
        assert_eq!(
            Unit::BytesPerSec.format(2.5 * 1024.0 * 1024.0, Some(1)),
            "2.5 MiB/s"
        );
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(Unit::Seconds.format(1.2, None), "1.2 s");
        assert_eq!(Unit::Seconds.format(0.34, None), "340 ms");
        assert_eq!(Unit::Seconds.format(0.0425, None), "42.5 ms");
        assert_eq!(Unit::Seconds.format(0.000_25, None), "250 µs");
        assert_eq!(Unit::Seconds.format(90.0, None), "1.5 min");
        assert_eq!(Unit::Seconds.format(7200.0, None), "2 h");
        assert_eq!(Unit::Seconds.format(0.9999, None), "1 s");
        assert_eq!(Unit::Milliseconds.format(340.0, None), "340 ms");
        assert_eq!(Unit::Milliseconds.format(1200.0, None), "1.2 s");
        assert_eq!(Unit::Seconds.format(0.0, None), "0 s");
    }

    #[test]
    fn percentages_keep_slo_digits() {
        assert_eq!(Unit::Percent.format(99.95, None), "99.95 %");
        assert_eq!(Unit::Percent.format(99.999, None), "99.999 %");
        assert_eq!(Unit::Percent.format(42.0, None), "42 %");
        assert_eq!(Unit::Ratio.format(0.9995, None), "99.95 %");
        assert_eq!(Unit::Ratio.format(0.0042, None), "0.42 %");
        assert_eq!(Unit::Percent.format(100.0, None), "100 %");
        assert_eq!(Unit::Percent.format(12.345, Some(1)), "12.3 %");
    }

    #[test]
    fn rates_and_plain_numbers_use_si_prefixes() {
        assert_eq!(Unit::ReqPerSec.format(1200.0, None), "1.2k req/s");
        assert_eq!(Unit::ReqPerSec.format(0.25, None), "0.25 req/s");
        assert_eq!(Unit::OpsPerSec.format(45_000.0, None), "45k ops/s");
        assert_eq!(Unit::Plain.format(999_999.0, None), "1M");
        assert_eq!(Unit::Plain.format(-1500.0, None), "-1.5k");
        assert_eq!(Unit::Plain.format(3.0, Some(2)), "3.00");
        // Fixed decimals apply to plain numbers; a prefix keeps its significant digits.
        assert_eq!(Unit::Plain.format(523.0, Some(0)), "523");
        assert_eq!(Unit::Plain.format(1523.0, Some(0)), "1.52k");
        assert_eq!(Unit::Plain.format(48_260.0, Some(0)), "48.3k");
        assert_eq!(Unit::Plain.format(1500.0, Some(2)), "1.50k");
    }

    #[test]
    fn values_below_one_are_not_zero() {
        assert_eq!(Unit::Plain.format(0.5, None), "0.5");
        assert_eq!(Unit::Plain.format(0.004_2, None), "0.0042");
        assert_eq!(Unit::ReqPerSec.format(0.05, None), "0.05 req/s");
    }

    #[test]
    fn currency_uses_symbols_for_known_codes() {
        assert_eq!(
            Unit::Currency("USD".into()).format(1_200_000.0, None),
            "$1.2M"
        );
        assert_eq!(
            Unit::Currency("TRY".into()).format(15_234.5, None),
            "₺15.2k"
        );
        assert_eq!(Unit::Currency("CHF".into()).format(12.0, None), "12 CHF");
        assert_eq!(Unit::Currency("USD".into()).format(-5.0, None), "-$5");
    }

    #[test]
    fn nan_and_infinities() {
        assert_eq!(Unit::Seconds.format(f64::NAN, None), "NaN");
        assert_eq!(Unit::Bytes.format(f64::INFINITY, None), "+Inf");
        assert_eq!(Unit::Plain.format(f64::NEG_INFINITY, None), "-Inf");
    }

    #[test]
    fn names_round_trip() {
        for u in [
            Unit::Seconds,
            Unit::Milliseconds,
            Unit::Bytes,
            Unit::BytesPerSec,
            Unit::Percent,
            Unit::Ratio,
            Unit::ReqPerSec,
            Unit::OpsPerSec,
            Unit::Plain,
            Unit::Currency("TRY".into()),
        ] {
            assert_eq!(Unit::parse(&u.name()), Some(u));
        }
        assert_eq!(Unit::parse("furlongs"), None);
        assert_eq!(Unit::parse("currency:"), None);
    }
}
