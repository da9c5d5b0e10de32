//! `profiles`: several roles from one token, each written as a named profile, all or nothing;
//! the AWS CLI reads each profile; the post step removes them all.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{Bench, REGION, ROLE, assert_failed_with};
use testbench::runner::{Job, StepResult};
use testbench::sts::Fault;

const DEV: &str = "arn:aws:iam::111111111111:role/dev-deploy";
const PROD: &str = "arn:aws:iam::222222222222:role/prod-deploy";
const AUDIT: &str = "arn:aws:iam::333333333333:role/audit-read";

/// The three roles, as the input lists them, with a comment and a blank line.
fn three() -> String {
    format!(
        "# the accounts of this job\ndev={DEV}\n\nprod = {PROD}  # the big one\naudit={AUDIT}\n"
    )
}

fn with_roles(bench: &Bench) {
    for arn in [DEV, PROD, AUDIT] {
        bench.sts.role(arn);
    }
}

const USER: &str = "arn:aws:iam::111122223333:user/ci";

/// The roles trust the IAM user `USER` (of another account) to assume them.
fn trusting_the_user(bench: &Bench) {
    for arn in [DEV, PROD] {
        bench.sts.role(arn).trust_principals(&[USER]);
    }
}

fn aws_files(bench: &Bench) -> (PathBuf, PathBuf) {
    let dir = bench.job.home().join(".aws");
    (dir.join("credentials"), dir.join("config"))
}

/// `aws sts get-caller-identity --profile NAME` in a later step, against the STS stand-in
/// (which checks the signature of the credentials it issued): the ARN it answers.
fn cli_arn(bench: &Bench, profile: &str) -> String {
    let output = bench
        .later_step(Job::AWS_CLI)
        .args(["sts", "get-caller-identity", "--output", "json"])
        .args([
            "--profile",
            profile,
            "--endpoint-url",
            &bench.sts.endpoint(),
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("the AWS CLI is needed for this test ({e}); scripts/test installs it into .venv")
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "aws sts get-caller-identity --profile {profile} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let identity: serde_json::Value = serde_json::from_str(&stdout).expect("JSON from the CLI");
    identity["Arn"].as_str().unwrap_or_default().to_owned()
}

/// The ARN of the session STS issued for `role` (`arn:aws:sts::ACCOUNT:assumed-role/NAME/…`).
fn session_arn(role: &str, session: &str) -> String {
    let account = role.split(':').nth(4).unwrap();
    let name = role.rsplit('/').next().unwrap();
    format!("arn:aws:sts::{account}:assumed-role/{name}/{session}")
}

/// Asserts that nothing of the run is left anywhere: no profile file, no state.
fn assert_nothing_written(bench: &Bench, result: &StepResult) {
    let (credentials, config) = aws_files(bench);
    assert!(!credentials.exists() && !config.exists(), "no profile file");
    assert!(result.state.is_empty(), "no state: {:?}", result.state);
}

#[test]
fn three_roles_from_one_token_each_get_a_profile_the_aws_cli_answers_for() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let result = bench.run(|s| s.with("profiles", &three()));
    result.assert_success();

    assert_eq!(bench.github.requests().len(), 1, "one GitHub token");
    let calls: Vec<String> = bench
        .sts
        .requests()
        .iter()
        .map(|r| r.action.clone())
        .collect();
    assert_eq!(calls, ["AssumeRoleWithWebIdentity"; 4], "one call per role");

    // `role-to-assume` keeps its meaning: its credentials are the environment's.
    let issued = bench.sts.issued_credentials();
    let of = |role: &str| issued.iter().find(|c| c.role_arn == role).unwrap().clone();
    assert_eq!(result.env["AWS_ACCESS_KEY_ID"], of(ROLE).access_key_id);
    assert!(!result.env.contains_key("AWS_PROFILE"));

    let (credentials, config) = aws_files(&bench);
    let (dev, prod, audit) = (of(DEV), of(PROD), of(AUDIT));
    let section = |name: &str, c: &testbench::sts::IssuedCredentials| {
        format!(
            "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            c.access_key_id, c.secret_access_key, c.session_token
        )
    };
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        [
            section("dev", &dev),
            section("prod", &prod),
            section("audit", &audit)
        ]
        .join("\n")
    );
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        ["dev", "prod", "audit"]
            .map(|name| format!("[profile {name}]\nregion = {REGION}\n"))
            .join("\n")
    );
    for (name, role) in [("dev", DEV), ("prod", PROD), ("audit", AUDIT)] {
        assert!(
            result
                .log()
                .contains(&format!("Writing credentials to profile: {name}")),
            "{}",
            result.log()
        );
        // Each session has the main role's settings.
        assert_eq!(of(role).session_name, "GitHubActions");
        assert_eq!(cli_arn(&bench, name), session_arn(role, "GitHubActions"));
    }

    // The job summary lists every profile.
    for row in [
        format!("| `dev` | `{DEV}` | `111111111111` | `20"),
        format!("| `prod` | `{PROD}` | `222222222222` | `20"),
        format!("| `audit` | `{AUDIT}` | `333333333333` | `20"),
    ] {
        assert!(
            result.summary.contains(&row),
            "{row} in\n{}",
            result.summary
        );
    }
    assert_eq!(
        result.state["profiles"],
        r#"[{"name":"dev"},{"name":"prod"},{"name":"audit"}]"#
    );
}

