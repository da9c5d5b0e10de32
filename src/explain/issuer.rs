//! The GitHub issuers a token comes from, and what IAM names after each. github.com's tokens
//! come from `https://token.actions.githubusercontent.com`, or from an enterprise's own path
//! there (`…/ENTERPRISE`, with a customised issuer); GitHub Enterprise Cloud with data residency
//! from `https://token.actions.SUBDOMAIN.ghe.com`; GitHub Enterprise Server from
//! `https://HOST/_services/token`. IAM's OIDC provider for an issuer is named after its URL
//! without the scheme (host and path): the provider's ARN ends in `oidc-provider/` and that
//! name, and its condition keys are that name, `:`, and the claim (`HOST/_services/token:sub`).

/// The audience AWS's STS expects of a token: the `audience` input's default in `action.yml`,
/// and the client id a provider is created with.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";

/// The issuer of github.com's tokens.
pub const GITHUB: &str = "https://token.actions.githubusercontent.com";

/// The claims of a GitHub token that IAM evaluates as condition keys (`<provider>:<claim>`) of a
/// trust policy: `aud` and `sub`, as for every OIDC provider, and since February 2026 these of
/// GitHub's own (AWS What's New, 2026-02-02: "AWS STS now supports validation of select identity
/// provider specific claims from Google, GitHub, CircleCI and OCI"). A condition on another of
/// its claims finds no value: IAM does not put it in the request.
pub const EVALUATED_CLAIMS: &[&str] = &[
    "actor",
    "actor_id",
    "aud",
    "enterprise_id",
    "environment",
    "job_workflow_ref",
    "ref",
    "repository",
    "repository_id",
    "sub",
    "workflow",
];

/// A provider's name as IAM compares it: without a trailing `/`, in lower case.
pub fn normal_provider(name: &str) -> String {
    name.trim_end_matches('/').to_ascii_lowercase()
}

/// Whether an OIDC provider's name (an ARN after `oidc-provider/`, or a condition key's prefix)
/// is a GitHub issuer's: github.com's (maybe an enterprise's path under it), data residency's
/// `token.actions.SUBDOMAIN.ghe.com`, or a GitHub Enterprise Server's `HOST/_services/token`.
pub fn is_github_provider(name: &str) -> bool {
    let name = normal_provider(name);
    let (host, path) = name.split_once('/').unwrap_or((&name, ""));
    let dotcom = host == "token.actions.githubusercontent.com" && !path.contains('/');
    let residency = host
        .strip_prefix("token.actions.")
        .and_then(|rest| rest.strip_suffix(".ghe.com"))
        .is_some_and(|sub| !sub.is_empty() && !sub.contains('.'))
        && path.is_empty();
    dotcom || residency || path == "_services/token"
}

/// An issuer's URL: `https://`, a host, maybe a path; no query, fragment or trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(String);

impl Issuer {
    pub fn github() -> Issuer {
        Issuer(GITHUB.to_owned())
    }

    /// Checks an issuer URL; `Err` says what it must be.
    pub fn parse(url: &str) -> Result<Issuer, String> {
        let url = url.trim_end_matches('/');
        let name = url.strip_prefix("https://").unwrap_or_default();
        let host = name.split('/').next().unwrap_or_default();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~/:".contains(c);
        if host.is_empty() || !name.chars().all(allowed) || name.contains("//") {
            return Err(format!(
                "must be an https URL without a query, like {GITHUB} (github.com), \
                 https://token.actions.SUBDOMAIN.ghe.com (data residency) or \
                 https://HOST/_services/token (GitHub Enterprise Server), not {url:?}"
            ));
        }
        Ok(Issuer(url.to_owned()))
    }

    /// The issuer of a token's `iss` claim; github.com's when it has none or one that is not an
    /// issuer URL.
    pub fn of_claim(iss: Option<&str>) -> Issuer {
        iss.and_then(|iss| Issuer::parse(iss).ok())
            .unwrap_or_else(Issuer::github)
    }

    pub fn url(&self) -> &str {
        &self.0
    }

