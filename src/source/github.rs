//! The GitHub OIDC token: asking the runner's token service for a JWT for our audience, masking
//! it the moment it arrives, and reading the (unverified) claims we need from it.
//!
//! The request carries the runner's bearer token, so a redirect is followed only within the
//! token service's origin (scheme, host and port); one elsewhere is refused.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::aws::http;
use crate::aws::retry::Verdict;
use crate::config::IdTokenRequest;
use crate::runner;

/// The most redirects followed within the token service's origin.
const MAX_REDIRECTS: usize = 5;

/// A token counts as stale this long before its expiry, so STS never sees an expired one.
const FRESHNESS_MARGIN: Duration = Duration::from_secs(60);

/// A JWT from the runner, already masked.
#[derive(Clone)]
pub struct IdToken {
    pub jwt: String,
    /// The `exp` claim (seconds since the epoch), when the token has one.
    expires_at: Option<u64>,
}

impl std::fmt::Debug for IdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdToken")
            .field("jwt", &"***")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl IdToken {
    /// A token whose claims are read, not verified (STS verifies them).
    pub fn new(jwt: String) -> Self {
        let expires_at = claims(&jwt).and_then(|c| c.get("exp")?.as_u64());
        IdToken { jwt, expires_at }
    }

    /// The token's claims (not secret, unlike the token), to explain a denial.
    pub fn claims(&self) -> Option<Claims> {
        match claims(&self.jwt)? {
            serde_json::Value::Object(map) => Some(Claims(map)),
            _ => None,
        }
    }

    /// Whether the token expires within the freshness margin.
    pub fn is_stale(&self) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        self.expires_at
            .is_some_and(|exp| now + FRESHNESS_MARGIN >= Duration::from_secs(exp))
    }
}

/// A token's decoded payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims(pub serde_json::Map<String, serde_json::Value>);

impl Claims {
    /// A claim as text: a string as it is, a list joined with `, `, anything else as JSON.
    pub fn text(&self, name: &str) -> Option<String> {
        Some(match self.0.get(name)? {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        })
    }
}

/// Why the token request failed.
#[derive(Debug)]
pub enum TokenError {
    Status {
        status: u16,
        body: String,
    },
    Transport(String),
    Body(String),
    /// The request cannot be made as it stands (a malformed URL): no retry can help.
    Request(String),
    /// A redirect that is not followed.
    Redirect(String),
    /// The token service's certificate is not trusted: the same on every try.
    Untrusted(String),
}

impl TokenError {
    pub fn verdict(&self) -> Verdict {
        match self {
            TokenError::Status { status, .. } if *status >= 500 || matches!(status, 408 | 429) => {
                Verdict::Retry
            }
            TokenError::Transport(_) => Verdict::Retry,
            _ => Verdict::Fail,
        }
    }
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Status { status, body } => {
                write!(f, "the token service answered HTTP {status}")?;
                if !body.is_empty() {
                    write!(f, ": {}", body.chars().take(200).collect::<String>())?;
                }
                Ok(())
            }
            TokenError::Transport(e) => write!(f, "the token service could not be reached: {e}"),
            TokenError::Body(e) => write!(f, "the token service's answer has no token: {e}"),
            TokenError::Request(e) => write!(f, "the token request cannot be made: {e}"),
            TokenError::Redirect(e) => write!(f, "the token service redirected the request: {e}"),
            TokenError::Untrusted(e) => write!(
                f,
                "the token service's certificate is not trusted: {e} (add its CA certificate \
                 with NODE_EXTRA_CA_CERTS or AWS_CA_BUNDLE)"
            ),
        }
    }
}

