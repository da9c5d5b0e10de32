//! The `explain` subcommand: checks a role's trust policy against a GitHub OIDC token's claims
//! and prints which statement and condition admits or refuses it. The claims come from a file
//! (a JSON object or a raw JWT, whose payload is read but never printed) or from the command
//! line. Exit code 0: allowed, 1: denied, 2: the input cannot be used.
//!
//! The stage owns why a role refused: the trust-policy evaluation ([`policy`]) this subcommand
//! prints, and the diagnosis of a denial the main step prints ([`diagnosis`]). The `policy`
//! subcommand ([`generate`]) writes a trust policy for the runs a user names.

pub mod diagnosis;
pub mod generate;
pub mod issuer;
pub mod lint;
pub mod policy;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::cli::usage;
use crate::files::{self, Limit};
use crate::runner;
use crate::source::github;
use issuer::Issuer;
use policy::{Claims, Evaluation};

const USAGE: &str = "usage: aws-oidc-credentials explain --trust-policy FILE \
                     (--claims FILE | --sub SUB --aud AUD [--issuer URL] [--claim NAME=VALUE]...)";

/// Runs `explain` with the arguments after its name; one that is not UTF-8 text is a usage error.
pub fn main(args: &[OsString]) -> ExitCode {
    usage::main_with_text_args(args, USAGE, run)
}

/// `main`, writing to `out` and `err` and returning the exit code.
fn run(args: &[String], out: &mut impl Write, err: &mut impl Write) -> u8 {
    // Output that cannot be written (a closed pipe) leaves nothing better to do than the exit code.
    match parse(args).and_then(|command| command.map(explain).transpose()) {
        Ok(None) => {
            let _ = writeln!(out, "{USAGE}");
            0
        }
        Ok(Some(evaluation)) => {
            // The policy's and the claims' text could otherwise start workflow commands when
            // this runs in a workflow step.
            for line in runner::inert_lines(evaluation.to_string().trim_end_matches('\n')) {
                let _ = writeln!(out, "{line}");
            }
            if evaluation.allowed { 0 } else { 1 }
        }
        Err(problem) => usage_error(&problem, err),
    }
}

/// Prints `problem` and the usage; exit code 2.
fn usage_error(problem: &str, err: &mut impl Write) -> u8 {
    usage::write_error(err, problem, USAGE)
}

/// Reads the trust policy in `path` (the document itself, or `aws iam get-role`'s output) and
/// evaluates it for `claims`. `Err` is a one-line reason.
pub fn evaluate_file(path: &Path, claims: &Claims) -> Result<Evaluation, String> {
    TrustPolicy::read(path).evaluate(claims)
}

/// A trust policy file, read and parsed, or why it could not be.
#[derive(Debug)]
pub struct TrustPolicy {
    pub path: PathBuf,
    document: Result<Value, String>,
}

impl TrustPolicy {
    pub fn read(path: &Path) -> TrustPolicy {
        TrustPolicy {
            path: path.to_owned(),
            document: Self::document(path),
        }
    }

    fn document(path: &Path) -> Result<Value, String> {
        let text = read_text("trust policy", path)?;
        let mut document: Value = serde_json::from_str(&text)
            .map_err(|e| format!("trust policy {} is not valid JSON: {e}", path.display()))?;
        if let Some(inner) = document.pointer_mut("/Role/AssumeRolePolicyDocument") {
            document = inner.take();
        }
        Ok(document)
    }

    /// What `lint` finds in the policy (for tokens of `issuer`, when known), a line each. `Err`
    /// is a one-line reason.
    pub fn lint(&self, issuer: Option<&Issuer>) -> Result<Vec<String>, String> {
        let document = self.document.as_ref().map_err(Clone::clone)?;
        Ok(lint::warnings(document, issuer))
    }

    /// Evaluates the policy for `claims`. `Err` is a one-line reason.
    pub fn evaluate(&self, claims: &Claims) -> Result<Evaluation, String> {
        let document = self.document.as_ref().map_err(Clone::clone)?;
        policy::evaluate(document, claims, policy::ASSUME_ROLE_WITH_WEB_IDENTITY)
            .map_err(|e| format!("trust policy {}: {e}", self.path.display()))
    }
}

/// A file given to `explain` or as `trust-policy-file`, as text, by the rules of any file given
/// as an input: a regular file, not through a link, at most 1 MiB.
fn read_text(what: &str, path: &Path) -> Result<String, String> {
    let shown = path.display();
    match files::read_regular(path, false, Limit::InputFile) {
        Ok(Some(bytes)) => files::text(bytes)
            .ok_or_else(|| format!("{what} {shown} is not UTF-8 (or UTF-16) text")),
        Ok(None) => Err(format!("cannot read {what} {shown}: it does not exist")),
        Err(e) => Err(format!("cannot read {what} {shown}: {e}")),
    }
}

