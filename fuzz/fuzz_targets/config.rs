//! Inputs → `Config`: any set of inputs and runner variables either becomes a `Config` or is
//! refused with an error, never a panic. The fuzz input is `NAME=VALUE` lines laid over a valid
//! OIDC setup (an empty value unsets a variable; `\n` in a value is a line break).

#![no_main]

use std::collections::BTreeMap;

use aws_oidc_credentials::config::Config;
use aws_oidc_credentials::config::inputs::Inputs;
use libfuzzer_sys::fuzz_target;

const BASE: &[(&str, &str)] = &[
    ("INPUT_AWS-REGION", "us-east-2"),
    (
        "INPUT_ROLE-TO-ASSUME",
        "arn:aws:iam::123456789012:role/deploy",
    ),
    ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer"),
    (
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "http://127.0.0.1:1/token?x=1",
    ),
    ("GITHUB_ENV", "/tmp/env"),
    ("GITHUB_OUTPUT", "/tmp/out"),
    ("GITHUB_STATE", "/tmp/state"),
    ("GITHUB_WORKSPACE", "/home/runner/work/repo/repo"),
    ("GITHUB_REPOSITORY", "o/r"),
    ("GITHUB_WORKFLOW", "CI"),
    ("GITHUB_ACTION", "__run"),
    ("GITHUB_ACTOR", "octocat"),
    ("GITHUB_SHA", "abc"),
    ("GITHUB_RUN_ID", "42"),
    ("HOME", "/home/runner"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut env: BTreeMap<String, String> = BASE
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for line in text.lines() {
        if let Some((name, value)) = line.split_once('=') {
            env.insert(name.to_owned(), value.replace("\\n", "\n"));
        }
    }
    let lookup = |name: &str| env.get(name).cloned();
    match Config::from_inputs(
        &Inputs::from_os_lookup(|name| lookup(name).map(Into::into)),
        lookup,
    ) {
        Ok(config) => {
            if let Some(role) = &config.role {
                let caller = "arn:aws:sts::123456789012:assumed-role/source/session";
                assert!(role.role.arn(Some(caller)).is_some());
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
