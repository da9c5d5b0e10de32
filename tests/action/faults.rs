//! The fault table: what the action does when the token service, STS or a proxy fails, one row
//! per fault, each row a test through the runner simulator. A row says how the run ends
//! (credentials after retrying, or one `::error::` line with nothing exported) and a coarse
//! bound on how long that takes; its test plays the fault and checks both.
//!
//! The README's "Reliability" table is rendered from these rows: `readme_table_is_current`
//! fails when it differs, and `scripts/reliability-table` runs the rows and rewrites it.

use std::time::Duration;

use testbench::github::TokenFault;
use testbench::http::Response;
use testbench::runner::{Step, StepResult};
use testbench::sts::Fault;

use crate::support::{Bench, EXPORTED, assert_failed_with};

/// How a row's run ends.
enum Outcome {
    /// Credentials are exported, at the first try.
    Credentials,
    /// Credentials are exported after a failed try.
    Retried,
    /// One `::error::` line holding this text; nothing exported.
    Error(&'static str),
}

struct Row {
    /// The test that plays the row.
    test: &'static str,
    /// The service at fault.
    service: &'static str,
    fault: &'static str,
    outcome: Outcome,
    /// The run (launcher and binary) ends within this many seconds.
    within_s: u64,
}

const ROWS: &[Row] = &[
    Row {
        test: "token_service_refuses_connections",
        service: "GitHub token service",
        fault: "refuses connections (with `retry-max-attempts: 2`)",
        outcome: Outcome::Error(
            "Could not get a GitHub OIDC token: the token service could not be reached",
        ),
        within_s: 2,
    },
    Row {
        test: "token_service_is_slow",
        service: "GitHub token service",
        fault: "answers after 0.5 s",
        outcome: Outcome::Credentials,
        within_s: 2,
    },
    Row {
        test: "token_service_never_answers",
        service: "GitHub token service",
        fault: "never answers (with `action-timeout-s: 1`; without it each request gives up \
                after 10 s)",
        outcome: Outcome::Error(
            "The action timed out after 1 seconds ('action-timeout-s'); nothing was exported",
        ),
        within_s: 5,
    },
    Row {
        test: "token_service_fails_twice_with_5xx",
        service: "GitHub token service",
        fault: "HTTP 503 twice, then answers",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "token_service_keeps_failing_with_5xx",
        service: "GitHub token service",
        fault: "HTTP 500 to every request (with `retry-max-attempts: 2`)",
        outcome: Outcome::Error("the token service answered HTTP 500"),
        within_s: 5,
    },
    Row {
        test: "token_service_rate_limits",
        service: "GitHub token service",
        fault: "HTTP 429 once, then answers",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "token_service_answers_html",
        service: "GitHub token service",
        fault: "HTTP 200 with an HTML page",
        outcome: Outcome::Error(
            "Could not get a GitHub OIDC token: the token service's answer has no token",
        ),
        within_s: 2,
    },
    Row {
        test: "token_service_answers_without_value",
        service: "GitHub token service",
        fault: "HTTP 200 with JSON that has no `value`",
        outcome: Outcome::Error(
            "Could not get a GitHub OIDC token: the token service's answer has no token",
        ),
        within_s: 2,
    },
    Row {
        test: "token_service_redirects_elsewhere",
        service: "GitHub token service",
        fault: "redirects to another origin (never followed, so the bearer token stays)",
        outcome: Outcome::Error("the token service redirected the request"),
        within_s: 2,
    },
    Row {
        test: "token_service_streams_without_end",
        service: "GitHub token service",
        fault: "HTTP 200 with a body that never ends (read up to 1 MiB)",
        outcome: Outcome::Error("larger than 1 MiB"),
        within_s: 5,
    },
    Row {
        test: "sts_is_slow",
        service: "STS",
        fault: "answers after 0.5 s",
        outcome: Outcome::Credentials,
        within_s: 2,
    },
    Row {
        test: "sts_fails_twice_with_500",
        service: "STS",
        fault: "HTTP 500 `InternalFailure` twice, then answers",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "sts_keeps_failing_with_500",
        service: "STS",
        fault: "HTTP 500 `InternalFailure` to every request (with `retry-max-attempts: 2`)",
        outcome: Outcome::Error("InternalFailure"),
        within_s: 5,
    },
    Row {
        test: "sts_throttles",
        service: "STS",
        fault: "`Throttling` twice, then answers",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "sts_cannot_reach_the_identity_provider",
        service: "STS",
        fault: "`IDPCommunicationError` twice, then answers",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "sts_resets_the_connection",
        service: "STS",
        fault: "closes the connection without answering, once",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "sts_keeps_resetting_the_connection",
        service: "STS",
        fault: "closes every connection without answering (with `retry-max-attempts: 2`)",
        outcome: Outcome::Error("ConnectionError"),
        within_s: 5,
    },
    Row {
        test: "sts_never_answers",
        service: "STS",
        fault: "never answers (with `action-timeout-s: 1`; without it each request gives up \
                after 10 s)",
        outcome: Outcome::Error(
            "The action timed out after 1 seconds ('action-timeout-s'); nothing was exported",
        ),
        within_s: 5,
    },
    Row {
        test: "sts_answers_malformed_xml",
        service: "STS",
        fault: "HTTP 200 with malformed XML (elements that do not nest), once",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "sts_answers_without_credentials_once",
        service: "STS",
        fault: "HTTP 200 without credentials, once",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "sts_keeps_answering_without_credentials",
        service: "STS",
        fault: "HTTP 200 without credentials to every request (with `retry-max-attempts: 1`)",
        outcome: Outcome::Error("STS answered without credentials"),
        within_s: 2,
    },
    Row {
        test: "sts_redirects",
        service: "STS",
        fault: "HTTP 307 to another host (never followed, so the token stays)",
        outcome: Outcome::Error("InvalidResponse: STS answered with a redirect"),
        within_s: 2,
    },
    Row {
        test: "sts_streams_without_end",
        service: "STS",
        fault: "HTTP 200 with a body that never ends (read up to 1 MiB)",
        outcome: Outcome::Error("larger than 1 MiB"),
        within_s: 5,
    },
    Row {
        test: "token_expires_while_sts_is_retried",
        service: "GitHub token service and STS",
        fault: "the token has expired by the time STS is tried again after `Throttling`",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "sts_finds_the_token_expired",
        service: "GitHub token service and STS",
        fault: "STS answers `ExpiredTokenException` for the token it was sent",
        outcome: Outcome::Retried,
        within_s: 2,
    },
    Row {
        test: "proxy_refuses_connections",
        service: "Proxy",
        fault: "`http-proxy` refuses connections (with `retry-max-attempts: 1`)",
        outcome: Outcome::Error(
            "Could not get a GitHub OIDC token: the token service could not be reached",
        ),
        within_s: 2,
    },
];

/// Plays row `test`: runs the main step as `configure` changes it, then checks the row's
/// outcome and time bound.
fn play(test: &str, bench: &mut Bench, configure: impl FnOnce(Step<'_>) -> Step<'_>) -> StepResult {
    let row = ROWS
        .iter()
        .find(|row| row.test == test)
        .unwrap_or_else(|| panic!("no row for {test}"));
    let result = bench.run(configure);
    match row.outcome {
        Outcome::Credentials | Outcome::Retried => {
            result.assert_success();
            let retried = matches!(row.outcome, Outcome::Retried);
            assert_eq!(
                result.stdout.contains(" failed: "),
                retried,
                "retried: {retried}\n{}",
                result.stdout
            );
            for name in EXPORTED {
                assert!(result.env.contains_key(name), "{name} exported");
            }
        }
        Outcome::Error(needle) => {
            assert_failed_with(&result, &[needle]);
            eprintln!("{test}: {}", result.errors[0]);
            assert!(result.state.is_empty(), "no state: {:?}", result.state);
        }
    }
    let bound = Duration::from_secs(row.within_s);
    eprintln!("{test}: {:?} (bound {bound:?})", result.duration);
    assert!(
        result.duration < bound,
        "{test} took {:?}, more than {bound:?}:\n{}",
        result.duration,
        result.stdout
    );
    result
}

/// A port that refuses connections: nothing listens on port 1 (tcpmux), and unlike a port freed
/// by a test, no other test's server can be given it meanwhile.
fn closed_port() -> u16 {
    1
}

fn token_requests(bench: &Bench) -> usize {
    bench.github.requests().len()
}

fn sts_outcomes(bench: &Bench) -> Vec<String> {
    bench
        .sts
        .requests()
        .into_iter()
        .map(|r| r.outcome)
        .collect()
}

#[test]
fn token_service_refuses_connections() {
    let mut bench = Bench::new();
    let url = format!("http://127.0.0.1:{}/token?api-version=2.0", closed_port());
    play("token_service_refuses_connections", &mut bench, |s| {
        s.env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
            .with("retry-max-attempts", "2")
    });
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn token_service_is_slow() {
    let mut bench = Bench::new();
    bench
        .github
        .fail_next(1, TokenFault::Slow(Duration::from_millis(500)));
    let result = play("token_service_is_slow", &mut bench, |s| s);
    assert!(result.duration >= Duration::from_millis(500));
    assert_eq!(token_requests(&bench), 1);
}

#[test]
fn token_service_never_answers() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Hang);
    play("token_service_never_answers", &mut bench, |s| {
        s.with("action-timeout-s", "1")
    });
    assert_eq!(token_requests(&bench), 1);
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn token_service_fails_twice_with_5xx() {
    let mut bench = Bench::new();
    bench.github.fail_next(2, TokenFault::Status(503));
    play("token_service_fails_twice_with_5xx", &mut bench, |s| s);
    assert_eq!(token_requests(&bench), 3);
}

#[test]
fn token_service_keeps_failing_with_5xx() {
    let mut bench = Bench::new();
    bench.github.fail_next(100, TokenFault::Status(500));
    let result = play("token_service_keeps_failing_with_5xx", &mut bench, |s| {
        s.with("retry-max-attempts", "2")
    });
    assert!(result.errors[0].ends_with("(after 6 tries in 2 attempts)"));
    assert_eq!(token_requests(&bench), 6);
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn token_service_rate_limits() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Status(429));
    play("token_service_rate_limits", &mut bench, |s| s);
    assert_eq!(token_requests(&bench), 2);
}

#[test]
fn token_service_answers_html() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::NotJson);
    play("token_service_answers_html", &mut bench, |s| s);
    // Not worth another try: the same page would come back.
    assert_eq!(token_requests(&bench), 1);
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn token_service_answers_without_value() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::MissingValue);
    play("token_service_answers_without_value", &mut bench, |s| s);
    assert_eq!(token_requests(&bench), 1);
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn token_service_redirects_elsewhere() {
    let mut bench = Bench::new();
    let elsewhere = format!("http://127.0.0.1:{}/token", closed_port());
    bench.github.fail_next(
        1,
        TokenFault::Respond(Response::new(302).header("Location", &elsewhere)),
    );
    play("token_service_redirects_elsewhere", &mut bench, |s| s);
    assert_eq!(token_requests(&bench), 1);
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn token_service_streams_without_end() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Endless);
    play("token_service_streams_without_end", &mut bench, |s| s);
    assert_eq!(token_requests(&bench), 1);
    assert!(bench.sts.requests().is_empty());
}

