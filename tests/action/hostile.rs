//! A hostile network and hostile text: endpoints that redirect, stream without end, lie or echo
//! secrets, and text from outside (STS, the token service, token claims, a trust policy file)
//! that tries to start workflow commands or to format the job summary.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{ACCOUNT, Bench, ROLE, assert_failed_with};
use testbench::github::{TokenFault, TokenSettings};
use testbench::http::{Request, Response, Server};
use testbench::runner::StepResult;
use testbench::sts::{Fault, TokenPart};

const USER: &str = "arn:aws:iam::111122223333:user/ci";

/// A server that answers 200 to everything and records what it got: where a redirect would
/// have sent the secrets.
struct Recorder {
    server: Server,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let server = Server::start(move |request: &Request| {
            seen.lock().unwrap().push(request.clone());
            Response::new(200).into()
        });
        Recorder { server, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    fn host(&self) -> String {
        self.server.addr().to_string()
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// The only commands the step may give: masks, and the annotations and groups it means.
fn assert_no_injected_commands(result: &StepResult) {
    for command in &result.commands {
        assert!(
            [
                "add-mask", "error", "warning", "notice", "debug", "group", "endgroup"
            ]
            .contains(&command.name.as_str()),
            "an injected ::{}:: command:\n{}",
            command.name,
            result.stdout
        );
    }
    assert!(result.errors.len() <= 1, "{:?}", result.errors);
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    assert!(!result.outputs.contains_key("x"), "{:?}", result.outputs);
}

const INJECTION: &str =
    "\n::set-output name=x::y\n::error::injected\n  ::stop-commands::pwned\r::warning::injected";

#[test]
fn sts_redirects_are_refused_and_send_nothing_on() {
    for status in [307, 308] {
        let mut bench = Bench::new();
        let recorder = Recorder::start();
        bench.sts.fail_next(
            1,
            Fault::Redirect {
                status,
                location: recorder.url("/steal"),
            },
        );
        let result = bench.run(|s| s);
        assert_failed_with(
            &result,
            &[&format!("HTTP {status}"), &recorder.host(), "redirect"],
        );
        // The answer is what is wrong, not the connection.
        assert!(
            result.errors[0].contains("InvalidResponse: STS answered with a redirect"),
            "{}",
            result.errors[0]
        );
        assert!(recorder.requests().is_empty(), "the token went on");
        assert_eq!(bench.sts.requests().len(), 1, "a redirect is not retried");
    }
}

#[test]
fn signed_sts_calls_do_not_follow_redirects_either() {
    let mut bench = Bench::new();
    let recorder = Recorder::start();
    let keys = bench.sts.user(USER);
    bench.sts.fail_next(
        1,
        Fault::Redirect {
            status: 307,
            location: recorder.url("/"),
        },
    );
    let result = bench.run(|s| {
        s.with("aws-access-key-id", &keys.access_key_id)
            .with("aws-secret-access-key", &keys.secret_access_key)
            .with("role-external-id", "external-secret")
    });
    assert_failed_with(&result, &["HTTP 307", &recorder.host()]);
    assert!(recorder.requests().is_empty());
}

#[test]
fn token_redirects_stay_within_the_token_service() {
    // To another origin: refused, naming the status and where it pointed.
    let mut bench = Bench::new();
    let recorder = Recorder::start();
    bench.github.fail_next(
        1,
        TokenFault::Respond(Response::new(302).header("Location", &recorder.url("/token"))),
    );
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["HTTP 302", &recorder.host(), "not followed"]);
    assert!(recorder.requests().is_empty(), "the request went on");
    assert_eq!(bench.github.requests().len(), 1);
    assert!(bench.sts.requests().is_empty());

    // Within the token service: followed, with the bearer token.
    let mut bench = Bench::new();
    let path = "/token?api-version=2.0&audience=sts.amazonaws.com";
    bench.github.fail_next(
        1,
        TokenFault::Respond(Response::new(307).header("Location", path)),
    );
    let result = bench.run(|s| s);
    result.assert_success();
    let requests = bench.github.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].authorized);
}

#[test]
fn an_answer_without_stss_error_shape_still_says_what_came() {
    // A proxy's or load balancer's HTML page instead of STS's XML error.
    let sts = Server::start(|_: &Request| {
        Response::new(503)
            .header("Content-Type", "text/html")
            .body("<html><body><h1>503 Service Unavailable</h1></body></html>")
            .into()
    });
    let mut bench = Bench::new();
    let result = bench.run(|s| {
        s.with("sts-endpoint", &sts.base_url())
            .with("retry-max-attempts", "1")
    });
    assert_failed_with(
        &result,
        &["STS answered HTTP 503 without an error message", "3 tries"],
    );
}

