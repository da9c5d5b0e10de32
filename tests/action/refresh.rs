//! `refresh-credentials`: later steps get a profile whose `credential_process` renews the role's
//! session, and real clients (boto3, the AWS CLI) configured only by what the step exported
//! keep working across expiries.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use crate::support::{Bench, REGION, ROLE, assert_failed_with};
use testbench::runner::Job;
use testbench::sts::Fault;

/// How the renewing profile of the default job is named: the prefix, the run, its attempt and
/// the job (eight random hex digits follow).
const PROFILE_PREFIX: &str = "aws-oidc-credentials-4242424242-1-deploy-";

fn config_file(bench: &Bench) -> PathBuf {
    bench.job.home().join(".aws").join("config")
}

/// The profile the job's later steps use: the one `AWS_PROFILE` names.
fn profile(bench: &Bench) -> String {
    bench.job.env()["AWS_PROFILE"].clone()
}

/// The `credential_process` line of `profile` in the config file.
fn credential_process_of(bench: &Bench, profile: &str) -> String {
    let config = fs::read_to_string(config_file(bench)).expect("the config file");
    let header = format!("[profile {profile}]");
    config
        .lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| line.strip_prefix("credential_process = "))
        .unwrap_or_else(|| panic!("a credential_process line for {profile}:\n{config}"))
        .to_owned()
}

/// The `credential_process` line of the profile the job's later steps use.
fn credential_process(bench: &Bench) -> String {
    credential_process_of(bench, &profile(bench))
}

/// Runs the profile's `credential_process` as the SDKs do, through the shell.
fn run_credential_process(bench: &Bench) -> Output {
    bench
        .later_step("sh")
        .args(["-c", &credential_process(bench)])
        .output()
        .expect("sh runs")
}

/// `count` later steps that run the profile's `credential_process` at once, as the SDKs do,
/// their output piped.
fn callers_at_once(bench: &Bench, count: usize) -> Vec<std::process::Child> {
    let line = credential_process(bench);
    (0..count)
        .map(|_| {
            bench
                .later_step("sh")
                .args(["-c", &line])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

fn web_identity_calls(bench: &Bench) -> usize {
    bench
        .sts
        .requests()
        .iter()
        .filter(|r| r.action == "AssumeRoleWithWebIdentity")
        .count()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn later_steps_get_a_renewing_profile_instead_of_keys() {
    let mut bench = Bench::new();
    // An earlier step's keys would win over any profile: they are blanked.
    bench.run(|s| s).assert_success();
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("output-credentials", "true")
    });
    result.assert_success();
    let profile = &result.env["AWS_PROFILE"];
    assert!(profile.starts_with(PROFILE_PREFIX), "{profile}");
    assert_eq!(result.env["AWS_REGION"], REGION);
    assert_eq!(result.env["AWS_DEFAULT_REGION"], REGION);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert_eq!(result.env[name], "", "{name} is blanked");
    }
    assert!(!result.env.contains_key("AWS_CONFIG_FILE"));
    // output-credentials still gives the first credentials.
    let first = bench.sts.issued_credentials().pop().unwrap();
    assert_eq!(result.outputs["aws-access-key-id"], first.access_key_id);
    assert_eq!(result.outputs["aws-expiration"], first.expiration);

    let config = fs::read_to_string(config_file(&bench)).unwrap();
    let line = credential_process(&bench);
    assert_eq!(
        config,
        format!("[profile {profile}]\ncredential_process = {line}\nregion = {REGION}\n")
    );
    assert!(line.contains("' credential-process '"), "{line}");
    assert!(!bench.job.home().join(".aws/credentials").exists());
    let settings = PathBuf::from(&result.state["refresh_settings"]);
    assert!(settings.starts_with(bench.job.runner_temp()));
    let text = fs::read_to_string(&settings).unwrap();
    let mut secrets = bench.github.issued_tokens();
    secrets.push(bench.github.request_token().to_owned());
    secrets.extend([first.secret_access_key.clone(), first.session_token.clone()]);
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "no secret in {text}");
    }
    let cache: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cache = PathBuf::from(cache["cache"].as_str().unwrap());
    #[cfg(unix)]
    {
        assert_eq!(mode(&settings), 0o600);
        assert_eq!(mode(&cache), 0o600);
        assert_eq!(mode(&config_file(&bench)), 0o600);
    }

    // The first caller gets the step's credentials from the cache: no STS call. Stdout holds
    // the JSON and nothing else.
    let calls = bench.sts.requests().len();
    let output = run_credential_process(&bench);
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert_eq!(json["Version"], 1);
    assert_eq!(json["AccessKeyId"], first.access_key_id.as_str());
    assert_eq!(json["SecretAccessKey"], first.secret_access_key.as_str());
    assert_eq!(json["SessionToken"], first.session_token.as_str());
    assert_eq!(json["Expiration"], first.expiration.as_str());
    assert_eq!(bench.sts.requests().len(), calls);

    // The post steps take out the profile, the settings and the cache, and blank AWS_PROFILE.
    let posts = bench.finish();
    let post = posts[0].result().expect("the post step ran");
    post.assert_success();
    assert_eq!(post.env["AWS_PROFILE"], "");
    assert!(!config_file(&bench).exists());
    assert!(!settings.exists() && !cache.exists());
}

