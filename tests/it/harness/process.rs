//! Starting and stopping a real server binary: free port, temp dir, readiness, stderr tail.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub const INSTALL_HINT: &str = "apt-get install -y prometheus prometheus-alertmanager tmux";

/// The path of a required server binary, or a failed test that says how to install it.
/// Never skips: a missing server must not turn into a green run.
pub fn require_binary(name: &str) -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")]);
    for dir in candidates {
        let path = dir.join(name);
        if path.is_file() {
            return path;
        }
    }
    panic!(
        "`{name}` is not installed, and the integration tests run against the real servers.\n\
         Install them with:\n    {INSTALL_HINT}"
    );
}

/// A server process that is killed (and reaped) when dropped.
///
/// It must not outlive the thread that started it: the kernel kills it when that thread
/// exits (`PR_SET_PDEATHSIG`), which is what keeps a crashed test run from leaving servers
/// behind. libtest runs each test on its own thread, so start servers inside the test and
/// never keep them in a `static`.
pub struct ServerProcess {
    name: String,
    child: Child,
    port: u16,
    stderr_path: PathBuf,
    /// Holds config, data and logs; removed after the process is gone. `None` only while a
    /// failed attempt hands it to the next one.
    dir: Option<TempDir>,
}

/// Why a start attempt failed.
enum StartError {
    /// Someone else took the port between `free_port` and the bind: try another one.
    PortClash,
    Fatal(String),
}

impl ServerProcess {
    /// Start `bin` with the arguments `args(port, dir)` builds, wait for `GET /-/ready`, and
    /// retry on a fresh port if the chosen one was taken in the meantime.
    pub fn start(
        name: &str,
        bin: &Path,
        dir: TempDir,
        args: impl Fn(u16, &Path) -> Vec<String>,
    ) -> ServerProcess {
        let mut dir = Some(dir);
        for attempt in 1..=5 {
            let port = super::free_port();
            let d = dir.take().expect("temp dir is kept between attempts");
            let argv = args(port, d.path());
            let log_name = format!("{name}.{attempt}.stderr.log");
            match Self::try_start(name, bin, d, &argv, port, &log_name) {
                Ok(p) => return p,
                Err((d, StartError::PortClash)) => dir = Some(d),
                Err((_, StartError::Fatal(msg))) => panic!("{msg}"),
            }
        }
        panic!("{name}: every free port taken before it could bind (5 attempts)");
    }

    fn try_start(
        name: &str,
        bin: &Path,
        dir: TempDir,
        argv: &[String],
        port: u16,
        log_name: &str,
    ) -> Result<ServerProcess, (TempDir, StartError)> {
        let stderr_path = dir.path().join(log_name);
        let stderr = match File::create(&stderr_path) {
            Ok(f) => f,
            Err(e) => {
                return Err((
                    dir,
                    StartError::Fatal(format!("{name}: cannot create its log file: {e}")),
                ));
            }
        };
        let mut cmd = Command::new(bin);
        cmd.args(argv)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        // If the test binary dies without unwinding (killed by CI, abort), take the server
        // with it instead of leaving it running. SAFETY: prctl is async-signal-safe and the
        // closure touches no other state.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Err((
                    dir,
                    StartError::Fatal(format!("{name}: cannot run {}: {e}", bin.display())),
                ))
            }
        };
        let mut proc = ServerProcess {
            name: name.to_string(),
            child,
            port,
            stderr_path,
            dir: Some(dir),
        };
        match proc.wait_ready() {
            Ok(()) => Ok(proc),
            Err(e) => {
                let tail = proc.stderr_tail(30);
                let clash = tail.contains("address already in use");
                let dir = proc.take_dir();
                if clash {
                    Err((dir, StartError::PortClash))
                } else {
                    Err((dir, StartError::Fatal(format!("{name} did not become ready: {e}\n--- last lines of its stderr ---\n{tail}"))))
                }
            }
        }
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let start = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited with {status}"));
            }
            if http_status(addr, "/-/ready") == Some(200) {
                return Ok(());
            }
            if start.elapsed() > super::WAIT {
                return Err(format!(
                    "GET http://{addr}/-/ready did not answer 200 within {:?}",
                    super::WAIT
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("a running server has its directory")
            .path()
    }

    /// The last `lines` lines the server wrote to stderr, for failure messages.
    pub fn stderr_tail(&self, lines: usize) -> String {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&self.stderr_path) {
            let _ = f.read_to_string(&mut text);
        }
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Is the process still running? (A test can assert its server did not crash.)
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stop the process and hand back its directory (for a retry on another port).
    fn take_dir(mut self) -> TempDir {
        self.stop();
        self.dir.take().expect("the directory is taken only once")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!(
                "--- {} (port {}) stderr tail, for the failure above ---\n{}",
                self.name,
                self.port,
                self.stderr_tail(20)
            );
        }
    }
}

/// Status code of `GET path` with a plain HTTP/1.0 request, or `None` if nothing answered.
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.set_write_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut head = [0u8; 32];
    let n = s.read(&mut head).ok()?;
    let line = std::str::from_utf8(&head[..n]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}
