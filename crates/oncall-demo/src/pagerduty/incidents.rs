//! PagerDuty's side of the platform: who is on the rota, the incidents, and how they follow
//! Alertmanager's paging groups (one incident per group, opened and resolved as the Events
//! API integration would), with the acknowledgement timeout.

use serde_json::{json as json_macro, Value};

use crate::alertmanager::{format_label_set, AmAlert, PAGING_RECEIVER};
use crate::promql::Labels;
use crate::signals::mix;
/// One dedup key for the demo and the client that matches incidents to alerts.
pub use oncall_sources::model::group_key::dedup_key;

/// A service's `acknowledgement_timeout`: an ack older than this re-triggers the incident.
pub const ACK_TIMEOUT_MS: i64 = 1_800_000;

pub(super) struct UserDef {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) email: &'static str,
    pub(super) time_zone: &'static str,
}

/// `USERS[0]` is the token's user (`users/me`), on call at level 1.
pub(super) const USERS: [UserDef; 3] = [
    UserDef {
        id: "PDEMO01",
        name: "Demo On-Call",
        email: "oncall@mycrypto.example",
        time_zone: "Europe/Istanbul",
    },
    UserDef {
        id: "PDEMO02",
        name: "Sam Rivera",
        email: "sam.rivera@mycrypto.example",
        time_zone: "Europe/Istanbul",
    },
    UserDef {
        id: "PDEMO03",
        name: "Priya Natarajan",
        email: "priya.natarajan@mycrypto.example",
        time_zone: "Europe/London",
    },
];