#[test]
fn aws_profile_names_the_profile_and_a_config_file_of_the_step_is_exported() {
    let mut bench = Bench::new();
    let config = bench.job.workspace().join("aws config");
    fs::write(&config, "# ours\n[profile other]\nregion = eu-west-1\n").unwrap();
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("aws-profile", "long job")
    });
    assert_failed_with(&result, &["aws-profile", "whitespace"]);
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("aws-profile", "long-job")
            .env("AWS_CONFIG_FILE", config.to_str().unwrap())
    });
    result.assert_success();
    assert_eq!(result.env["AWS_PROFILE"], "long-job");
    assert_eq!(result.env["AWS_CONFIG_FILE"], config.to_str().unwrap());
    let text = fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("# ours\n[profile other]\nregion = eu-west-1\n\n[profile long-job]\n"),
        "{text}"
    );
}

#[test]
fn sources_that_cannot_renew_are_refused() {
    let mut bench = Bench::new();
    let keys = bench.sts.user("arn:aws:iam::111122223333:user/ci");
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("aws-access-key-id", &keys.access_key_id)
            .with("aws-secret-access-key", &keys.secret_access_key)
    });
    assert_failed_with(
        &result,
        &[
            "Input 'refresh-credentials'",
            "GitHub OIDC",
            "web-identity-token-file",
            "Access keys",
        ],
    );
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("refresh-margin-seconds", "3600")
    });
    assert_failed_with(
        &result,
        &[
            "Input 'refresh-margin-seconds'",
            "less than the session's 3600",
        ],
    );
    assert!(bench.sts.requests().is_empty());
    assert!(!config_file(&bench).exists());
}

#[test]
fn twenty_callers_at_once_make_one_sts_call() {
    let mut bench = Bench::new();
    // The step's credentials have less than the margin left: the first caller renews.
    bench.sts.session_lifetime(Some(600));
    bench
        .run(|s| s.with("refresh-credentials", "true"))
        .assert_success();
    bench.sts.session_lifetime(None);
    let before = web_identity_calls(&bench);
    let keys: Vec<String> = callers_at_once(&bench, 20)
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{output:?}");
            let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            json["AccessKeyId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(web_identity_calls(&bench), before + 1);
    let renewed = bench.sts.issued_credentials().pop().unwrap();
    assert!(
        keys.iter().all(|key| *key == renewed.access_key_id),
        "{keys:?}"
    );
}

#[test]
fn a_renewal_that_fails_says_why_in_one_line_on_stderr() {
    let mut bench = Bench::new();
    bench.sts.session_lifetime(Some(600));
    bench
        .run(|s| s.with("refresh-credentials", "true"))
        .assert_success();
    bench.sts.fail_always(Fault::Error {
        status: 403,
        code: "AccessDenied".into(),
        message: "Not authorized to perform sts:AssumeRoleWithWebIdentity".into(),
    });
    let output = run_credential_process(&bench);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("AccessDenied"), "{stderr}");
    assert!(stderr.contains(ROLE), "{stderr}");
    for jwt in bench.github.issued_tokens() {
        assert!(
            !stderr.contains(jwt.rsplit('.').next().unwrap()),
            "{stderr}"
        );
    }

    // Without the job's token request (a step of another job, or no id-token permission).
    let output = bench
        .job
        .command("sh")
        .args(["-c", &credential_process(&bench)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("ACTIONS_ID_TOKEN_REQUEST_URL is not set"),
        "{stderr}"
    );
}

/// Against an STS that never answers, a renewal and the callers waiting for it all end with one
/// error line within the time limit (here the step's `action-timeout-s`; 50 s at most).
#[test]
fn renewals_against_a_stalled_sts_end_within_the_time_limit() {
    let mut bench = Bench::new();
    bench.sts.session_lifetime(Some(600));
    bench
        .run(|s| {
            s.with("refresh-credentials", "true")
                .with("action-timeout-s", "2")
        })
        .assert_success();
    bench.sts.fail_always(Fault::Hang);
    let start = Instant::now();
    for caller in callers_at_once(&bench, 4) {
        let output = caller.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert!(output.stdout.is_empty(), "{output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("the 2 s a call may take"), "{stderr}");
    }
    let elapsed = start.elapsed();
    assert!(elapsed.as_secs_f64() < 8.0, "all ended in {elapsed:?}");
}

/// boto3 in a later step of `bench`'s job, configured only by what the job exported, calling
/// STS every 0.2 s for `seconds`; it prints how many calls it made and the roles that answered.
fn boto3_calls(bench: &Bench, seconds: u64) -> std::process::Child {
    let script = bench.job.workspace().join("calls.py");
    fs::write(
        &script,
        "import sys, time, boto3\n\
         end = time.time() + float(sys.argv[1])\n\
         client = boto3.session.Session().client('sts', endpoint_url=sys.argv[2])\n\
         calls, roles = 0, set()\n\
         while time.time() < end:\n\
         \x20   roles.add(client.get_caller_identity()['Arn'].split('/')[1])\n\
         \x20   calls += 1\n\
         \x20   time.sleep(0.2)\n\
         print(calls, ' '.join(sorted(roles)))\n",
    )
    .unwrap();
    bench
        .later_step(python().to_str().unwrap())
        .arg(&script)
        .arg(seconds.to_string())
        .arg(bench.sts.endpoint())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs")
}

/// What `child`, a later step's command called `name`, printed, once it succeeded.
fn stdout_of(child: std::process::Child, name: &str) -> String {
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.trim().to_owned()
}

/// The interpreter of the AWS CLI on `PATH` (boto3 comes with it).
fn python() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join(Job::AWS_CLI).is_file() && dir.join("python3").is_file())
        .map(|dir| dir.join("python3"))
        .expect("the AWS CLI and its python3 on PATH: scripts/test installs them into .venv")
}

