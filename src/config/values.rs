//! Value types that check themselves while the TOML is read, so a bad value fails with the
//! file position and the key already attached by the TOML parser.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use url::Url;

use crate::duration::{parse_duration, DURATION_HINT};
use crate::secret::Secret;

/// An `http://` or `https://` URL of a backend, without credentials in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendUrl(pub Url);

impl BackendUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        // The text may carry a token in its query: messages quote it redacted.
        let shown = crate::sources::transport::redact_url_text(text);
        let url = Url::parse(text.trim()).map_err(|e| {
            format!("`{shown}` is not a URL ({e}); expected an http:// or https:// URL like \"http://localhost:9093\"")
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(format!("`{shown}` must start with http:// or https://"));
        }
        if url.password().is_some() {
            // A password in a URL ends up in shell history, `ps` and logs.
            return Err(
                "the URL holds a password; remove `user:password@` and set `username` and `password_file` instead"
                    .into(),
            );
        }
        Ok(BackendUrl(url))
    }
}

impl<'de> Deserialize<'de> for BackendUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        BackendUrl::parse(&text).map_err(de::Error::custom)
    }
}

/// A proxy URL: `http://`, `https://`, `socks5://` or `socks5h://`. It may hold credentials,
/// so it is kept as a string that becomes a `Secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(pub String);

impl ProxyUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text.trim()).map_err(|_| {
            "proxy_url is not a URL; expected something like \"socks5://127.0.0.1:1080\" or \"http://proxy:3128\""
                .to_string()
        })?;
        match url.scheme() {
            "http" | "https" | "socks5" | "socks5h" => Ok(ProxyUrl(text.trim().to_string())),
            other => Err(format!(
                "proxy_url scheme `{other}` is not supported; use http://, https://, socks5:// or socks5h://"
            )),
        }
    }

    /// Whether the URL carries a password (then it is an inline secret).
    pub fn has_password(&self) -> bool {
        Url::parse(&self.0)
            .map(|u| u.password().is_some())
            .unwrap_or(false)
    }
}

// Never print the proxy URL itself: it may carry `user:password@`.
impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProxyUrl(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for ProxyUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ProxyUrl::parse(&text).map_err(de::Error::custom)
    }
}

