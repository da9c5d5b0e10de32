//! Why the SDK's default credential chain (environment, shared profile files, container and
//! instance roles) gave no credentials, said in terms of the user's setup: the profile it read
//! and its kind, instead of the SDK's internal wording. The chain reads access keys,
//! `role_arn` with `source_profile` or `credential_source`, `web_identity_token_file` and
//! `credential_process` profiles; IAM Identity Center (SSO) and console login profiles would
//! need more of the SDK than the binary's size budget allows.

/// The sentence for a failure whose error chain reads `chain`, if it is the chain's; the profile
/// is `AWS_PROFILE`'s, or `default`.
pub fn explain(chain: &str) -> Option<String> {
    let profile = std::env::var("AWS_PROFILE")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "default".to_owned());
    explain_for(chain, &profile)
}

fn explain_for(chain: &str, profile: &str) -> Option<String> {
    if chain.contains("no providers in chain provided credentials") {
        return Some(
            "no credentials in the environment, the shared profile files, a container role or \
             an instance role"
                .into(),
        );
    }
    let instead = format!(
        "give the job a role to assume with GitHub OIDC ('role-to-assume' and `permissions: \
         id-token: write`), or access keys, or a profile whose credential_process prints \
         credentials, for example `credential_process = aws configure export-credentials \
         --profile {profile} --format process`"
    );
    if let Some(feature) = after(chain, "requires following cargo feature(s) enabled: ") {
        let kind = match feature.split(['.', ' ', ',']).next().unwrap_or_default() {
            "sso" => "an IAM Identity Center (SSO) profile (sso_session / sso_start_url)",
            "login" => "a console login profile (login_session)",
            _ => "a kind of profile",
        };
        return Some(format!(
            "AWS profile '{profile}' is {kind}, which this action does not read: {instead}"
        ));
    }
    // The credential_process provider's words (not the instance metadata provider's).
    let process = after(chain, "Error retrieving credentials from external process")
        .map(|rest| rest.trim_start_matches([':', ',', ' ']))
        .or_else(|| {
            after(chain, "Error retrieving credentials: ")
                .filter(|rest| rest.starts_with("external process"))
        });
    if let Some(detail) = process {
        let detail = detail.replace("exited with code exit status: ", "exited with code ");
        return Some(format!(
            "the credential_process of AWS profile '{profile}' failed: {detail}"
        ));
    }
    if let Some(detail) = after(chain, "ProfileFile provider could not be built: ") {
        return Some(format!("AWS profile '{profile}' cannot be used: {detail}"));
    }
    None
}

/// What follows the first `marker` in `text`.
fn after<'t>(text: &'t str, marker: &str) -> Option<&'t str> {
    text.find(marker).map(|at| &text[at + marker.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_profile_and_its_kind() {
        let sso = explain_for(
            "other: the credentials provider was not properly configured: ProfileFile provider \
             could not be built: This behavior requires following cargo feature(s) enabled: sso. ",
            "dev",
        )
        .unwrap();
        assert!(
            sso.starts_with(
                "AWS profile 'dev' is an IAM Identity Center (SSO) profile (sso_session / \
                 sso_start_url), which this action does not read: give the job a role"
            ),
            "{sso}"
        );
        assert!(
            sso.ends_with(
                "`credential_process = aws configure export-credentials --profile dev --format process`"
            ),
            "{sso}"
        );
        assert!(!sso.contains("cargo"));
        let login = explain_for(
            "This behavior requires following cargo feature(s) enabled: login. In order to use \
             an active login session, the `login` feature must be enabled.",
            "default",
        )
        .unwrap();
        assert!(
            login.starts_with("AWS profile 'default' is a console login profile (login_session)"),
            "{login}"
        );
        assert!(!login.contains("cargo") && !login.contains("feature"));
    }

    #[test]
    fn shows_what_a_credential_process_said() {
        assert_eq!(
            explain_for(
                "other: an error occurred while loading credentials: Error retrieving \
                 credentials: external process exited with code exit status: 3. Stderr: denied",
                "ci"
            )
            .unwrap(),
            "the credential_process of AWS profile 'ci' failed: external process exited with \
             code 3. Stderr: denied"
        );
        assert_eq!(
            explain_for(
                "Error retrieving credentials from external process, could not parse response: \
                 invalid JSON in response: x",
                "ci"
            )
            .unwrap(),
            "the credential_process of AWS profile 'ci' failed: could not parse response: \
             invalid JSON in response: x"
        );
        assert_eq!(
            explain_for(
                "ProfileFile provider could not be built: profile `x` was not defined: y",
                "ci"
            )
            .unwrap(),
            "AWS profile 'ci' cannot be used: profile `x` was not defined: y"
        );
        assert_eq!(
            explain_for(
                "Error retrieving credentials from external process: No such file or directory",
                "ci"
            )
            .unwrap(),
            "the credential_process of AWS profile 'ci' failed: No such file or directory"
        );
        assert_eq!(explain_for("dispatch failure: io error", "ci"), None);
        assert_eq!(
            explain_for("Error retrieving credentials from IMDS: 500 boom", "ci"),
            None
        );
    }
}
