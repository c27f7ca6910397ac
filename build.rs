//! Records the git revision for `video_usage_exporter_build_info`.
use std::process::Command;

fn main() {
    let revision = std::env::var("VUE_GIT_REVISION").ok().or_else(|| {
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
    println!("cargo:rerun-if-changed=.git/HEAD");
}