#[test]
fn without_role_to_assume_the_token_serves_the_profiles_only() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("profiles", &three())
            .with("role-session-name", "nightly")
            .with("mask-aws-account-id", "true")
    });
    result.assert_success();
    assert_eq!(bench.github.requests().len(), 1);
    assert_eq!(bench.sts.requests().len(), 3);
    let names: Vec<&str> = result.env.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["AWS_DEFAULT_REGION", "AWS_REGION"],
        "only the region"
    );
    assert!(result.outputs.is_empty(), "{:?}", result.outputs);
    // Every account is masked before any line could show it, in the summary too.
    for account in ["111111111111", "222222222222", "333333333333"] {
        for line in result.stdout.lines() {
            assert!(
                !line.contains(account) || line.starts_with("::add-mask::"),
                "the account id is shown: {line}"
            );
        }
        assert!(!result.summary.contains(account), "{}", result.summary);
    }
    assert!(
        result.summary.contains("| `prod` | `***` | `***` |"),
        "{}",
        result.summary
    );
    assert_eq!(cli_arn(&bench, "audit"), session_arn(AUDIT, "nightly"));
}

#[test]
fn one_role_refusing_writes_nothing_and_names_it_and_its_profile() {
    let mut bench = Bench::new();
    with_roles(&bench);
    bench.sts.role(PROD).subject("repo:octo-org/other-repo:*");
    let result = bench.run(|s| s.with("profiles", &three()));
    assert_failed_with(
        &result,
        &[
            &format!("Could not assume role {PROD} for profile 'prod' with OIDC"),
            "AccessDenied",
        ],
    );
    assert_nothing_written(&bench, &result);
    assert_eq!(bench.github.requests().len(), 1, "one GitHub token");

    // The diagnosis names the role and its profile, in the log and the job summary.
    let group = result
        .commands_named("group")
        .next()
        .expect("a diagnosis group");
    assert_eq!(group.data, "Why AWS refused the token");
    assert!(
        result
            .stdout
            .contains(&format!("Role asked for: {PROD} (profile 'prod')")),
        "{}",
        result.stdout
    );
    assert!(
        result
            .summary
            .contains(&format!("could not assume {PROD} for profile prod")),
        "{}",
        result.summary
    );
}

