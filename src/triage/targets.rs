//! The platform's response targets (its on-call procedure: critical 5 minutes to acknowledge
//! and 1 hour to resolve, high 15 minutes and 4 hours, warning a business day and a week),
//! configurable, and how much of them an incident has left.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{Incident, IncidentStatus, Urgency};

/// How pressing an incident is, for its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Critical,
    High,
    Warning,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::High => "high",
            Tier::Warning => "warning",
        }
    }

    /// An incident's tier: its priority when the account uses them (P1/SEV1, P2/SEV2), else
    /// its urgency (high is critical, low is warning).
    pub fn of(i: &Incident) -> Tier {
        let priority = i
            .priority
            .as_ref()
            .map(|p| p.summary.to_ascii_uppercase().replace(['-', ' '], ""));
        match priority.as_deref() {
            Some("P1" | "SEV1" | "CRITICAL") => Tier::Critical,
            Some("P2" | "SEV2" | "HIGH") => Tier::High,
            Some(_) => Tier::Warning,
            None if i.urgency == Urgency::High => Tier::Critical,
            None => Tier::Warning,
        }
    }
}

/// Time to acknowledge and to resolve, for one tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub ack: Duration,
    pub resolve: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub critical: Target,
    pub high: Target,
    pub warning: Target,
}

impl Default for Targets {
    fn default() -> Targets {
        let m = |n: u64| Duration::from_secs(n * 60);
        Targets {
            critical: Target {
                ack: m(5),
                resolve: m(60),
            },
            high: Target {
                ack: m(15),
                resolve: m(4 * 60),
            },
            // "Next business day" is a day here; a week to resolve.
            warning: Target {
                ack: m(24 * 60),
                resolve: m(7 * 24 * 60),
            },
        }
    }
}

/// Where an incident stands against its next target.
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    /// To acknowledge (triggered) or to resolve (acknowledged) within this many ms; negative
    /// when late. `share_left` is what is left of the target, 0.0 to 1.0.
    Ack {
        left_ms: i64,
        share_left: f64,
    },
    Resolve {
        left_ms: i64,
        share_left: f64,
    },
    /// Resolved: nothing is due.
    Done,
}

impl Targets {
    pub fn for_tier(&self, tier: Tier) -> Target {
        match tier {
            Tier::Critical => self.critical,
            Tier::High => self.high,
            Tier::Warning => self.warning,
        }
    }

    /// The target an incident is working against now.
    pub fn due(&self, i: &Incident, now: DateTime<Utc>) -> Due {
        let t = self.for_tier(Tier::of(i));
        let left = |within: Duration| {
            let ms = i64::try_from(within.as_millis()).unwrap_or(i64::MAX);
            let gone = (now - i.created_at).num_milliseconds();
            (
                ms - gone,
                ((ms - gone) as f64 / ms.max(1) as f64).clamp(0.0, 1.0),
            )
        };
        match i.status {
            IncidentStatus::Triggered => {
                let (left_ms, share_left) = left(t.ack);
                Due::Ack {
                    left_ms,
                    share_left,
                }
            }
            IncidentStatus::Acknowledged => {
                let (left_ms, share_left) = left(t.resolve);
                Due::Resolve {
                    left_ms,
                    share_left,
                }
            }
            _ => Due::Done,
        }
    }
}

/// `ack 3m`, `resolve 47m`, `ack late 2m`: the next target in a few cells.
pub fn short(due: &Due) -> String {
    let (what, left) = match due {
        Due::Ack { left_ms, .. } => ("ack", *left_ms),
        Due::Resolve { left_ms, .. } => ("res", *left_ms),
        Due::Done => return String::new(),
    };
    let span = |ms: i64| {
        let s = (ms / 1000).max(0);
        match s {
            0..=59 => format!("{s}s"),
            60..=3599 => format!("{}m", s / 60),
            3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
            _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
        }
    };
    if left < 0 {
        format!("{what} late {}", span(-left))
    } else {
        format!("{what} {}", span(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-01-15T12:00:00Z".parse().unwrap()
    }

    fn incident(status: &str, urgency: &str, priority: Option<&str>, age_min: i64) -> Incident {
        let created = now() - chrono::Duration::minutes(age_min);
        serde_json::from_value(serde_json::json!({
            "id": "P1", "incident_number": 1, "title": "t", "status": status, "urgency": urgency,
            "created_at": created.to_rfc3339(),
            "priority": priority.map(|p| serde_json::json!({"id": "PR", "summary": p})),
        }))
        .unwrap()
    }

    #[test]
    fn tiers_and_what_is_left() {
        let t = Targets::default();
        let now = now();
        let crit = incident("triggered", "high", None, 3);
        assert_eq!(Tier::of(&crit), Tier::Critical);
        let Due::Ack { left_ms, .. } = t.due(&crit, now) else {
            panic!()
        };
        assert_eq!(left_ms, 120_000);
        assert_eq!(short(&t.due(&crit, now)), "ack 2m");
        let late = incident("triggered", "high", None, 8);
        assert_eq!(short(&t.due(&late, now)), "ack late 3m");
        let p2 = incident("acknowledged", "high", Some("P2"), 60);
        assert_eq!(Tier::of(&p2), Tier::High);
        assert_eq!(short(&t.due(&p2, now)), "res 3h00m");
        assert_eq!(
            Tier::of(&incident("triggered", "low", None, 0)),
            Tier::Warning
        );
        assert_eq!(
            t.due(&incident("resolved", "high", None, 0), now),
            Due::Done
        );
    }
}
