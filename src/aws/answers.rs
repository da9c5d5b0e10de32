//! What each known STS answer means, in one table: its code and message, whether another try
//! can help (read by the retry policy), the short hint on the `::error::` line, and the fuller
//! fix in the diagnosis of a denial. A new STS message is added here once.

use crate::aws::retry::Verdict;
use crate::error::Via;

/// One known answer.
#[derive(Debug)]
pub struct Answer {
    /// The STS error code.
    code: &'static str,
    /// Text the message contains; empty matches any message.
    message: &'static str,
    /// The calls the row is about.
    asked: Asked,
    verdict: Verdict,
    /// The one-line hint appended to the `::error::` line, with `{provider}` (the name of the
    /// token issuer's IAM provider: its host and path) and `{aud}` filled in by
    /// [`Answer::hint`].
    hint: Option<&'static str>,
    /// The fix in the diagnosis, with `{provider}`, `{aud}` and `{attempts}` filled in by
    /// [`Answer::fix`]. Rows with a fix are the denials the diagnosis explains.
    fix: Option<&'static str>,
}

/// Which calls a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Any,
    /// `AssumeRoleWithWebIdentity` (OIDC or a token file).
    WebIdentity,
    /// `AssumeRole` signed by credentials.
    Signed,
}

impl Asked {
    fn covers(self, via: Via) -> bool {
        match self {
            Asked::Any => true,
            Asked::WebIdentity => via != Via::Credentials,
            Asked::Signed => via == Via::Credentials,
        }
    }
}

/// The fix for a token the trust policy does not admit, also for denials without a fix of their
/// own.
const NOT_ADMITTED: &str = "the role's trust policy does not admit this token: compare its \
                            Condition on :aud and :sub with the one above (trust-policy-file \
                            checks it for you)";

const fn transient(code: &'static str) -> Answer {
    Answer {
        code,
        message: "",
        asked: Asked::Any,
        verdict: Verdict::Retry,
        hint: None,
        fix: None,
    }
}

/// The known answers; the first row that matches wins, so specific messages come first.
const ANSWERS: &[Answer] = &[
    transient("Throttling"),
    transient("ThrottlingException"),
    transient("RequestLimitExceeded"),
    transient("IDPCommunicationError"),
    Answer {
        code: "InvalidIdentityToken",
        message: "Couldn't retrieve verification key",
        asked: Asked::Any,
        verdict: Verdict::RetryWithFreshToken,
        hint: None,
        fix: Some(
            "AWS could not fetch {provider}'s signing keys; this is usually transient and was \
             retried {attempts} times",
        ),
    },
    Answer {
        code: "InvalidIdentityToken",
        message: "No OpenIDConnect provider",
        asked: Asked::Any,
        verdict: Verdict::Fail,
        hint: Some(
            "Create an IAM OIDC identity provider for https://{provider} with client id {aud} in \
             the role's account",
        ),
        fix: Some(
            "create the account's OIDC identity provider: aws iam create-open-id-connect-provider \
             --url https://{provider} --client-id-list {aud}",
        ),
    },
    Answer {
        code: "InvalidIdentityToken",
        message: "audience",
        asked: Asked::Any,
        verdict: Verdict::Fail,
        hint: Some(
            "The 'audience' input must be one of the client ids of the account's OIDC identity \
             provider",
        ),
        fix: Some(
            "the token's aud '{aud}' comes from the 'audience' input; it must be one of the OIDC \
             provider's client ids (aws iam add-client-id-to-open-id-connect-provider \
             --open-id-connect-provider-arn arn:aws:iam::ACCOUNT:oidc-provider/{provider} \
             --client-id {aud}), or set 'audience' to one of them",
        ),
    },
    Answer {
        code: "InvalidIdentityToken",
        message: "",
        asked: Asked::Any,
        verdict: Verdict::Fail,
        hint: None,
        fix: Some(NOT_ADMITTED),
    },
    Answer {
        code: "ExpiredTokenException",
        message: "",
        asked: Asked::Any,
        verdict: Verdict::RetryWithFreshToken,
        hint: Some("The GitHub OIDC token expired before STS accepted it; re-run the job"),
        fix: Some(
            "the token expired before STS accepted it; re-run the job (a slow runner or a long \
             action-timeout-s with many retries can cause this)",
        ),
    },
    Answer {
        code: "IDPRejectedClaim",
        message: "",
        asked: Asked::Any,
        verdict: Verdict::Fail,
        hint: None,
        fix: Some(
            "the identity provider rejected a claim of the token; check the provider's \
             configuration in IAM",
        ),
    },
    Answer {
        code: "AccessDenied",
        message: "",
        asked: Asked::Signed,
        verdict: Verdict::Fail,
        hint: Some(
            "The role's trust policy must allow these credentials to assume it (and \
             'role-external-id' must match its sts:ExternalId condition, if it has one)",
        ),
        fix: None,
    },
    Answer {
        code: "AccessDenied",
        message: "",
        asked: Asked::WebIdentity,
        verdict: Verdict::Fail,
        hint: Some(
            "The role's trust policy does not admit this token: its conditions on {provider}:sub \
             and :aud must match the token's subject (repository, branch, tag or environment) \
             and audience",
        ),
        fix: Some(NOT_ADMITTED),
    },
];

