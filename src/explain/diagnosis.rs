//! Why STS refused a web identity token, in words a user can act on: the token's non-secret
//! claims, a trust policy `Condition` that would admit exactly this run, the fix for the known
//! STS messages, and (with `trust-policy-file`) which condition of the role's policy failed.
//! Shown after the `::error::` line as a log group, and in the job summary.

use crate::aws::answers::{self, Answer};
use crate::error::{StsFailure, Via};
use crate::explain::TrustPolicy;
use crate::explain::issuer::Issuer;
use crate::explain::issuer::STS_AUDIENCE;
use crate::runner;
use crate::runner::markdown;
use crate::source::github::Claims;

/// What explains a refusal besides STS's answer, attached where the step fails: the claims of
/// the token STS judged and the role's trust policy (`trust-policy-file`, read while the step's
/// time limit still applied), and whether to explain it in the job summary too.
#[derive(Debug, Default)]
pub struct Context {
    pub claims: Option<Claims>,
    pub trust_policy: Option<TrustPolicy>,
    pub job_summary: bool,
}

/// The one-line fix for the `::error::` line of the STS answers users meet most, for the
/// issuer of the token refused and with its `sub` and `aud` (github.com's issuer and the
/// default audience when the token could not be read).
pub fn hint(via: Via, code: &str, message: &str, claims: Option<&Claims>) -> Option<String> {
    let answer = answers::find(via, code, message)?;
    let Some(claims) = claims else {
        return answer.hint(Issuer::github().provider(), STS_AUDIENCE);
    };
    let claim = |name| claims.text(name).unwrap_or_default();
    let hint = answer.hint(issuer(claims).provider(), &claim("aud"))?;
    Some(format!(
        "{hint} (this token has sub '{}', aud '{}')",
        claim("sub"),
        claim("aud")
    ))
}

/// The claims worth showing; never the token or its signature.
const SHOWN_CLAIMS: [&str; 9] = [
    "iss",
    "aud",
    "sub",
    "repository",
    "repository_owner",
    "ref",
    "environment",
    "job_workflow_ref",
    "event_name",
];

/// The known STS answer of a failure.
fn answer(failure: &StsFailure) -> Option<&'static Answer> {
    answers::find(failure.via, &failure.code, &failure.message)
}

/// The STS answers a diagnosis helps with.
fn is_denial(failure: &StsFailure) -> bool {
    answer(failure).is_some_and(Answer::is_denial)
}

/// Prints the diagnosis of a web identity denial, and adds it to the job summary.
pub fn report(failure: &StsFailure, context: &Context) {
    if failure.via == Via::Credentials || !is_denial(failure) {
        return;
    }
    let lines = diagnose(failure, context);
    runner::group("Why AWS refused the token", &lines);
    if context.job_summary {
        let profile = failure.profile.as_deref().map_or_else(String::new, |name| {
            format!(" for profile {}", markdown::inline(name))
        });
        let markdown = format!(
            "### aws-oidc-credentials: could not assume {}{profile}\n\n{}",
            markdown::inline(&failure.role_arn),
            markdown::preformatted(&lines)
        );
        // The step is failing already; a summary that cannot be written changes nothing.
        let _ = runner::append_summary(&markdown);
    }
}

/// The diagnosis, line by line.
fn diagnose(failure: &StsFailure, context: &Context) -> Vec<String> {
    let mut lines = vec![match &failure.profile {
        None => format!("Role asked for: {}", failure.role_arn),
        Some(name) => format!("Role asked for: {} (profile '{name}')", failure.role_arn),
    }];
    let Some(claims) = &context.claims else {
        lines.push("The token's claims could not be read.".into());
        return lines;
    };
    lines.push("The token's claims (the token itself is not shown):".into());
    for name in SHOWN_CLAIMS {
        if let Some(value) = claims.text(name) {
            lines.push(format!("  {name}: {value}"));
        }
    }
    let sub = claims.text("sub").unwrap_or_default();
    if is_immutable_sub(&sub) {
        lines.push(
            "  (sub is in the immutable form repo:OWNER@ID/NAME@ID:…; a trust policy written for \
             repo:OWNER/NAME:… does not match it)"
                .into(),
        );
    }
    let issuer = issuer(claims);
    let provider = issuer.provider();
    let aud = claims.text("aud").unwrap_or_default();
    lines.push(format!(
        "The token's issuer is {} ({}): IAM's OIDC provider for it is \
         arn:aws:iam::ACCOUNT:oidc-provider/{provider}, its condition keys {provider}:aud and \
         {provider}:sub.",
        issuer.url(),
        issuer.kind()
    ));
    lines.push("A trust policy Condition that admits exactly this run:".into());
    lines.extend(
        format!(
            "\"Condition\": {{\n  \"StringEquals\": {{\n    \"{provider}:aud\": \"{aud}\",\n    \"{provider}:sub\": \"{sub}\"\n  }}\n}}"
        )
        .lines()
        .map(|l| format!("  {l}")),
    );
    if let Some(environment) = claims.text("environment") {
        lines.push(format!(
            "This job runs in the environment '{environment}', so its sub has the environment \
             form (…:environment:{environment}), not the branch form (…:ref:refs/heads/…)."
        ));
    }
    if let Some(fix) = answer(failure).and_then(|a| a.fix(provider, &aud, failure.spent.attempts)) {
        lines.push(format!("Fix: {fix}"));
    }
    if let Some(policy) = &context.trust_policy {
        lines.push(format!("The trust policy in {}:", policy.path.display()));
        match policy.evaluate(&claims.0) {
            Ok(evaluation) => {
                lines.extend(evaluation.to_string().lines().map(|l| format!("  {l}")))
            }
            Err(reason) => lines.push(format!("  could not be checked: {reason}")),
        }
    }
    lines
}

