//! `bench`: how long the action's main step takes and how much memory it needs, against the
//! local stand-ins on loopback. It prints a table and writes the same figures as JSON; it
//! compares them with the project's targets but does not fail on a missed one (it is a
//! measurement, not a test).
//!
//! Usage: `bench [--runs N] [--quick] [--binary PATH] [--json PATH]`, on Unix.
//! - `--runs N`: runs per case (default 30); `--quick` is `--runs 3`, to see that it works.
//! - `--binary PATH`: the binary to measure (default `target/release/aws-oidc-credentials`),
//!   laid out in a temporary copy of the action as a release lays it out.
//! - `--json PATH`: where to write the figures (default `target/bench.json`).
//!
//! Every run is started by `/usr/bin/time`, whose own small process is the parent, so the peak
//! memory is the measured program's and not inherited from a large parent. Wall time is taken
//! around that `/usr/bin/time` process.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testbench::figures;
use testbench::github::GithubTokenService;
use testbench::runner::ActionDir;
use testbench::sts::StsStandIn;

const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";
const DENIED_ROLE: &str = "arn:aws:iam::111122223333:role/other-repository-only";
const TIME: &str = "/usr/bin/time";
/// The round trip added to every GitHub and STS answer in the latency cases.
const LATENCY: Duration = Duration::from_millis(50);

/// The command line.
struct Options {
    runs: usize,
    binary: PathBuf,
    json: PathBuf,
}

/// One measured case: every run's wall time, and the largest peak resident set of any run.
struct Case {
    key: &'static str,
    label: &'static str,
    times: Vec<Duration>,
    peak_kib: u64,
}

impl Case {
    fn quantile(&self, q: f64) -> f64 {
        let mut times = self.times.clone();
        times.sort();
        let index = ((times.len() - 1) as f64 * q).round() as usize;
        times[index].as_secs_f64() * 1000.0
    }

    fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    fn peak_mib(&self) -> f64 {
        self.peak_kib as f64 / 1024.0
    }

    fn json(&self) -> Value {
        json!({
            "label": self.label,
            "runs": self.times.len(),
            "median_ms": round(self.median()),
            "p95_ms": round(self.quantile(0.95)),
            "max_ms": round(self.quantile(1.0)),
            "peak_rss_mib": round(self.peak_mib()),
        })
    }
}