/// Asks for a token (`GET <url>&audience=<audience>` with the runner's bearer token).
pub async fn fetch(
    client: &reqwest::Client,
    request: &IdTokenRequest,
    audience: Option<&str>,
) -> Result<IdToken, TokenError> {
    let url = match audience {
        Some(audience) => format!(
            "{}&audience={}",
            request.url,
            encode_uri_component(audience)
        ),
        None => request.url.clone(),
    };
    let mut url = reqwest::Url::parse(&url).map_err(|e| {
        TokenError::Request(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL ({e})"))
    })?;
    runner::known_secret(&request.bearer);
    let origin = url.origin();
    let mut redirects = 0;
    let response = loop {
        let response = client
            .get(url.clone())
            .bearer_auth(&request.bearer)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport_error)?;
        if !response.status().is_redirection() {
            break response;
        }
        let next = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .filter(|next| next.origin() == origin);
        match next {
            Some(next) if redirects < MAX_REDIRECTS => {
                redirects += 1;
                url = next;
            }
            Some(_) => {
                return Err(TokenError::Redirect(format!(
                    "more than {MAX_REDIRECTS} redirects ({})",
                    http::redirect(&response)
                )));
            }
            None => {
                return Err(TokenError::Redirect(format!(
                    "{}, outside the token service's origin {}; not followed",
                    http::redirect(&response),
                    origin.ascii_serialization()
                )));
            }
        }
    };
    let status = response.status().as_u16();
    let body = http::read_body(response).await.map_err(|e| match e {
        http::BodyError::Transport(e) => transport_error(e),
        e @ http::BodyError::TooLarge => TokenError::Body(format!("its {e}")),
    })?;
    let body = String::from_utf8_lossy(&body);
    if status != 200 {
        return Err(TokenError::Status {
            status,
            body: body.into_owned(),
        });
    }
    let value: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| TokenError::Body(format!("not JSON ({e})")))?;
    let jwt = value
        .get("value")
        .and_then(|v| v.as_str())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| TokenError::Body("no \"value\" field".into()))?;
    runner::mask(jwt);
    Ok(IdToken::new(jwt.to_owned()))
}

/// Sorts a failed request: one that could not be built, or a server certificate that is not
/// trusted, is final; the rest are transient.
fn transport_error(e: reqwest::Error) -> TokenError {
    if http::is_certificate_error(&e) {
        TokenError::Untrusted(http::error_chain(&e))
    } else if e.is_builder() {
        TokenError::Request(http::error_chain(&e))
    } else {
        TokenError::Transport(http::error_chain(&e))
    }
}

/// The JWT's payload, decoded without verifying the signature (STS verifies it).
pub fn claims(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// JavaScript's `encodeURIComponent`, which the toolkit uses for the audience.
fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.sig",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(
            encode_uri_component("sts.amazonaws.com"),
            "sts.amazonaws.com"
        );
        assert_eq!(
            encode_uri_component("https://x/y?a=b c&d"),
            "https%3A%2F%2Fx%2Fy%3Fa%3Db%20c%26d"
        );
        assert_eq!(encode_uri_component("é"), "%C3%A9");
    }

    #[test]
    fn reads_claims_without_verifying() {
        let c = claims(&jwt(r#"{"sub":"repo:o/r:ref:refs/heads/main","exp":5}"#)).unwrap();
        assert_eq!(c["sub"], "repo:o/r:ref:refs/heads/main");
        assert!(claims("not-a-jwt").is_none());
        assert!(claims("a.!!!.c").is_none());
    }

    #[test]
    fn staleness_follows_exp() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(IdToken::new(jwt(&format!(r#"{{"exp":{}}}"#, now + 30))).is_stale());
        assert!(!IdToken::new(jwt(&format!(r#"{{"exp":{}}}"#, now + 300))).is_stale());
        assert!(!IdToken::new("opaque".into()).is_stale());
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let status = |status| {
            TokenError::Status {
                status,
                body: String::new(),
            }
            .verdict()
        };
        assert_eq!(status(500), Verdict::Retry);
        assert_eq!(status(429), Verdict::Retry);
        assert_eq!(status(401), Verdict::Fail);
        assert_eq!(status(404), Verdict::Fail);
        assert_eq!(TokenError::Transport("x".into()).verdict(), Verdict::Retry);
        assert_eq!(TokenError::Body("x".into()).verdict(), Verdict::Fail);
        assert_eq!(TokenError::Request("x".into()).verdict(), Verdict::Fail);
        assert_eq!(TokenError::Redirect("x".into()).verdict(), Verdict::Fail);
    }
}