/// What the command line asks for.
struct Request {
    trust_policy: PathBuf,
    claims: ClaimsSource,
}

enum ClaimsSource {
    File(PathBuf),
    Given(Claims),
}

fn explain(request: Request) -> Result<Evaluation, String> {
    let claims = match request.claims {
        ClaimsSource::File(path) => read_claims(&path)?,
        ClaimsSource::Given(claims) => claims,
    };
    evaluate_file(&request.trust_policy, &claims)
}

/// The request, or `None` for `--help`.
fn parse(args: &[String]) -> Result<Option<Request>, String> {
    let mut trust_policy = None;
    let mut claims_file = None;
    let mut sub = None;
    let mut iss = None;
    let mut aud = Vec::new();
    let mut extra: Vec<(String, String)> = Vec::new();
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        use lexopt::prelude::*;
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("trust-policy") => once(
                &mut trust_policy,
                "--trust-policy",
                usage::value(&mut parser)?,
            )?,
            Long("claims") => once(&mut claims_file, "--claims", usage::value(&mut parser)?)?,
            Long("sub") => once(&mut sub, "--sub", usage::value(&mut parser)?)?,
            Long("issuer") => once(&mut iss, "--issuer", usage::value(&mut parser)?)?,
            Long("aud") => aud.push(usage::value(&mut parser)?),
            Long("claim") => {
                let claim = usage::value(&mut parser)?;
                let (name, value) = claim
                    .split_once('=')
                    .filter(|(name, _)| !name.is_empty())
                    .ok_or_else(|| format!("--claim needs NAME=VALUE, got {claim:?}"))?;
                if ["iss", "sub", "aud"].contains(&name) {
                    return Err(format!("give the {name} claim with --{name}, not --claim"));
                }
                if extra.iter().any(|(n, _)| n == name) {
                    return Err(format!("--claim {name} is given twice"));
                }
                extra.push((name.to_owned(), value.to_owned()));
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    let trust_policy = trust_policy.ok_or("--trust-policy is required")?;
    let claims = match claims_file {
        Some(path) => {
            if sub.is_some() || iss.is_some() || !aud.is_empty() || !extra.is_empty() {
                return Err(
                    "--claims cannot be combined with --sub, --aud, --issuer or --claim".into(),
                );
            }
            ClaimsSource::File(path.into())
        }
        None => {
            let sub = sub
                .filter(|_| !aud.is_empty())
                .ok_or("--sub and --aud are required without --claims")?;
            let mut claims = Claims::new();
            claims.insert(
                "iss".into(),
                iss.unwrap_or_else(|| issuer::GITHUB.into()).into(),
            );
            claims.insert("sub".into(), sub.into());
            claims.insert(
                "aud".into(),
                match <[String; 1]>::try_from(aud) {
                    Ok([one]) => one.into(),
                    Err(several) => several.into(),
                },
            );
            for (name, value) in extra {
                claims.insert(name, value.into());
            }
            ClaimsSource::Given(claims)
        }
    };
    Ok(Some(Request {
        trust_policy: trust_policy.into(),
        claims,
    }))
}

/// Sets a flag's value, refusing a second one.
fn once(slot: &mut Option<String>, flag: &str, value: String) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{flag} is given twice"));
    }
    *slot = Some(value);
    Ok(())
}