/// `(id, name)`: where Alertmanager's pages land, and a cron monitor's.
pub(super) const SERVICES: [(&str, &str); 2] = [
    ("PSVCAM1", "Platform (Alertmanager)"),
    ("PSVCBJ1", "Batch Jobs"),
];
pub(super) const ESCALATION_POLICY: (&str, &str) = ("PEPLAT1", "Platform On-Call");
pub(super) const TEAM: (&str, &str) = ("PTEAMP1", "Platform");
pub(super) const SCHEDULES: [(&str, &str); 2] = [
    ("PSCHPRI", "Platform Primary"),
    ("PSCHSEC", "Platform Secondary"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Triggered,
    Acknowledged,
    Resolved,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Status::Triggered => "triggered",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct PdAlert {
    pub(super) id: String,
    pub(super) summary: String,
    pub(super) status: Status,
    pub(super) created_at: i64,
    pub(super) details: Value,
}

#[derive(Debug, Clone)]
pub(super) struct Incident {
    pub(super) id: String,
    pub(super) number: u64,
    pub(super) title: String,
    pub(super) status: Status,
    pub(super) urgency: &'static str,
    pub(super) service: usize,
    pub(super) created_at: i64,
    pub(super) last_status_change_at: i64,
    /// `(user index, at)`.
    pub(super) last_status_change_by: Option<usize>,
    pub(super) incident_key: Option<String>,
    pub(super) assignments: Vec<(usize, i64)>,
    pub(super) acknowledgements: Vec<(usize, i64)>,
    pub(super) alerts: Vec<PdAlert>,
    pub(super) resolution: Option<String>,
    /// `(user index, at, content)`, oldest first.
    pub(super) notes: Vec<(usize, i64, String)>,
    /// `(user index, at, seconds)` of each snooze.
    pub(super) snoozes: Vec<(usize, i64, u64)>,
    /// `(user index, at, level)` of each escalation asked for.
    pub(super) escalations: Vec<(usize, i64, u32)>,
}

impl Incident {
    pub(super) fn reference_summary(&self) -> String {
        format!("[#{}] {}", self.number, self.title)
    }
}

pub struct PdState {
    pub(super) incidents: Vec<Incident>,
    next_number: u64,
    seed: u64,
    anchor: i64,
    /// Whether the first sync with Alertmanager has happened (it sets the scene).
    synced: bool,
}

fn incident_id(seed: u64, number: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let mut h = mix(seed ^ number.wrapping_mul(0x9e37));
    let mut id = String::from("Q");
    for _ in 0..6 {
        id.push(ALPHABET[(h % ALPHABET.len() as u64) as usize] as char);
        h /= ALPHABET.len() as u64;
    }
    id
}

/// An incident from before the demo started.
pub(super) struct Past {
    title: &'static str,
    urgency: &'static str,
    service: usize,
    created: i64,
    resolved: Option<i64>,
    group_key: Option<&'static str>,
}

impl PdState {
    /// The incidents that predate the demo: a resolved page from yesterday and two from a
    /// cron monitor (one resolved, one still open and low urgency).
    pub fn new(seed: u64, anchor: i64) -> PdState {
        let min = 60_000;
        let mut s = PdState {
            incidents: Vec::new(),
            next_number: 1038,
            seed,
            anchor,
            synced: false,
        };
        let history = [
            Past {
                title: "[FIRING:1] DatabaseReplicationLagCritical (postgres-replica:9187 postgres-exporter critical)",
                urgency: "high",
                service: 0,
                created: anchor - 30 * 60 * min,
                resolved: Some(anchor - 30 * 60 * min + 22 * min),
                group_key: Some("{}/{severity=\"critical\"}:{alertname=\"DatabaseReplicationLagCritical\"}"),
            },
            Past {
                title: "Backup verification job backup-verify-28739 failed",
                urgency: "low",
                service: 1,
                created: anchor - 9 * 60 * min,
                resolved: Some(anchor - 8 * 60 * min),
                group_key: None,
            },
            Past {
                title: "KYC document OCR sync job kyc-ocr-sync-28736 failed",
                urgency: "low",
                service: 1,
                created: anchor - 183 * min,
                resolved: None,
                group_key: None,
            },
        ];
        for Past {
            title,
            urgency,
            service,
            created,
            resolved,
            group_key,
        } in history
        {
            let number = s.take_number();
            let mut incident = Incident {
                id: incident_id(seed, number),
                number,
                title: title.to_string(),
                status: Status::Triggered,
                urgency,
                service,
                created_at: created,
                last_status_change_at: created,
                last_status_change_by: None,
                incident_key: group_key.map(dedup_key),
                assignments: vec![(0, created)],
                acknowledgements: Vec::new(),
                alerts: vec![PdAlert {
                    id: format!("{}A", incident_id(seed, number)),
                    summary: title.to_string(),
                    status: Status::Triggered,
                    created_at: created,
                    details: json_macro!({ "source": if service == 0 { "alertmanager" } else { "cronitor" } }),
                }],
                resolution: None,
                notes: Vec::new(),
                snoozes: Vec::new(),
                escalations: Vec::new(),
            };
            if let Some(at) = resolved {
                incident.status = Status::Resolved;
                incident.last_status_change_at = at;
                incident.assignments.clear();
                incident.alerts[0].status = Status::Resolved;
            }
            s.incidents.push(incident);
        }
        s
    }

    fn take_number(&mut self) -> u64 {
        let n = self.next_number;
        self.next_number += 1;
        n
    }

    /// Bring incidents up to date with Alertmanager's paging groups at `now`, and apply
    /// acknowledgement timeouts.
    pub(super) fn sync(&mut self, alerts: &[AmAlert], now: i64) {
        for i in self.incidents.iter_mut() {
            if i.status == Status::Acknowledged {
                let last_ack = i
                    .acknowledgements
                    .iter()
                    .map(|a| a.1)
                    .max()
                    .unwrap_or(i.last_status_change_at);
                if now >= last_ack + ACK_TIMEOUT_MS {
                    i.status = Status::Triggered;
                    i.last_status_change_at = last_ack + ACK_TIMEOUT_MS;
                    i.last_status_change_by = None;
                    i.acknowledgements.clear();
                }
            }
        }
        let mut groups: Vec<(String, Vec<&AmAlert>)> = Vec::new();
        for a in alerts.iter().filter(|a| a.receiver == PAGING_RECEIVER) {
            let key = a.group_key();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(a),
                None => groups.push((key, vec![a])),
            }
        }
        // Oldest first, so incident numbers follow the order the pages went out.
        groups.sort_by_key(|(key, members)| {
            (
                members.iter().map(|a| a.starts_at).min().unwrap_or(0),
                key.clone(),
            )
        });
        for (key, members) in &groups {
            let dedup = dedup_key(key);
            let firing: Vec<&&AmAlert> = members.iter().filter(|a| !a.suppressed()).collect();
            let exists = self
                .incidents
                .iter()
                .any(|i| i.incident_key.as_deref() == Some(dedup.as_str()));
            if exists || firing.is_empty() {
                continue;
            }
            let created = firing.iter().map(|a| a.starts_at).min().unwrap_or(now);
            let number = self.take_number();
            let id = incident_id(self.seed, number);
            let title = page_title(members);
            let mut incident = Incident {
                id: id.clone(),
                number,
                title: title.clone(),
                status: Status::Triggered,
                urgency: "high",
                service: 0,
                created_at: created,
                last_status_change_at: created,
                last_status_change_by: None,
                incident_key: Some(dedup),
                assignments: vec![(0, created)],
                acknowledgements: Vec::new(),
                alerts: vec![PdAlert {
                    id: format!("{id}A"),
                    summary: title,
                    status: Status::Triggered,
                    created_at: created,
                    details: alertmanager_details(members),
                }],
                resolution: None,
                notes: Vec::new(),
                snoozes: Vec::new(),
                escalations: Vec::new(),
            };
            // Before the demo began, the on-call engineer had acknowledged the pool page.
            let acked_at = self.anchor - 6 * 60_000;
            if !self.synced
                && members.iter().any(|a| {
                    a.labels.get("alertname").map(String::as_str)
                        == Some("DatabaseConnectionPoolExhausted")
                })
                && created < acked_at
            {
                incident.status = Status::Acknowledged;
                incident.acknowledgements.push((0, acked_at));
                incident.last_status_change_at = acked_at;
                incident.last_status_change_by = Some(0);
            }
            self.incidents.push(incident);
        }
        // Groups whose alerts all resolved: Alertmanager sends a resolve event.
        for i in self
            .incidents
            .iter_mut()
            .filter(|i| i.service == 0 && i.status != Status::Resolved)
        {
            let Some(key) = i.incident_key.clone() else {
                continue;
            };
            let still_there = groups.iter().any(|(k, _)| dedup_key(k) == key);
            if !still_there {
                i.status = Status::Resolved;
                i.last_status_change_at = now;
                i.last_status_change_by = None;
                i.assignments.clear();
                for a in i.alerts.iter_mut() {
                    a.status = Status::Resolved;
                }
            }
        }
        self.synced = true;
    }
}

/// Alertmanager's default PagerDuty description: `[FIRING:n] <group values> (<other common values>)`.
fn page_title(members: &[&AmAlert]) -> String {
    let group = members[0].group_labels();
    let mut common: Labels = members[0].labels.clone();
    for a in &members[1..] {
        common.retain(|k, v| a.labels.get(k) == Some(v));
    }
    let rest: Vec<&str> = common
        .iter()
        .filter(|(k, _)| !group.contains_key(*k))
        .map(|(_, v)| v.as_str())
        .collect();
    let values: Vec<&str> = group.values().map(String::as_str).collect();
    let mut title = format!("[FIRING:{}] {}", members.len(), values.join(" "));
    if !rest.is_empty() {
        title.push_str(&format!(" ({})", rest.join(" ")));
    }
    title
}

/// The custom details Alertmanager's PagerDuty integration sends by default.
fn alertmanager_details(members: &[&AmAlert]) -> Value {
    let mut firing = String::new();
    for a in members {
        firing.push_str("Labels:\n");
        for (k, v) in &a.labels {
            firing.push_str(&format!(" - {k} = {v}\n"));
        }
        firing.push_str("Annotations:\n");
        for (k, v) in &a.annotations {
            firing.push_str(&format!(" - {k} = {v}\n"));
        }
        firing.push_str(&format!("Source: {}\n", a.generator_url));
    }
    json_macro!({
        "firing": firing,
        "num_firing": members.len().to_string(),
        "num_resolved": "0",
        "resolved": "",
        "group_key": format_label_set(&members[0].group_labels()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_look_like_pagerdutys() {
        let id = incident_id(42, 1041);
        assert_eq!(id.len(), 7);
        assert!(id.starts_with('Q'));
        assert_eq!(id, incident_id(42, 1041));
        assert_ne!(id, incident_id(42, 1042));
    }
}
