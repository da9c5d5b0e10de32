//! The action's one HTTP stack: a single `reqwest` client (rustls trusting what `tls` says, the
//! proxy decision, connect and read timeouts) used for the GitHub token request and, through a
//! small adapter, by the AWS SDK for STS. One client means one TLS setup and one proxy rule set.

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

use crate::error::Error;
use crate::proxy::Proxy;
use crate::tls::Trust;

/// How long to wait for a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take before it is abandoned (and retried, where that is allowed).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub const USER_AGENT: &str = concat!("aws-oidc-credentials/", env!("CARGO_PKG_VERSION"));

/// Builds the client, before any request, so that a certificate file that cannot be used fails
/// the step with its name. Proxy environment variables are not read here: `config` already
/// folded them into `proxy`, so both requests follow the same rules.
pub fn client(proxy: Option<&Proxy>) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(2);
    if let Some(proxy) = proxy.cloned() {
        builder = builder.proxy(reqwest::Proxy::custom(move |target| {
            proxy.applies_to(target).then(|| proxy.url().clone())
        }));
    }
    Trust::from_env()?
        .apply(builder)
        .build()
        .map_err(|e| Error::Tls(error_chain(&e)))
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
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(connector_error)?;
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

/// Sorts a transport failure the way the SDK's retry and timeout logic expects.
fn connector_error(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(e.into())
    } else {
        ConnectorError::other(e.into(), None)
    }
}
