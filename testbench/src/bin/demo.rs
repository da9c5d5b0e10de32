//! `demo`: runs the action from this checkout end to end against the local stand-ins, the way a
//! runner would, and shows what the job log and the next step would see.
//!
//! Usage: `demo [--with NAME=VALUE]... [--deny]`
//! - `--with` sets a `with:` input (e.g. `--with output-credentials=true`).
//! - `--deny` makes the role's trust policy refuse this repository, to see a denial.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use testbench::github::GithubTokenService;
use testbench::runner::{ActionDir, Job, PostRun, StepResult};
use testbench::sts::StsStandIn;

const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";

fn main() -> ExitCode {
    let mut with = vec![
        ("role-to-assume".to_owned(), ROLE.to_owned()),
        ("aws-region".to_owned(), "us-east-2".to_owned()),
    ];
    let mut deny = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--with" => match args.next().as_deref().and_then(|v| v.split_once('=')) {
                Some((name, value)) => with.push((name.to_owned(), value.to_owned())),
                None => return usage("--with takes NAME=VALUE"),
            },
            "--deny" => deny = true,
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }

    let github = GithubTokenService::start();
    let sts = StsStandIn::start();
    sts.trust(&github);
    let role = sts.role(ROLE);
    if deny {
        role.subject("repo:octo-org/some-other-repo:*");
    }
    // The action as a release lays it out, with the binary scripts/demo just built (a
    // dist/bin left by a cross build may be older).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = format!(
        "target/release/aws-oidc-credentials{}",
        std::env::consts::EXE_SUFFIX
    );
    let action = ActionDir::with_binary(&root, root.join(binary));
    let mut job = Job::new();

    println!("GitHub token service: {}", github.issuer());
    println!("STS stand-in:         {}", sts.endpoint());
    println!(
        "role {ROLE} trusts sub {}",
        if deny {
            "repo:octo-org/some-other-repo:*"
        } else {
            "*"
        }
    );

    let mut step = job
        .step(&action)
        .id_token(&github)
        .with("sts-endpoint", &sts.endpoint());
    for (name, value) in &with {
        step = step.with(name, value);
    }
    let result = step.run();
    show_step("main step", &result, job.masks());

    let calls = sts.requests();
    println!("\n--- STS calls: {} ---", calls.len());
    for call in &calls {
        println!(
            "{} {} -> {}",
            call.action,
            call.params.get("RoleArn").map_or("", String::as_str),
            call.outcome
        );
    }

    if result.success() {
        next_step(&job, &sts.endpoint());
    }

    for post in job.finish() {
        match post {
            PostRun::Ran(post) => show_step("post step", &post, job.masks()),
            PostRun::Skipped { condition } => println!("\npost step skipped ({condition})"),
        }
    }
    if result.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("demo: {problem}\nusage: demo [--with NAME=VALUE]... [--deny]");
    ExitCode::from(2)
}

/// The step's log as the runner shows it (masked), and what it exported.
fn show_step(title: &str, result: &StepResult, masks: &[String]) {
    println!(
        "\n=== {title}: {} ===",
        if result.success() {
            "succeeded"
        } else {
            "failed"
        }
    );
    println!("--- log (as the runner shows it) ---");
    print!("{}", result.log());
    show_map(
        "GITHUB_ENV (environment of later steps)",
        &result.env,
        masks,
    );
    show_map("GITHUB_OUTPUT (step outputs)", &result.outputs, masks);
    println!("--- masked values: {} ---", result.masks.len());
}

fn show_map(title: &str, map: &BTreeMap<String, String>, masks: &[String]) {
    println!("--- {title} ---");
    if map.is_empty() {
        println!("(nothing)");
    }
    for (name, value) in map {
        let shown = if masks.contains(value) {
            "***"
        } else {
            value.as_str()
        };
        println!("{name}={shown}");
    }
}

/// A later `run:` step: the AWS CLI with the job's environment, asking STS who it is.
fn next_step(job: &Job, endpoint: &str) {
    println!("\n=== next step: aws sts get-caller-identity ===");
    let output = job
        .command(Job::AWS_CLI)
        .args(["sts", "get-caller-identity", "--output", "json"])
        .env("AWS_ENDPOINT_URL_STS", endpoint)
        .output();
    match output {
        Ok(output) => {
            print!("{}", String::from_utf8_lossy(&output.stdout));
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
        }
        Err(e) => println!("(the AWS CLI is not installed here: {e})"),
    }
}
