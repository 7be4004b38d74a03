//! Colour themes as data: TOML files with semantic slots (ok, warning, critical, stale, ...).
//! Widgets ask for a slot, never for a colour. Themes are written in true colour and degrade
//! to 256 or 16 colours by nearest match; with `NO_COLOR` only bold/dim/reverse/underline remain,
//! chosen so every state still looks different.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::dashboards::model::Level;

/// The themes shipped in the binary; `dark` is the default and the base of user themes.
const EMBEDDED: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

pub const DEFAULT_THEME: &str = "dark";

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    /// `NO_COLOR` is set (or the terminal is `dumb`): modifiers only.
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// From the environment, as terminals advertise it: `NO_COLOR` (any non-empty value) wins,
    /// then `COLORTERM=truecolor|24bit`, then `*256color*` in `TERM`.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> ColorDepth {
        if var("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        let term = var("TERM").unwrap_or_default();
        if term == "dumb" {
            return ColorDepth::None;
        }
        let colorterm = var("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    pub fn from_env() -> ColorDepth {
        ColorDepth::detect(|name| std::env::var(name).ok())
    }
}

/// A colour as written in a theme file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSpec {
    Default,
    Named(Color),
    Indexed(u8),
    Rgb(u8, u8, u8),
}

impl ColorSpec {
    pub fn parse(text: &str) -> Result<ColorSpec, String> {
        let t = text.trim().to_ascii_lowercase();
        if let Some(hex) = t.strip_prefix('#') {
            if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
                return Ok(ColorSpec::Rgb(byte(0), byte(2), byte(4)));
            }
            return Err(format!("`{text}` is not a #rrggbb colour"));
        }
        if let Ok(n) = t.parse::<u8>() {
            return Ok(ColorSpec::Indexed(n));
        }
        let named = match t.replace('_', "-").as_str() {
            "default" | "reset" => return Ok(ColorSpec::Default),
            "black" => Color::Black,
            "red" => Color::Red,
            "green" => Color::Green,
            "yellow" => Color::Yellow,
            "blue" => Color::Blue,
            "magenta" => Color::Magenta,
            "cyan" => Color::Cyan,
            "gray" | "grey" => Color::Gray,
            "dark-gray" | "dark-grey" => Color::DarkGray,
            "light-red" => Color::LightRed,
            "light-green" => Color::LightGreen,
            "light-yellow" => Color::LightYellow,
            "light-blue" => Color::LightBlue,
            "light-magenta" => Color::LightMagenta,
            "light-cyan" => Color::LightCyan,
            "white" => Color::White,
            _ => {
                return Err(format!(
                    "unknown colour `{text}`; use #rrggbb, 0-255, an ANSI name such as light-red, or default"
                ))
            }
        };
        Ok(ColorSpec::Named(named))
    }

    /// The colour to send to a terminal of `depth`; `None` means "the terminal's own".
    pub fn at_depth(self, depth: ColorDepth) -> Option<Color> {
        match (self, depth) {
            (_, ColorDepth::None) | (ColorSpec::Default, _) => None,
            (ColorSpec::Named(c), _) => Some(c),
            (ColorSpec::Indexed(n), ColorDepth::Ansi16) if n < 16 => Some(ANSI16[n as usize].0),
            (ColorSpec::Indexed(n), ColorDepth::Ansi16) => {
                let (r, g, b) = indexed_rgb(n);
                Some(nearest_ansi16(r, g, b))
            }
            (ColorSpec::Indexed(n), _) => Some(Color::Indexed(n)),
            (ColorSpec::Rgb(r, g, b), ColorDepth::TrueColor) => Some(Color::Rgb(r, g, b)),
            (ColorSpec::Rgb(r, g, b), ColorDepth::Ansi256) => {
                Some(Color::Indexed(nearest_256(r, g, b)))
            }
            (ColorSpec::Rgb(r, g, b), ColorDepth::Ansi16) => Some(nearest_ansi16(r, g, b)),
        }
    }
}

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Index(u8),
        }
        match Raw::deserialize(d)? {
            Raw::Text(t) => ColorSpec::parse(&t).map_err(serde::de::Error::custom),
            Raw::Index(n) => Ok(ColorSpec::Indexed(n)),
        }
    }
}

