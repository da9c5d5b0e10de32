//! The Windows binary run under wine against the local stand-ins: `exec`, and `credential-process`
//! started from the line written for Windows as the SDKs there start it (botocore, node's
//! `cmd.exe /d /s /c`, and the Rust and Go SDKs' `cmd.exe /C`), with the binary and its settings
//! in folders whose names hold spaces and cmd.exe's characters. The binary is
//! `AWS_OIDC_CREDENTIALS_TEST_WINDOWS_BINARY`, else the one `scripts/build-dist` leaves in
//! `dist/bin/windows-x64`; the wine prefix is `WINEPREFIX`, else the one `scripts/build-dist`
//! makes (which also installs wine). Without any of them each test is skipped, saying why.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws_oidc_credentials::refresh::command_line_for;

use crate::support::{Bench, REGION, ROLE};
use crate::windows_line::{botocore_on_windows, node_exec, python_with_botocore};

/// A runner folder and a `RUNNER_TEMP` as hostile as Windows allows, `%` aside (refused): the
/// first quoted only for the `,`, `;` and `=` at which cmd.exe ends a program's path, the second
/// for its spaces and cmd.exe's own characters.
const RUNNER: &str = "actions-runner,a;b=c'd'";
const TEMP: &str = "_temp R&D (2) ^f !g";

struct Wine {
    wine: PathBuf,
    prefix: PathBuf,
    binary: PathBuf,
}

impl Wine {
    /// Wine with the Windows binary, or `None` with the reason printed.
    fn find() -> Option<Wine> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let binary = std::env::var_os("AWS_OIDC_CREDENTIALS_TEST_WINDOWS_BINARY")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("dist/bin/windows-x64/aws-oidc-credentials.exe"));
        let prefix = std::env::var_os("WINEPREFIX")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/dist/wine/prefix"));
        let path = std::env::var_os("PATH").unwrap_or_default();
        let wine = std::env::split_paths(&path)
            .flat_map(|dir| [dir.join("wine"), dir.join("wine64")])
            .find(|wine| wine.is_file());
        let why = match (wine, binary.is_file(), prefix.is_dir()) {
            (None, ..) => "wine is not installed",
            (_, false, _) => "there is no windows-x64 binary",
            (_, _, false) => "there is no wine prefix",
            (Some(wine), true, true) => {
                return Some(Wine {
                    wine,
                    prefix,
                    binary,
                });
            }
        };
        eprintln!(
            "skipped: {why} (scripts/build-dist installs wine, builds the binary and makes the \
             prefix)"
        );
        None
    }

    /// `wine PROGRAM` in a later step of `bench`'s job (with its token request).
    fn command(&self, bench: &Bench, program: impl AsRef<OsStr>) -> Command {
        let mut command = bench.later_step(&self.wine);
        command
            .arg(program)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all");
        command
    }

    /// The binary copied into the folder `name` of the job's workspace, as Windows names it.
    fn install(&self, bench: &Bench, name: &str) -> String {
        let dir = bench.job.workspace().join(name);
        fs::create_dir_all(&dir).unwrap();
        let binary = dir.join("aws-oidc-credentials.exe");
        fs::copy(&self.binary, &binary).unwrap();
        windows_path(&binary)
    }
}