/// The token's issuer (github.com's if its `iss` claim is not an issuer URL).
fn issuer(claims: &Claims) -> Issuer {
    Issuer::of_claim(claims.text("iss").as_deref())
}

/// `repo:owner@123/name@456:…`, the subject form of repositories created after mid-2026.
fn is_immutable_sub(sub: &str) -> bool {
    let Some(rest) = sub.strip_prefix("repo:") else {
        return false;
    };
    let repository = rest.split(':').next().unwrap_or_default();
    let has_id = |part: &str| {
        part.rsplit_once('@')
            .is_some_and(|(_, id)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    repository
        .split_once('/')
        .is_some_and(|(owner, name)| has_id(owner) && has_id(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Spent;

    fn failure(code: &str, message: &str) -> StsFailure {
        StsFailure {
            role_arn: "arn:aws:iam::111122223333:role/deploy".into(),
            profile: None,
            via: Via::Oidc,
            code: code.into(),
            message: message.into(),
            spent: Spent {
                attempts: 1,
                tries: 1,
            },
            hint: None,
        }
    }

    /// The diagnosis of a refusal of a token with `claims`.
    fn diagnosed(code: &str, message: &str, claims: serde_json::Value) -> Vec<String> {
        let context = Context {
            claims: match claims {
                serde_json::Value::Object(map) => Some(Claims(map)),
                _ => None,
            },
            ..Context::default()
        };
        diagnose(&failure(code, message), &context)
    }

    fn github_claims() -> serde_json::Value {
        serde_json::json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "sts.amazonaws.com",
            "sub": "repo:octo-org/octo-repo:environment:prod",
            "repository": "octo-org/octo-repo",
            "environment": "prod",
            "jti": "not shown"
        })
    }

    #[test]
    fn shows_claims_a_condition_and_the_environment_note() {
        let lines = diagnosed("AccessDenied", "Not authorized", github_claims()).join("\n");
        assert!(lines.contains("  sub: repo:octo-org/octo-repo:environment:prod"));
        assert!(!lines.contains("jti"));
        assert!(lines.contains(
            "\"token.actions.githubusercontent.com:sub\": \"repo:octo-org/octo-repo:environment:prod\""
        ));
        assert!(
            lines.contains("\"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"")
        );
        assert!(lines.contains("environment form"));
        assert!(lines.contains("Fix: the role's trust policy does not admit this token"));
    }

    #[test]
    fn known_messages_get_their_fix() {
        let fix_for = |code: &str, message: &str| {
            diagnosed(code, message, github_claims())
                .into_iter()
                .find(|l| l.starts_with("Fix: "))
                .unwrap()
        };
        assert!(
            fix_for("InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com")
                .contains("aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com --client-id-list sts.amazonaws.com")
        );
        assert!(
            fix_for("InvalidIdentityToken", "Incorrect token audience")
                .contains("'audience' input")
        );
        assert!(
            fix_for("InvalidIdentityToken", "Couldn't retrieve verification key")
                .contains("retried")
        );
        assert!(fix_for("ExpiredTokenException", "Token expired").contains("expired"));
    }

    #[test]
    fn each_github_issuer_gets_its_provider_keys_and_command() {
        for (iss, kind) in [
            ("https://token.actions.githubusercontent.com", "github.com"),
            (
                "https://token.actions.githubusercontent.com/octo-enterprise",
                "github.com, an enterprise's own issuer",
            ),
            (
                "https://token.actions.octocorp.ghe.com",
                "GitHub Enterprise Cloud with data residency",
            ),
            (
                "https://github.example.com/_services/token",
                "GitHub Enterprise Server",
            ),
        ] {
            let provider = iss.trim_start_matches("https://");
            let mut claims = github_claims();
            claims["iss"] = iss.into();
            let missing = "No OpenIDConnect provider found in your account for the issuer";
            let lines = diagnosed("InvalidIdentityToken", missing, claims.clone()).join("\n");
            for expected in [
                format!("The token's issuer is {iss} ({kind})"),
                format!("arn:aws:iam::ACCOUNT:oidc-provider/{provider},"),
                format!("\"{provider}:sub\": \"repo:octo-org/octo-repo:environment:prod\""),
                format!(
                    "Fix: create the account's OIDC identity provider: aws iam \
                     create-open-id-connect-provider --url {iss} --client-id-list \
                     sts.amazonaws.com"
                ),
            ] {
                assert!(lines.contains(&expected), "{expected}\n in\n{lines}");
            }
            let claims = Claims(claims.as_object().unwrap().clone());
            let hint = hint(Via::Oidc, "AccessDenied", "", Some(&claims)).unwrap();
            assert!(
                hint.contains(&format!("conditions on {provider}:sub")),
                "{hint}"
            );
        }
    }

    #[test]
    fn recognises_the_immutable_subject_form() {
        assert!(is_immutable_sub(
            "repo:octo-org@123/octo-repo@456:ref:refs/heads/main"
        ));
        assert!(!is_immutable_sub(
            "repo:octo-org/octo-repo:ref:refs/heads/main"
        ));
        assert!(!is_immutable_sub("repo:a@b/c@d:x"));
        let mut claims = github_claims();
        claims["sub"] = "repo:octo-org@1/octo-repo@2:ref:refs/heads/main".into();
        let lines = diagnosed("AccessDenied", "", claims).join("\n");
        assert!(lines.contains("immutable form"));
    }

    #[test]
    fn only_web_identity_denials_are_diagnosed() {
        assert!(is_denial(&failure("IDPRejectedClaim", "")));
        assert!(!is_denial(&failure("Throttling", "")));
    }
}