/// A target and whether this run met it.
struct Target {
    what: String,
    figure: String,
    limit: String,
    met: bool,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("bench: {message}");
            eprintln!("usage: bench [--runs N] [--quick] [--binary PATH] [--json PATH]");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let root = figures::repo_root();
    let mut options = Options {
        runs: 30,
        binary: root.join("target/release/aws-oidc-credentials"),
        json: root.join("target/bench.json"),
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => {
                options.runs = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a whole number above 0")?;
            }
            "--quick" => options.runs = 3,
            "--binary" => options.binary = PathBuf::from(value()?),
            "--json" => options.json = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn run(options: &Options) -> Result<(), String> {
    if !Path::new(TIME).exists() {
        return Err(format!("{TIME} is missing (Debian's package `time`)"));
    }
    if !options.binary.exists() {
        return Err(format!(
            "no binary at {} (cargo build --release)",
            options.binary.display()
        ));
    }
    let action = ActionDir::with_binary(figures::repo_root(), &options.binary);
    let packed = ActionDir::packed(figures::repo_root(), &options.binary);
    let github = GithubTokenService::start();
    let sts = StsStandIn::start();
    sts.trust(&github);
    sts.role(ROLE);
    sts.role(DENIED_ROLE)
        .subject("repo:octo-org/some-other-repo:*");
    let files = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    let step = Step {
        github: &github,
        sts: &sts,
        files: files.path(),
    };
    let binary = options.binary.as_path();
    let launcher = action.path().join("dist/main.js");
    let launcher = launcher.as_path();
    let node = Path::new("node");
    let runs = options.runs;

    println!(
        "{runs} runs each; the OIDC path (one GitHub token request, one STS call) against \
         loopback stand-ins"
    );
    let floor_run = Run::succeeding(node, &["-e", ""]);
    let native_run = Run::succeeding(binary, &[]);
    let launcher_args = [path_str(launcher)];
    let whole_run = Run::succeeding(node, &launcher_args);
    let packed_launcher = packed.path().join("dist/main.js");
    let packed_args = [path_str(&packed_launcher)];
    let unpack = || packed.remove_unpacked();
    let first_run = Run {
        before: Some(&unpack),
        ..Run::succeeding(node, &packed_args)
    };
    let denied_run = Run {
        role: DENIED_ROLE,
        succeed: false,
        ..Run::succeeding(binary, &[])
    };
    let floor = step.measure("node_floor", "node -e '' (node's floor)", &floor_run, runs)?;
    let before = (github.requests().len(), sts.requests().len());
    let native = step.measure("native", "native binary", &native_run, runs)?;
    // Each measured case makes one more run than it reports, a warm-up.
    let per_run = |now: usize, then: usize| (now - then) as f64 / (runs + 1) as f64;
    let requests = (
        per_run(github.requests().len(), before.0),
        per_run(sts.requests().len(), before.1),
    );
    let whole = step.measure(
        "launcher",
        "node dist/main.js (whole step)",
        &whole_run,
        runs,
    )?;
    let first = step.measure(
        "launcher_unpacking",
        "whole step, first in a job (unpacks)",
        &first_run,
        runs,
    )?;
    let denial = step.measure("denial", "native binary, role denied", &denied_run, runs)?;
    github.set_latency(LATENCY);
    sts.set_latency(LATENCY);
    let native_latency = step.measure(
        "native_latency",
        "native binary, +50 ms per answer",
        &native_run,
        runs,
    )?;
    let whole_latency = step.measure(
        "launcher_latency",
        "whole step, +50 ms per answer",
        &whole_run,
        runs,
    )?;
    let cases = [
        &floor,
        &whole,
        &first,
        &native,
        &denial,
        &native_latency,
        &whole_latency,
    ];

    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>10}",
        "", "median", "p95", "max", "peak RSS"
    );
    for case in cases {
        println!(
            "{:<36} {:>7.1}ms {:>7.1}ms {:>7.1}ms {:>6.1} MiB",
            case.label,
            case.median(),
            case.quantile(0.95),
            case.quantile(1.0),
            case.peak_mib()
        );
    }
    println!(
        "HTTP requests per OIDC run: {:.1} to GitHub, {:.1} to STS",
        requests.0, requests.1
    );

    let latency_ms = LATENCY.as_secs_f64() * 1000.0;
    let targets = [
        Target {
            what: "whole step / (node's floor + native binary)".into(),
            figure: format!("{:.3}", whole.median() / (floor.median() + native.median())),
            limit: "<= 1.03".into(),
            met: whole.median() <= 1.03 * (floor.median() + native.median()),
        },
        Target {
            what: "native binary / node's floor".into(),
            figure: format!("{:.3}", native.median() / floor.median()),
            limit: "<= 0.4".into(),
            met: native.median() <= 0.4 * floor.median(),
        },
        Target {
            what: "native binary's peak memory".into(),
            figure: format!("{:.1} MiB", native.peak_mib()),
            limit: "<= 8 MiB".into(),
            met: native.peak_mib() <= 8.0,
        },
        Target {
            what: "native binary with +50 ms per answer".into(),
            figure: format!("{:.1} ms", native_latency.median()),
            limit: format!(
                "<= {:.0} ms (2 round trips + 20 ms)",
                2.0 * latency_ms + 20.0
            ),
            met: native_latency.median() <= 2.0 * latency_ms + 20.0,
        },
        Target {
            what: "time to fail on a denial".into(),
            figure: format!("{:.1} ms", denial.median()),
            limit: "< 1000 ms".into(),
            met: denial.median() < 1000.0,
        },
        Target {
            what: "requests per run (GitHub, STS)".into(),
            figure: format!("{:.1}, {:.1}", requests.0, requests.1),
            limit: "1, 1".into(),
            met: requests == (1.0, 1.0),
        },
    ];
    println!("\n{:<46} {:>12}  {:<32} ", "target", "this run", "limit");
    for t in &targets {
        let verdict = if t.met { "met" } else { "MISSED" };
        println!("{:<46} {:>12}  {:<32} {verdict}", t.what, t.figure, t.limit);
    }

