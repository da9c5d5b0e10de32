//! The fixture every integration test starts from: a GitHub token service, an STS stand-in that
//! trusts it for one role, and a job that runs the real action (launcher and binary) through the
//! runner simulator. Every run is checked for leaked secrets.

use std::path::Path;

use testbench::github::{GithubTokenService, TokenSettings};
use testbench::runner::{ActionDir, Job, PostRun, Step, StepResult};
use testbench::sts::StsStandIn;
use testbench::tls::CertificateAuthority;

pub const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";
pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-2";

/// The variables a successful default run exports.
pub const EXPORTED: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// The binary under test: the one cargo built for the tests, or a release build named by
/// `AWS_OIDC_CREDENTIALS_TEST_BINARY`.
pub fn binary() -> String {
    std::env::var("AWS_OIDC_CREDENTIALS_TEST_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_aws-oidc-credentials").to_owned())
}

pub struct Bench {
    pub github: GithubTokenService,
    pub sts: StsStandIn,
    pub action: ActionDir,
    pub job: Job,
}

impl Bench {
    pub fn new() -> Bench {
        Bench::with_services(GithubTokenService::start(), StsStandIn::start())
    }

    /// The same, with the token service and STS over https with certificates of `ca`, which
    /// the action does not trust unless a test says so.
    pub fn https(ca: &CertificateAuthority) -> Bench {
        Bench::with_services(GithubTokenService::start_tls(ca), StsStandIn::start_tls(ca))
    }

    fn with_services(github: GithubTokenService, sts: StsStandIn) -> Bench {
        sts.trust(&github);
        sts.role(ROLE);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let action = ActionDir::with_binary(root, binary());
        Bench {
            github,
            sts,
            action,
            job: Job::new(),
        }
    }

    /// Tokens whose `iss` is `issuer` (a real GitHub issuer, say, which a policy's principal and
    /// keys can name), and an STS that trusts it.
    pub fn tokens_from(&mut self, issuer: &str) {
        self.github
            .set_settings(TokenSettings::default().claim("iss", issuer));
        self.sts
            .trust_provider(issuer, vec![self.github.verifying_key()]);
    }

    /// Runs the action's main step with the usual inputs (a role, a region, the stand-in as
    /// `sts-endpoint`, `id-token: write`), as changed by `configure`.
    pub fn run(&mut self, configure: impl FnOnce(Step<'_>) -> Step<'_>) -> StepResult {
        // The SDK's credential chain must never reach for a real instance metadata service.
        let step = self
            .job
            .step(&self.action)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .id_token(&self.github)
            .with("role-to-assume", ROLE)
            .with("aws-region", REGION)
            .with("sts-endpoint", &self.sts.endpoint());
        let result = configure(step).run();
        self.assert_no_leaks(&result);
        result
    }

    /// A command of a later `run:` step of the job with `id-token: write` (which renewals
    /// need).
    pub fn later_step(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut command = self.job.command(program);
        command
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", self.github.request_url())
            .env(
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                self.github.request_token(),
            );
        command
    }

    /// Runs the job's post steps.
    pub fn finish(&mut self) -> Vec<PostRun> {
        std::iter::from_fn(|| self.run_last_post()).collect()
    }

    /// Runs the job's last post step that has not run yet, as the end of the job does first.
    pub fn run_last_post(&mut self) -> Option<PostRun> {
        let post = self.job.run_last_post()?;
        if let Some(result) = post.result() {
            self.assert_no_leaks(result);
        }
        Some(post)
    }

    /// Every JWT the token service issued (and its signature) and every credential STS issued
    /// must be invisible in the log the runner shows, and absent from stdout except in the
    /// `::add-mask::` line that registers it.
    pub fn assert_no_leaks(&self, result: &StepResult) {
        let mut secrets = Vec::new();
        for jwt in self.github.issued_tokens() {
            secrets.push(jwt.rsplit('.').next().unwrap_or_default().to_owned());
            secrets.push(jwt);
        }
        for c in self.sts.issued_credentials() {
            secrets.extend([c.access_key_id, c.secret_access_key, c.session_token]);
        }
        secrets.push(self.github.request_token().to_owned());
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            assert!(
                !result.log().contains(secret.as_str()),
                "a secret is visible in the log:\n{}",
                result.log()
            );
            assert!(
                !result.stderr.contains(secret.as_str()),
                "a secret is on stderr:\n{}",
                result.stderr
            );
            assert!(
                !result.summary.contains(secret.as_str()),
                "a secret is in the job summary:\n{}",
                result.summary
            );
            for line in result.stdout.lines() {
                assert!(
                    !line.contains(secret.as_str()) || line.starts_with("::add-mask::"),
                    "a secret is on stdout outside ::add-mask::: {line}"
                );
            }
        }
    }
}

/// Asserts a failed run: exactly one `::error::` containing every one of `needles`, exit code
/// 1, nothing exported.
pub fn assert_failed_with(result: &StepResult, needles: &[&str]) {
    result.assert_failure();
    assert_eq!(result.code, Some(1), "exit code:\n{}", result.stdout);
    assert_eq!(
        result.errors.len(),
        1,
        "one ::error:: line:\n{}",
        result.stdout
    );
    for needle in needles {
        assert!(
            result.errors[0].contains(needle),
            "the error should mention {needle:?}: {}",
            result.errors[0]
        );
    }
    assert!(result.env.is_empty(), "nothing exported: {:?}", result.env);
    assert!(
        result.outputs.is_empty(),
        "no outputs: {:?}",
        result.outputs
    );
}

/// Asserts that with `mask-aws-account-id` the account id is masked before any line could show
/// it: no line of stdout holds it but its own mask line and mask lines after that one. With `known_from_inputs` (a role ARN
/// given), its mask comes before every other line.
pub fn assert_account_masked_first(result: &StepResult, known_from_inputs: bool) {
    let lines: Vec<&str> = result.stdout.lines().collect();
    let mask = lines
        .iter()
        .position(|l| *l == format!("::add-mask::{ACCOUNT}"))
        .unwrap_or_else(|| panic!("the account id is masked:\n{}", result.stdout));
    assert!(
        !known_from_inputs || lines[..mask].iter().all(|l| l.starts_with("::add-mask::")),
        "only masks come before the account's mask:\n{}",
        result.stdout
    );
    // Not even in another mask line before it (an ARN's): a runner that cannot parse a mask
    // line (act, with a `::` in the value) prints it as it is.
    for (index, line) in lines.iter().enumerate() {
        assert!(
            !line.contains(ACCOUNT) || (line.starts_with("::add-mask::") && index >= mask),
            "the account id is shown: {line}"
        );
    }
}
