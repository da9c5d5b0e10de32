//! `install-cli` and `exec`: the main step puts the binary on `PATH`, and a later `run:` step
//! gives credentials to one command alone, as a user runs it (the binary itself, no launcher).

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};

use crate::support::{Bench, REGION, ROLE, assert_failed_with};
use testbench::runner::Job;

const BINARY: &str = "aws-oidc-credentials";

/// A job whose first step ran the action with `install-cli` alone.
fn installed() -> Bench {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("role-to-assume", "").with("install-cli", "true"));
    result.assert_success();
    assert!(result.env.is_empty(), "nothing exported: {:?}", result.env);
    assert!(
        result.outputs.is_empty(),
        "no outputs: {:?}",
        result.outputs
    );
    assert_eq!(result.path.len(), 1, "{:?}", result.path);
    bench
}

/// `aws-oidc-credentials ARGS…` in a later `run:` step of a job with `id-token: write`, STS
/// being the stand-in.
fn run_step(bench: &Bench, args: &[&str]) -> Command {
    let mut command = bench.job.command(BINARY);
    command
        .args(args)
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            bench.github.request_url().as_str(),
        )
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            bench.github.request_token(),
        )
        .env("AWS_ENDPOINT_URL_STS", bench.sts.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

fn output(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// No credential STS issued and no GitHub token shows anywhere but in an `::add-mask::` line.
fn assert_no_leaks(bench: &Bench, text: &str) {
    let mut secrets = bench.github.issued_tokens();
    for creds in bench.sts.issued_credentials() {
        secrets.extend([creds.secret_access_key, creds.session_token]);
    }
    for secret in secrets {
        for line in text.lines() {
            assert!(
                !line.contains(&secret) || line.starts_with("::add-mask::"),
                "a secret is shown: {line}"
            );
        }
    }
}

#[test]
fn install_cli_puts_the_binary_on_path_for_later_steps() {
    let bench = installed();
    let (out, stdout, stderr) = output(bench.job.command(BINARY).arg("--version"));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, format!("{BINARY} {}\n", env!("CARGO_PKG_VERSION")));
    assert!(bench.sts.requests().is_empty(), "no STS call to install");
}

#[test]
fn install_cli_beside_a_role_exports_both() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("install-cli", "true"));
    result.assert_success();
    assert!(result.env.contains_key("AWS_ACCESS_KEY_ID"));
    assert_eq!(result.path.len(), 1, "{:?}", result.path);
}

#[test]
fn install_cli_is_all_or_nothing_with_the_other_files() {
    let mut bench = Bench::new();
    let missing = bench.job.runner_temp().join("no-such-folder").join("path");
    let result = bench.run(|s| {
        s.with("install-cli", "true")
            .env("GITHUB_PATH", missing.to_str().unwrap())
    });
    assert_failed_with(&result, &["Could not write GITHUB_PATH"]);
    assert!(result.path.is_empty());
}

#[test]
fn exec_gives_the_credentials_to_the_command_alone() {
    let bench = installed();
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("seen");
    let github_env = dir.path().join("github_env");
    fs::write(&github_env, "").unwrap();
    let script = "printf '%s\\n' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \
                  \"$AWS_SESSION_TOKEN\" \"$AWS_REGION\" \"$AWS_DEFAULT_REGION\" \
                  \"${AWS_PROFILE-unset}\" > \"$1\"; echo the command speaks";
    let mut command = run_step(
        &bench,
        &["exec", "--role-to-assume", ROLE, "--aws-region", REGION],
    );
    command
        .args(["--", "sh", "-c", script, "sh", seen.to_str().unwrap()])
        .env("AWS_PROFILE", "someone-else")
        .env("GITHUB_ENV", &github_env);
    let (out, stdout, stderr) = output(&mut command);
    assert!(out.status.success(), "{stderr}");
    // The command's stdout is its own; our lines (masks first) are on stderr.
    assert_eq!(stdout, "the command speaks\n");
    assert_no_leaks(&bench, &stderr);
    let issued = bench.sts.issued_credentials();
    assert_eq!(issued.len(), 1);
    let creds = &issued[0];
    for secret in [&creds.secret_access_key, &creds.session_token] {
        assert!(
            stderr.contains(&format!("::add-mask::{secret}\n")),
            "masked for the runner: {stderr}"
        );
    }
    let seen = fs::read_to_string(&seen).unwrap();
    let seen: Vec<&str> = seen.lines().collect();
    assert_eq!(
        seen,
        [
            creds.access_key_id.as_str(),
            &creds.secret_access_key,
            &creds.session_token,
            REGION,
            REGION,
            "unset"
        ]
    );
    let calls = bench.sts.requests();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "AssumeRoleWithWebIdentity");
    assert_eq!(calls[0].params["RoleArn"], ROLE);

    // Nothing for later steps: the runner's file untouched, the next step without credentials.
    assert_eq!(fs::read_to_string(&github_env).unwrap(), "");
    assert!(bench.job.env().is_empty(), "{:?}", bench.job.env());
    let next = bench
        .job
        .command("sh")
        .args(["-c", "env | grep '^AWS_' || true"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&next.stdout), "");
}