#[test]
fn an_account_not_allowed_for_one_profile_writes_nothing() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let result = bench.run(|s| {
        s.with("profiles", &three()).with(
            "allowed-account-ids",
            "111122223333,111111111111,222222222222",
        )
    });
    assert_failed_with(
        &result,
        &["The credentials for profile 'audit' are for AWS account 333333333333"],
    );
    assert_nothing_written(&bench, &result);
}

#[test]
fn bad_lines_are_input_errors_before_any_request() {
    let mut bench = Bench::new();
    for (text, needle) in [
        (format!("dev={DEV}\ndev={PROD}"), "line 2"),
        (format!("dev {DEV}"), "must be NAME=ROLE_ARN"),
        (format!("a/b={DEV}"), "must not contain path separators"),
        ("dev=dev-deploy".to_owned(), "full ARN"),
        (format!("ci={DEV}"), "'aws-profile'"),
    ] {
        let result = bench.run(|s| s.with("profiles", &text).with("aws-profile", "ci"));
        assert_failed_with(&result, &["Input 'profiles' line ", needle]);
    }
    assert!(bench.github.requests().is_empty());
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn an_existing_profile_refuses_before_any_request() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let (credentials, _) = aws_files(&bench);
    fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    fs::write(&credentials, "[prod]\naws_access_key_id = OLD\n").unwrap();
    let result = bench.run(|s| s.with("profiles", &three()));
    assert_failed_with(&result, &["Profile with name \"prod\" already exists"]);
    assert!(bench.github.requests().is_empty());
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn the_post_step_removes_every_profile_and_puts_back_what_they_replaced() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let (credentials, config) = aws_files(&bench);
    fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    let before = "# team\n[other]\naws_access_key_id = A\n\n[prod]\naws_access_key_id = OLD\n";
    let before_config = "[profile prod]\nregion = eu-west-1\n";
    fs::write(&credentials, before).unwrap();
    fs::write(&config, before_config).unwrap();
    let result = bench.run(|s| {
        s.with("profiles", &three())
            .with("aws-profile", "ci")
            .with("overwrite-aws-profile", "true")
    });
    result.assert_success();
    let written = fs::read_to_string(&credentials).unwrap();
    for name in ["[ci]", "[dev]", "[prod]", "[audit]", "[other]"] {
        assert!(written.contains(name), "{name} in\n{written}");
    }
    assert!(!written.contains("OLD"));

    let posts = bench.finish();
    let post = posts[0].result().expect("the post step ran");
    post.assert_success();
    assert_eq!(fs::read_to_string(&credentials).unwrap(), before);
    assert_eq!(fs::read_to_string(&config).unwrap(), before_config);
    let kept: Vec<_> = fs::read_dir(bench.job.runner_temp())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.ends_with(".profile").then_some(name)
        })
        .collect();
    assert!(kept.is_empty(), "the kept copies are gone: {kept:?}");
}

#[test]
fn access_keys_assume_each_role_with_assume_role() {
    let mut bench = Bench::new();
    trusting_the_user(&bench);
    let keys = bench.sts.user(USER);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("profiles", &format!("dev={DEV}\nprod={PROD}"))
            .with("aws-access-key-id", &keys.access_key_id)
            .with("aws-secret-access-key", &keys.secret_access_key)
    });
    result.assert_success();
    let requests = bench.sts.requests();
    let assumes: Vec<_> = requests
        .iter()
        .filter(|r| r.action == "AssumeRole")
        .collect();
    assert_eq!(assumes.len(), 2, "{requests:?}");
    for request in assumes {
        assert_eq!(
            request.caller_access_key.as_deref(),
            Some(keys.access_key_id.as_str()),
            "signed by the source keys"
        );
        assert!(
            request.params.values().any(|v| v == "octo-org/octo-repo"),
            "the run's session tags: {:?}",
            request.params
        );
    }
    // The keys keep their usual meaning for the environment.
    assert_eq!(result.env["AWS_ACCESS_KEY_ID"], keys.access_key_id);
    assert_eq!(cli_arn(&bench, "dev"), session_arn(DEV, "GitHubActions"));
    assert_eq!(cli_arn(&bench, "prod"), session_arn(PROD, "GitHubActions"));
}

