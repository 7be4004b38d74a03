//! Nodes (node_exporter), containers (cAdvisor through the kubelet) and pods
//! (kube-state-metrics): node-3 feels the incident and fills its disk, node-4 runs the reindex.

use std::sync::Arc;

use super::{shape, Builder, Kind, PhaseShape, Shape, FOREVER};
use crate::signals::{diurnal, key_of, lerp, mix, wobble};

/// Kubernetes nodes: name, CPU share busy at peak, memory GiB, share of memory available.
const NODES: &[(&str, f64, f64, f64)] = &[
    ("node-1", 0.36, 32.0, 0.55),
    ("node-2", 0.46, 32.0, 0.48),
    ("node-3", 0.50, 32.0, 0.40),
    ("node-4", 0.30, 64.0, 0.62),
];

/// Pods: name, node, container, CPU cores at peak.
const PODS: &[(&str, &str, &str, f64)] = &[
    ("api-gateway-0", "node-1", "api-gateway", 0.9),
    ("api-gateway-1", "node-2", "api-gateway", 0.9),
    ("auth-service-0", "node-1", "auth-service", 0.6),
    ("auth-service-1", "node-2", "auth-service", 0.6),
    ("wallet-service-0", "node-2", "wallet-service", 0.5),
    ("wallet-service-1", "node-3", "wallet-service", 0.5),
    ("trading-engine-0", "node-1", "trading-engine", 1.2),
    ("trading-engine-1", "node-3", "trading-engine", 1.2),
    ("matching-engine-0", "node-3", "matching-engine", 1.8),
    ("kyc-service-0", "node-2", "kyc-service", 0.2),
    ("redis-master-0", "node-4", "redis", 0.7),
    ("ledger-reindex-28741", "node-4", "reindex", 3.2),
];

