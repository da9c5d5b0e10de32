//! The main step: GitHub token, then STS, then the checks, then the export. Each stage gets the
//! validated `Config`; nothing is written for later steps unless every stage succeeded.

use crate::config::Config;
use crate::error::{Error, StsFailure};
use crate::github::{self, IdToken};
use crate::http::{self, SdkHttpClient};
use crate::retry::Verdict;
use crate::sts::{self, Credentials, StsError};
use crate::{export, runner};

/// Runs the main step under `action-timeout-s`, if set.
pub async fn run(config: Config) -> Result<(), Error> {
    match config.timeout {
        None => assume_and_export(&config).await,
        Some(limit) => {
            runner::info(&format!(
                "Setting a global timeout of {} seconds for the action",
                limit.as_secs()
            ));
            tokio::time::timeout(limit, assume_and_export(&config))
                .await
                .unwrap_or(Err(Error::Timeout(limit.as_secs())))
        }
    }
}

/// Why one attempt at the role failed.
enum Failure {
    /// No token could be had (its own retries are spent): final.
    Token(Error),
    Sts(StsError),
}

async fn assume_and_export(config: &Config) -> Result<(), Error> {
    if config.custom_tags_ignored {
        runner::warning(
            "'custom-tags' is set but will be ignored because session tags cannot be applied when \
             using OIDC or web identity token authentication. Tags are controlled by the identity \
             provider token claims in these authentication flows.",
        );
    }
    let http = http::client(config.proxy.as_ref());
    let sts_client = sts::client(config, SdkHttpClient::shared(http.clone())).await;

    runner::info("Assuming role with OIDC");
    runner::debug(&format!(
        "AssumeRoleWithWebIdentity: role {}, session name {}, duration {} s, region {}, audience {}",
        config.role_arn,
        config.session_name,
        config.duration_seconds,
        config.region,
        config.audience.as_deref().unwrap_or("(GitHub's default)")
    ));
    let mut token: Option<IdToken> = None;
    let outcome = config
        .retry
        .run(
            "AssumeRoleWithWebIdentity",
            async |attempt| {
                let jwt = match &token {
                    Some(t) if !attempt.fresh_token && !t.is_stale() => t.jwt.clone(),
                    _ => {
                        let fresh = id_token(config, &http).await.map_err(Failure::Token)?;
                        let jwt = fresh.jwt.clone();
                        token = Some(fresh);
                        jwt
                    }
                };
                let creds = sts::assume_role_with_web_identity(&sts_client, config, &jwt)
                    .await
                    .map_err(Failure::Sts)?;
                check_special_characters(config, creds).map_err(Failure::Sts)
            },
            |failure| match failure {
                Failure::Token(_) => Verdict::Fail,
                Failure::Sts(e) => e.verdict,
            },
            |failure| match failure {
                Failure::Token(e) => e.to_string(),
                Failure::Sts(e) => e.to_string(),
            },
        )
        .await;
    let creds = match outcome {
        Ok(creds) => creds,
        Err((Failure::Token(e), _)) => return Err(e),
        Err((Failure::Sts(e), attempts)) => {
            return Err(Error::Sts(Box::new(StsFailure {
                role_arn: config.role_arn.clone(),
                code: e.code,
                message: e.message,
                attempts,
                claims: token.as_ref().and_then(IdToken::subject_and_audience),
            })));
        }
    };
    runner::info(&format!(
        "Authenticated as assumedRoleId {}",
        creds.assumed_role_id
    ));

    if !config.allowed_account_ids.is_empty()
        && !config
            .allowed_account_ids
            .iter()
            .any(|a| a == creds.account_id())
    {
        return Err(Error::AccountNotAllowed {
            account: creds.account_id().to_owned(),
            allowed: config.allowed_account_ids.join(", "),
        });
    }
    export::export(config, &creds)
}

/// A GitHub token, with the retry policy's own attempts.
async fn id_token(config: &Config, http: &reqwest::Client) -> Result<IdToken, Error> {
    let request = &config.id_token_request;
    config
        .retry
        .run(
            "GitHub OIDC token",
            async |_| github::fetch(http, request, config.audience.as_deref()).await,
            github::TokenError::verdict,
            ToString::to_string,
        )
        .await
        .map_err(|(e, attempts)| {
            let mut message = e.to_string();
            if attempts > 1 {
                message.push_str(&format!(" (after {attempts} attempts)"));
            }
            Error::IdToken(message)
        })
}

/// With `special-characters-workaround`, credentials whose key id or secret hold characters some
/// tools mishandle are refused so that the retry policy asks for new ones.
fn check_special_characters(config: &Config, creds: Credentials) -> Result<Credentials, StsError> {
    const SPECIAL: &str = "!@#$%^&*()_+-=[]{};':\"\\|,.<>/?";
    let special = |s: &str| s.contains(|c| SPECIAL.contains(c));
    if config.special_characters_workaround
        && (special(&creds.access_key_id) || special(&creds.secret_access_key))
    {
        return Err(StsError {
            code: "SpecialCharacters".into(),
            message:
                "the secret access key has special characters ('special-characters-workaround')"
                    .into(),
            verdict: Verdict::Retry,
        });
    }
    Ok(creds)
}