#[test]
fn sts_is_slow() {
    let mut bench = Bench::new();
    bench
        .sts
        .fail_next(1, Fault::Slow(Duration::from_millis(500)));
    let result = play("sts_is_slow", &mut bench, |s| s);
    assert!(result.duration >= Duration::from_millis(500));
    assert_eq!(sts_outcomes(&bench), ["OK"]);
}

#[test]
fn sts_fails_twice_with_500() {
    let mut bench = Bench::new();
    bench.sts.fail_next(2, Fault::InternalError);
    play("sts_fails_twice_with_500", &mut bench, |s| s);
    assert_eq!(
        sts_outcomes(&bench),
        ["InternalFailure", "InternalFailure", "OK"]
    );
    // The token is fetched once and reused while it is fresh.
    assert_eq!(token_requests(&bench), 1);
}

#[test]
fn sts_keeps_failing_with_500() {
    let mut bench = Bench::new();
    bench.sts.fail_always(Fault::InternalError);
    let result = play("sts_keeps_failing_with_500", &mut bench, |s| {
        s.with("retry-max-attempts", "2")
    });
    assert!(result.errors[0].contains("after 6 tries in 2 attempts"));
    assert_eq!(sts_outcomes(&bench).len(), 6);
}

#[test]
fn sts_throttles() {
    let mut bench = Bench::new();
    bench.sts.fail_next(2, Fault::Throttling);
    play("sts_throttles", &mut bench, |s| s);
    assert_eq!(sts_outcomes(&bench), ["Throttling", "Throttling", "OK"]);
}