/// `path` as Windows programs under wine name it: drive Z: is `/`.
fn windows_path(path: &Path) -> String {
    format!(r"Z:{}", path.to_str().unwrap().replace('/', r"\"))
}

fn output(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("wine runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

#[test]
fn exec_under_wine_gives_the_command_the_credentials_and_its_exit_code_back() {
    let Some(wine) = Wine::find() else {
        return;
    };
    let bench = Bench::new();
    let binary = wine.install(&bench, RUNNER);
    let exec = |command: &[&str]| {
        let mut run = wine.command(&bench, &binary);
        run.args([
            "exec",
            "--role-to-assume",
            ROLE,
            "--aws-region",
            REGION,
            "--",
        ])
        .args(command)
        .env("AWS_ENDPOINT_URL_STS", bench.sts.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true");
        output(&mut run)
    };

    let (out, stdout, stderr) = exec(&["cmd.exe", "/c", "set", "AWS_"]);
    assert!(out.status.success(), "{stderr}");
    let issued = bench.sts.issued_credentials();
    assert_eq!(issued.len(), 1);
    let creds = &issued[0];
    let seen: Vec<&str> = stdout.lines().map(str::trim_end).collect();
    for expected in [
        format!("AWS_ACCESS_KEY_ID={}", creds.access_key_id),
        format!("AWS_SECRET_ACCESS_KEY={}", creds.secret_access_key),
        format!("AWS_SESSION_TOKEN={}", creds.session_token),
        format!("AWS_REGION={REGION}"),
        format!("AWS_DEFAULT_REGION={REGION}"),
    ] {
        assert!(seen.contains(&expected.as_str()), "{expected}:\n{stdout}");
    }
    for secret in [&creds.secret_access_key, &creds.session_token] {
        assert!(
            stderr.contains(&format!("::add-mask::{secret}")),
            "masked: {stderr}"
        );
    }
    let calls = bench.sts.requests();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "AssumeRoleWithWebIdentity");
    assert_eq!(calls[0].params["RoleArn"], ROLE);

    let (out, _, stderr) = exec(&["cmd.exe", "/c", "exit", "7"]);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
}

/// The settings file a Linux run of the action with `refresh-credentials` wrote, moved with its
/// cache into the folder `name` of the job's workspace: the settings as Windows names them, and
/// the cache.
fn moved_settings(bench: &Bench, name: &str) -> (String, PathBuf) {
    let written = fs::read_dir(bench.job.runner_temp())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            let file = path.file_name().unwrap().to_str().unwrap();
            file.starts_with("aws-oidc-credentials-")
                && file.ends_with(".json")
                && !file.ends_with(".cache.json")
        })
        .expect("the settings file in RUNNER_TEMP");
    let dir = bench.job.workspace().join(name);
    fs::create_dir_all(&dir).unwrap();
    let mut settings: serde_json::Value =
        serde_json::from_slice(&fs::read(&written).unwrap()).unwrap();
    let cache = PathBuf::from(settings["cache"].as_str().unwrap());
    let moved_cache = dir.join(cache.file_name().unwrap());
    fs::rename(&cache, &moved_cache).unwrap();
    settings["cache"] = windows_path(&moved_cache).into();
    let moved = dir.join(written.file_name().unwrap());
    fs::write(&moved, serde_json::to_vec(&settings).unwrap()).unwrap();
    (windows_path(&moved), moved_cache)
}

/// The `credential_process` answer's access key id, after checking its shape.
fn access_key_id(stdout: &str) -> String {
    let answer: serde_json::Value = serde_json::from_str(stdout).expect("one JSON answer");
    assert_eq!(answer["Version"], 1, "{stdout}");
    assert!(answer["Expiration"].is_string(), "{stdout}");
    answer["AccessKeyId"].as_str().unwrap().to_owned()
}

#[test]
fn credential_process_under_wine_from_the_windows_line_as_botocore_and_node_run_it() {
    let Some(wine) = Wine::find() else {
        return;
    };
    let Some(python) = python_with_botocore() else {
        return;
    };
    let mut bench = Bench::new();
    bench
        .run(|s| s.with("refresh-credentials", "true"))
        .assert_success();
    let binary = wine.install(&bench, RUNNER);
    let (settings, cache) = moved_settings(&bench, TEMP);
    let line = command_line_for(binary.as_ref(), settings.as_ref(), true).unwrap();

    // botocore: the line split for win32, the words started as a list (wine joins them into a
    // command line as Python's list2cmdline does).
    let (words, _) = botocore_on_windows(python, std::slice::from_ref(&line)).remove(0);
    let mut botocore = wine.command(&bench, &words[0]);
    botocore.args(&words[1..]);
    // The JavaScript SDK: node's exact `cmd.exe /d /s /c "LINE"`, which wine would quote again
    // if given as arguments; wine's cmd.exe hands the expansion of `%NODE_EXEC%` on as it is.
    let mut node = wine.command(&bench, "cmd.exe");
    node.args(["/c", "%NODE_EXEC%"])
        .env("NODE_EXEC", node_exec(&line));

    for (how, run) in [("botocore", &mut botocore), ("node", &mut node)] {
        // From the cache, then, without it, renewed through the stand-ins.
        let last = bench.sts.issued_credentials().pop().unwrap();
        let calls = bench.sts.requests().len();
        let (out, stdout, stderr) = output(run);
        assert!(out.status.success(), "{how}: {line}\n{stderr}");
        assert_eq!(access_key_id(&stdout), last.access_key_id, "{how}");
        assert_eq!(bench.sts.requests().len(), calls, "{how}: no STS call");

        fs::remove_file(&cache).unwrap();
        let (out, stdout, stderr) = output(run);
        assert!(out.status.success(), "{how}: {line}\n{stderr}");
        let renewed = bench.sts.issued_credentials().pop().unwrap();
        assert_ne!(renewed.access_key_id, last.access_key_id);
        assert_eq!(access_key_id(&stdout), renewed.access_key_id, "{how}");
        assert_eq!(bench.sts.requests().len(), calls + 1, "{how}: one STS call");
    }
}

/// The Rust SDK (this binary's own, reading a profile) runs `credential_process` as the Go SDK
/// does: `cmd.exe /C LINE`, the line one argument with its quotes escaped as `\"`, which cmd.exe
/// does not undo. A bare line, as on GitHub's runners, works; a quoted one cannot, which is why
/// the line quotes a path only where it must.
#[test]
fn the_rust_sdk_runs_the_line_only_when_bare() {
    let Some(wine) = Wine::find() else {
        return;
    };
    for (runner, bare) in [("actions-runner", true), ("actions runner", false)] {
        let mut bench = Bench::new();
        bench
            .run(|s| s.with("refresh-credentials", "true"))
            .assert_success();
        let cached = bench.sts.issued_credentials().pop().unwrap();
        let binary = wine.install(&bench, runner);
        let (settings, _) = moved_settings(&bench, "_temp");
        let line = command_line_for(binary.as_ref(), settings.as_ref(), true).unwrap();
        let dir = bench.job.workspace();
        fs::write(
            dir.join("config"),
            format!("[profile renewing]\ncredential_process = {line}\n"),
        )
        .unwrap();
        // Without the job's token request, `exec` assumes the role with the profile's keys.
        let mut run = wine.command(&bench, &binary);
        run.args(["exec", "--role-to-assume", ROLE, "--aws-region", REGION])
            .args(["--", "cmd.exe", "/c", "exit", "0"])
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
            .env("AWS_CONFIG_FILE", windows_path(&dir.join("config")))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                windows_path(&dir.join("none")),
            )
            .env("AWS_PROFILE", "renewing")
            .env("AWS_ENDPOINT_URL_STS", bench.sts.endpoint())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        let (out, _, stderr) = output(&mut run);
        assert_eq!(out.status.success(), bare, "{line}\n{stderr}");
        let last = bench.sts.requests().pop().unwrap();
        if bare {
            assert_eq!(last.action, "AssumeRole");
            assert_eq!(last.caller_access_key, Some(cached.access_key_id));
        } else {
            assert_eq!(
                last.action, "AssumeRoleWithWebIdentity",
                "no call after the step's"
            );
            assert!(
                stderr.contains("the credential_process of AWS profile 'renewing' failed"),
                "{stderr}"
            );
        }
    }
}
