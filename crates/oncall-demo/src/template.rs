//! The part of Prometheus's alert templating the demo's rules use: `{{ $labels.name }}`,
//! `{{ $value }}` and the `humanize*` filters, plus Go's float formats used on the wire.

use super::promql::Labels;

/// Expand `{{ ... }}` actions in an annotation. Unknown actions are left as written.
pub fn expand(template: &str, labels: &Labels, value: f64) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let action = rest[start + 2..start + len].trim();
        match action_value(action, labels, value) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn action_value(action: &str, labels: &Labels, value: f64) -> Option<String> {
    let mut parts = action.split('|').map(str::trim);
    let head = parts.next()?;
    let mut current = if let Some(name) = head.strip_prefix("$labels.") {
        Text::Str(labels.get(name).cloned().unwrap_or_default())
    } else if head == "$value" {
        Text::Num(value)
    } else {
        return None;
    };
    for filter in parts {
        let Text::Num(v) = current else { return None };
        current = Text::Str(match filter {
            "humanize" => humanize(v),
            "humanizePercentage" => format!("{}%", format_g(v * 100.0, 4)),
            "humanizeDuration" => humanize_duration(v),
            "humanize1024" => humanize_1024(v),
            _ => return None,
        });
    }
    Some(match current {
        Text::Str(s) => s,
        Text::Num(v) => format_g(v, -1),
    })
}

enum Text {
    Str(String),
    Num(f64),
}

/// Go's `%.Ng` (or `%g` with `digits < 0`): shortest form, exponent only for very large or
/// small numbers, no trailing zeros.
pub fn format_g(v: f64, digits: i32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let precision = if digits < 0 { 17 } else { digits.max(1) };
    let exp = v.abs().log10().floor() as i32;
    let rounded: f64 = if digits < 0 {
        v
    } else {
        format!("{:.*e}", (precision - 1) as usize, v)
            .parse()
            .unwrap_or(v)
    };
    if exp < -4 || exp >= precision {
        // Go prints `1.5e+06`.
        let s = if digits < 0 {
            format!("{rounded:e}")
        } else {
            format!("{:.*e}", (precision - 1) as usize, rounded)
        };
        return go_exponent(&trim_mantissa(&s));
    }
    let s = format!("{rounded}");
    if digits < 0 {
        return s;
    }
    let decimals = (precision - 1 - exp).max(0) as usize;
    let s = format!("{rounded:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn trim_mantissa(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
        }
        _ => s.to_string(),
    }
}

/// Rust writes `1e-2`, Go `1e-02`: sign always, at least two exponent digits.
fn go_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e.trim_start_matches('+')),
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}

/// `strconv.FormatFloat(v, 'e', -1, 64)`: how Prometheus writes an alert's value.
pub fn format_e(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    go_exponent(&format!("{v:e}"))
}

/// Prometheus's `humanize`: SI prefixes, four significant digits.
pub fn humanize(v: f64) -> String {
    if v == 0.0 || v.is_nan() || v.is_infinite() {
        return format_g(v, 4);
    }
    if v.abs() >= 1.0 {
        let prefixes = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"];
        let mut x = v;
        let mut i = 0;
        while x.abs() >= 1000.0 && i < prefixes.len() - 1 {
            x /= 1000.0;
            i += 1;
        }
        format!("{}{}", format_g(x, 4), prefixes[i])
    } else {
        let prefixes = ["", "m", "u", "n", "p", "f", "a", "z", "y"];
        let mut x = v;
        let mut i = 0;
        while x.abs() < 1.0 && i < prefixes.len() - 1 {
            x *= 1000.0;
            i += 1;
        }
        format!("{}{}", format_g(x, 4), prefixes[i])
    }
}

fn humanize_1024(v: f64) -> String {
    if v.abs() < 1.0 || v.is_nan() || v.is_infinite() {
        return format_g(v, 4);
    }
    let prefixes = ["", "ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"];
    let mut x = v;
    let mut i = 0;
    while x.abs() >= 1024.0 && i < prefixes.len() - 1 {
        x /= 1024.0;
        i += 1;
    }
    format!("{}{}", format_g(x, 4), prefixes[i])
}

/// Prometheus's `humanizeDuration`: `1d 2h 3m 4s`, or milliseconds below a second.
pub fn humanize_duration(v: f64) -> String {
    if v.is_nan() || v.is_infinite() {
        return format_g(v, 4);
    }
    if v == 0.0 {
        return "0s".into();
    }
    if v.abs() < 1.0 {
        return format!("{}ms", format_g(v * 1000.0, 4));
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let total = v.abs();
    let secs = total % 60.0;
    let total = total as i64;
    let (days, hours, minutes) = (total / 86_400, total / 3600 % 24, total / 60 % 60);
    let mut out = String::from(sign);
    if days > 0 {
        out.push_str(&format!("{days}d "));
    }
    if days > 0 || hours > 0 {
        out.push_str(&format!("{hours}h "));
    }
    if days > 0 || hours > 0 || minutes > 0 {
        out.push_str(&format!("{minutes}m "));
    }
    out.push_str(&format!("{}s", format_g(secs, 4)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_labels_values_and_filters() {
        let mut labels = Labels::new();
        labels.insert("service".into(), "wallet-service".into());
        let t = "Error rate is {{ $value | humanizePercentage }} on {{ $labels.service }} {{ $labels.missing }}{{ .Unknown }}";
        assert_eq!(
            expand(t, &labels, 0.0981234),
            "Error rate is 9.812% on wallet-service {{ .Unknown }}"
        );
        assert_eq!(expand("{{ $value }}s", &labels, 0.25), "0.25s");
        assert_eq!(
            expand("{{ $value | humanize }}", &labels, 1_534_000.0),
            "1.534M"
        );
        assert_eq!(
            expand("{{ $value | humanizeDuration }}", &labels, 3725.0),
            "1h 2m 5s"
        );
    }

    #[test]
    fn go_float_formats() {
        assert_eq!(format_e(0.09812), "9.812e-02");
        assert_eq!(format_e(1.0), "1e+00");
        assert_eq!(format_e(123456.0), "1.23456e+05");
        assert_eq!(format_g(12.3456, 4), "12.35");
        assert_eq!(format_g(1_500_000.0, 4), "1.5e+06");
        assert_eq!(format_g(0.000_012, 4), "1.2e-05");
        assert_eq!(humanize(0.0123), "12.3m");
        assert_eq!(humanize(2048.0), "2.048k");
        assert_eq!(humanize_1024(2048.0), "2ki");
    }
}
