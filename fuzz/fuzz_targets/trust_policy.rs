//! The trust-policy evaluator: any JSON policy against any JSON claims is evaluated or refused
//! with a reason, never a panic. The fuzz input is the policy, a NUL byte, then the claims.

#![no_main]

use aws_oidc_credentials::explain::policy::{self, ASSUME_ROLE_WITH_WEB_IDENTITY};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |&b| b == 0);
    let (Some(policy), Some(claims)) = (parts.next(), parts.next()) else {
        return;
    };
    let Ok(policy) = serde_json::from_slice::<Value>(policy) else {
        return;
    };
    let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(claims) else {
        return;
    };
    match policy::evaluate(&policy, &claims, ASSUME_ROLE_WITH_WEB_IDENTITY) {
        Ok(evaluation) => {
            let allowed_by_some = evaluation.statements.iter().any(|s| s.applies());
            assert!(!evaluation.allowed || allowed_by_some);
            let _ = format!("{evaluation:?}");
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