#[test]
fn endless_bodies_are_cut_at_one_mib() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::Endless);
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["InvalidResponse: STS's", "larger than 1 MiB"]);
    assert!(
        result.duration < Duration::from_secs(5),
        "{:?}",
        result.duration
    );
    assert_eq!(bench.sts.requests().len(), 1, "not retried");

    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Endless);
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["GitHub OIDC token", "larger than 1 MiB"]);
    assert!(
        result.duration < Duration::from_secs(5),
        "{:?}",
        result.duration
    );
    assert_eq!(bench.github.requests().len(), 1, "not retried");

    // A length announced over the limit is refused before the body is read.
    let mut bench = Bench::new();
    let huge = Response::new(200).body(vec![b' '; 2 << 20]);
    bench.github.fail_next(1, TokenFault::Respond(huge));
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["larger than 1 MiB"]);
}

#[test]
fn a_token_request_that_cannot_be_built_is_not_retried() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.env("ACTIONS_ID_TOKEN_REQUEST_URL", "not a url?api-version=2.0"));
    assert_failed_with(&result, &["ACTIONS_ID_TOKEN_REQUEST_URL"]);
    assert!(!result.log().contains("retrying"), "{}", result.log());
    assert!(
        result.duration < Duration::from_secs(5),
        "{:?}",
        result.duration
    );
}

#[test]
fn a_huge_audience_is_an_input_error_before_any_request() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("audience", &"a".repeat(100_000)));
    assert_failed_with(&result, &["Input 'audience'", "255"]);
    assert!(bench.github.requests().is_empty());
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn incomplete_sts_answers_are_retried_then_refused() {
    for (element, value) in [
        ("AccessKeyId", Some("")),
        ("SecretAccessKey", None),
        ("SessionToken", Some("")),
        ("Expiration", None),
    ] {
        let mut bench = Bench::new();
        let rewrite = Fault::Rewrite {
            element: element.into(),
            value: value.map(str::to_owned),
        };
        bench.sts.fail_next(1, rewrite.clone());
        let result = bench.run(|s| s.with("output-credentials", "true"));
        result.assert_success();
        assert_eq!(bench.sts.requests().len(), 2, "{element}: retried once");
        let issued = bench.sts.issued_credentials();
        assert_eq!(result.env["AWS_ACCESS_KEY_ID"], issued[1].access_key_id);
        assert_eq!(result.outputs["aws-expiration"], issued[1].expiration);

        let mut bench = Bench::new();
        bench.sts.fail_always(rewrite);
        let result = bench.run(|s| s.with("retry-max-attempts", "2"));
        assert_failed_with(
            &result,
            &["IncompleteResponse", element, "after 6 tries in 2 attempts"],
        );
        assert_eq!(
            bench.sts.requests().len(),
            6,
            "{element}: 3 tries per attempt"
        );
    }
}

#[test]
fn an_assumed_role_id_cannot_start_commands_or_come_before_the_masks() {
    let mut bench = Bench::new();
    bench.sts.fail_next(
        1,
        Fault::Rewrite {
            element: "AssumedRoleId".into(),
            value: Some(format!("AROAEXAMPLE:GitHubActions{INJECTION}")),
        },
    );
    let result = bench.run(|s| s.with("mask-aws-account-id", "true"));
    result.assert_success();
    assert_no_injected_commands(&result);
    assert!(result.errors.is_empty() && result.warnings.is_empty());
    assert!(result.log().contains("%3A:set-output name=x::y"));
    let authenticated = result
        .stdout
        .find("Authenticated as assumedRoleId")
        .unwrap();
    let last_mask = result.stdout.rfind("::add-mask::").unwrap();
    assert!(last_mask < authenticated, "{}", result.stdout);
    assert!(result.masks.iter().any(|m| m == ACCOUNT));
}

#[test]
fn sts_and_token_service_messages_cannot_start_commands() {
    let mut bench = Bench::new();
    bench.github.fail_next(
        1,
        TokenFault::Respond(Response::new(503).body(format!("unavailable{INJECTION}"))),
    );
    bench.sts.fail_next(
        1,
        Fault::Error {
            status: 400,
            code: "Throttling".into(),
            message: format!("Rate exceeded{INJECTION}"),
        },
    );
    bench.sts.fail_next(
        1,
        Fault::Error {
            status: 403,
            code: "AccessDenied".into(),
            message: format!("Not authorized{INJECTION}"),
        },
    );
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["AccessDenied", "Not authorized"]);
    assert_no_injected_commands(&result);
    assert!(result.log().contains("unavailable"));
    assert!(result.log().contains("Rate exceeded"));
}

