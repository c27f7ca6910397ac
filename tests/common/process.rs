//! Helpers for tests that run the built binary (and Prometheus) as
//! processes on 127.0.0.1.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The exporter binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_video-usage-exporter");

/// Kills the child process when dropped, so a failing test leaves nothing.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        // Children started in a process group of their own (a wrapper such
        // as faketime and what it runs) are ended as a group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh directory for this test process and `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vue-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A real Prometheus on 127.0.0.1 with `config` (its YAML, written into
/// `dir`), its TSDB in `data`, and `args`; and the port it listens on.
pub fn start_prometheus(dir: &Path, config: &str, data: &Path, args: &[&str]) -> (Running, u16) {
    let file = dir.join("prometheus.yml");
    std::fs::write(&file, config).unwrap();
    let port = free_port();
    let process = Command::new("prometheus")
        .arg(format!("--config.file={}", file.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Running(process), port)
}
