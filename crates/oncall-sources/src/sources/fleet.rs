//! Several Alertmanagers seen as one: alerts are queried on every member and
//! merged by fingerprint, silences merged by ID, and a new silence is POSTed once per HA
//! cluster, trying its members in turn. Members of one cluster are found through
//! `/api/v2/status`: each reports its own peer name and the names of its peers.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};

use futures::future::join_all;

use crate::model::{Alert, Matcher, PostableSilence, Silence};
use crate::sources::alertmanager::{
    AlertQuery, AlertmanagerClient, AmStatus, ClusterState, ClusterStatus,
};
use crate::sources::transport::redact_url;
use crate::sources::{Endpoint, SourceError};

/// Per-member successes `(member, answer)` and failures `(member URL, error)`.
type Answers<T> = (Vec<(usize, T)>, Vec<(String, SourceError)>);

/// One client per configured Alertmanager, in config order.
#[derive(Debug, Clone)]
pub struct Fleet {
    members: Vec<AlertmanagerClient>,
}

/// What a read across the fleet found, and which members failed to answer.
#[derive(Debug)]
pub struct Gathered<T> {
    pub items: Vec<T>,
    /// `(member URL, error)` for each member that did not answer.
    pub failures: Vec<(String, SourceError)>,
}

/// An alert and how many members reported it (fewer than all is an HA fault worth showing).
#[derive(Debug, Clone)]
pub struct MergedAlert {
    pub alert: Alert,
    pub seen_on: usize,
}

/// Members that share silences, in config order, and what their status said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub members: Vec<usize>,
    /// Some member reported `settling`: its silences may still be incomplete.
    pub settling: bool,
}

impl Fleet {
    pub fn new(endpoints: &[Endpoint]) -> Result<Fleet, SourceError> {
        let members = endpoints
            .iter()
            .cloned()
            .map(AlertmanagerClient::new)
            .collect::<Result<_, _>>()?;
        Ok(Fleet { members })
    }

    /// A fleet of clients already made (the terminal UI holds its context's clients).
    pub fn from_clients(members: Vec<AlertmanagerClient>) -> Fleet {
        Fleet { members }
    }