    /// The name of IAM's OIDC provider for it, the prefix of its condition keys.
    pub fn provider(&self) -> &str {
        self.0.trim_start_matches("https://")
    }

    /// The condition key of `claim` (`aud`, `sub`).
    pub fn key(&self, claim: &str) -> String {
        format!("{}:{claim}", self.provider())
    }

    /// The provider's ARN in `account`.
    pub fn provider_arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:oidc-provider/{}", self.provider())
    }

    /// The AWS CLI command that creates the provider, trusting tokens for `audience`: a POSIX
    /// shell's words, the audience quoted unless it is plain (it comes from a policy or a token,
    /// and a user may paste the command).
    pub fn create_provider_command(&self, audience: &str) -> String {
        let plain = !audience.is_empty()
            && audience
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._:/@%+=,-".contains(c));
        let audience = if plain {
            audience.to_owned()
        } else {
            format!("'{}'", audience.replace('\'', "'\\''"))
        };
        format!(
            "aws iam create-open-id-connect-provider --url {} --client-id-list {audience}",
            self.0
        )
    }

    /// Which GitHub it is, in words.
    pub fn kind(&self) -> &'static str {
        if !is_github_provider(self.provider()) {
            "an issuer that is not GitHub's"
        } else if self.provider().ends_with("/_services/token") {
            "GitHub Enterprise Server"
        } else if self.provider().ends_with(".ghe.com") {
            "GitHub Enterprise Cloud with data residency"
        } else if self.0 == GITHUB {
            "github.com"
        } else {
            "github.com, an enterprise's own issuer"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_github_issuer_names_its_provider_and_keys() {
        for (url, provider, kind) in [
            (GITHUB, "token.actions.githubusercontent.com", "github.com"),
            (
                "https://token.actions.githubusercontent.com/octo-enterprise",
                "token.actions.githubusercontent.com/octo-enterprise",
                "github.com, an enterprise's own issuer",
            ),
            (
                "https://token.actions.octocorp.ghe.com",
                "token.actions.octocorp.ghe.com",
                "GitHub Enterprise Cloud with data residency",
            ),
            (
                "https://github.example.com/_services/token/",
                "github.example.com/_services/token",
                "GitHub Enterprise Server",
            ),
        ] {
            let issuer = Issuer::parse(url).unwrap();
            assert_eq!(issuer.provider(), provider);
            assert_eq!(issuer.kind(), kind);
            assert_eq!(issuer.key("sub"), format!("{provider}:sub"));
            assert_eq!(
                issuer.provider_arn("123456789012"),
                format!("arn:aws:iam::123456789012:oidc-provider/{provider}")
            );
            assert_eq!(
                issuer.create_provider_command("sts.amazonaws.com"),
                format!(
                    "aws iam create-open-id-connect-provider --url https://{provider} \
                     --client-id-list sts.amazonaws.com"
                )
            );
        }
    }

    #[test]
    fn the_command_quotes_an_audience_that_is_not_plain() {
        let issuer = Issuer::github();
        let command = |audience| issuer.create_provider_command(audience);
        let prefix =
            format!("aws iam create-open-id-connect-provider --url {GITHUB} --client-id-list ");
        for (audience, word) in [
            ("sts.amazonaws.com", "sts.amazonaws.com"),
            ("api://AzureADTokenExchange", "api://AzureADTokenExchange"),
            ("x; rm -rf ~", "'x; rm -rf ~'"),
            ("it's $(id)", "'it'\\''s $(id)'"),
            ("", "''"),
        ] {
            assert_eq!(command(audience), format!("{prefix}{word}"), "{audience:?}");
        }
    }

    #[test]
    fn an_issuer_is_an_https_url() {
        for bad in [
            "",
            "http://token.actions.githubusercontent.com",
            "https://",
            "https://host/a?b=c",
            "https://host//x",
            "https://host/a b",
            "token.actions.githubusercontent.com",
        ] {
            assert!(Issuer::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Issuer::of_claim(Some("not a url")), Issuer::github());
        assert_eq!(Issuer::of_claim(None), Issuer::github());
    }
}