#[test]
fn with_access_keys_a_role_refusing_names_its_profile() {
    let mut bench = Bench::new();
    trusting_the_user(&bench);
    bench
        .sts
        .role(DEV)
        .trust_principals(&["arn:aws:iam::111122223333:user/someone-else"]);
    let keys = bench.sts.user(USER);
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("profiles", &format!("dev={DEV}\nprod={PROD}"))
            .with("aws-access-key-id", &keys.access_key_id)
            .with("aws-secret-access-key", &keys.secret_access_key)
    });
    assert_failed_with(
        &result,
        &[&format!(
            "Could not assume role {DEV} for profile 'dev' with user credentials"
        )],
    );
    assert_nothing_written(&bench, &result);
}

#[test]
fn the_roles_are_asked_for_at_once() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let latency = Duration::from_millis(800);
    bench.sts.set_latency(latency);
    let result = bench.run(|s| s.with("profiles", &three()));
    result.assert_success();
    let received: Vec<Instant> = bench.sts.requests().iter().map(|r| r.received).collect();
    assert_eq!(received.len(), 4);
    let (first, last) = (
        received.iter().min().unwrap(),
        received.iter().max().unwrap(),
    );
    // One after another, each would wait for the answer before.
    assert!(
        *last - *first < latency / 2,
        "asked for within {:?}",
        *last - *first
    );
}

#[test]
fn a_token_refused_to_every_call_is_renewed_once_for_all() {
    let mut bench = Bench::new();
    with_roles(&bench);
    // STS cannot check the token: each call asks again with a new one, and the first to ask
    // fetches it for all.
    bench.sts.fail_next(4, Fault::VerificationKey);
    let result = bench.run(|s| s.with("profiles", &three()));
    result.assert_success();
    let requests = bench.sts.requests();
    assert_eq!(requests.len(), 8, "each call again");
    assert_eq!(bench.github.requests().len(), 2, "one new token");
    let tokens = bench.github.issued_tokens();
    for request in &requests[4..] {
        assert_eq!(request.params["WebIdentityToken"], tokens[1]);
    }
}

#[test]
fn a_web_identity_token_file_serves_every_role() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let token = bench.github.mint("sts.amazonaws.com");
    fs::write(bench.job.workspace().join("token"), &token).unwrap();
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("web-identity-token-file", "token")
            .with("profiles", &three())
    });
    result.assert_success();
    assert!(bench.github.requests().is_empty());
    let requests = bench.sts.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(request.action, "AssumeRoleWithWebIdentity");
        assert_eq!(request.params["WebIdentityToken"], token);
    }
    assert_eq!(cli_arn(&bench, "prod"), session_arn(PROD, "GitHubActions"));
}

#[test]
fn role_chaining_assumes_each_role_with_the_credentials_of_the_step_before() {
    let mut bench = Bench::new();
    with_roles(&bench);
    for arn in [DEV, PROD] {
        bench
            .sts
            .role(arn)
            .trust_principals(&["arn:aws:sts::111122223333:assumed-role/deploy/*"]);
    }
    bench.run(|s| s).assert_success();
    let first = bench.sts.issued_credentials()[0].access_key_id.clone();
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("role-chaining", "true")
            .with("profiles", &format!("dev={DEV}\nprod={PROD}"))
    });
    result.assert_success();
    let requests = bench.sts.requests();
    let assumes: Vec<_> = requests
        .iter()
        .filter(|r| r.action == "AssumeRole")
        .collect();
    assert_eq!(assumes.len(), 2, "{requests:?}");
    assert!(
        assumes
            .iter()
            .all(|r| r.caller_access_key.as_deref() == Some(first.as_str())),
        "signed by the first step's credentials"
    );
    assert_eq!(cli_arn(&bench, "dev"), session_arn(DEV, "GitHubActions"));
}

