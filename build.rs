//! Records the git revision for `video_usage_exporter_build_info`.
use std::process::Command;

fn main() {
    // An empty value (a Docker build argument left unset) counts as unset.
    let given = std::env::var("VUE_GIT_REVISION")
        .ok()
        .filter(|r| !r.trim().is_empty());
    let revision = given.or_else(|| {
        Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
    });
    println!(
        "cargo:rustc-env=VUE_GIT_REVISION={}",
        revision.unwrap_or_else(|| "unknown".into())
    );
    println!("cargo:rerun-if-env-changed=VUE_GIT_REVISION");
    // The compiler, for `--version` and build_info: `rustc 1.95.0 (...)`.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=VUE_RUSTC_VERSION={rustc_version}");
    // HEAD names a branch; a new commit moves the branch's ref, not HEAD.
    println!("cargo:rerun-if-changed=.git/HEAD");
    // A path that does not exist counts as changed on every build.
    if std::path::Path::new(".git/packed-refs").exists() {
        println!("cargo:rerun-if-changed=.git/packed-refs");
    }
    if let Some(head) = std::fs::read_to_string(".git/HEAD")
        .ok()
        .and_then(|h| h.strip_prefix("ref: ").map(|r| r.trim().to_string()))
    {
        println!("cargo:rerun-if-changed=.git/{head}");
    }
}
