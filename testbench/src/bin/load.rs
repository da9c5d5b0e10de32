//! `load`: many matrix jobs starting together. Runs the real binary many times, a number at a
//! time, against an STS stand-in that answers at most a set number of calls per second and
//! `Throttling` to the rest, as STS does above an account's quota. Every run must end with
//! credentials; it reports the time to credentials, the retries per run and the most calls STS
//! saw in one second, as a table and as JSON.
//!
//! Usage: `load [--runs N] [--concurrency N] [--rate N] [--binary PATH] [--json PATH]`
//! (defaults: 500 runs, 50 at a time, 100 calls per second, the release binary,
//! `target/load.json`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use testbench::figures;
use testbench::github::GithubTokenService;
use testbench::sts::StsStandIn;

const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";

struct Options {
    runs: usize,
    concurrency: usize,
    rate: usize,
    binary: PathBuf,
    json: PathBuf,
}

/// How one run ended.
struct Outcome {
    elapsed: Duration,
    credentials: bool,
    /// The run's last line, to show when it failed.
    last_line: String,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("load: {message}");
            eprintln!(
                "usage: load [--runs N] [--concurrency N] [--rate N] [--binary PATH] [--json PATH]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("load: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let root = figures::repo_root();
    let mut options = Options {
        runs: 500,
        concurrency: 50,
        rate: 100,
        binary: root.join("target/release/aws-oidc-credentials"),
        json: root.join("target/load.json"),
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let mut number = || -> Result<usize, String> {
            value()?
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{arg} takes a whole number above 0"))
        };
        match arg.as_str() {
            "--runs" => options.runs = number()?,
            "--concurrency" => options.concurrency = number()?,
            "--rate" => options.rate = number()?,
            "--binary" => options.binary = PathBuf::from(value()?),
            "--json" => options.json = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// Runs the load; `Ok(false)` when a run ended without credentials.
fn run(options: &Options) -> Result<bool, String> {
    if !options.binary.exists() {
        return Err(format!(
            "no binary at {} (cargo build --release)",
            options.binary.display()
        ));
    }
    let github = GithubTokenService::start();
    let sts = StsStandIn::start();
    sts.trust(&github);
    sts.role(ROLE);
    sts.rate_limit(options.rate);
    let files = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;

    println!(
        "{} runs of the native binary, {} at a time, against STS answering at most {} calls \
         per second (Throttling above)",
        options.runs, options.concurrency, options.rate
    );
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::with_capacity(options.runs));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= options.runs {
                        return;
                    }
                    let outcome = once(options, &github, &sts, i, files.path());
                    outcomes
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(outcome);
                }
            });
        }
    });
    let total = started.elapsed();
    let outcomes = outcomes
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);

    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.credentials).collect();
    let mut times: Vec<Duration> = outcomes.iter().map(|o| o.elapsed).collect();
    times.sort();
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    let requests = sts.requests();
    let retries = retries_per_run(&requests, options.runs);
    let throttled = requests
        .iter()
        .filter(|r| r.outcome == "Throttling")
        .count();
    let busiest = busiest_second(&requests.iter().map(|r| r.received).collect::<Vec<_>>());

    println!(
        "with credentials:            {} of {}",
        outcomes.len() - failed.len(),
        outcomes.len()
    );
    println!(
        "time to credentials:         p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
    println!(
        "retries per run:             mean {:.2}, max {}",
        retries.iter().sum::<usize>() as f64 / retries.len() as f64,
        retries.iter().max().copied().unwrap_or(0)
    );
    println!(
        "STS calls:                   {} ({} answered Throttling)",
        requests.len(),
        throttled
    );
    println!(
        "most STS calls in one second: {busiest} (limit {} answered)",
        options.rate
    );
    println!("all runs took:               {:.1} s", total.as_secs_f64());
    for outcome in failed.iter().take(3) {
        println!("a run without credentials ended: {}", outcome.last_line);
    }

    let report = json!({
        "runs": options.runs,
        "concurrency": options.concurrency,
        "rate_limit_per_second": options.rate,
        "with_credentials": outcomes.len() - failed.len(),
        "time_to_credentials_ms": { "p50": pick(0.5), "p99": pick(0.99), "max": pick(1.0) },
        "retries_per_run": {
            "mean": retries.iter().sum::<usize>() as f64 / retries.len() as f64,
            "max": retries.iter().max().copied().unwrap_or(0),
        },
        "sts_calls": requests.len(),
        "sts_throttled": throttled,
        "most_sts_calls_in_one_second": busiest,
        "total_seconds": total.as_secs_f64(),
    });
    figures::write_json(&options.json, &report)?;
    Ok(failed.is_empty())
}

/// Run `run` of the binary as a main step, with its own runner files under `files` and its
/// number as `GITHUB_RUN_ID`, which the binary puts in its STS user agent.
fn once(
    options: &Options,
    github: &GithubTokenService,
    sts: &StsStandIn,
    run: usize,
    files: &Path,
) -> Outcome {
    let dir = files.join(run.to_string());
    let failed = |elapsed, last_line: String| Outcome {
        elapsed,
        credentials: false,
        last_line,
    };
    let mut command = Command::new(&options.binary);
    command.stdin(Stdio::null()).stderr(Stdio::null());
    let prepared = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| figures::main_step(&mut command, github, sts, ROLE, &dir));
    if let Err(e) = prepared {
        return failed(Duration::ZERO, format!("runner files: {e}"));
    }
    let started = Instant::now();
    let output = command.env("GITHUB_RUN_ID", run.to_string()).output();
    let elapsed = started.elapsed();
    let output = match output {
        Ok(output) => output,
        Err(e) => return failed(elapsed, format!("cannot start the binary: {e}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let env = std::fs::read_to_string(dir.join("env")).unwrap_or_default();
    Outcome {
        elapsed,
        credentials: output.status.success() && env.contains("AWS_ACCESS_KEY_ID<<"),
        last_line: stdout.lines().last().unwrap_or_default().to_owned(),
    }
}

/// How many STS calls each run made beyond its first, told apart by the `md/run_id#N` of
/// their user agent.
fn retries_per_run(requests: &[testbench::sts::StsRequest], runs: usize) -> Vec<usize> {
    let mut calls = vec![0usize; runs];
    for request in requests {
        let run = request
            .user_agent
            .as_deref()
            .and_then(|ua| {
                ua.split(' ')
                    .find_map(|part| part.strip_prefix("md/run_id#"))
            })
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(count) = run.and_then(|n| calls.get_mut(n)) {
            *count += 1;
        }
    }
    calls.into_iter().map(|n| n.saturating_sub(1)).collect()
}

/// The most of `times` that fall within any one second.
fn busiest_second(times: &[Instant]) -> usize {
    let mut times = times.to_vec();
    times.sort();
    let mut start = 0;
    let mut most = 0;
    for end in 0..times.len() {
        while times[end].duration_since(times[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}