impl Builder {
    pub(super) fn nodes(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        for &(node, busy, mem_gib, avail) in NODES {
            let instance = format!("{node}:9100");
            let target = self.target("node-exporter", &instance, None);
            let node_key = mix(key_of(node) ^ seed);
            let incident_node = node == "node-3";
            let reindex_node = node == "node-4";
            let usage = move |t: f64| -> f64 {
                let mut u = busy
                    * (0.75 + 0.25 * diurnal(t, 15.0, 0.55))
                    * (1.0 + 0.08 * wobble(node_key, t));
                if incident_node {
                    u += 0.18 * tl.wallet_latency(t);
                }
                if reindex_node {
                    u = lerp(u, 0.88 + 0.02 * wobble(node_key ^ 1, t), tl.reindex(t));
                }
                u.clamp(0.02, 0.99)
            };
            let release = "6.1.0-28-amd64";
            self.gauge(
                target,
                "node_uname_info",
                &[
                    ("nodename", node),
                    ("sysname", "Linux"),
                    ("release", release),
                    ("machine", "x86_64"),
                ],
                0.0,
                |_| 1.0,
            );
            for cpu in 0..4 {
                let cpu_text = cpu.to_string();
                let cpu_key = mix(node_key ^ cpu as u64);
                for (mode, share) in [
                    ("idle", 0.0),
                    ("user", 0.68),
                    ("system", 0.22),
                    ("iowait", 0.05),
                    ("softirq", 0.03),
                    ("steal", 0.02),
                ] {
                    let f = move |t: f64| -> f64 {
                        let u = (usage(t) * (1.0 + 0.05 * wobble(cpu_key, t))).clamp(0.0, 1.0);
                        if mode == "idle" {
                            1.0 - u
                        } else {
                            u * share
                        }
                    };
                    let level = if mode == "idle" {
                        1.0 - busy
                    } else {
                        busy * share
                    };
                    self.counter(
                        target,
                        "node_cpu_seconds_total",
                        &[("cpu", &cpu_text), ("mode", mode)],
                        level,
                        f,
                    );
                }
            }
            let total = mem_gib * 1024.0 * 1024.0 * 1024.0;
            let available = move |t: f64| -> f64 {
                let mut a = avail
                    * (1.0 - 0.06 * diurnal(t, 15.0, 0.55))
                    * (1.0 + 0.02 * wobble(node_key ^ 2, t));
                if incident_node {
                    a -= 0.08 * tl.wallet_latency(t);
                }
                total * a
            };
            self.gauge(target, "node_memory_MemTotal_bytes", &[], 0.0, move |_| {
                total
            });
            self.gauge(
                target,
                "node_memory_MemAvailable_bytes",
                &[],
                0.002,
                available,
            );
            self.gauge(target, "node_memory_MemFree_bytes", &[], 0.004, move |t| {
                available(t) * 0.35
            });
            self.gauge(target, "node_memory_Cached_bytes", &[], 0.002, move |t| {
                available(t) * 0.55
            });
            self.gauge(target, "node_memory_Buffers_bytes", &[], 0.002, move |_| {
                total * 0.03
            });

            let gib = 1024.0 * 1024.0 * 1024.0;
            let mut filesystems: Vec<(&str, &str, &str, f64, Shape)> = vec![
                (
                    "/dev/nvme0n1p1",
                    "ext4",
                    "/",
                    100.0 * gib,
                    shape(move |t| {
                        0.41 + 0.04 * (node_key % 5) as f64 + 0.002 * ((t - tl.at(0.0)) / 86_400.0)
                    }),
                ),
                ("tmpfs", "tmpfs", "/run", 3.2 * gib, shape(|_| 0.012)),
            ];
            if node == "node-3" {
                filesystems.push((
                    "/dev/nvme1n1",
                    "xfs",
                    "/data",
                    500.0 * gib,
                    shape(move |t| tl.data_disk_used(t)),
                ));
            }
            if node == "node-2" {
                filesystems.push(("/dev/nvme1n1", "xfs", "/data", 500.0 * gib, shape(|_| 0.62)));
            }
            for (device, fstype, mountpoint, size, used) in filesystems {
                let labels = [
                    ("device", device),
                    ("fstype", fstype),
                    ("mountpoint", mountpoint),
                ];
                self.gauge(
                    target,
                    "node_filesystem_size_bytes",
                    &labels,
                    0.0,
                    move |_| size,
                );
                let u = used.clone();
                self.gauge(
                    target,
                    "node_filesystem_avail_bytes",
                    &labels,
                    0.0005,
                    move |t| size * (1.0 - u(t)),
                );
                self.gauge(
                    target,
                    "node_filesystem_free_bytes",
                    &labels,
                    0.0005,
                    move |t| size * (1.0 - used(t)) + size * 0.05,
                );
            }
            for (device, rx, tx) in [
                ("eth0", 38e6, 24e6),
                ("lo", 2.5e6, 2.5e6),
                ("veth3f2a91c", 1.2e6, 0.9e6),
            ] {
                let k = mix(node_key ^ key_of(device));
                self.counter(
                    target,
                    "node_network_receive_bytes_total",
                    &[("device", device)],
                    rx * busy,
                    move |t| rx * usage(t) * (1.0 + 0.1 * wobble(k, t)),
                );
                self.counter(
                    target,
                    "node_network_transmit_bytes_total",
                    &[("device", device)],
                    tx * busy,
                    move |t| tx * usage(t) * (1.0 + 0.1 * wobble(k ^ 1, t)),
                );
            }
            let write_boost = move |t: f64| if incident_node { 1.0 + 1.2 * tl.wallet_latency(t) } else { 1.0 } + if reindex_node { 2.5 * tl.reindex(t) } else { 0.0 };
            let dk = mix(node_key ^ 77);
            self.counter(
                target,
                "node_disk_reads_completed_total",
                &[("device", "nvme0n1")],
                150.0,
                move |t| {
                    150.0
                        * (0.4 + usage(t))
                        * (1.0 + 0.15 * wobble(dk, t))
                        * if reindex_node {
                            1.0 + 3.0 * tl.reindex(t)
                        } else {
                            1.0
                        }
                },
            );
            self.counter(
                target,
                "node_disk_writes_completed_total",
                &[("device", "nvme0n1")],
                420.0,
                move |t| {
                    420.0 * (0.4 + usage(t)) * (1.0 + 0.15 * wobble(dk ^ 1, t)) * write_boost(t)
                },
            );
            self.counter(
                target,
                "node_disk_read_bytes_total",
                &[("device", "nvme0n1")],
                6e6,
                move |t| 6e6 * (0.4 + usage(t)) * (1.0 + 0.15 * wobble(dk ^ 2, t)),
            );
            self.counter(
                target,
                "node_disk_written_bytes_total",
                &[("device", "nvme0n1")],
                14e6,
                move |t| {
                    14e6 * (0.4 + usage(t)) * (1.0 + 0.15 * wobble(dk ^ 3, t)) * write_boost(t)
                },
            );
            self.counter(
                target,
                "node_disk_io_time_seconds_total",
                &[("device", "nvme0n1")],
                0.2,
                move |t| (0.15 * (0.4 + usage(t)) * write_boost(t)).min(1.0),
            );
            for (name, smoothing) in [
                ("node_load1", 1.0),
                ("node_load5", 0.6),
                ("node_load15", 0.35),
            ] {
                self.gauge(target, name, &[], 0.05 * smoothing, move |t| {
                    4.0 * usage(t) * (1.0 + 0.1 * smoothing * wobble(node_key ^ 5, t))
                });
            }
            let boot = (tl.at(0.0) - 86_400.0 * (12.0 + (node_key % 20) as f64)).floor();
            self.gauge(target, "node_boot_time_seconds", &[], 0.0, move |_| boot);
        }
    }

