//! The action's one HTTP stack: a single `reqwest` client (rustls trusting what `tls` says, the
//! proxy decision, connect and read timeouts) used for the GitHub token request and, through a
//! small adapter, by the AWS SDK for STS. One client means one TLS setup and one proxy rule set.
//!
//! Against a hostile or broken endpoint: the client follows no redirect by itself (STS never
//! redirects, so the adapter refuses one; the token request decides per hop, see `github`), and
//! no answer body is read past [`MAX_BODY`].

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

use crate::aws::tls::Trust;
use crate::config::proxy::Proxy;
use crate::error::Error;

/// How long to wait for a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take before it is abandoned (and retried, where that is allowed).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The most bytes of an answer's body that are read; a token or an STS answer takes a few KB.
pub const MAX_BODY: usize = 1024 * 1024;

pub const USER_AGENT: &str = concat!("aws-oidc-credentials/", env!("CARGO_PKG_VERSION"));

/// Builds the client, before any request, so that a certificate file that cannot be used fails
/// the step with its name. Proxy environment variables are not read here: `config` already
/// folded them into `proxy`, so both requests follow the same rules.
pub fn client(proxy: Option<&Proxy>) -> Result<reqwest::Client, Error> {
    // The TLS settings are `tls`'s, on ring's cryptography (aws-lc-rs, reqwest's default, makes
    // the binary about a megabyte larger).
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(Trust::from_env()?.client_config()?)
        .no_proxy()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(2);
    if let Some(proxy) = proxy.cloned() {
        builder = builder.proxy(reqwest::Proxy::custom(move |target| {
            proxy.applies_to(target).then(|| proxy.url().clone())
        }));
    }
    builder.build().map_err(|e| Error::Tls(error_chain(&e)))
}

/// A client error's message with its causes.
pub fn error_chain(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// The SDK's view of the shared client.
#[derive(Debug, Clone)]
pub struct SdkHttpClient(reqwest::Client);

impl SdkHttpClient {
    pub fn shared(client: reqwest::Client) -> SharedHttpClient {
        SharedHttpClient::new(SdkHttpClient(client))
    }
}

impl HttpClient for SdkHttpClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for SdkHttpClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = request
                .try_into_http1x()
                .map_err(|e| ConnectorError::user(e.into()))?;
            let (parts, body) = request.into_parts();
            let mut headers = parts.headers;
            headers.remove(http::header::CONTENT_LENGTH);
            let body = body.bytes().map(<[u8]>::to_vec).unwrap_or_default();
            let url = parts.uri.to_string();
            let response = client
                .request(parts.method, url)
                .headers(headers)
                .body(body)
                .send()
                .await
                .map_err(connector_error)?;
            let status = response.status();
            if status.is_redirection() {
                let refused = format!(
                    "STS answered with a redirect ({}), which is never followed: STS does not \
                     redirect, so a proxy or another server is in the way",
                    redirect(&response)
                );
                return Err(ConnectorError::other(refused.into(), None));
            }
            let headers = response.headers().clone();
            let body = read_body(response).await.map_err(|e| match e {
                BodyError::Transport(e) => connector_error(e),
                e @ BodyError::TooLarge => ConnectorError::other(format!("STS's {e}").into(), None),
            })?;
            let mut builder = http::Response::builder().status(status);
            if let Some(h) = builder.headers_mut() {
                *h = headers;
            }
            let response = builder
                .body(SdkBody::from(body))
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            HttpResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// A redirect answer in words: its status and where `Location` points (scheme, host and port
/// only; the rest may hold anything).
pub fn redirect(response: &reqwest::Response) -> String {
    let target = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(|l| match response.url().join(l) {
            Ok(url) => format!("to {}", url.origin().ascii_serialization()),
            Err(_) => "to an invalid Location".to_owned(),
        })
        .unwrap_or_else(|| "without a Location".to_owned());
    format!("HTTP {} {target}", response.status().as_u16())
}

/// Why an answer's body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("answer is larger than {} MiB (it was not read further)", MAX_BODY >> 20)]
    TooLarge,
    #[error(transparent)]
    Transport(reqwest::Error),
}

/// Reads an answer's body, at most [`MAX_BODY`] bytes of it: a larger one (by its
/// `Content-Length` or as it streams) is refused without reading the rest.
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether a request failed because the server's certificate is not trusted (or not valid for
/// it): the same certificate comes back on every try, so no retry can help.
pub fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(error) = next {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        // An I/O error hides the error it wraps from the source chain.
        let wrapped = error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref);
        if wrapped.is_some_and(|inner| is_certificate_error(inner)) {
            return true;
        }
        next = error.source();
    }
    false
}

/// Sorts a transport failure the way the SDK's retry and timeout logic expects; a certificate
/// that is not trusted is not an I/O failure, so it is not retried.
fn connector_error(e: reqwest::Error) -> ConnectorError {
    if is_certificate_error(&e) {
        ConnectorError::other(e.into(), None)
    } else if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(e.into())
    } else {
        ConnectorError::other(e.into(), None)
    }
}