impl Answer {
    fn matches(&self, code: &str, message: &str) -> bool {
        self.code == code && message.contains(self.message)
    }

    /// The diagnosis's fix for a token from `provider` with audience `aud`, after `attempts`.
    pub fn fix(&self, provider: &str, aud: &str, attempts: u32) -> Option<String> {
        Some(fill(self.fix?, provider, aud).replace("{attempts}", &attempts.to_string()))
    }

    /// The hint of the `::error::` line for a token from `provider` with audience `aud`.
    pub fn hint(&self, provider: &str, aud: &str) -> Option<String> {
        Some(fill(self.hint?, provider, aud))
    }

    /// Whether the diagnosis explains this answer.
    pub fn is_denial(&self) -> bool {
        self.fix.is_some()
    }
}

/// `template` with the token's provider and audience.
fn fill(template: &str, provider: &str, aud: &str) -> String {
    template
        .replace("{provider}", provider)
        .replace("{aud}", aud)
}

/// The known answer to a call made `via`, if it is one.
pub fn find(via: Via, code: &str, message: &str) -> Option<&'static Answer> {
    ANSWERS
        .iter()
        .find(|a| a.asked.covers(via) && a.matches(code, message))
}

/// Whether another try can change an answer with HTTP status `status`: the table's verdict for a
/// known answer, else a retry for a 5xx and none for the rest.
pub fn verdict(code: &str, message: &str, status: u16) -> Verdict {
    match ANSWERS.iter().find(|a| a.matches(code, message)) {
        Some(answer) => answer.verdict,
        None if status >= 500 => Verdict::Retry,
        None => Verdict::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_rules() {
        assert_eq!(verdict("Throttling", "Rate exceeded", 400), Verdict::Retry);
        assert_eq!(verdict("IDPCommunicationError", "", 400), Verdict::Retry);
        assert_eq!(verdict("InternalFailure", "", 500), Verdict::Retry);
        assert_eq!(verdict("ServiceUnavailable", "", 503), Verdict::Retry);
        assert_eq!(
            verdict(
                "InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider",
                400
            ),
            Verdict::RetryWithFreshToken
        );
        assert_eq!(
            verdict("ExpiredTokenException", "Token expired", 400),
            Verdict::RetryWithFreshToken
        );
        for code in [
            "AccessDenied",
            "IDPRejectedClaim",
            "MalformedPolicyDocument",
            "ValidationError",
            "RegionDisabledException",
            "PackedPolicyTooLarge",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
        ] {
            assert_eq!(verdict(code, "", 400), Verdict::Fail, "{code}");
        }
        assert_eq!(
            verdict(
                "InvalidIdentityToken",
                "No OpenIDConnect provider found in your account",
                400
            ),
            Verdict::Fail
        );
        assert_eq!(
            verdict("AccessDenied", "Not authorized", 403),
            Verdict::Fail
        );
    }

    #[test]
    fn rows_for_the_same_answer_agree_on_the_verdict() {
        // `verdict` does not know how the call was made; the rows that differ by it must not
        // differ in what a retry can do.
        for a in ANSWERS {
            for b in ANSWERS {
                if a.code == b.code && a.message == b.message {
                    assert_eq!(a.verdict, b.verdict, "{} {:?}", a.code, a.message);
                }
            }
        }
    }

    #[test]
    fn hints_depend_on_how_the_role_was_asked_for() {
        let hint = |via, code, message| {
            find(via, code, message).and_then(|a| a.hint("ghes.example.com/_services/token", "x"))
        };
        assert!(
            hint(Via::Credentials, "AccessDenied", "")
                .unwrap()
                .contains("allow these credentials")
        );
        assert!(
            hint(Via::Oidc, "AccessDenied", "")
                .unwrap()
                .contains("conditions on ghes.example.com/_services/token:sub and :aud")
        );
        assert!(
            hint(
                Via::Oidc,
                "InvalidIdentityToken",
                "No OpenIDConnect provider found"
            )
            .unwrap()
            .contains("for https://ghes.example.com/_services/token with client id x")
        );
        assert_eq!(
            hint(Via::TokenFile, "AccessDenied", ""),
            hint(Via::Oidc, "AccessDenied", "")
        );
        assert_eq!(hint(Via::Oidc, "Throttling", "Rate exceeded"), None);
        assert_eq!(hint(Via::Oidc, "SomethingNew", ""), None);
    }

    #[test]
    fn fixes_fill_in_the_token_and_the_attempts() {
        let fix = |code, message| {
            find(Via::Oidc, code, message)
                .and_then(|a| a.fix("token.example", "my-aud", 4))
                .unwrap()
        };
        assert!(
            fix("InvalidIdentityToken", "No OpenIDConnect provider found")
                .ends_with("--url https://token.example --client-id-list my-aud")
        );
        assert!(
            fix("InvalidIdentityToken", "Couldn't retrieve verification key")
                .contains("retried 4 times")
        );
        assert_eq!(fix("InvalidIdentityToken", "Something else"), NOT_ADMITTED);
        assert!(
            !find(Via::Credentials, "AccessDenied", "")
                .unwrap()
                .is_denial()
        );
        assert!(find(Via::Oidc, "IDPRejectedClaim", "").unwrap().is_denial());
        assert!(!find(Via::Oidc, "Throttling", "").unwrap().is_denial());
    }
}