    pub(super) fn kubernetes(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        // cAdvisor through each node's kubelet: CPU per container and per pod.
        for &(node, ..) in NODES {
            let instance = format!("{node}:10250");
            let target = self.target("kubelet", &instance, None);
            for &(pod, pod_node, container, cores) in PODS {
                if pod_node != node {
                    continue;
                }
                let k = mix(key_of(pod) ^ seed);
                let wallet = container == "wallet-service";
                let reindex = container == "reindex";
                let crashed = pod == "wallet-service-1";
                let cpu = move |t: f64| -> f64 {
                    if reindex {
                        return cores * tl.reindex(t) * (1.0 + 0.05 * wobble(k, t));
                    }
                    if crashed && t >= tl.oom_kill() {
                        // Crash-looping: a few seconds of start-up work every restart.
                        return 0.05;
                    }
                    let gc = if wallet {
                        1.0 + 2.2 * tl.wallet_latency(t)
                    } else {
                        1.0
                    };
                    cores * (0.5 + 0.5 * diurnal(t, 15.0, 0.55)) * gc * (1.0 + 0.1 * wobble(k, t))
                };
                let labels = [
                    ("namespace", "exchange"),
                    ("pod", pod),
                    ("container", container),
                ];
                self.counter(
                    target,
                    "container_cpu_usage_seconds_total",
                    &labels,
                    cores,
                    cpu,
                );
                let labels = [("namespace", "exchange"), ("pod", pod), ("container", "")];
                self.counter(
                    target,
                    "container_cpu_usage_seconds_total",
                    &labels,
                    cores,
                    move |t| cpu(t) * 1.02,
                );
            }
        }

        // kube-state-metrics: one series per pod and phase, 1 for the current phase.
        let target = self.target("kube-state-metrics", "kube-state-metrics:8080", None);
        let reindex_end = tl.at(90.0);
        let pods: Vec<(String, PhaseShape, (i64, i64))> = {
            let ms = |s: f64| (s * 1000.0) as i64;
            let mut v: Vec<(String, PhaseShape, (i64, i64))> = PODS
                .iter()
                .filter(|p| p.2 != "reindex")
                .map(|p| {
                    (
                        p.0.to_string(),
                        Arc::new(|_: f64| "Running") as PhaseShape,
                        FOREVER,
                    )
                })
                .collect();
            v.push((
                "ledger-reindex-28741".into(),
                Arc::new(move |t: f64| {
                    if t < reindex_end {
                        "Running"
                    } else {
                        "Succeeded"
                    }
                }),
                (ms(tl.at(-95.0)), i64::MAX),
            ));
            // The autoscaler's third wallet replica: no node has the memory for it.
            v.push((
                "wallet-service-2".into(),
                Arc::new(|_: f64| "Pending"),
                (ms(tl.at(-25.0)), i64::MAX),
            ));
            v.push((
                "kyc-ocr-sync-28736".into(),
                Arc::new(|_: f64| "Failed"),
                (ms(tl.at(-185.0)), i64::MAX),
            ));
            for (i, start) in [-300.0, -240.0, -120.0, -60.0].iter().enumerate() {
                v.push((
                    format!("backup-verify-2874{i}"),
                    Arc::new(|_: f64| "Succeeded"),
                    (ms(tl.at(*start)), i64::MAX),
                ));
            }
            v
        };
        for (pod, phase_of, exists) in pods {
            for phase in ["Pending", "Running", "Succeeded", "Failed", "Unknown"] {
                let p = phase_of.clone();
                let kind = Kind::Gauge {
                    value: shape(move |t| if p(t) == phase { 1.0 } else { 0.0 }),
                    jitter: 0.0,
                    integer: true,
                };
                self.push(
                    target,
                    "kube_pod_status_phase",
                    &[("namespace", "exchange"), ("pod", &pod), ("phase", phase)],
                    kind,
                    exists,
                    true,
                );
            }
        }
    }
}