#[test]
fn a_real_client_in_the_command_answers_as_the_role() {
    let bench = installed();
    let mut command = run_step(
        &bench,
        &[
            "exec",
            "--role-to-assume",
            ROLE,
            "--aws-region",
            REGION,
            "--",
        ],
    );
    command.args([
        Job::AWS_CLI,
        "sts",
        "get-caller-identity",
        "--output",
        "json",
    ]);
    let (out, stdout, stderr) = output(&mut command);
    assert!(
        out.status.success(),
        "the AWS CLI is needed for this test; scripts/test installs it into .venv\n{stderr}"
    );
    let identity: serde_json::Value = serde_json::from_str(&stdout).expect("the CLI's JSON");
    let arn = identity["Arn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:sts::111122223333:assumed-role/deploy/"),
        "{arn}"
    );
}

#[test]
fn the_commands_exit_code_and_signal_come_back() {
    let bench = installed();
    let exec = [
        "exec",
        "--role-to-assume",
        ROLE,
        "--aws-region",
        REGION,
        "--",
    ];
    let mut command = run_step(&bench, &exec);
    command.args(["sh", "-c", "exit 7"]);
    let (out, _, stderr) = output(&mut command);
    assert_eq!(out.status.code(), Some(7), "{stderr}");

    // The command replaces the process: a signal that ends it ends the process the same way.
    let mut command = run_step(&bench, &exec);
    command.args(["sh", "-c", "kill -TERM $$"]);
    let (out, _, stderr) = output(&mut command);
    assert_eq!(out.status.signal(), Some(15), "{stderr}");
}

#[test]
fn a_command_that_cannot_start_ends_as_in_a_shell() {
    let bench = installed();
    let not_executable = bench.job.workspace().join("script.sh");
    fs::write(&not_executable, "#!/bin/sh\n").unwrap();
    for (program, code) in [
        ("no-such-command-anywhere", 127),
        (not_executable.to_str().unwrap(), 126),
    ] {
        let mut command = run_step(&bench, &["exec", "--profile", "dev", "--"]);
        command.arg(program);
        let (out, stdout, stderr) = output(&mut command);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        assert_eq!(stdout, "");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("::error::"))
            .collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(
            errors[0].starts_with(&format!("::error::Cannot run '{program}': ")),
            "{stderr}"
        );
    }
}

#[test]
fn exec_with_a_profile_written_earlier() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("aws-profile", "deploy").with("install-cli", "true"));
    result.assert_success();
    let calls = bench.sts.requests().len();

    let mut command = run_step(&bench, &["exec", "--profile", "deploy", "--"]);
    command
        .args([
            "sh",
            "-c",
            "echo \"${AWS_PROFILE}|${AWS_ACCESS_KEY_ID-unset}|${AWS_SESSION_TOKEN-unset}\"",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIASTALEKEY")
        .env("AWS_SESSION_TOKEN", "stale");
    let (out, stdout, stderr) = output(&mut command);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "deploy|unset|unset\n");
    assert_eq!(bench.sts.requests().len(), calls, "no STS call");

    // A real client reads the profile the command is given.
    let mut command = run_step(&bench, &["exec", "--profile", "deploy", "--"]);
    command.args([
        Job::AWS_CLI,
        "sts",
        "get-caller-identity",
        "--output",
        "json",
    ]);
    let (out, stdout, stderr) = output(&mut command);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("assumed-role/deploy/"), "{stdout}");
}

