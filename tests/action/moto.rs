//! End to end against an independent STS implementation: `moto_server` answers
//! `AssumeRoleWithWebIdentity`, and the AWS CLI, in a later step with the exported environment,
//! asks it who it is.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Bench, REGION};
use testbench::runner::Job;

/// A `moto_server` on a free loopback port, stopped on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "moto_server is needed for this test ({e}); scripts/test installs it into .venv"
                )
            });
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start listening"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `aws sts get-caller-identity` in a later step of the job, against `endpoint`.
fn caller_identity(bench: &Bench, endpoint: &str, args: &[&str]) -> serde_json::Value {
    let output = bench
        .job
        .command(Job::AWS_CLI)
        .args(["sts", "get-caller-identity", "--output", "json"])
        .args(args)
        .env("AWS_ENDPOINT_URL_STS", endpoint)
        .output()
        .unwrap_or_else(|e| {
            panic!("the AWS CLI is needed for this test ({e}); scripts/test installs it into .venv")
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "aws sts get-caller-identity failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).expect("JSON from the CLI")
}

#[test]
fn the_aws_cli_reads_a_written_profile() {
    let moto = Moto::start();
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("sts-endpoint", &moto.url).with("aws-profile", "ci"));
    result.assert_success();
    assert!(result.env.is_empty());
    let identity = caller_identity(&bench, &moto.url, &["--profile", "ci"]);
    let arn = identity["Arn"].as_str().unwrap_or_default();
    assert!(
        arn.ends_with(":assumed-role/deploy/GitHubActions"),
        "{identity}"
    );
}

#[test]
fn the_aws_cli_in_the_next_step_is_the_assumed_role() {
    let moto = Moto::start();
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("sts-endpoint", &moto.url));
    result.assert_success();
    let arn = &result.outputs["authenticated-arn"];
    assert!(arn.ends_with(":assumed-role/deploy/GitHubActions"), "{arn}");
    assert_eq!(
        result.outputs["aws-account-id"],
        arn.split(':').nth(4).unwrap()
    );
    assert!(
        bench.sts.requests().is_empty(),
        "moto answered, not the stand-in"
    );

    // The next step: the AWS CLI with exactly the job's environment.
    let identity = caller_identity(&bench, &moto.url, &[]);
    assert_eq!(identity["Arn"], arn.as_str());
    assert_eq!(
        identity["Account"],
        result.outputs["aws-account-id"].as_str()
    );
    assert_eq!(bench.job.env()["AWS_REGION"], REGION);
}