/// A duration written as a string: `"10s"`, `"1h30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigDuration(pub Duration);

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ConfigDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(DURATION_HINT)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                parse_duration(v).map(ConfigDuration).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Err(E::custom(format!(
                    "{v} has no unit; write it as a string with a unit, e.g. \"{v}s\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// A size in bytes: an integer, or a string with a unit (`"64MiB"`, `"500KB"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl ByteSize {
    pub fn parse(text: &str) -> Result<Self, String> {
        let s = text.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let number: u64 = number.parse().map_err(|_| {
            format!("`{text}` is not a size; expected bytes like 67108864 or \"64MiB\"")
        })?;
        let scale: u64 = match unit.trim() {
            "" | "B" => 1,
            "KB" | "kB" => 1_000,
            "KiB" => 1 << 10,
            "MB" => 1_000_000,
            "MiB" => 1 << 20,
            "GB" => 1_000_000_000,
            "GiB" => 1 << 30,
            other => {
                return Err(format!(
                    "`{text}` has an unknown unit `{other}`; use B, KB, KiB, MB, MiB, GB or GiB"
                ))
            }
        };
        number
            .checked_mul(scale)
            .and_then(|n| usize::try_from(n).ok())
            .map(ByteSize)
            .ok_or_else(|| format!("`{text}` is too large"))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size in bytes, like 67108864 or \"64MiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                usize::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("{v} is not a size in bytes")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                usize::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A command to run without a shell: a list of arguments, or one string split the way a
/// POSIX shell splits words (quotes and backslashes), with no expansion of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine(pub Vec<String>);

impl CommandLine {
    pub fn parse(text: &str) -> Result<Self, String> {
        let argv = shlex::split(text)
            .ok_or_else(|| format!("`{text}` has an unterminated quote or a trailing backslash"))?;
        CommandLine::from_argv(argv)
    }

    fn from_argv(argv: Vec<String>) -> Result<Self, String> {
        match argv.first() {
            Some(program) if !program.is_empty() => Ok(CommandLine(argv)),
            _ => Err("the command is empty; expected e.g. \"pass show pagerduty\" or [\"pass\", \"show\", \"pagerduty\"]".into()),
        }
    }
}

impl fmt::Display for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted: Vec<String> = self
            .0
            .iter()
            .map(|a| {
                shlex::try_quote(a)
                    .map(|q| q.into_owned())
                    .unwrap_or_else(|_| a.clone())
            })
            .collect();
        f.write_str(&quoted.join(" "))
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CommandLine;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command as a string (\"pass show pagerduty\") or a list ([\"pass\", \"show\", \"pagerduty\"])")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                CommandLine::parse(v).map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut argv = Vec::new();
                while let Some(arg) = seq.next_element::<String>()? {
                    argv.push(arg);
                }
                CommandLine::from_argv(argv).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A secret written inline in the config file (`password`, `bearer_token`, `token`, header
/// values). Only allowed when the file is private; see `ConfigError::ReadableSecret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineSecret(pub Secret);

impl<'de> Deserialize<'de> for InlineSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Err(de::Error::custom("the value is empty"));
        }
        Ok(InlineSecret(Secret::new(text)))
    }
}

/// `[ui] notify`: how a new critical alert is announced in the terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NotifyMode {
    /// Nothing (the default).
    #[default]
    Off,
    /// The terminal bell (BEL).
    Bell,
    /// A desktop notification with OSC 9 (iTerm2, kitty, WezTerm, Windows Terminal).
    Osc9,
    /// A desktop notification with OSC 777 (rxvt-unicode, foot, VTE terminals).
    Osc777,
}

impl NotifyMode {
    pub const NAMES: [&'static str; 4] = ["off", "bell", "osc9", "osc777"];

    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(NotifyMode::Off),
            "bell" => Ok(NotifyMode::Bell),
            "osc9" => Ok(NotifyMode::Osc9),
            "osc777" => Ok(NotifyMode::Osc777),
            _ => Err(format!(
                "`{}` is not a notification kind; expected one of \"off\", \"bell\", \"osc9\", \"osc777\"",
                crate::sanitize::one_line(text)
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyMode::Off => "off",
            NotifyMode::Bell => "bell",
            NotifyMode::Osc9 => "osc9",
            NotifyMode::Osc777 => "osc777",
        }
    }
}

impl<'de> Deserialize<'de> for NotifyMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        NotifyMode::parse(&text).map_err(de::Error::custom)
    }
}

/// One table, or an array of tables: `[contexts.x.alertmanagers]` or `[[contexts.x.alertmanagers]]`.
#[derive(Debug, Clone)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table, or an array of tables")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|one| OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_url_refuses_passwords_and_other_schemes() {
        assert!(BackendUrl::parse("http://prom:9090/prefix").is_ok());
        assert!(BackendUrl::parse("ftp://x")
            .unwrap_err()
            .contains("http://"));
        assert!(BackendUrl::parse("http://bob:pw@prom")
            .unwrap_err()
            .contains("password_file"));
        assert!(BackendUrl::parse("prom:9090").is_err());
    }

    #[test]
    fn command_line_splits_like_a_shell_without_running_one() {
        let c = CommandLine::parse(r#"pass show "pager duty" 'a b' c\ d $HOME"#).unwrap();
        assert_eq!(c.0, ["pass", "show", "pager duty", "a b", "c d", "$HOME"]);
        assert!(CommandLine::parse("pass show 'oops").is_err());
        assert!(CommandLine::parse("   ").is_err());
        assert_eq!(
            CommandLine::parse("op read 'op://x/y z'")
                .unwrap()
                .to_string(),
            "op read 'op://x/y z'"
        );
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(ByteSize::parse("64MiB"), Ok(ByteSize(64 << 20)));
        assert_eq!(ByteSize::parse("1000"), Ok(ByteSize(1000)));
        assert!(ByteSize::parse("12 parsecs").is_err());
    }

    #[test]
    fn notify_modes() {
        for name in NotifyMode::NAMES {
            assert_eq!(NotifyMode::parse(name).unwrap().as_str(), name);
        }
        assert_eq!(NotifyMode::parse(" OSC9 "), Ok(NotifyMode::Osc9));
        assert!(NotifyMode::parse("beep")
            .unwrap_err()
            .contains("\"osc777\""));
    }

    #[test]
    fn proxy_debug_hides_credentials() {
        let p = ProxyUrl::parse("http://u:secretpw@proxy:3128").unwrap();
        assert!(p.has_password());
        assert!(!format!("{p:?}").contains("secretpw"));
        assert!(ProxyUrl::parse("ftp://x").is_err());
    }
}
