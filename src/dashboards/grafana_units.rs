//! Grafana's standard unit ids (its unit picker: misc, throughput, data, data rate, time,
//! boolean, energy, temperature and the rest) as ours, both ways: an imported panel keeps
//! its unit instead of a warning, and an exported one names Grafana's id.

use super::units::{BoolWords, TimeUnit, Unit};

fn si(symbol: &str) -> Unit {
    Unit::Si(symbol.to_string())
}

fn suffix(text: &str) -> Unit {
    Unit::Suffix(text.to_string())
}

/// Grafana's id for each unit it has; the first id of a unit is the one exported.
fn table() -> Vec<(&'static str, Unit)> {
    use Unit::*;
    vec![
        // Misc
        ("short", Plain),
        ("none", Plain),
        ("locale", Plain),
        ("sishort", Plain),
        ("sci", Plain),
        ("hex", Plain),
        ("hex0x", Plain),
        ("percent", Percent),
        ("percentunit", Ratio),
        ("humidity", suffix("%H")),
        ("dB", suffix("dB")),
        ("pixel", suffix("px")),
        // Throughput
        ("reqps", ReqPerSec),
        ("ops", OpsPerSec),
        ("opsps", OpsPerSec),
        ("iops", si("io/s")),
        ("cps", si("c/s")),
        ("rps", si("rd/s")),
        ("wps", si("wr/s")),
        ("eps", si("events/s")),
        ("mps", si("msg/s")),
        ("cpm", si("c/min")),
        ("opm", si("ops/min")),
        ("rpm", si("rd/min")),
        ("wpm", si("wr/min")),
        // Data
        ("bytes", Bytes),
        ("decbytes", si("B")),
        ("bits", si("b")),
        ("decbits", si("b")),
        ("kbytes", BytesOf(1)),
        ("mbytes", BytesOf(2)),
        ("gbytes", BytesOf(3)),
        ("tbytes", BytesOf(4)),
        // Data rate
        ("binBps", BytesPerSec),
        ("Bps", BytesPerSec),
        ("decBps", si("B/s")),
        ("bps", si("b/s")),
        ("binbps", si("b/s")),
        ("pps", si("p/s")),
        // Time
        ("s", Seconds),
        ("ms", Milliseconds),
        ("ns", Time(TimeUnit::Nanoseconds)),
        ("µs", Time(TimeUnit::Microseconds)),
        ("us", Time(TimeUnit::Microseconds)),
        ("m", Time(TimeUnit::Minutes)),
        ("h", Time(TimeUnit::Hours)),
        ("d", Time(TimeUnit::Days)),
        ("dtdurations", Seconds),
        ("dtdurationms", Milliseconds),
        ("dthms", Seconds),
        ("clocks", Seconds),
        ("clockms", Milliseconds),
        ("hertz", si("Hz")),
        // Boolean
        ("bool", Bool(BoolWords::TrueFalse)),
        ("bool_yes_no", Bool(BoolWords::YesNo)),
        ("bool_on_off", Bool(BoolWords::OnOff)),
        // Energy
        ("watt", si("W")),
        ("kwatt", suffix("kW")),
        ("voltamp", si("VA")),
        ("amp", si("A")),
        ("volt", si("V")),
        ("ohm", si("Ω")),
        ("joule", si("J")),
        ("watth", si("Wh")),
        ("kwatth", suffix("kWh")),
        // Temperature
        ("celsius", suffix("°C")),
        ("fahrenheit", suffix("°F")),
        ("kelvin", suffix("K")),
        // Computation, length, mass, angle, velocity
        ("flops", si("FLOP/s")),
        ("lengthm", si("m")),
        ("lengthmm", suffix("mm")),
        ("lengthkm", suffix("km")),
        ("massg", si("g")),
        ("masskg", suffix("kg")),
        ("degree", suffix("°")),
        ("velocityms", suffix("m/s")),
        ("velocitykmh", suffix("km/h")),
    ]
}

/// Our unit for a Grafana unit id; `None` for one we do not know.
pub fn unit_of(id: &str) -> Option<Unit> {
    if id.is_empty() {
        return Some(Unit::Plain);
    }
    if let Some((_, unit)) = table().into_iter().find(|(g, _)| *g == id) {
        return Some(unit);
    }
    let code = id.strip_prefix("currency")?;
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(Unit::Currency(code.to_ascii_uppercase()))
}

/// Grafana's id for our unit (a unit only we have exports as `short`).
pub fn grafana_id(unit: &Unit) -> String {
    if let Unit::Currency(code) = unit {
        return format!("currency{code}");
    }
    table()
        .into_iter()
        .find(|(_, u)| u == unit)
        .map_or("short".to_string(), |(g, _)| g.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_units_are_known_and_round_trip() {
        for id in [
            "bps",
            "pps",
            "eps",
            "bool",
            "bool_yes_no",
            "celsius",
            "hertz",
            "kbytes",
            "ns",
            "m",
            "watt",
        ] {
            let unit = unit_of(id).unwrap_or_else(|| panic!("{id} is known"));
            assert_eq!(unit_of(&grafana_id(&unit)), Some(unit.clone()), "{id}");
            // Our own dashboard files can name it too.
            assert_eq!(Unit::parse(&unit.name()), Some(unit), "{id}");
        }
        assert_eq!(
            unit_of("bps")
                .map(|u| u.format(1_250_000.0, None))
                .as_deref(),
            Some("1.25 Mb/s")
        );
        assert_eq!(
            unit_of("bool_yes_no")
                .map(|u| u.format(0.0, None))
                .as_deref(),
            Some("no")
        );
        assert_eq!(
            unit_of("bool").map(|u| u.format(1.0, None)).as_deref(),
            Some("true")
        );
        assert_eq!(
            unit_of("celsius").map(|u| u.format(21.5, None)).as_deref(),
            Some("21.5 °C")
        );
        assert_eq!(
            unit_of("m").map(|u| u.format(90.0, None)).as_deref(),
            Some("1.5 h")
        );
        assert_eq!(
            unit_of("kbytes").map(|u| u.format(2048.0, None)).as_deref(),
            Some("2 MiB")
        );
        assert_eq!(unit_of("currencyEUR"), Some(Unit::Currency("EUR".into())));
        assert_eq!(unit_of("no-such-unit"), None);
    }
}
