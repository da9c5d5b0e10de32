//! STS through `aws-sdk-sts`: building the client (region, endpoint, our HTTP stack, no SDK
//! retries), calling `AssumeRoleWithWebIdentity`, and sorting its failures for the retry policy.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::types::PolicyDescriptorType;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::date_time::Format;

use crate::config::Config;
use crate::http::REQUEST_TIMEOUT;
use crate::retry::Verdict;
use crate::runner;

/// Temporary credentials and who they belong to.
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// ISO 8601 in UTC, like `2026-11-25T22:00:00Z`.
    pub expiration: String,
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: String,
    pub assumed_role_id: String,
}

impl Credentials {
    /// The account id, the fifth field of the assumed-role ARN.
    pub fn account_id(&self) -> &str {
        self.arn.split(':').nth(4).unwrap_or_default()
    }
}

/// An STS failure, sorted.
#[derive(Debug, Clone)]
pub struct StsError {
    pub code: String,
    pub message: String,
    pub verdict: Verdict,
}

impl std::fmt::Display for StsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Builds the STS client. The SDK resolves the endpoint: the `sts-endpoint` input when set,
/// else `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` / the profile, else the regional endpoint.
pub async fn client(config: &Config, http: SharedHttpClient) -> aws_sdk_sts::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(config.region.clone()))
        .http_client(http)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(REQUEST_TIMEOUT)
                .build(),
        )
        .no_credentials();
    if let Some(endpoint) = &config.sts_endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    aws_sdk_sts::Client::new(&loader.load().await)
}

/// One `AssumeRoleWithWebIdentity` call. The credentials are masked as soon as they arrive.
pub async fn assume_role_with_web_identity(
    client: &aws_sdk_sts::Client,
    config: &Config,
    jwt: &str,
) -> Result<Credentials, StsError> {
    let policy_arns = (!config.managed_session_policies.is_empty()).then(|| {
        config
            .managed_session_policies
            .iter()
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect()
    });
    let output = client
        .assume_role_with_web_identity()
        .role_arn(&config.role_arn)
        .role_session_name(&config.session_name)
        .web_identity_token(jwt)
        .duration_seconds(config.duration_seconds)
        .set_policy(config.inline_session_policy.clone())
        .set_policy_arns(policy_arns)
        .send()
        .await
        .map_err(sort_error)?;
    let (Some(creds), Some(user)) = (output.credentials(), output.assumed_role_user()) else {
        return Err(StsError {
            code: "IncompleteResponse".into(),
            message: "STS answered without credentials or assumed role".into(),
            verdict: Verdict::Retry,
        });
    };
    for secret in [
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
    ] {
        runner::mask(secret);
    }
    Ok(Credentials {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: creds.secret_access_key().to_owned(),
        session_token: creds.session_token().to_owned(),
        expiration: creds.expiration().fmt(Format::DateTime).unwrap_or_default(),
        arn: user.arn().to_owned(),
        assumed_role_id: user.assumed_role_id().to_owned(),
    })
}

/// Sorts an SDK error into code, message and verdict, without the SDK's debug dump.
fn sort_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    error: SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> StsError {
    let transport = |code: &str, message: String, verdict| StsError {
        code: code.into(),
        message,
        verdict,
    };
    match &error {
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("Unknown").to_owned();
            let message = e.err().message().unwrap_or_default().to_owned();
            let verdict = verdict(&code, &message, e.raw().status().as_u16());
            StsError {
                code,
                message,
                verdict,
            }
        }
        SdkError::TimeoutError(_) => transport(
            "Timeout",
            format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            Verdict::Retry,
        ),
        SdkError::DispatchFailure(e) => {
            let retry = e.is_io() || e.is_timeout();
            let message = source_chain(&error);
            transport(
                "ConnectionError",
                message,
                if retry { Verdict::Retry } else { Verdict::Fail },
            )
        }
        SdkError::ResponseError(e) => {
            let status = e.raw().status().as_u16();
            transport(
                "InvalidResponse",
                format!("STS answered HTTP {status} with a body that is not an STS response"),
                if status >= 500 {
                    Verdict::Retry
                } else {
                    Verdict::Fail
                },
            )
        }
        _ => transport("RequestError", source_chain(&error), Verdict::Fail),
    }
}

/// The retry rules for STS answers.
fn verdict(code: &str, message: &str, status: u16) -> Verdict {
    match code {
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "IDPCommunicationError" => {
            Verdict::Retry
        }
        "InvalidIdentityToken" if message.contains("Couldn't retrieve verification key") => {
            Verdict::RetryWithFreshToken
        }
        "ExpiredTokenException" => Verdict::RetryWithFreshToken,
        _ if status >= 500 => Verdict::Retry,
        _ => Verdict::Fail,
    }
}

fn source_chain(error: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut source = error.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(error.to_string());
    }
    parts.join(": ")
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
    fn account_comes_from_the_assumed_role_arn() {
        let c = Credentials {
            access_key_id: String::new(),
            secret_access_key: String::new(),
            session_token: String::new(),
            expiration: String::new(),
            arn: "arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions".into(),
            assumed_role_id: String::new(),
        };
        assert_eq!(c.account_id(), "123456789012");
    }
}
