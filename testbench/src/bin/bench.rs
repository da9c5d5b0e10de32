//! `bench`: how long one OIDC run takes and how much memory it needs, against the local
//! stand-ins on loopback. It prints figures; it does not judge them.
//!
//! Usage: `bench [RUNS]` (default 30), on Unix. It measures three things, each RUNS times:
//! - the native binary alone, started the way the launcher starts it;
//! - the whole step as the runner runs it: `node dist/main.js` starting the binary;
//! - `node -e ''`, the floor any node24 action pays.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use testbench::github::GithubTokenService;
use testbench::sts::StsStandIn;

const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";

#[cfg(not(unix))]
fn main() -> ExitCode {
    eprintln!("bench: measuring peak memory needs a Unix system");
    ExitCode::FAILURE
}

#[cfg(unix)]
fn main() -> ExitCode {
    let runs: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 30,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: bench [RUNS]");
            return ExitCode::from(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = root.join("target/release/aws-oidc-credentials");
    if !binary.exists() {
        eprintln!("bench: build the release binary first: cargo build --release");
        return ExitCode::FAILURE;
    }
    let github = GithubTokenService::start();
    let sts = StsStandIn::start();
    sts.trust(&github);
    sts.role(ROLE);
    let files = tempfile::tempdir().expect("a temporary directory");

    let step = |program: &Path, args: &[&str]| {
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", files.path())
            .env("INPUT_ROLE-TO-ASSUME", ROLE)
            .env("INPUT_AWS-REGION", "us-east-2")
            .env("INPUT_AUDIENCE", "sts.amazonaws.com")
            .env("INPUT_STS-ENDPOINT", sts.endpoint())
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", github.request_url())
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", github.request_token())
            .env("GITHUB_ENV", files.path().join("env"))
            .env("GITHUB_OUTPUT", files.path().join("output"))
            .stdout(Stdio::null());
        command
    };
    for name in ["env", "output"] {
        std::fs::write(files.path().join(name), "").expect("the runner files");
    }

    let node = PathBuf::from("node");
    println!("{runs} runs each, OIDC path against loopback stand-ins (GitHub token + STS)");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>12}",
        "", "median", "p90", "max", "peak RSS"
    );
    let cases: [(&str, Command); 3] = [
        ("native binary", step(&binary, &[])),
        (
            "node dist/main.js (whole step)",
            step(
                &node,
                &[root.join("dist/main.js").to_str().unwrap_or_default()],
            ),
        ),
        ("node -e '' (node's floor)", step(&node, &["-e", ""])),
    ];
    for (label, mut command) in cases {
        let mut times = Vec::with_capacity(runs);
        let mut peak = 0;
        for _ in 0..runs {
            let (elapsed, rss_kib, ok) = measure(&mut command);
            if !ok {
                eprintln!("bench: {label} failed; run scripts/demo to see why");
                return ExitCode::FAILURE;
            }
            times.push(elapsed);
            peak = peak.max(rss_kib);
        }
        times.sort();
        let pick = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
        println!(
            "{label:<34} {:>7.1}ms {:>7.1}ms {:>7.1}ms {:>8.1} MiB",
            pick(0.5),
            pick(0.9),
            pick(1.0),
            peak as f64 / 1024.0
        );
    }
    ExitCode::SUCCESS
}

#[cfg(unix)]
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(unix)]
/// Runs the command once: wall time, the peak resident set of the process tree's largest
/// process (KiB), and whether it succeeded.
fn measure(command: &mut Command) -> (Duration, i64, bool) {
    let started = Instant::now();
    let child = command.spawn().expect("the command starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: `rusage` is plain data the kernel fills in; `pid` is our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    let ok = waited == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    // The child is reaped; forget it so that dropping it does not wait again.
    std::mem::forget(child);
    (elapsed, usage.ru_maxrss, ok)
}
