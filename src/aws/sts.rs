//! STS through `aws-sdk-sts`: clients (region, endpoint, our HTTP stack, no SDK retries, the
//! action's user agent) for each kind of caller, the three calls the action makes, and sorting
//! their failures for the retry policy.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_sdk_sts::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sts::config::{AppName, ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::date_time::Format;

use crate::aws::answers;
use crate::aws::http::REQUEST_TIMEOUT;
use crate::aws::retry::Verdict;
use crate::config::tags::SessionTags;
use crate::config::{Config, Keys, RoleRequest};
use crate::runner;

/// Temporary credentials from STS, or keys given as inputs.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// ISO 8601 in UTC, like `2026-11-25T22:00:00Z`; `None` for long-term keys.
    pub expiration: Option<String>,
}

impl From<&Keys> for Credentials {
    fn from(keys: &Keys) -> Self {
        Credentials {
            access_key_id: keys.access_key_id.clone(),
            secret_access_key: keys.secret_access_key.clone(),
            session_token: keys.session_token.clone(),
            expiration: None,
        }
    }
}

/// Who a set of credentials belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`, `arn:…:iam::ACCOUNT:user/NAME`, …
    pub arn: String,
    pub account: String,
}

impl Identity {
    fn from_arn(arn: &str) -> Identity {
        Identity {
            arn: arn.to_owned(),
            account: arn.split(':').nth(4).unwrap_or_default().to_owned(),
        }
    }
}

/// A role's credentials, and who they are.
pub struct Assumed {
    pub credentials: Credentials,
    pub identity: Identity,
    pub assumed_role_id: String,
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

/// The code of the failure to find any credentials to sign with.
pub const NO_CREDENTIALS: &str = "NoCredentials";

/// Who signs the calls of a client.
pub enum Caller<'a> {
    /// Nobody: `AssumeRoleWithWebIdentity` carries its own proof.
    Anonymous,
    Keys(&'a Credentials),
    /// The SDK's default chain: environment, profile, container or instance role.
    DefaultChain,
}

/// Builds STS clients that share one SDK configuration.
pub struct Clients {
    shared: aws_config::SdkConfig,
    user_agent_metadata: String,
}

impl Clients {
    /// Loads the shared configuration. The SDK resolves the endpoint: the `sts-endpoint` input
    /// when set, else `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` / the profile, else the
    /// regional endpoint.
    pub async fn new(config: &Config, http: SharedHttpClient) -> Clients {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(config.region.clone()))
            .http_client(http)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(REQUEST_TIMEOUT)
                    .build(),
            )
            .app_name(AppName::new("aws-oidc-credentials").expect("a valid app name"));
        if let Some(endpoint) = &config.sts_endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        Clients {
            shared: loader.load().await,
            user_agent_metadata: config.user_agent_metadata.join(" "),
        }
    }

    pub fn client(&self, caller: Caller<'_>) -> aws_sdk_sts::Client {
        let mut builder = aws_sdk_sts::config::Builder::from(&self.shared);
        match caller {
            Caller::Anonymous => {
                builder.set_credentials_provider(None);
            }
            Caller::Keys(creds) => {
                builder = builder.credentials_provider(aws_sdk_sts::config::Credentials::new(
                    &creds.access_key_id,
                    &creds.secret_access_key,
                    creds.session_token.clone(),
                    None,
                    "aws-oidc-credentials",
                ));
            }
            Caller::DefaultChain => {
                if let Some(chain) = self.shared.credentials_provider() {
                    builder = builder.credentials_provider(MaskRead(chain));
                }
            }
        }
        if !self.user_agent_metadata.is_empty() {
            builder = builder.interceptor(UserAgentMetadata(self.user_agent_metadata.clone()));
        }
        aws_sdk_sts::Client::from_conf(builder.build())
    }
}

/// The SDK's credential chain, with what it reads masked before anything can show it: its own
/// debug lines (which name the access key id) wait until the key id, secret and session token
/// are registered, and so are printed scrubbed.
#[derive(Debug)]
struct MaskRead(SharedCredentialsProvider);