#[test]
fn a_refused_role_fails_before_the_command_starts() {
    let bench = installed();
    let other = "arn:aws:iam::111122223333:role/not-trusted";
    let mut command = run_step(
        &bench,
        &["exec", "--role-to-assume", other, "--aws-region", REGION],
    );
    command.args(["--", "sh", "-c", "echo ran"]);
    let (out, stdout, stderr) = output(&mut command);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "", "the command did not run, nothing on stdout");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("::error::"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains(other), "{stderr}");
}

#[test]
fn usage_errors_name_the_flag_and_exit_2() {
    let bench = installed();
    for (args, problem) in [
        (
            &["exec", "--role", ROLE, "--", "true"][..],
            "error: invalid option '--role'\n",
        ),
        (
            &["exec", "--role-to-assume", ROLE, "--aws-region", REGION],
            "error: no command: give it after '--'\n",
        ),
        (
            &["exec", "--role-to-assume", ROLE, "true"],
            "error: unexpected argument 'true': put the command after '--'\n",
        ),
        (
            &["exec", "--aws-region", REGION, "--", "true"],
            "error: no role: give --role-to-assume ARN (or set ROLE_TO_ASSUME), or --profile NAME\n",
        ),
        (
            &[
                "exec",
                "--role-to-assume",
                ROLE,
                "--aws-region",
                REGION,
                "--role-duration-seconds",
                "an hour",
                "--",
                "true",
            ],
            "error: --role-duration-seconds must be",
        ),
        (
            &[
                "exec",
                "--profile",
                "dev",
                "--aws-region",
                "Mars",
                "--",
                "true",
            ],
            "error: --aws-region must be a region name",
        ),
        (&["--nope"], "error: invalid option '--nope'\n"),
        (&["deploy"], "error: unknown command 'deploy'\n"),
        (&["post", "now"], "error: unexpected argument \"now\"\n"),
    ] {
        let (out, stdout, stderr) = output(&mut run_step(&bench, args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(stderr.starts_with(problem), "{args:?}: {stderr}");
        assert!(stderr.contains("\nusage: aws-oidc-credentials"), "{stderr}");
    }
    // An empty flag does not fall back to the variable the action would read.
    let mut command = run_step(
        &bench,
        &["exec", "--role-to-assume", "", "--aws-region", REGION],
    );
    command.env("ROLE_TO_ASSUME", ROLE).args(["--", "true"]);
    let (out, stdout, stderr) = output(&mut command);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: --role-to-assume is given an empty value"),
        "{stderr}"
    );
    assert!(bench.sts.requests().is_empty(), "no STS call");
}

#[test]
fn help_and_version() {
    let bench = installed();
    let (out, stdout, _) = output(&mut run_step(&bench, &["--help"]));
    assert!(out.status.success());
    for shown in [
        "post",
        "exec [OPTIONS] -- COMMAND",
        "explain --trust-policy",
        "--version",
    ] {
        assert!(stdout.contains(shown), "{stdout}");
    }
    let (out, stdout, _) = output(&mut run_step(&bench, &["exec", "--help"]));
    assert!(out.status.success());
    for flag in [
        "--role-to-assume ARN",
        "--aws-region REGION",
        "--audience AUDIENCE",
        "--role-session-name NAME",
        "--role-duration-seconds SECONDS",
        "--profile NAME",
    ] {
        assert!(stdout.contains(flag), "{stdout}");
    }
    let (out, stdout, _) = output(&mut run_step(&bench, &["-V"]));
    assert!(out.status.success());
    assert_eq!(stdout, format!("{BINARY} {}\n", env!("CARGO_PKG_VERSION")));
}
