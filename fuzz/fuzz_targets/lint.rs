//! `lint`'s reading of a file and its rules: any JSON value is found to hold trust policies (each
//! checked for any GitHub issuer and for one it may not trust, every finding with a rule of the
//! table and a path) or refused with a reason, never a panic.

#![no_main]

use aws_oidc_credentials::explain::issuer::Issuer;
use aws_oidc_credentials::explain::lint::{rules, sources};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    // For any GitHub issuer, and for one the policy may not trust.
    let ghe = Issuer::parse("https://token.actions.octocorp.ghe.com").expect("an issuer");
    match sources::documents(&file) {
        Ok(documents) => {
            let runs = documents
                .iter()
                .flat_map(|d| [None, Some(&ghe)].map(|i| (d, i)));
            for (document, issuer) in runs {
                for finding in rules::check(&document.policy, issuer) {
                    assert!(rules::RULES.iter().any(|r| r.id == finding.rule.id));
                    assert!(!finding.message.is_empty());
                }
            }
        }
        Err(problem) => assert!(!problem.is_empty()),
    }
});