impl ProvideCredentials for MaskRead {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let _held = runner::DebugHold::start();
            let creds = self.0.provide_credentials().await?;
            runner::mask(creds.access_key_id());
            runner::mask(creds.secret_access_key());
            if let Some(token) = creds.session_token() {
                runner::mask(token);
            }
            Ok(creds)
        })
    }
}

/// Appends the run's `md/…` entries to the user agent, as the original does.
#[derive(Debug)]
struct UserAgentMetadata(String);

impl Intercept for UserAgentMetadata {
    fn name(&self) -> &'static str {
        "UserAgentMetadata"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.request_mut().headers_mut();
        for name in ["user-agent", "x-amz-user-agent"] {
            if let Some(value) = headers.get(name) {
                let value = format!("{value} {}", self.0);
                headers.insert(name, value);
            }
        }
        Ok(())
    }
}

/// `AssumeRoleWithWebIdentity`. The credentials are masked as soon as they arrive.
pub async fn assume_role_with_web_identity(
    client: &aws_sdk_sts::Client,
    request: &RoleRequest,
    role_arn: &str,
    token: &str,
) -> Result<Assumed, StsError> {
    let output = client
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(&request.session_name)
        .web_identity_token(token)
        .duration_seconds(request.duration_seconds)
        .set_policy(request.inline_session_policy.clone())
        .set_policy_arns(policy_arns(request))
        .send()
        .await
        .map_err(sort_error)?;
    assumed(output.credentials(), output.assumed_role_user())
}

/// `AssumeRole`, signed by the client's caller, with `tags` when given.
pub async fn assume_role(
    client: &aws_sdk_sts::Client,
    request: &RoleRequest,
    role_arn: &str,
    tags: Option<&SessionTags>,
) -> Result<Assumed, StsError> {
    let (tags, transitive) = match tags {
        Some(t) => (
            Some(
                t.tags
                    .iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| StsError {
                        code: "InvalidTag".into(),
                        message: e.to_string(),
                        verdict: Verdict::Fail,
                    })?,
            ),
            (!t.transitive_keys.is_empty()).then(|| t.transitive_keys.clone()),
        ),
        None => (None, None),
    };
    let output = client
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(&request.session_name)
        .duration_seconds(request.duration_seconds)
        .set_external_id(request.external_id.clone())
        .set_policy(request.inline_session_policy.clone())
        .set_policy_arns(policy_arns(request))
        .set_tags(tags)
        .set_transitive_tag_keys(transitive)
        .send()
        .await
        .map_err(sort_error)?;
    assumed(output.credentials(), output.assumed_role_user())
}

/// `GetCallerIdentity`: proves the client's credentials work, and says whose they are.
pub async fn get_caller_identity(client: &aws_sdk_sts::Client) -> Result<Identity, StsError> {
    let output = client
        .get_caller_identity()
        .send()
        .await
        .map_err(sort_error)?;
    match (output.arn(), output.account()) {
        (Some(arn), Some(account)) => Ok(Identity {
            arn: arn.to_owned(),
            account: account.to_owned(),
        }),
        _ => Err(incomplete("an account id or ARN")),
    }
}

fn policy_arns(request: &RoleRequest) -> Option<Vec<PolicyDescriptorType>> {
    (!request.managed_session_policies.is_empty()).then(|| {
        request
            .managed_session_policies
            .iter()
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect()
    })
}