/// Sessions of a few seconds and a margin to match, far inside botocore's own refresh windows
/// (15 and 10 minutes): boto3 and the AWS CLI, configured only by what the step exported, make
/// calls across more than three expiries at once. They run `credential_process` before every
/// call, as the warning says, and none fails (botocore refuses only expired credentials); the
/// renewals follow the sessions, not the calls.
#[cfg(unix)]
#[test]
fn boto3_and_the_aws_cli_keep_working_across_expiries() {
    const LIFETIME: u64 = 10;
    let mut bench = Bench::new();
    bench.sts.session_lifetime(Some(LIFETIME as u32));
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("refresh-margin-seconds", "4")
    });
    result.assert_success();
    assert!(
        result.warnings[0].contains("'refresh-margin-seconds' is 4"),
        "{:?}",
        result.warnings
    );

    let seconds = 3 * LIFETIME + 4;
    let endpoint = bench.sts.endpoint();
    let start = Instant::now();
    let before = web_identity_calls(&bench);
    let spawn = |mut command: Command| {
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 and sh run")
    };
    let cli_loop = format!(
        "end=$(( $(date +%s) + {seconds} )); n=0; \
         while [ \"$(date +%s)\" -lt $end ]; do \
         {} sts get-caller-identity --endpoint-url {endpoint} --output text >/dev/null || exit 1; \
         n=$((n+1)); done; echo $n",
        Job::AWS_CLI
    );
    let mut cli = bench.later_step("sh");
    cli.args(["-c", &cli_loop]);
    let (boto3, cli) = (boto3_calls(&bench, seconds), spawn(cli));
    let calls = |child, name| -> usize {
        let stdout = stdout_of(child, name);
        stdout.split(' ').next().unwrap().parse().unwrap()
    };
    let calls = calls(boto3, "boto3") + calls(cli, "the AWS CLI");
    let elapsed = start.elapsed();
    let renewals = web_identity_calls(&bench) - before;
    let lifetimes = elapsed.as_secs_f64() / LIFETIME as f64;
    assert!(lifetimes >= 3.0, "{elapsed:?}");
    // Each session is renewed once, near its end: more than three times across three
    // lifetimes, at most twice a lifetime, and far fewer times than the calls made.
    assert!(renewals >= 3, "{renewals} renewals in {elapsed:?}");
    assert!(
        renewals as f64 <= 2.0 * lifetimes.ceil(),
        "{renewals} renewals in {lifetimes:.1} lifetimes"
    );
    assert!(calls >= 3 * renewals, "{calls} calls, {renewals} renewals");
    let identity_calls: Vec<_> = bench
        .sts
        .requests()
        .into_iter()
        .filter(|r| r.action == "GetCallerIdentity")
        .collect();
    assert_eq!(identity_calls.len(), calls);
    assert!(identity_calls.iter().all(|r| r.outcome == "OK"));
}