/// xterm's default 16 colours, for nearest-match.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    // Weighted towards green, as the eye is; enough to keep hues apart.
    2 * d(a.0, b.0).pow(2) + 4 * d(a.1, b.1).pow(2) + 3 * d(a.2, b.2).pow(2)
}

/// The 16-colour palette differs between terminals, so match by hue family and lightness
/// rather than by distance to one palette (which turns every muted colour grey).
fn nearest_ansi16(r: u8, g: u8, b: u8) -> Color {
    let (rf, gf, bf) = (f64::from(r), f64::from(g), f64::from(b));
    let max = rf.max(gf).max(bf);
    let min = rf.min(gf).min(bf);
    let lightness = (max + min) / 2.0;
    if max - min < 40.0 {
        return match lightness {
            l if l < 50.0 => Color::Black,
            l if l < 140.0 => Color::DarkGray,
            l if l < 215.0 => Color::Gray,
            _ => Color::White,
        };
    }
    let chroma = max - min;
    let hue = if max == rf {
        60.0 * ((gf - bf) / chroma).rem_euclid(6.0)
    } else if max == gf {
        60.0 * ((bf - rf) / chroma + 2.0)
    } else {
        60.0 * ((rf - gf) / chroma + 4.0)
    };
    let bright = lightness >= 140.0;
    // Sectors centred on red (0), yellow (60), green (120), cyan (180), blue (240), magenta (300).
    let sector = (((hue + 30.0) / 60.0).floor() as i64).rem_euclid(6);
    match (sector, bright) {
        (0, false) => Color::Red,
        (0, true) => Color::LightRed,
        (1, false) => Color::Yellow,
        (1, true) => Color::LightYellow,
        (2, false) => Color::Green,
        (2, true) => Color::LightGreen,
        (3, false) => Color::Cyan,
        (3, true) => Color::LightCyan,
        (4, false) => Color::Blue,
        (4, true) => Color::LightBlue,
        (_, false) => Color::Magenta,
        (_, true) => Color::LightMagenta,
    }
}

fn indexed_rgb(n: u8) -> (u8, u8, u8) {
    match n {
        0..=15 => ANSI16[n as usize].1,
        16..=231 => {
            let i = n - 16;
            (
                CUBE[(i / 36) as usize],
                CUBE[(i / 6 % 6) as usize],
                CUBE[(i % 6) as usize],
            )
        }
        _ => {
            let v = 8 + 10 * (n - 232);
            (v, v, v)
        }
    }
}

/// The nearest of the 6x6x6 cube and the grey ramp (indices 16-255; 0-15 vary by terminal).
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    (16..=255u8)
        .min_by_key(|n| distance(indexed_rgb(*n), (r, g, b)))
        .unwrap_or(16)
}

/// The slots of a theme file, all optional so a user theme names only what it changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSpecs {
    pub text: Option<ColorSpec>,
    pub muted: Option<ColorSpec>,
    pub accent: Option<ColorSpec>,
    pub ok: Option<ColorSpec>,
    pub warning: Option<ColorSpec>,
    pub critical: Option<ColorSpec>,
    pub silenced: Option<ColorSpec>,
    pub acknowledged: Option<ColorSpec>,
    pub stale: Option<ColorSpec>,
    pub key_hint: Option<ColorSpec>,
    pub border: Option<ColorSpec>,
    pub border_focus: Option<ColorSpec>,
    /// Background of the selected row and of the focused panel's title.
    pub selection: Option<ColorSpec>,
    /// Background of the header and status lines.
    pub header: Option<ColorSpec>,
    /// Background of the DEMO label.
    pub demo: Option<ColorSpec>,
    pub series: Option<Vec<ColorSpec>>,
}