#[test]
fn sts_cannot_reach_the_identity_provider() {
    let mut bench = Bench::new();
    bench.sts.fail_next(2, Fault::IdpCommunicationError);
    play("sts_cannot_reach_the_identity_provider", &mut bench, |s| s);
    assert_eq!(
        sts_outcomes(&bench),
        ["IDPCommunicationError", "IDPCommunicationError", "OK"]
    );
}

#[test]
fn sts_resets_the_connection() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::Drop);
    play("sts_resets_the_connection", &mut bench, |s| s);
    assert_eq!(sts_outcomes(&bench), ["Drop", "OK"]);
}

#[test]
fn sts_keeps_resetting_the_connection() {
    let mut bench = Bench::new();
    bench.sts.fail_always(Fault::Drop);
    play("sts_keeps_resetting_the_connection", &mut bench, |s| {
        s.with("retry-max-attempts", "2")
    });
    assert_eq!(sts_outcomes(&bench), ["Drop"; 6]);
}

#[test]
fn sts_never_answers() {
    let mut bench = Bench::new();
    bench.sts.fail_always(Fault::Hang);
    play("sts_never_answers", &mut bench, |s| {
        s.with("action-timeout-s", "1")
    });
    assert_eq!(sts_outcomes(&bench), ["Hang"]);
}

