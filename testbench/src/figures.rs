//! What the `bench` and `load` programs share: the environment of the action's main step
//! against the stand-ins, as the runner gives it, and writing their figures as JSON.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::github::GithubTokenService;
use crate::sts::StsStandIn;

/// The repository's root, where `target/` and `dist/` are.
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// Makes `command` a main step assuming `role` with the job's OIDC token: only the runner's
/// variables, the inputs, and fresh, empty runner files in `dir`.
pub fn main_step(
    command: &mut Command,
    github: &GithubTokenService,
    sts: &StsStandIn,
    role: &str,
    dir: &Path,
) -> Result<(), String> {
    for name in ["env", "output", "state"] {
        std::fs::write(dir.join(name), "").map_err(|e| format!("the runner's files: {e}"))?;
    }
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("INPUT_ROLE-TO-ASSUME", role)
        .env("INPUT_AWS-REGION", "us-east-2")
        .env("INPUT_AUDIENCE", "sts.amazonaws.com")
        .env("INPUT_STS-ENDPOINT", sts.endpoint())
        .env("INPUT_JOB-SUMMARY", "false")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", github.request_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", github.request_token())
        .env("GITHUB_ENV", dir.join("env"))
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("GITHUB_STATE", dir.join("state"));
    Ok(())
}

/// Writes `figures` to `path` (its directory made if missing) and says where.
pub fn write_json(path: &Path, figures: &serde_json::Value) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(figures).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("figures written to {}", path.display());
    Ok(())
}