/// The `credential_process` line of profile `name` in the config file's `text`.
fn credential_process_of(text: &str, name: &str) -> String {
    let header = format!("[profile {name}]");
    text.lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| line.strip_prefix("credential_process = "))
        .unwrap_or_else(|| panic!("a credential_process line for {name} in\n{text}"))
        .to_owned()
}

/// Every file of ours left under `dir` (settings, caches, kept profiles).
fn files_of_ours(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.starts_with("aws-oidc-credentials-").then_some(name)
        })
        .collect()
}

#[test]
fn with_refresh_credentials_each_profile_renews_its_own_role() {
    let mut bench = Bench::new();
    with_roles(&bench);
    // Sessions with less than the margin left: the first call for each profile renews.
    bench.sts.session_lifetime(Some(600));
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("profiles", &three())
            .with("refresh-credentials", "true")
    });
    result.assert_success();
    bench.sts.session_lifetime(None);
    assert_eq!(bench.github.requests().len(), 1, "one GitHub token");
    assert_eq!(bench.sts.requests().len(), 3);
    // No role of its own: the environment gets the region only, and no profile of ours.
    let names: Vec<&str> = result.env.keys().map(String::as_str).collect();
    assert_eq!(names, ["AWS_DEFAULT_REGION", "AWS_REGION"]);

    // Each profile runs credential-process with settings of its own; no keys anywhere.
    let (credentials, config) = aws_files(&bench);
    assert!(!credentials.exists(), "no keys in a credentials file");
    let text = fs::read_to_string(&config).unwrap();
    let listed: Vec<serde_json::Value> = serde_json::from_str(&result.state["profiles"]).unwrap();
    let mut ours = Vec::new();
    for (index, (name, role)) in [("dev", DEV), ("prod", PROD), ("audit", AUDIT)]
        .into_iter()
        .enumerate()
    {
        let line = credential_process_of(&text, name);
        assert!(
            text.contains(&format!(
                "[profile {name}]\ncredential_process = {line}\nregion = {REGION}\n"
            )),
            "{text}"
        );
        assert!(
            result.log().contains(&format!(
                "Writing a profile that renews the credentials: {name}"
            )),
            "{}",
            result.log()
        );
        assert_eq!(listed[index]["name"], name);
        let settings = PathBuf::from(listed[index]["settings"].as_str().unwrap());
        assert!(settings.starts_with(bench.job.runner_temp()));
        assert!(
            line.ends_with(&format!("'{}'", settings.display())),
            "{line}"
        );
        let saved: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&settings).unwrap()).unwrap();
        assert_eq!(saved["role_arn"], role);
        let cache = PathBuf::from(saved["cache"].as_str().unwrap());
        assert!(cache.is_file());
        ours.extend([settings, cache]);
    }
    assert_eq!(
        ours.iter().collect::<std::collections::BTreeSet<_>>().len(),
        6,
        "a settings file and a cache per role: {ours:?}"
    );

    // prod's credential_process, run as the SDKs run it, renews prod's role.
    let output = bench
        .later_step("sh")
        .args(["-c", &credential_process_of(&text, "prod")])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let renewed = bench.sts.issued_credentials().pop().unwrap();
    assert_eq!(renewed.role_arn, PROD);
    assert_eq!(answer["AccessKeyId"], renewed.access_key_id.as_str());
    let last = bench.sts.requests().pop().unwrap();
    assert_eq!(last.action, "AssumeRoleWithWebIdentity");
    assert_eq!(last.params["RoleArn"], PROD);

    // The AWS CLI answers for the right role with each profile.
    for (name, role) in [("dev", DEV), ("prod", PROD), ("audit", AUDIT)] {
        assert_eq!(cli_arn(&bench, name), session_arn(role, "GitHubActions"));
    }

    // The post step removes every profile, settings file and cache.
    let posts = bench.finish();
    let post = posts[0].result().expect("the post step ran");
    post.assert_success();
    assert!(
        !post.env.contains_key("AWS_PROFILE"),
        "no AWS_PROFILE was exported, none is blanked"
    );
    assert!(!config.exists() && !credentials.exists());
    for file in &ours {
        assert!(!file.exists(), "{} is deleted", file.display());
    }
    assert_eq!(
        files_of_ours(&bench.job.runner_temp()),
        Vec::<String>::new()
    );
}