impl SlotSpecs {
    /// Fill every slot this one leaves out from `base`.
    fn over(self, base: &SlotSpecs) -> SlotSpecs {
        SlotSpecs {
            text: self.text.or(base.text),
            muted: self.muted.or(base.muted),
            accent: self.accent.or(base.accent),
            ok: self.ok.or(base.ok),
            warning: self.warning.or(base.warning),
            critical: self.critical.or(base.critical),
            silenced: self.silenced.or(base.silenced),
            acknowledged: self.acknowledged.or(base.acknowledged),
            stale: self.stale.or(base.stale),
            key_hint: self.key_hint.or(base.key_hint),
            border: self.border.or(base.border),
            border_focus: self.border_focus.or(base.border_focus),
            selection: self.selection.or(base.selection),
            header: self.header.or(base.header),
            demo: self.demo.or(base.demo),
            series: self.series.or_else(|| base.series.clone()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The theme this one changes; `dark` when left out.
    pub extends: Option<String>,
    #[serde(default)]
    pub slots: SlotSpecs,
}

/// A problem with a theme file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("theme {file}: {message}")]
pub struct ThemeError {
    pub file: String,
    pub message: String,
}

/// Every theme that can be chosen: embedded ones plus the user's `<config>/themes/*.toml`.
#[derive(Debug, Clone)]
pub struct ThemeSet {
    themes: BTreeMap<String, ThemeFile>,
}

impl ThemeSet {
    pub fn embedded() -> ThemeSet {
        let mut themes = BTreeMap::new();
        for (name, text) in EMBEDDED {
            // Checked by a test; a broken embedded theme is skipped rather than fatal.
            if let Ok(file) = toml::from_str::<ThemeFile>(text) {
                themes.insert(name.to_string(), file);
            }
        }
        ThemeSet { themes }
    }

    /// Embedded themes plus user themes from `dir` (missing dir is fine). A user theme with
    /// the name of an embedded one replaces it.
    pub fn load(dir: Option<&Path>) -> (ThemeSet, Vec<ThemeError>) {
        let mut set = ThemeSet::embedded();
        let mut errors = Vec::new();
        let Some(dir) = dir else {
            return (set, errors);
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return (set, errors);
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let file = path.display().to_string();
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(ThemeError {
                        file,
                        message: format!("could not be read: {e}"),
                    });
                    continue;
                }
            };
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match set.add(&stem, &text) {
                Ok(()) => {}
                Err(message) => errors.push(ThemeError { file, message }),
            }
        }
        (set, errors)
    }

    /// Add a theme from TOML text; its `name` field, or `fallback_name`, is what `:theme` uses.
    pub fn add(&mut self, fallback_name: &str, text: &str) -> Result<(), String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| {
                text.get(..s.start)
                    .map(|t| t.matches('\n').count() + 1)
                    .unwrap_or(1)
            });
            match line {
                Some(line) => format!("line {line}: {}", e.message()),
                None => e.message().to_string(),
            }
        })?;
        if let Some(base) = &file.extends {
            if !self.themes.contains_key(base) {
                return Err(format!(
                    "extends unknown theme `{base}`; known: {}",
                    self.names().join(", ")
                ));
            }
        }
        let name = file
            .name
            .clone()
            .unwrap_or_else(|| fallback_name.to_string());
        self.themes.insert(name, file);
        Ok(())
    }

    pub fn names(&self) -> Vec<String> {
        self.themes.keys().cloned().collect()
    }

    /// The theme called `name` for a terminal of `depth`.
    pub fn resolve(&self, name: &str, depth: ColorDepth) -> Result<Theme, String> {
        let file = self.themes.get(name).ok_or_else(|| {
            format!(
                "unknown theme `{name}`; available: {}",
                self.names().join(", ")
            )
        })?;
        let mut slots = file.slots.clone();
        // Follow `extends` (at most a few levels; a cycle just stops), then the default.
        let mut base_name = file.extends.clone();
        let mut seen = vec![name.to_string()];
        while let Some(b) = base_name.take() {
            if seen.contains(&b) {
                break;
            }
            if let Some(base) = self.themes.get(&b) {
                slots = slots.over(&base.slots);
                base_name = base.extends.clone();
            }
            seen.push(b);
        }
        if let Some(default) = self.themes.get(DEFAULT_THEME) {
            slots = slots.over(&default.slots);
        }
        Ok(Theme::build(name, &slots, depth))
    }
}

