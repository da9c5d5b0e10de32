//! What the step leaves in files, under odd runners: profile files named twice, full disks,
//! concurrent steps on one home directory, a replaced profile brought back by the post step.

use std::fs;
use std::path::PathBuf;
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use testbench::runner::Job;
use testbench::sts::Fault;

use crate::support::{Bench, REGION, ROLE};

#[test]
fn one_new_profile_file_named_two_ways_keeps_both_sections() {
    let mut bench = Bench::new();
    let dir = bench.job.workspace().join("aws-files");
    fs::create_dir(&dir).unwrap();
    let file = dir.join("aws");
    let other_spelling = dir.join("sub").join("..").join("aws");
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .env("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap())
            .env("AWS_CONFIG_FILE", other_spelling.to_str().unwrap())
    });
    result.assert_success();
    let issued = &bench.sts.issued_credentials()[0];
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!(
            "[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n\n[profile ci]\nregion = {REGION}\n",
            issued.access_key_id, issued.secret_access_key, issued.session_token
        )
    );
    bench.finish()[0].result().unwrap().assert_success();
    assert!(!file.exists(), "the post step removed both sections");
}

/// A denial with `trust-policy-file` naming `file` (relative to the workspace, or absolute): the
/// step fails at once with the denial, and the diagnosis says why the file was not checked.
#[cfg(unix)]
fn denied_with_trust_policy_file(file: &str, reason: &str) {
    let mut bench = Bench::new();
    bench
        .sts
        .role(ROLE)
        .subject("repo:octo-org/octo-repo:ref:refs/heads/release");
    let result = bench.run(|s| {
        s.with("trust-policy-file", file)
            .with("action-timeout-s", "5")
            .timeout(Duration::from_secs(20))
    });
    assert!(!result.timed_out, "the step hung on {file}");
    crate::support::assert_failed_with(&result, &["AccessDenied"]);
    assert!(
        result
            .log()
            .contains("could not be checked: cannot read trust policy "),
        "{}",
        result.log()
    );
    assert!(result.log().contains(reason), "{file}: {}", result.log());
}

#[cfg(unix)]
#[test]
fn a_trust_policy_file_must_be_a_small_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    denied_with_trust_policy_file(fifo.to_str().unwrap(), ": path is not a regular file");
    denied_with_trust_policy_file("/dev/zero", ": path is not a regular file");

    let large = dir.path().join("large.json");
    let mut text = String::from("{\"Statement\": [");
    text.push_str(&" ".repeat(1024 * 1024));
    text.push_str("]}");
    fs::write(&large, text).unwrap();
    denied_with_trust_policy_file(large.to_str().unwrap(), ": file is larger than 1 MiB");

    let linked = dir.path().join("linked.json");
    std::os::unix::fs::symlink(&large, &linked).unwrap();
    denied_with_trust_policy_file(linked.to_str().unwrap(), ": path is a symbolic link");
}

/// `/dev/full`: every write fails as on a full disk.
#[cfg(target_os = "linux")]
const FULL: &str = "/dev/full";

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_for_outputs_leaves_no_credentials_in_the_environment() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.env("GITHUB_OUTPUT", FULL));
    crate::support::assert_failed_with(&result, &["Could not write GITHUB_OUTPUT", FULL]);
    assert!(result.state.is_empty());
    assert!(bench.job.env().is_empty(), "{:?}", bench.job.env());
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_for_state_leaves_no_profile_and_no_environment() {
    let mut bench = Bench::new();
    let (credentials, config) = aws_files(&bench);
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .with("output-env-credentials", "true")
            .with("output-credentials", "true")
            .env("GITHUB_STATE", FULL)
    });
    crate::support::assert_failed_with(&result, &["Could not write GITHUB_STATE", FULL]);
    assert!(
        !credentials.exists() && !config.exists(),
        "no live session left in ~/.aws"
    );

    // A replaced profile stays as it was, and nothing is kept for a post step that has no state.
    fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    fs::write(&credentials, "[ci]\naws_access_key_id = OLD\n").unwrap();
    fs::write(&config, "[profile ci]\nregion = eu-west-1\n").unwrap();
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .with("overwrite-aws-profile", "true")
            .env("GITHUB_STATE", FULL)
    });
    crate::support::assert_failed_with(&result, &["Could not write GITHUB_STATE"]);
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        "[ci]\naws_access_key_id = OLD\n"
    );
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        "[profile ci]\nregion = eu-west-1\n"
    );
    assert_eq!(kept_files(&bench), Vec::<String>::new());
}

fn aws_files(bench: &Bench) -> (PathBuf, PathBuf) {
    let dir = bench.job.home().join(".aws");
    (dir.join("credentials"), dir.join("config"))
}

/// The files a step kept under `RUNNER_TEMP`.
fn kept_files(bench: &Bench) -> Vec<String> {
    fs::read_dir(bench.job.runner_temp())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("aws-oidc-credentials-"))
        .collect()
}