#[test]
fn claims_and_trust_policy_text_cannot_start_commands() {
    let mut bench = Bench::new();
    bench
        .github
        .set_settings(TokenSettings::default().subject(&format!(
            "repo:octo-org/octo-repo:ref:refs/heads/main{INJECTION}"
        )));
    bench.sts.role(ROLE).subject("repo:other/*");
    let policy = bench.job.workspace().join("trust.json");
    let condition = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {
                "token.actions.githubusercontent.com:sub": format!("repo:other/*{INJECTION}")
            }}
        }]
    });
    std::fs::write(&policy, condition.to_string()).unwrap();
    let result = bench.run(|s| s.with("trust-policy-file", policy.to_str().unwrap()));
    assert_failed_with(&result, &["AccessDenied"]);
    assert_no_injected_commands(&result);
    assert!(result.log().contains("%3A:set-output"), "{}", result.log());
}

#[test]
fn claims_cannot_format_the_job_summary() {
    let branch = "refs/heads/`x`<b>bold</b>";
    let subject = format!("repo:octo-org/octo-repo:ref:{branch}");
    let mut bench = Bench::new();
    bench
        .github
        .set_settings(TokenSettings::default().subject(&subject));
    let result = bench.run(|s| s);
    result.assert_success();
    let cell = format!("| Token subject (sub) | `` {subject} `` |");
    assert!(result.summary.contains(&cell), "{}", result.summary);

    // The diagnosis of a denial: the claims in a block nothing inside can close.
    let mut bench = Bench::new();
    bench.github.set_settings(
        TokenSettings::default()
            .subject(&format!("{subject}\n```\n</pre>"))
            .claim("ref", branch),
    );
    bench.sts.role(ROLE).subject("repo:other/*");
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["AccessDenied"]);
    let summary = &result.summary;
    assert!(!summary.contains("<b>"), "{summary}");
    assert!(summary.contains("&lt;b&gt;bold&lt;/b&gt;"), "{summary}");
    assert_eq!(summary.matches("</pre>").count(), 1, "{summary}");
}

#[test]
fn echoed_parts_of_the_token_are_scrubbed() {
    for part in [TokenPart::Signature, TokenPart::Trimmed(3)] {
        let mut bench = Bench::new();
        bench.sts.fail_next(1, Fault::EchoToken(part.clone()));
        let result = bench.run(|s| s);
        assert_failed_with(
            &result,
            &["ValidationError", "The token *** could not be parsed"],
        );
        let jwt = &bench.github.issued_tokens()[0];
        for window in jwt.as_bytes().windows(16).step_by(8) {
            let window = std::str::from_utf8(window).unwrap();
            assert!(
                !result.log().contains(window),
                "{part:?}: part of the token is shown: {}",
                result.log()
            );
        }
    }
}

#[test]
fn echoed_parts_of_the_request_token_are_scrubbed() {
    let mut bench = Bench::new();
    let token = bench.github.request_token().to_owned();
    let echo = format!("bad token {}", &token[2..token.len() - 2]);
    bench
        .github
        .fail_next(1, TokenFault::Respond(Response::new(401).body(echo)));
    let result = bench.run(|s| s);
    assert_failed_with(&result, &["HTTP 401", "bad token ***"]);
    assert!(!result.stdout.contains(&token[2..18]), "{}", result.stdout);
}

#[test]
fn credentials_the_step_reads_are_masked_before_the_sdk_logs_them() {
    let mut bench = Bench::new();
    let keys = bench.sts.user(USER);
    let dir = bench.job.home().join(".aws");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            keys.access_key_id, keys.secret_access_key
        ),
    )
    .unwrap();
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .env("RUNNER_DEBUG", "1")
            .with("output-env-credentials", "false")
    });
    result.assert_success();
    assert!(!result.debug.is_empty(), "the SDK's debug lines are shown");
    assert!(result.masks.contains(&keys.access_key_id));
    assert!(result.masks.contains(&keys.secret_access_key));
    for line in result.stdout.lines() {
        assert!(
            !line.contains(&keys.access_key_id) || line.starts_with("::add-mask::"),
            "the key id is shown: {line}"
        );
    }
}

#[test]
fn a_secret_of_several_lines_gets_one_mask_per_line() {
    let mut bench = Bench::new();
    let keys = bench.sts.user(USER);
    let secret = "first-line-of-a-secret\nsecond-line-of-a-secret";
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("aws-access-key-id", &keys.access_key_id)
            .with("aws-secret-access-key", secret)
    });
    result.assert_failure();
    let masks: Vec<&str> = result
        .commands_named("add-mask")
        .map(|c| c.data.as_str())
        .collect();
    assert!(masks.contains(&"first-line-of-a-secret"), "{masks:?}");
    assert!(masks.contains(&"second-line-of-a-secret"), "{masks:?}");
    assert!(masks.iter().all(|m| !m.contains('\n')), "{masks:?}");
}