#[test]
fn a_token_file_profile_is_renewed_by_the_sdks_themselves() {
    let mut bench = Bench::new();
    let token = bench.github.mint("sts.amazonaws.com");
    let file = bench.job.workspace().join("token");
    fs::write(&file, &token).unwrap();
    let endpoint = bench.sts.endpoint();
    // STS named the way the SDKs read it too, rather than by `sts-endpoint`.
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("web-identity-token-file", "token")
            .with("sts-endpoint", "")
            .env("AWS_ENDPOINT_URL_STS", &endpoint)
    });
    result.assert_success();
    assert!(!result.state.contains_key("refresh_settings"));
    assert_eq!(
        fs::read_to_string(config_file(&bench)).unwrap(),
        format!(
            "[profile {}]\nrole_arn = {ROLE}\nweb_identity_token_file = {}\n\
             role_session_name = GitHubActions\nregion = {REGION}\n",
            profile(&bench),
            file.display()
        )
    );
    let output = bench
        .job
        .command(Job::AWS_CLI)
        .args(["sts", "get-caller-identity", "--output", "json"])
        .env("AWS_ENDPOINT_URL_STS", &endpoint)
        .output()
        .expect("the AWS CLI runs");
    assert!(output.status.success(), "{output:?}");
    let identity: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        identity["Arn"]
            .as_str()
            .unwrap()
            .ends_with(":assumed-role/deploy/GitHubActions"),
        "{identity}"
    );
    assert_eq!(web_identity_calls(&bench), 2, "the CLI assumed the role");

    // With `sts-endpoint`, which the SDKs would not use, the profile runs credential-process,
    // which reads the token file again (the step's session is within the margin).
    bench.sts.session_lifetime(Some(600));
    let result = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("web-identity-token-file", "token")
    });
    result.assert_success();
    assert!(result.state.contains_key("refresh_settings"));
    let output = run_credential_process(&bench);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(web_identity_calls(&bench), 4);
    let last = bench.sts.requests().pop().unwrap();
    assert_eq!(last.params["WebIdentityToken"], token);
    assert!(bench.github.requests().is_empty());
}

