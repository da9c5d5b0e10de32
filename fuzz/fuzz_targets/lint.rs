//! `lint`'s reading of a file and its rules: any JSON value is found to hold trust policies (each
//! checked, every finding with a rule of the table and a path) or refused with a reason, never a
//! panic.

#![no_main]

use aws_oidc_credentials::explain::lint::{rules, sources};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match sources::documents(&file) {
        Ok(documents) => {
            for document in documents {
                for finding in rules::check(&document.policy) {
                    assert!(rules::RULES.iter().any(|r| r.id == finding.rule.id));
                    assert!(!finding.message.is_empty());
                }
            }
        }
        Err(problem) => assert!(!problem.is_empty()),
    }
});