/// The claims in `path`: a JSON object, or a JWT whose payload is one.
fn read_claims(path: &Path) -> Result<Claims, String> {
    let shown = path.display();
    let text = read_text("claims file", path)?;
    let text = text.trim();
    let is_jwt = text.split('.').count() == 3
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b));
    let value = if is_jwt {
        github::claims(text)
            .ok_or_else(|| format!("claims file {shown} holds a JWT whose payload is not JSON"))?
    } else {
        serde_json::from_str(text)
            .map_err(|e| format!("claims file {shown} is neither a JWT nor valid JSON: {e}"))?
    };
    match value {
        Value::Object(claims) => Ok(claims),
        _ => Err(format!(
            "claims file {shown} must hold a JSON object of claims"
        )),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;

    const BRANCH: &str = "repo:octo-org/octo-repo:ref:refs/heads/main";

    /// A directory holding `trust.json`, the usual policy admitting the main branch.
    fn policy_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "GitHubDeploy",
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": BRANCH,
                }},
            }]
        });
        std::fs::write(dir.path().join("trust.json"), policy.to_string()).unwrap();
        dir
    }

    /// Runs `explain` with `args` (`{dir}` replaced by the directory): exit code, stdout, stderr.
    fn explain(dir: &tempfile::TempDir, args: &[&str]) -> (u8, String, String) {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{dir}", dir.path().to_str().unwrap()))
            .collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    /// An error's exit code and its single `error:` line followed by the usage.
    fn assert_bad_input((code, out, err): (u8, String, String), problem: &str) {
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty());
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(lines[0].starts_with("error: "), "{err}");
        assert!(lines[0].contains(problem), "{err}");
        assert_eq!(lines[1], USAGE);
    }

    #[test]
    fn text_from_the_policy_cannot_start_workflow_commands() {
        let dir = tempfile::tempdir().unwrap();
        let policy = json!({
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    "token.actions.githubusercontent.com:sub\n::error::injected\r::stop-commands::x": BRANCH,
                }},
            }]
        });
        std::fs::write(dir.path().join("trust.json"), policy.to_string()).unwrap();
        let args = [
            "--trust-policy",
            "{dir}/trust.json",
            "--sub",
            BRANCH,
            "--aud",
            "x",
        ];
        let (_, out, _) = explain(&dir, &args);
        assert!(out.contains("%3A:error::injected"), "{out}");
        for line in out.split(['\r', '\n']) {
            assert!(!line.trim_start().starts_with("::"), "{out}");
        }
    }

    #[test]
    fn claims_from_the_command_line() {
        const AUD: [&str; 2] = ["--aud", "sts.amazonaws.com"];
        let environment = "repo:octo-org/octo-repo:environment:prod";
        let environment_fails = format!(
            "  condition  StringEquals token.actions.githubusercontent.com:sub  policy \"{BRANCH}\"  token \"{environment}\"  FAILS\n"
        );
        // The claims after --trust-policy, the exit code, and what the output holds.
        let cases: [(Vec<&str>, u8, &str); 4] = [
            (
                [&["--sub", BRANCH][..], &AUD].concat(),
                0,
                "allowed: statement 1 (Sid \"GitHubDeploy\", Allow) applies",
            ),
            (
                [
                    &["--sub", environment][..],
                    &AUD,
                    &["--claim", "environment=prod"],
                ]
                .concat(),
                1,
                &environment_fails,
            ),
            // Another issuer is another provider, which the policy does not name.
            (
                [
                    &["--sub", BRANCH][..],
                    &AUD,
                    &["--issuer", "https://ghes.example.com/_services/token"],
                ]
                .concat(),
                1,
                "does not match oidc-provider/ghes.example.com/_services/token",
            ),
            // Several --aud make a list audience.
            (
                [&["--sub", BRANCH][..], &AUD, &["--aud", "other"]].concat(),
                0,
                "token [\"sts.amazonaws.com\", \"other\"]  holds",
            ),
        ];
        let dir = policy_dir();
        for (claims, expected_code, expected) in cases {
            let args = [&["--trust-policy", "{dir}/trust.json"][..], &claims].concat();
            let (code, out, err) = explain(&dir, &args);
            assert_eq!(code, expected_code, "{claims:?}: {out}{err}");
            assert!(out.contains(expected), "{claims:?}: {out}");
            let verdict = if expected_code == 0 {
                "allowed: "
            } else {
                "denied: "
            };
            assert!(out.starts_with(verdict), "{claims:?}: {out}");
            assert!(err.is_empty(), "{claims:?}: {err}");
        }
    }

    #[test]
    fn claims_from_a_file_or_a_token() {
        let dir = policy_dir();
        let claims = json!({"iss": "https://token.actions.githubusercontent.com",
                            "aud": "sts.amazonaws.com", "sub": BRANCH});
        std::fs::write(dir.path().join("claims.json"), claims.to_string()).unwrap();
        let jwt = format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        std::fs::write(dir.path().join("token"), format!("{jwt}\n")).unwrap();

        for file in ["claims.json", "token"] {
            let claims = format!("{{dir}}/{file}");
            let (code, out, err) = explain(
                &dir,
                &["--trust-policy", "{dir}/trust.json", "--claims", &claims],
            );
            assert_eq!(code, 0, "{file}: {err}");
            assert!(out.starts_with("allowed:"), "{file}: {out}");
            assert!(!out.contains(&jwt) && !out.contains("c2lnbmF0dXJl"));
        }
    }

    #[test]
    fn reads_get_roles_output() {
        let dir = policy_dir();
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("trust.json")).unwrap())
                .unwrap();
        let role = json!({"Role": {"RoleName": "deploy", "AssumeRolePolicyDocument": document}});
        std::fs::write(dir.path().join("role.json"), role.to_string()).unwrap();
        let (code, _, _) = explain(
            &dir,
            &[
                "--trust-policy",
                "{dir}/role.json",
                "--sub",
                BRANCH,
                "--aud",
                "sts.amazonaws.com",
            ],
        );
        assert_eq!(code, 0);
    }

    #[test]
    fn evaluates_a_file_for_the_main_step() {
        let dir = policy_dir();
        let mut claims = Claims::new();
        claims.insert("iss".into(), issuer::GITHUB.into());
        claims.insert("aud".into(), "sts.amazonaws.com".into());
        claims.insert("sub".into(), BRANCH.into());
        assert!(
            evaluate_file(&dir.path().join("trust.json"), &claims)
                .unwrap()
                .allowed
        );
        let missing = evaluate_file(&dir.path().join("missing.json"), &claims).unwrap_err();
        assert!(
            missing.starts_with("cannot read trust policy "),
            "{missing}"
        );
        assert!(!missing.contains('\n'));
    }

    #[test]
    fn bad_input_exits_2_saying_why() {
        let dir = policy_dir();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("broken.json", "{\"Statement\": [");
        write(
            "numeric.json",
            &json!({"Statement": {"Effect": "Allow", "Principal": "*",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"NumericLessThan": {"token.actions.githubusercontent.com:iat": 1}}}})
            .to_string(),
        );
        write(
            "not-action.json",
            &json!({"Statement": {"Effect": "Allow", "Principal": "*",
            "NotAction": "sts:AssumeRole"}})
            .to_string(),
        );
        write("list.json", "[1]");
        write("garbage", "hello");
        write("bad-token", "a.bm90IGpzb24.c");
        let claims = ["--sub", BRANCH, "--aud", "sts.amazonaws.com"];
        let with_claims = |policy: &str| {
            let mut args = vec!["--trust-policy", policy];
            args.extend(claims);
            explain(&dir, &args)
        };

        assert_bad_input(
            with_claims("{dir}/missing.json"),
            "cannot read trust policy",
        );
        assert_bad_input(with_claims("{dir}/broken.json"), "is not valid JSON");
        assert_bad_input(
            with_claims("{dir}/numeric.json"),
            "condition operator \"NumericLessThan\"",
        );
        assert_bad_input(with_claims("{dir}/not-action.json"), "uses NotAction");
        assert_bad_input(explain(&dir, &claims), "--trust-policy is required");
        assert_bad_input(
            explain(
                &dir,
                &["--trust-policy", "{dir}/trust.json", "--sub", BRANCH],
            ),
            "--sub and --aud are required",
        );
        assert_bad_input(
            explain(
                &dir,
                &[
                    "--trust-policy",
                    "{dir}/trust.json",
                    "--claims",
                    "{dir}/trust.json",
                    "--sub",
                    BRANCH,
                ],
            ),
            "cannot be combined",
        );
        assert_bad_input(
            explain(
                &dir,
                &[
                    "--trust-policy",
                    "{dir}/trust.json",
                    "--claims",
                    "{dir}/list.json",
                ],
            ),
            "must hold a JSON object",
        );
        assert_bad_input(
            explain(
                &dir,
                &[
                    "--trust-policy",
                    "{dir}/trust.json",
                    "--claims",
                    "{dir}/garbage",
                ],
            ),
            "neither a JWT nor valid JSON",
        );
        assert_bad_input(
            explain(
                &dir,
                &[
                    "--trust-policy",
                    "{dir}/trust.json",
                    "--claims",
                    "{dir}/none",
                ],
            ),
            "cannot read claims file",
        );
        assert_bad_input(
            explain(
                &dir,
                &[
                    "--trust-policy",
                    "{dir}/trust.json",
                    "--claims",
                    "{dir}/bad-token",
                ],
            ),
            "a JWT whose payload is not JSON",
        );
        assert_bad_input(
            explain(&dir, &["--trust-policy"]),
            "missing argument for option '--trust-policy'",
        );
        assert_bad_input(
            explain(&dir, &["--trust-policy", "a", "--trust-policy", "b"]),
            "--trust-policy is given twice",
        );
        assert_bad_input(
            explain(&dir, &["--claim", "environment"]),
            "--claim needs NAME=VALUE",
        );
        assert_bad_input(
            explain(&dir, &["--claim", "sub=x"]),
            "with --sub, not --claim",
        );
        assert_bad_input(
            explain(&dir, &["--claim", "a=1", "--claim", "a=2"]),
            "--claim a is given twice",
        );
        assert_bad_input(explain(&dir, &["--verbose"]), "invalid option '--verbose'");
    }

    #[test]
    fn help_prints_the_usage() {
        let dir = policy_dir();
        assert_eq!(
            explain(&dir, &["--help"]),
            (0, format!("{USAGE}\n"), String::new())
        );
    }
}