#[test]
fn the_post_step_puts_back_a_profile_that_overwrite_replaced() {
    let mut bench = Bench::new();
    let (credentials, config) = aws_files(&bench);
    fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    let before_credentials = "# team keys\n[other]\naws_access_key_id = A\n\n[ci]\naws_access_key_id = OLD\naws_secret_access_key = OLDSECRET\n\n[last]\nk = v\n";
    let before_config = "[profile ci]\nregion = eu-west-1\noutput = json\n";
    fs::write(&credentials, before_credentials).unwrap();
    fs::write(&config, before_config).unwrap();

    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .with("overwrite-aws-profile", "true")
    });
    result.assert_success();
    let issued = &bench.sts.issued_credentials()[0];
    assert!(
        fs::read_to_string(&credentials)
            .unwrap()
            .contains(&issued.access_key_id)
    );
    // What was replaced is kept, privately, until the post step.
    let kept = kept_files(&bench);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let kept = bench.job.runner_temp().join(&kept[0]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let posts = bench.finish();
    let post = posts[0].result().expect("the post step ran");
    post.assert_success();
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        before_credentials
    );
    assert_eq!(fs::read_to_string(&config).unwrap(), before_config);
    assert!(!kept.exists(), "the kept copy is gone");
    assert!(
        post.log()
            .contains("Put back the AWS profile 'ci' this job replaced"),
        "{}",
        post.log()
    );
}

#[test]
fn overwrite_of_a_new_profile_is_removed_by_the_post_step() {
    let mut bench = Bench::new();
    let (credentials, config) = aws_files(&bench);
    fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    fs::write(&credentials, "[other]\nk = v\n").unwrap();
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .with("overwrite-aws-profile", "true")
    });
    result.assert_success();
    bench.finish()[0].result().unwrap().assert_success();
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        "[other]\nk = v\n"
    );
    assert!(!config.exists());
    assert_eq!(kept_files(&bench), Vec::<String>::new());
}

#[test]
fn concurrent_steps_sharing_a_home_keep_every_profile() {
    const STEPS: usize = 30;
    let bench = Bench::new();
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_str().unwrap().to_owned();
    let barrier = Barrier::new(STEPS);
    let mut jobs: Vec<Job> = thread::scope(|scope| {
        let handles: Vec<_> = (0..STEPS)
            .map(|i| {
                let (bench, barrier, home) = (&bench, &barrier, &home_path);
                scope.spawn(move || {
                    let mut job = Job::new();
                    let step = job
                        .step(&bench.action)
                        .env("AWS_EC2_METADATA_DISABLED", "true")
                        .env("HOME", home)
                        .env("USERPROFILE", home)
                        .id_token(&bench.github)
                        .with("role-to-assume", ROLE)
                        .with("aws-region", REGION)
                        .with("sts-endpoint", &bench.sts.endpoint())
                        .with("aws-profile", &format!("p{i}"))
                        .timeout(Duration::from_secs(120));
                    barrier.wait();
                    let result = step.run();
                    bench.assert_no_leaks(&result);
                    result.assert_success();
                    job
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let credentials = fs::read_to_string(home.path().join(".aws/credentials")).unwrap();
    let config = fs::read_to_string(home.path().join(".aws/config")).unwrap();
    for i in 0..STEPS {
        assert!(
            credentials.contains(&format!("[p{i}]\n")),
            "p{i} lost:\n{credentials}"
        );
        assert!(
            config.contains(&format!("[profile p{i}]\n")),
            "p{i} lost:\n{config}"
        );
    }
    assert_eq!(credentials.matches("aws_session_token").count(), STEPS);

    // The post steps, as concurrent, take every profile out again and leave nothing behind.
    let barrier = Barrier::new(STEPS);
    thread::scope(|scope| {
        for job in &mut jobs {
            let barrier = &barrier;
            scope.spawn(move || {
                barrier.wait();
                for post in job.finish() {
                    post.result().expect("the post step ran").assert_success();
                }
            });
        }
    });
    let left: Vec<_> = fs::read_dir(home.path().join(".aws"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_profile_write_that_fails_at_the_end_takes_back_the_runner_files() {
    let mut bench = Bench::new();
    let (credentials, config) = aws_files(&bench);
    // Another job's step writes the same profile while STS answers slowly: the check at the start
    // passed, the write at the end refuses.
    bench.sts.fail_next(1, Fault::Slow(Duration::from_secs(2)));
    let writer = thread::spawn({
        let credentials = credentials.clone();
        move || {
            thread::sleep(Duration::from_millis(500));
            fs::create_dir_all(credentials.parent().unwrap()).unwrap();
            fs::write(&credentials, "[ci]\nk = theirs\n").unwrap();
        }
    });
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .with("output-env-credentials", "true")
            .with("output-credentials", "true")
    });
    writer.join().unwrap();
    crate::support::assert_failed_with(&result, &["Profile with name \"ci\" already exists"]);
    assert!(result.state.is_empty(), "{:?}", result.state);
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        "[ci]\nk = theirs\n"
    );
    assert!(!config.exists());
}