    /// POST a silence to one HA cluster, trying its members in turn until one takes it, and
    /// read it back from that member. Connection failures, timeouts and 5xx move on to the
    /// next member; any other answer would be the same everywhere and is returned.
    pub async fn create_in_cluster(
        &self,
        members: &[usize],
        body: &PostableSilence,
    ) -> Result<(usize, Silence), SourceError> {
        let mut last: Option<SourceError> = None;
        for &member in members {
            let Some(client) = self.members.get(member) else {
                continue;
            };
            match client.create_silence(body).await {
                Ok(id) => return Ok((member, client.silence(&id).await?)),
                Err(e @ (SourceError::Connect { .. } | SourceError::Timeout { .. })) => {
                    last = Some(e)
                }
                Err(e) if e.status().is_some_and(|status| status >= 500) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| SourceError::Invalid {
            kind: crate::sources::SourceKind::Alertmanager,
            detail: "the cluster has no members".into(),
        }))
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn client(&self, member: usize) -> &AlertmanagerClient {
        &self.members[member]
    }

    /// The route tree of the first member that gives one.
    pub async fn route_tree(
        &self,
    ) -> Result<crate::model::route::RouteTree, crate::sources::alertmanager::RouteTreeError> {
        crate::sources::alertmanager::first_route_tree(&self.members).await
    }

    /// The member's URL without credentials, for messages.
    pub fn url(&self, member: usize) -> String {
        redact_url(&self.members[member].transport().endpoint().base_url)
    }

    /// Sort the members' answers (in member order) into successes and failures. All failing
    /// is an error (the first one); some failing is reported next to what the others said.
    fn split<T>(&self, results: Vec<Result<T, SourceError>>) -> Result<Answers<T>, SourceError> {
        let mut ok = Vec::new();
        let mut failures = Vec::new();
        for (i, r) in results.into_iter().enumerate() {
            match r {
                Ok(v) => ok.push((i, v)),
                Err(e) => failures.push((self.url(i), e)),
            }
        }
        if ok.is_empty() && !failures.is_empty() {
            let (_, first) = failures.swap_remove(0);
            return Err(first);
        }
        Ok((ok, failures))
    }

    /// Alerts from every member, one entry per fingerprint, in fingerprint order.
    pub async fn alerts(&self, q: &AlertQuery) -> Result<Gathered<MergedAlert>, SourceError> {
        let (answers, failures) =
            self.split(join_all(self.members.iter().map(|c| c.alerts(q))).await)?;
        Ok(Gathered {
            items: merge_alerts(answers.into_iter().map(|(_, a)| a).collect()),
            failures,
        })
    }

    /// Silences from every member (all of them, expired included), one entry per ID.
    pub async fn silences(&self, filter: &[Matcher]) -> Result<Gathered<Silence>, SourceError> {
        let (answers, failures) =
            self.split(join_all(self.members.iter().map(|c| c.silences(filter))).await)?;
        Ok(Gathered {
            items: merge_silences(answers.into_iter().map(|(_, s)| s).collect()),
            failures,
        })
    }

    /// The HA clusters among the members. Members whose status could not be read are left
    /// out and reported, since their cluster cannot be known.
    pub async fn clusters(
        &self,
    ) -> Result<(Vec<Cluster>, Vec<(String, SourceError)>), SourceError> {
        let (statuses, failures) =
            self.split(join_all(self.members.iter().map(|c| c.status())).await)?;
        let known: Vec<(usize, AmStatus)> = statuses;
        let groups = group_clusters(
            &known
                .iter()
                .map(|(_, s)| s.cluster.clone())
                .collect::<Vec<_>>(),
        );
        let clusters = groups
            .into_iter()
            .map(|g| Cluster {
                settling: g
                    .iter()
                    .any(|&k| known[k].1.cluster.status == ClusterState::Settling),
                members: g.into_iter().map(|k| known[k].0).collect(),
            })
            .collect();
        Ok((clusters, failures))
    }

    /// The first member that knows silence `id`, and the silence. Unknown everywhere is the
    /// 404 of the last member asked; a member that fails otherwise is skipped unless none
    /// answered at all.
    pub async fn find_silence(&self, id: &str) -> Result<(usize, Silence), SourceError> {
        let mut not_found: Option<SourceError> = None;
        let mut other: Option<SourceError> = None;
        for (i, client) in self.members.iter().enumerate() {
            match client.silence(id).await {
                Ok(s) => return Ok((i, s)),
                Err(e) if e.status() == Some(404) => not_found = Some(e),
                Err(e) if matches!(e, SourceError::Invalid { .. }) => return Err(e),
                Err(e) => other = other.or(Some(e)),
            }
        }
        // A member that could not be asked might hold it: that error says more than a 404.
        match (other, not_found) {
            (Some(e), _) | (None, Some(e)) => Err(e),
            (None, None) => Err(SourceError::Invalid {
                kind: crate::sources::SourceKind::Alertmanager,
                detail: "no Alertmanager is configured".into(),
            }),
        }
    }
}

/// Merge per-member alert lists: one alert per fingerprint (the first member's copy),
/// ordered by fingerprint as Alertmanager orders them.
pub fn merge_alerts(per_member: Vec<Vec<Alert>>) -> Vec<MergedAlert> {
    merge_by_fingerprint(per_member)
        .into_iter()
        .map(|(alert, seen_on)| MergedAlert { alert, seen_on })
        .collect()
}

/// [`merge_alerts`] for any handle to an alert (the terminal UI holds `Arc<Alert>`, so a
/// merge shares the alerts instead of copying them): `(alert, members that reported it)`.
pub fn merge_by_fingerprint<A: Borrow<Alert>>(per_member: Vec<Vec<A>>) -> Vec<(A, usize)> {
    if per_member.len() == 1 {
        // One Alertmanager: its list is sorted by fingerprint, and unique except for a moment
        // under load after an update, when 0.25 has been seen listing the old and the new
        // version side by side: keep the newer.
        let mut alerts: Vec<A> = per_member.into_iter().flatten().collect();
        alerts.dedup_by(|later, earlier| {
            let (l, e): (&Alert, &Alert) = ((*later).borrow(), (*earlier).borrow());
            if l.fingerprint != e.fingerprint {
                return false;
            }
            if l.updated_at > e.updated_at {
                std::mem::swap(later, earlier);
            }
            true
        });
        return alerts.into_iter().map(|a| (a, 1)).collect();
    }
    let mut by_fingerprint: BTreeMap<String, (A, usize)> = BTreeMap::new();
    for alerts in per_member {
        for alert in alerts {
            by_fingerprint
                .entry(alert.borrow().fingerprint.clone())
                .and_modify(|m| m.1 += 1)
                .or_insert((alert, 1));
        }
    }
    by_fingerprint.into_values().collect()
}

/// Merge per-member silence lists: one per ID, keeping the most recently updated copy (a
/// peer may not have the latest gossip yet).
pub fn merge_silences(per_member: Vec<Vec<Silence>>) -> Vec<Silence> {
    let mut by_id: HashMap<String, Silence> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for silences in per_member {
        for s in silences {
            match by_id.get_mut(&s.id) {
                Some(existing) if existing.updated_at >= s.updated_at => {}
                Some(existing) => *existing = s,
                None => {
                    order.push(s.id.clone());
                    by_id.insert(s.id.clone(), s);
                }
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect()
}

/// Group members into clusters: two members are in one cluster when either lists the other
/// among its peers. `statuses[k]` is member k's cluster status; groups keep member order.
pub fn group_clusters(statuses: &[ClusterStatus]) -> Vec<Vec<usize>> {
    let n = statuses.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..n {
        for j in (i + 1)..n {
            if same_cluster(&statuses[i], &statuses[j]) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[b.max(a)] = a.min(b);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

fn same_cluster(a: &ClusterStatus, b: &ClusterStatus) -> bool {
    if a.status == ClusterState::Disabled || b.status == ClusterState::Disabled {
        return false;
    }
    let lists = |x: &ClusterStatus, y: &ClusterStatus| {
        y.name
            .as_deref()
            .is_some_and(|name| x.peers.iter().any(|p| p.name == name))
    };
    // The same peer name twice means the same Alertmanager reached through two URLs.
    let same_node = a.name.is_some() && a.name == b.name;
    same_node || lists(a, b) || lists(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::alertmanager::Peer;

    fn status(name: &str, peers: &[&str]) -> ClusterStatus {
        ClusterStatus {
            name: Some(name.into()),
            status: ClusterState::Ready,
            peers: peers
                .iter()
                .map(|p| Peer {
                    name: p.to_string(),
                    address: format!("{p}:9094"),
                })
                .collect(),
        }
    }

    #[test]
    fn peers_form_one_cluster_and_standalones_their_own() {
        let statuses = vec![
            status("A", &["A", "B"]),
            ClusterStatus::default(), // clustering disabled
            status("B", &["B", "A"]),
            status("C", &["C"]),
        ];
        assert_eq!(
            group_clusters(&statuses),
            vec![vec![0, 2], vec![1], vec![3]]
        );
    }

    #[test]
    fn a_peer_that_has_not_seen_the_other_yet_still_joins_through_it() {
        // C lists A; A does not list C yet (gossip in progress).
        let statuses = vec![status("A", &["A"]), status("C", &["C", "A"])];
        assert_eq!(group_clusters(&statuses), vec![vec![0, 1]]);
    }

    fn alert(fp: &str) -> Alert {
        serde_json::from_value(serde_json::json!({
            "labels": {"alertname": fp}, "annotations": {}, "receivers": [],
            "fingerprint": fp, "startsAt": "2026-08-20T10:00:00Z", "updatedAt": "2026-08-20T10:00:00Z",
            "endsAt": "2026-08-20T11:00:00Z", "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        }))
        .unwrap()
    }

    #[test]
    fn one_alertmanager_listing_an_alert_twice_keeps_the_newer_copy() {
        let mut old = alert("a");
        let mut new = alert("a");
        old.annotations.insert("summary".into(), "old".into());
        new.annotations.insert("summary".into(), "new".into());
        new.updated_at += chrono::Duration::seconds(5);
        let merged = merge_by_fingerprint(vec![vec![old, new, alert("b")]]);
        let got: Vec<(&str, Option<&str>)> = merged
            .iter()
            .map(|(a, _)| (a.fingerprint.as_str(), a.summary()))
            .collect();
        assert_eq!(got, [("a", Some("new")), ("b", None)]);
    }

    #[test]
    fn alerts_merge_by_fingerprint_and_count_where_seen() {
        let merged = merge_alerts(vec![vec![alert("b"), alert("a")], vec![alert("a")], vec![]]);
        let got: Vec<(&str, usize)> = merged
            .iter()
            .map(|m| (m.alert.fingerprint.as_str(), m.seen_on))
            .collect();
        assert_eq!(got, [("a", 2), ("b", 1)]);
    }

    #[test]
    fn silences_merge_by_id_keeping_the_newest_copy() {
        let s = |id: &str, updated: &str, comment: &str| -> Silence {
            serde_json::from_value(serde_json::json!({
                "id": id, "matchers": [{"name": "a", "value": "b", "isRegex": false}],
                "startsAt": "2026-08-20T10:00:00Z", "endsAt": "2026-08-20T11:00:00Z",
                "createdBy": "x", "comment": comment, "status": {"state": "active"}, "updatedAt": updated
            }))
            .unwrap()
        };
        let merged = merge_silences(vec![
            vec![
                s("1", "2026-08-20T10:00:00Z", "old"),
                s("2", "2026-08-20T10:00:00Z", "two"),
            ],
            vec![s("1", "2026-08-20T10:05:00Z", "new")],
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].comment, "new");
        assert_eq!(merged[1].id, "2");
    }
}
