//! Proxies: which requests go through `http-proxy` and which `no-proxy` lets go direct.

use crate::support::Bench;
use testbench::proxy::ForwardProxy;
use testbench::runner::Step;

/// Runs with the token service reached as `localhost` and STS as `127.0.0.1`, through a
/// proxy, and returns which of the two went through it.
fn through_proxy(configure: impl for<'s> FnOnce(Step<'s>, &str) -> Step<'s>) -> (bool, bool) {
    let mut bench = Bench::new();
    let proxy = ForwardProxy::start();
    let token_url = bench.github.request_url().replace("127.0.0.1", "localhost");
    bench
        .run(|s| {
            configure(
                s.env("ACTIONS_ID_TOKEN_REQUEST_URL", &token_url),
                &proxy.url(),
            )
        })
        .assert_success();
    let seen = proxy.requests();
    let token = seen.iter().any(|u| u.starts_with("http://localhost:"));
    let sts = seen.iter().any(|u| u.starts_with(&bench.sts.endpoint()));
    (token, sts)
}

#[test]
fn both_requests_use_the_http_proxy_input() {
    assert_eq!(through_proxy(|s, p| s.with("http-proxy", p)), (true, true));
}

#[test]
fn https_proxy_environment_is_the_default() {
    assert_eq!(through_proxy(|s, p| s.env("HTTPS_PROXY", p)), (true, true));
    assert_eq!(through_proxy(|s, p| s.env("http_proxy", p)), (true, true));
}

#[test]
fn no_proxy_matches_hosts_with_or_without_port() {
    assert_eq!(
        through_proxy(|s, p| s.with("http-proxy", p).with("no-proxy", "localhost")),
        (false, true)
    );
    assert_eq!(
        through_proxy(|s, p| s
            .with("http-proxy", p)
            .with("no-proxy", "example.com, 127.0.0.1")),
        (true, false)
    );
    assert_eq!(
        through_proxy(|s, p| s.env("HTTP_PROXY", p).env("NO_PROXY", "*")),
        (false, false)
    );
}

#[test]
fn without_an_endpoint_sts_is_the_regional_one_over_https() {
    // Nothing answers outside loopback, so the proxy sees the CONNECT and refuses it.
    let mut bench = Bench::new();
    let proxy = ForwardProxy::start();
    let result = bench.run(|s| {
        s.with("sts-endpoint", "")
            .with("http-proxy", &proxy.url())
            .with("no-proxy", "127.0.0.1")
            .with("disable-retry", "true")
    });
    crate::support::assert_failed_with(&result, &["ConnectionError"]);
    // One attempt: a refused connection is tried three times.
    assert_eq!(proxy.requests(), ["sts.us-east-2.amazonaws.com:443"; 3]);
}

#[test]
fn the_generic_sdk_endpoint_variable_is_honoured() {
    let mut bench = Bench::new();
    let endpoint = bench.sts.endpoint();
    bench
        .run(|s| {
            s.with("sts-endpoint", "")
                .env("AWS_ENDPOINT_URL", &endpoint)
        })
        .assert_success();
    assert_eq!(bench.sts.requests().len(), 1);
}