#[test]
fn with_refresh_credentials_a_failure_leaves_no_settings_behind() {
    // A role refusing: nothing is written.
    let mut bench = Bench::new();
    with_roles(&bench);
    bench.sts.role(PROD).subject("repo:octo-org/other-repo:*");
    let result = bench.run(|s| {
        s.with("profiles", &three())
            .with("refresh-credentials", "true")
    });
    assert_failed_with(
        &result,
        &[&format!("Could not assume role {PROD} for profile 'prod'")],
    );
    assert_nothing_written(&bench, &result);
    assert_eq!(
        files_of_ours(&bench.job.runner_temp()),
        Vec::<String>::new()
    );

    // Every role assumed and every settings file saved, but the profiles cannot be written
    // (the settings' folder has a line break, which no profile value may hold): the state is
    // cut back and every settings file and cache deleted.
    let mut bench = Bench::new();
    with_roles(&bench);
    let temp = bench.job.workspace().join("temp\nfolder");
    fs::create_dir_all(&temp).unwrap();
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("profiles", &three())
            .with("refresh-credentials", "true")
            .env("RUNNER_TEMP", temp.to_str().unwrap())
    });
    assert_failed_with(
        &result,
        &[
            "Failed to write AWS profile",
            "credential_process",
            "line break",
        ],
    );
    assert_eq!(bench.sts.requests().len(), 3, "every role was assumed");
    assert_nothing_written(&bench, &result);
    assert_eq!(files_of_ours(&temp), Vec::<String>::new());
}

#[test]
fn with_refresh_credentials_a_token_file_gives_profiles_the_sdks_renew() {
    let mut bench = Bench::new();
    with_roles(&bench);
    let token = bench.github.mint("sts.amazonaws.com");
    let file = bench.job.workspace().join("token");
    fs::write(&file, &token).unwrap();
    let endpoint = bench.sts.endpoint();
    // STS named the way the SDKs read it, so that no setting needs this binary.
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("web-identity-token-file", "token")
            .with("sts-endpoint", "")
            .with("profiles", &format!("dev={DEV}\nprod={PROD}"))
            .with("refresh-credentials", "true")
            .env("AWS_ENDPOINT_URL_STS", &endpoint)
    });
    result.assert_success();
    assert_eq!(
        result.state["profiles"], r#"[{"name":"dev"},{"name":"prod"}]"#,
        "no settings file"
    );
    let (credentials, config) = aws_files(&bench);
    assert!(!credentials.exists());
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        [("dev", DEV), ("prod", PROD)]
            .map(|(name, role)| format!(
                "[profile {name}]\nrole_arn = {role}\nweb_identity_token_file = {}\n\
                 role_session_name = GitHubActions\nregion = {REGION}\n",
                file.display()
            ))
            .join("\n")
    );
    let output = bench
        .job
        .command(Job::AWS_CLI)
        .args(["sts", "get-caller-identity", "--output", "json"])
        .args(["--profile", "prod"])
        .env("AWS_ENDPOINT_URL_STS", &endpoint)
        .output()
        .expect("the AWS CLI runs");
    assert!(output.status.success(), "{output:?}");
    let identity: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(identity["Arn"], session_arn(PROD, "GitHubActions"));
    assert_eq!(bench.sts.requests().len(), 4, "the CLI assumed prod's role");
}