    let machine = machine();
    println!(
        "\nmachine: {}",
        machine["summary"].as_str().unwrap_or_default()
    );
    let report = json!({
        "runs": runs,
        "machine": machine,
        "binary": {
            "path": options.binary.display().to_string(),
            "bytes": std::fs::metadata(&options.binary).map(|m| m.len()).unwrap_or(0),
        },
        "cases": cases.iter().map(|c| (c.key.to_owned(), c.json())).collect::<serde_json::Map<_, _>>(),
        "requests_per_run": { "github": requests.0, "sts": requests.1 },
        "targets": targets.iter().map(|t| json!({
            "what": t.what, "figure": t.figure, "limit": t.limit, "met": t.met,
        })).collect::<Vec<_>>(),
    });
    figures::write_json(&options.json, &report)
}

/// What one measured run starts, for which role, and how it must end.
struct Run<'a> {
    program: &'a Path,
    args: &'a [&'a str],
    role: &'a str,
    succeed: bool,
    /// Done before each run, outside its time.
    before: Option<&'a dyn Fn()>,
}

impl<'a> Run<'a> {
    fn succeeding(program: &'a Path, args: &'a [&'a str]) -> Run<'a> {
        Run {
            program,
            args,
            role: ROLE,
            succeed: true,
            before: None,
        }
    }
}

/// How one run of the main step is started: the stand-ins and the runner's files.
struct Step<'a> {
    github: &'a GithubTokenService,
    sts: &'a StsStandIn,
    files: &'a Path,
}

impl Step<'_> {
    /// Makes `run` `runs` times after one unmeasured warm-up run; each must end as it says.
    fn measure(
        &self,
        key: &'static str,
        label: &'static str,
        run: &Run<'_>,
        runs: usize,
    ) -> Result<Case, String> {
        let mut case = Case {
            key,
            label,
            times: Vec::with_capacity(runs),
            peak_kib: 0,
        };
        for i in 0..=runs {
            let (elapsed, peak_kib, ok) = self.once(run)?;
            if ok != run.succeed {
                let expected = if run.succeed { "succeed" } else { "fail" };
                return Err(format!(
                    "{label}: a run did not {expected}; scripts/demo shows a run in full"
                ));
            }
            if i > 0 {
                case.times.push(elapsed);
                case.peak_kib = case.peak_kib.max(peak_kib);
            }
        }
        Ok(case)
    }

    /// One run: its wall time, its peak resident set (KiB), and whether it succeeded.
    fn once(&self, run: &Run<'_>) -> Result<(Duration, u64, bool), String> {
        if let Some(before) = run.before {
            before();
        }
        let peak_file = self.files.join("peak");
        let mut command = Command::new(TIME);
        command
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&peak_file)
            .arg(run.program)
            .args(run.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        figures::main_step(&mut command, self.github, self.sts, run.role, self.files)?;
        let started = Instant::now();
        let status = command
            .status()
            .map_err(|e| format!("cannot start {TIME}: {e}"))?;
        let elapsed = started.elapsed();
        let peak = std::fs::read_to_string(&peak_file).unwrap_or_default();
        // `time` writes a note first when the program fails; the figure is the last line.
        let peak_kib = peak
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| format!("{TIME} wrote no peak memory: {peak:?}"))?;
        Ok((elapsed, peak_kib, status.success()))
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What the figures were measured on.
fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let os = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    json!({
        "summary": format!("{cores} cores ({cpu}), {os}, node {node}"),
        "cpu": cpu,
        "cores": cores,
        "os": os,
        "node": node,
    })
}