fn assumed(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    user: Option<&aws_sdk_sts::types::AssumedRoleUser>,
) -> Result<Assumed, StsError> {
    let (Some(creds), Some(user)) = (creds, user) else {
        return Err(incomplete("credentials or an assumed role"));
    };
    for secret in [
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
    ] {
        runner::mask(secret);
    }
    // The SDK fills a missing field with a default: an empty string, or the epoch for the
    // expiration. Such credentials cannot work; another attempt may get whole ones.
    let expiration = Some(creds.expiration())
        .filter(|e| e.secs() > 0)
        .and_then(|e| e.fmt(Format::DateTime).ok());
    let missing: Vec<&str> = [
        ("AccessKeyId", creds.access_key_id().is_empty()),
        ("SecretAccessKey", creds.secret_access_key().is_empty()),
        ("SessionToken", creds.session_token().is_empty()),
        ("Expiration", expiration.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    if !missing.is_empty() {
        return Err(incomplete(&format!(
            "{} in its credentials",
            missing.join(", ")
        )));
    }
    Ok(Assumed {
        credentials: Credentials {
            access_key_id: creds.access_key_id().to_owned(),
            secret_access_key: creds.secret_access_key().to_owned(),
            session_token: Some(creds.session_token().to_owned()),
            expiration,
        },
        identity: Identity::from_arn(user.arn()),
        assumed_role_id: user.assumed_role_id().to_owned(),
    })
}

fn incomplete(what: &str) -> StsError {
    StsError {
        code: "IncompleteResponse".into(),
        message: format!("STS answered without {what}"),
        verdict: Verdict::Retry,
    }
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
    let chain = source_chain(&error);
    if let Some(message) = crate::source::ambient::explain(&chain) {
        return transport(NO_CREDENTIALS, message, Verdict::Fail);
    }
    match &error {
        SdkError::ServiceError(e) => {
            let status = e.raw().status().as_u16();
            let code = e.err().code().unwrap_or("Unknown").to_owned();
            let message = match e.err().message() {
                Some(message) if !message.is_empty() => message.to_owned(),
                // An answer without STS's error shape (an HTML page from a proxy, say).
                _ => format!("STS answered HTTP {status} without an error message"),
            };
            let verdict = answers::verdict(&code, &message, status);
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
        SdkError::DispatchFailure(_) if crate::aws::http::is_certificate_error(&error) => {
            transport(
                "UntrustedCertificate",
                format!(
                    "{chain} (add STS's CA certificate with NODE_EXTRA_CA_CERTS or AWS_CA_BUNDLE)"
                ),
                Verdict::Fail,
            )
        }
        // An answer our HTTP client refused (a redirect, a body over its size limit): the
        // connection worked, the answer is what is wrong.
        SdkError::DispatchFailure(e) if e.is_other() => transport(
            "InvalidResponse",
            chain.trim_start_matches("other: ").to_owned(),
            Verdict::Fail,
        ),
        SdkError::DispatchFailure(e) => {
            let retry = e.is_io() || e.is_timeout();
            transport(
                "ConnectionError",
                chain,
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
        _ => transport("RequestError", chain, Verdict::Fail),
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

    fn sts_credentials(
        id: &str,
        secret: &str,
        token: &str,
        expires: i64,
    ) -> aws_sdk_sts::types::Credentials {
        aws_sdk_sts::types::Credentials::builder()
            .access_key_id(id)
            .secret_access_key(secret)
            .session_token(token)
            .expiration(aws_smithy_types::DateTime::from_secs(expires))
            .build()
            .unwrap()
    }

    #[test]
    fn incomplete_credentials_are_a_transient_fault() {
        let user = aws_sdk_sts::types::AssumedRoleUser::builder()
            .arn("arn:aws:sts::123456789012:assumed-role/deploy/s")
            .assumed_role_id("AROAEXAMPLE:s")
            .build()
            .unwrap();
        const K: &str = "ASIAINCOMPLETEUNITTEST";
        const S: &str = "incomplete-unit-test-secret";
        const T: &str = "incomplete-unit-test-token";
        let whole = sts_credentials(K, S, T, 1_800_000_000);
        let ok = assumed(Some(&whole), Some(&user)).ok().unwrap();
        assert_eq!(
            ok.credentials.expiration.as_deref(),
            Some("2027-01-15T08:00:00Z")
        );
        for (creds, field) in [
            (sts_credentials("", S, T, 1_800_000_000), "AccessKeyId"),
            (sts_credentials(K, "", T, 1_800_000_000), "SecretAccessKey"),
            (sts_credentials(K, S, "", 1_800_000_000), "SessionToken"),
            (sts_credentials(K, S, T, 0), "Expiration"),
        ] {
            let Err(error) = assumed(Some(&creds), Some(&user)) else {
                panic!("{field} missing is refused");
            };
            assert_eq!(error.code, "IncompleteResponse");
            assert_eq!(error.verdict, Verdict::Retry);
            assert!(error.message.contains(field), "{}", error.message);
        }
        assert!(assumed(None, Some(&user)).is_err());
    }

    #[test]
    fn identity_comes_from_the_arn() {
        let id = Identity::from_arn("arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions");
        assert_eq!(id.account, "123456789012");
    }
}