/// A theme resolved for one terminal: a `Style` per slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub depth: ColorDepth,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub ok: Style,
    pub warning: Style,
    pub critical: Style,
    pub silenced: Style,
    pub acknowledged: Style,
    pub stale: Style,
    pub key_hint: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selection: Style,
    pub header: Style,
    pub demo: Style,
    pub series: Vec<Style>,
}

impl Theme {
    fn build(name: &str, s: &SlotSpecs, depth: ColorDepth) -> Theme {
        let fg = |spec: Option<ColorSpec>, fallback: Modifier| match spec
            .and_then(|c| c.at_depth(depth))
        {
            Some(c) => Style::new().fg(c),
            None if depth == ColorDepth::None => Style::new().add_modifier(fallback),
            None => Style::new(),
        };
        let bg = |spec: Option<ColorSpec>, fallback: Modifier| {
            match spec.and_then(|c| c.at_depth(depth)) {
                // On 16 colours a dark background slot maps to black, which a black terminal
                // would hide; reverse video always shows.
                Some(_) if depth == ColorDepth::Ansi16 && fallback == Modifier::REVERSED => {
                    Style::new().add_modifier(Modifier::REVERSED)
                }
                Some(c) => Style::new().bg(c),
                None if depth == ColorDepth::None => Style::new().add_modifier(fallback),
                None => Style::new(),
            }
        };
        let none = Modifier::empty();
        let series: Vec<Style> = match (&s.series, depth) {
            (_, ColorDepth::None) => vec![Style::new()],
            (Some(list), _) if !list.is_empty() => list
                .iter()
                .map(|c| {
                    c.at_depth(depth)
                        .map(|c| Style::new().fg(c))
                        .unwrap_or_default()
                })
                .collect(),
            _ => vec![Style::new()],
        };
        Theme {
            name: name.to_string(),
            depth,
            text: fg(s.text, none),
            muted: fg(s.muted, Modifier::DIM),
            accent: fg(s.accent, Modifier::BOLD).add_modifier(Modifier::BOLD),
            ok: fg(s.ok, none),
            warning: fg(s.warning, Modifier::BOLD | Modifier::UNDERLINED),
            critical: fg(s.critical, Modifier::BOLD | Modifier::REVERSED)
                .add_modifier(Modifier::BOLD),
            silenced: fg(s.silenced, Modifier::DIM | Modifier::ITALIC),
            acknowledged: fg(s.acknowledged, Modifier::ITALIC),
            stale: fg(s.stale, Modifier::ITALIC).add_modifier(Modifier::ITALIC),
            key_hint: fg(s.key_hint, Modifier::BOLD).add_modifier(Modifier::BOLD),
            border: fg(s.border, Modifier::DIM),
            border_focus: fg(s.border_focus, Modifier::BOLD).add_modifier(Modifier::BOLD),
            selection: bg(s.selection, Modifier::REVERSED),
            header: bg(s.header, none),
            demo: bg(s.demo, Modifier::REVERSED).add_modifier(Modifier::BOLD),
            series,
        }
    }