/// The role the AWS CLI answers as with `profile`, in a later step of `bench`'s job.
fn cli_role(bench: &Bench, profile: &str) -> Result<String, String> {
    let output = bench
        .later_step(Job::AWS_CLI)
        .args(["sts", "get-caller-identity", "--output", "text"])
        .args(["--query", "Arn", "--endpoint-url", &bench.sts.endpoint()])
        .env("AWS_PROFILE", profile)
        .output()
        .expect("the AWS CLI runs");
    match output.status.success() {
        true => Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

#[test]
fn two_renewing_uses_in_one_job_each_keep_their_profile_and_post_step() {
    const OTHER: &str = "arn:aws:iam::111122223333:role/audit";
    let mut bench = Bench::new();
    bench.sts.role(OTHER);
    let first = bench.run(|s| s.with("refresh-credentials", "true"));
    first.assert_success();
    let second = bench.run(|s| {
        s.with("refresh-credentials", "true")
            .with("role-to-assume", OTHER)
    });
    second.assert_success();
    let (one, two) = (&first.env["AWS_PROFILE"], &second.env["AWS_PROFILE"]);
    assert!(one.starts_with(PROFILE_PREFIX) && two.starts_with(PROFILE_PREFIX));
    assert_ne!(one, two);
    assert_eq!(profile(&bench), *two, "later steps use the last one");
    // Each profile answers as its own role.
    let assumed = |role: &str| {
        role.replace(":iam::", ":sts::")
            .replace(":role/", ":assumed-role/")
    };
    assert!(cli_role(&bench, one).unwrap().starts_with(&assumed(ROLE)));
    assert!(cli_role(&bench, two).unwrap().starts_with(&assumed(OTHER)));

    // The last use's post step runs first and takes out its own profile alone.
    let post = bench.run_last_post().unwrap();
    let log = post.result().expect("a post step ran").log();
    assert!(
        log.contains(&format!("Removed the AWS profile '{two}' this job wrote")),
        "{log}"
    );
    let still = cli_role(&bench, one);
    assert!(
        still.is_ok(),
        "the first use's profile still works: {still:?}"
    );
    assert!(!Path::new(&second.state["refresh_settings"]).exists());
    assert!(Path::new(&first.state["refresh_settings"]).exists());
    let post = bench.run_last_post().unwrap();
    let log = post.result().expect("a post step ran").log();
    assert!(
        log.contains(&format!("Removed the AWS profile '{one}' this job wrote")),
        "{log}"
    );
    assert!(!config_file(&bench).exists());
    assert!(!Path::new(&first.state["refresh_settings"]).exists());
}

/// Two jobs at once on one self-hosted machine whose runners share a home directory, each
/// with its own role, run their steps at the same time and call AWS across several expiries
/// of their sessions; each keeps answering as its own role to the end, also after the other
/// job's post step has run.
#[cfg(unix)]
#[test]
fn concurrent_jobs_sharing_a_home_keep_their_own_roles() {
    const LIFETIME: u64 = 6;
    const OTHER: &str = "arn:aws:iam::444455556666:role/other-team";
    let mut a = Bench::new();
    let mut b = Bench::new();
    b.sts.role(OTHER);
    b.job.share_home(&a.job);
    for bench in [&a, &b] {
        bench.sts.session_lifetime(Some(LIFETIME as u32));
    }
    fn step(s: testbench::runner::Step<'_>) -> testbench::runner::Step<'_> {
        s.with("refresh-credentials", "true")
            .with("refresh-margin-seconds", "2")
    }
    let (ra, rb) = std::thread::scope(|scope| {
        let ra = scope.spawn(|| a.run(step));
        let rb = scope.spawn(|| b.run(|s| step(s).with("role-to-assume", OTHER)));
        (ra.join().unwrap(), rb.join().unwrap())
    });
    ra.assert_success();
    rb.assert_success();
    assert_ne!(ra.env["AWS_PROFILE"], rb.env["AWS_PROFILE"]);

    // Each job calls STS as its profile every 0.2 s; B goes on for a lifetime after A's post
    // step.
    let roles = |child, job| {
        let stdout = stdout_of(child, job);
        stdout.split_once(' ').unwrap().1.to_owned()
    };
    let before = (web_identity_calls(&a), web_identity_calls(&b));
    let (calls_a, calls_b) = (boto3_calls(&a, 3 * LIFETIME), boto3_calls(&b, 4 * LIFETIME));
    assert_eq!(roles(calls_a, "job A"), "deploy");
    let posts = a.finish();
    posts[0]
        .result()
        .expect("A's post step ran")
        .assert_success();
    assert_eq!(roles(calls_b, "job B"), "other-team");
    // Both renewed across the expiries, each with its own STS.
    assert!(web_identity_calls(&a) >= before.0 + 2, "A renewed");
    assert!(web_identity_calls(&b) >= before.1 + 3, "B renewed");
    b.finish()[0]
        .result()
        .expect("B's post step ran")
        .assert_success();
    assert!(!config_file(&a).exists(), "nothing left in the shared home");
}

/// A later step with `role-chaining` starts from the renewing profile: the job's environment
/// holds `AWS_PROFILE` and blank keys, so the SDK's chain runs the profile's
/// `credential_process`, which renews the session, and the role is assumed with it.
#[test]
fn a_later_step_chains_from_the_renewing_profile() {
    const NEXT: &str = "arn:aws:iam::444455556666:role/next";
    let mut bench = Bench::new();
    bench
        .sts
        .role(NEXT)
        .trust_principals(&["arn:aws:sts::111122223333:assumed-role/deploy/*"]);
    // The step's session has less than the margin left: the chain's call renews it.
    bench.sts.session_lifetime(Some(600));
    bench
        .run(|s| s.with("refresh-credentials", "true"))
        .assert_success();
    bench.sts.session_lifetime(None);
    assert!(profile(&bench).starts_with(PROFILE_PREFIX));

    let result = bench.run(|s| s.with("role-to-assume", NEXT).with("role-chaining", "true"));
    result.assert_success();
    assert_eq!(
        web_identity_calls(&bench),
        2,
        "the profile renewed its session"
    );
    let issued = bench.sts.issued_credentials();
    let renewed = &issued[1];
    assert_eq!(renewed.role_arn, ROLE);
    let requests = bench.sts.requests();
    let assume = requests
        .iter()
        .find(|r| r.action == "AssumeRole")
        .unwrap_or_else(|| panic!("an AssumeRole call: {requests:?}"));
    assert_eq!(assume.params["RoleArn"], NEXT);
    assert_eq!(
        assume.caller_access_key.as_deref(),
        Some(renewed.access_key_id.as_str()),
        "signed with the renewed credentials"
    );
    assert_eq!(assume.outcome, "OK");
    let chained = issued.last().unwrap();
    assert_eq!(chained.role_arn, NEXT);
    assert_eq!(result.env["AWS_ACCESS_KEY_ID"], chained.access_key_id);
}