#[test]
fn sts_answers_malformed_xml() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::MalformedXml);
    play("sts_answers_malformed_xml", &mut bench, |s| s);
    assert_eq!(sts_outcomes(&bench), ["MalformedXml", "OK"]);
}

#[test]
fn sts_answers_without_credentials_once() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::EmptyResult);
    play("sts_answers_without_credentials_once", &mut bench, |s| s);
    assert_eq!(sts_outcomes(&bench), ["EmptyResult", "OK"]);
}

#[test]
fn sts_keeps_answering_without_credentials() {
    let mut bench = Bench::new();
    bench.sts.fail_always(Fault::EmptyResult);
    play("sts_keeps_answering_without_credentials", &mut bench, |s| {
        s.with("retry-max-attempts", "1")
    });
    assert_eq!(sts_outcomes(&bench), ["EmptyResult"; 3]);
}

#[test]
fn sts_redirects() {
    let mut bench = Bench::new();
    bench.sts.fail_next(
        1,
        Fault::Redirect {
            status: 307,
            location: format!("http://127.0.0.1:{}/", closed_port()),
        },
    );
    play("sts_redirects", &mut bench, |s| s);
    assert_eq!(sts_outcomes(&bench), ["Redirect"]);
}

#[test]
fn sts_streams_without_end() {
    let mut bench = Bench::new();
    bench.sts.fail_next(1, Fault::Endless);
    play("sts_streams_without_end", &mut bench, |s| s);
    assert_eq!(sts_outcomes(&bench), ["Endless"]);
}

#[test]
fn token_expires_while_sts_is_retried() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Expired);
    bench.sts.fail_next(1, Fault::Throttling);
    play("token_expires_while_sts_is_retried", &mut bench, |s| s);
    // The retry notices the token is stale and fetches a fresh one before asking STS again.
    assert_eq!(token_requests(&bench), 2);
    assert_eq!(sts_outcomes(&bench), ["Throttling", "OK"]);
    let sent: Vec<String> = bench
        .sts
        .requests()
        .into_iter()
        .map(|r| r.params["WebIdentityToken"].clone())
        .collect();
    assert_eq!(sent, bench.github.issued_tokens());
}

#[test]
fn sts_finds_the_token_expired() {
    let mut bench = Bench::new();
    bench.github.fail_next(1, TokenFault::Expired);
    play("sts_finds_the_token_expired", &mut bench, |s| s);
    assert_eq!(token_requests(&bench), 2);
    assert_eq!(sts_outcomes(&bench), ["ExpiredTokenException", "OK"]);
}

#[test]
fn proxy_refuses_connections() {
    let mut bench = Bench::new();
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    let result = play("proxy_refuses_connections", &mut bench, |s| {
        s.with("http-proxy", &proxy).with("retry-max-attempts", "1")
    });
    // The error names the proxy, since the token service is never reached.
    assert!(
        result.errors[0].contains(&format!("(through the proxy {proxy}) (after 3 tries")),
        "{}",
        result.errors[0]
    );
    assert!(bench.github.requests().is_empty());
    assert!(bench.sts.requests().is_empty());
}

const START: &str = "<!-- reliability table: generated by scripts/reliability-table -->";
const END: &str = "<!-- end of reliability table -->";

/// The README block: one line per row.
fn table() -> String {
    let mut out = format!("{START}\n| Where | Fault | Outcome | Time |\n|---|---|---|---|\n");
    for row in ROWS {
        let outcome = match row.outcome {
            Outcome::Credentials => "credentials".to_owned(),
            Outcome::Retried => "credentials, after retrying".to_owned(),
            Outcome::Error(text) => format!("one error: `{text}`"),
        };
        out.push_str(&format!(
            "| {} | {} | {outcome} | < {} s |\n",
            row.service, row.fault, row.within_s
        ));
    }
    out.push_str(END);
    out
}

/// Fails when the README's table is not the one these rows give; with
/// `RELIABILITY_TABLE=write` rewrites it instead.
#[test]
fn readme_table_is_current() {
    let source = include_str!("faults.rs");
    for row in ROWS {
        assert!(
            source.contains(&format!("fn {}() {{", row.test)),
            "row {} has a test",
            row.test
        );
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("the README");
    let start = readme
        .find(START)
        .expect("the README has the table's start marker");
    let end = readme[start..].find(END).expect("and its end marker") + start + END.len();
    let current = &readme[start..end];
    let wanted = table();
    if std::env::var("RELIABILITY_TABLE").as_deref() == Ok("write") {
        let updated = format!("{}{wanted}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, updated).expect("the README is written");
    } else {
        assert!(
            current == wanted,
            "the README's reliability table is out of date: run scripts/reliability-table"
        );
    }
}