    /// The style of a value judged against thresholds.
    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Ok => self.ok,
            Level::Warning => self.warning,
            Level::Critical => self.critical,
        }
    }

    /// The colour of the `i`th series of a panel; cycles through the palette.
    pub fn series(&self, i: usize) -> Style {
        self.series
            .get(i % self.series.len().max(1))
            .copied()
            .unwrap_or_default()
    }

    /// The default theme at full colour, for tests and as a last resort.
    pub fn fallback() -> Theme {
        ThemeSet::embedded()
            .resolve(DEFAULT_THEME, ColorDepth::TrueColor)
            .unwrap_or_else(|_| {
                Theme::build(DEFAULT_THEME, &SlotSpecs::default(), ColorDepth::TrueColor)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_themes_parse_and_fill_every_slot() {
        for (name, text) in EMBEDDED {
            let file: ThemeFile = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(file.name.as_deref(), Some(name));
            let s = &file.slots;
            for (slot, v) in [
                ("text", s.text),
                ("muted", s.muted),
                ("accent", s.accent),
                ("ok", s.ok),
                ("warning", s.warning),
                ("critical", s.critical),
                ("silenced", s.silenced),
                ("acknowledged", s.acknowledged),
                ("stale", s.stale),
                ("key_hint", s.key_hint),
                ("border", s.border),
                ("border_focus", s.border_focus),
                ("selection", s.selection),
                ("header", s.header),
                ("demo", s.demo),
            ] {
                assert!(v.is_some(), "{name} lacks {slot}");
            }
            assert!(
                s.series.as_ref().is_some_and(|l| l.len() >= 6),
                "{name} series"
            );
        }
        let set = ThemeSet::embedded();
        assert_eq!(
            set.names(),
            vec!["colorblind", "dark", "high-contrast", "light"]
        );
    }

    #[test]
    fn depth_detection() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            ColorDepth::detect(env(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])),
            ColorDepth::None
        );
        assert_eq!(
            ColorDepth::detect(env(&[("NO_COLOR", ""), ("TERM", "xterm")])),
            ColorDepth::Ansi16
        );
        assert_eq!(
            ColorDepth::detect(env(&[("COLORTERM", "24bit")])),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::detect(env(&[("TERM", "tmux-256color")])),
            ColorDepth::Ansi256
        );
        assert_eq!(
            ColorDepth::detect(env(&[("TERM", "dumb")])),
            ColorDepth::None
        );
    }

    #[test]
    fn colours_degrade_to_the_nearest_available() {
        let red = ColorSpec::parse("#ff5f5f").unwrap();
        assert_eq!(
            red.at_depth(ColorDepth::TrueColor),
            Some(Color::Rgb(255, 95, 95))
        );
        assert_eq!(red.at_depth(ColorDepth::Ansi256), Some(Color::Indexed(203)));
        assert_eq!(red.at_depth(ColorDepth::Ansi16), Some(Color::LightRed));
        assert_eq!(red.at_depth(ColorDepth::None), None);
        let at16 = |hex: &str| ColorSpec::parse(hex).unwrap().at_depth(ColorDepth::Ansi16);
        assert_eq!(at16("#5fd75f"), Some(Color::LightGreen));
        assert_eq!(at16("#ffaf00"), Some(Color::Yellow));
        assert_eq!(at16("#d7af5f"), Some(Color::LightYellow));
        assert_eq!(at16("#d55e00"), Some(Color::Red));
        assert_eq!(at16("#0072b2"), Some(Color::Cyan));
        assert_eq!(at16("#303a4a"), Some(Color::DarkGray));
        assert_eq!(at16("#1c1c1c"), Some(Color::Black));
        assert_eq!(at16("#8a8a8a"), Some(Color::DarkGray));
        assert_eq!(
            ColorSpec::parse("208")
                .unwrap()
                .at_depth(ColorDepth::Ansi256),
            Some(Color::Indexed(208))
        );
        assert_eq!(
            ColorSpec::parse("light-red").unwrap(),
            ColorSpec::Named(Color::LightRed)
        );
        assert!(ColorSpec::parse("#12345").is_err());
        assert!(ColorSpec::parse("chartreuse")
            .unwrap_err()
            .contains("unknown colour"));
    }

    #[test]
    fn no_color_keeps_states_apart_with_modifiers() {
        let t = ThemeSet::embedded()
            .resolve("dark", ColorDepth::None)
            .unwrap();
        let styles = [t.ok, t.warning, t.critical, t.stale];
        for (i, a) in styles.iter().enumerate() {
            assert_eq!(a.fg, None);
            for b in &styles[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert!(t.selection.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn user_theme_extends_and_overrides() {
        let mut set = ThemeSet::embedded();
        set.add(
            "mine",
            "extends = \"light\"\n[slots]\ncritical = \"#ff0000\"\n",
        )
        .unwrap();
        let t = set.resolve("mine", ColorDepth::TrueColor).unwrap();
        assert_eq!(t.critical.fg, Some(Color::Rgb(255, 0, 0)));
        let light = set.resolve("light", ColorDepth::TrueColor).unwrap();
        assert_eq!(t.ok, light.ok);
        let err = set.add("bad", "[slots]\ncritcal = \"red\"\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(set
            .add("bad", "extends = \"nope\"\n")
            .unwrap_err()
            .contains("unknown theme"));
        assert!(set
            .resolve("nope", ColorDepth::TrueColor)
            .unwrap_err()
            .contains("available"));
    }
}
