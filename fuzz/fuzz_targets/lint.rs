//! `lint` on a file's text, JSON or YAML: it is found to hold trust policies (each checked for
//! any GitHub issuer and for one it may not trust, every finding with a rule of the table, a
//! JSON pointer and a line of the text) or refused with a reason, never a panic.

#![no_main]

use aws_oidc_credentials::explain::issuer::Issuer;
use aws_oidc_credentials::explain::lint::{lint_text, rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ghe = Issuer::parse("https://token.actions.octocorp.ghe.com").expect("an issuer");
    let lines = text.lines().count().max(1);
    for issuer in [None, Some(&ghe)] {
        match lint_text("fuzz.json", text, issuer) {
            Ok(findings) => {
                for finding in findings {
                    assert!(rules::RULES.iter().any(|r| r.id == finding.rule.id));
                    assert!(!finding.message.is_empty());
                    assert!(finding.path.starts_with('/'));
                    assert!((1..=lines + 1).contains(&finding.line), "{}", finding.line);
                }
            }
            Err(problem) => assert!(!problem.is_empty()),
        }
    }
});
