//! The STS answer parser: any HTTP status and body STS (or something in its place) answers
//! becomes credentials or one sorted `StsError`, never a panic. The SDK deserialises the body;
//! what is ours is what follows (`aws::sts`: the checks on the result, the error sorting and the
//! table of known answers). The fuzz input is a status selector byte, then the body.

#![no_main]

use std::sync::{Mutex, OnceLock};

use aws_oidc_credentials::aws::sts::{self, Caller, Clients, Credentials};
use aws_oidc_credentials::config::inputs::Inputs;
use aws_oidc_credentials::config::{Config, RoleRequest};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use libfuzzer_sys::fuzz_target;

const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";
const STATUSES: [u16; 8] = [200, 200, 400, 403, 500, 503, 302, 404];

/// The answer every request gets: a status and a body.
static ANSWER: Mutex<(u16, Vec<u8>)> = Mutex::new((200, Vec::new()));

#[derive(Debug, Clone)]
struct Fixed;

impl HttpClient for Fixed {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Fixed)
    }
}

impl HttpConnector for Fixed {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let (status, body) = ANSWER.lock().unwrap().clone();
        let status = StatusCode::try_from(status).expect("a valid status");
        let mut response = HttpResponse::new(status, SdkBody::from(body));
        response.headers_mut().insert("content-type", "text/xml");
        HttpConnectorFuture::ready(Ok(response))
    }
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    /// For `AssumeRoleWithWebIdentity`.
    anonymous: aws_sdk_sts::Client,
    /// For `GetCallerIdentity`, signed with access keys.
    signed: aws_sdk_sts::Client,
    role: RoleRequest,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let env = |name: &str| {
            Some(match name {
                "INPUT_AWS-REGION" => "us-east-2",
                "INPUT_ROLE-TO-ASSUME" => ROLE,
                "INPUT_STS-ENDPOINT" => "http://127.0.0.1:1",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => "bearer",
                "ACTIONS_ID_TOKEN_REQUEST_URL" => "http://127.0.0.1:1/token?x=1",
                "GITHUB_ENV" | "GITHUB_OUTPUT" => "/dev/null",
                _ => return None,
            })
            .map(str::to_owned)
        };
        let config = Config::from_inputs(
            &Inputs::from_os_lookup(|name| env(name).map(Into::into)),
            env,
        )
        .expect("a valid setup");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let clients = runtime.block_on(Clients::new(&config, SharedHttpClient::new(Fixed)));
        let keys = Credentials {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: None,
            expiration: None,
        };
        Setup {
            anonymous: clients.client(Caller::Anonymous),
            signed: clients.client(Caller::Keys(&keys)),
            role: config.role.expect("a role"),
            runtime,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    *ANSWER.lock().unwrap() = (
        STATUSES[usize::from(selector) % STATUSES.len()],
        body.to_vec(),
    );
    let setup = setup();
    setup.runtime.block_on(async {
        if let Err(error) =
            sts::assume_role_with_web_identity(&setup.anonymous, &setup.role, ROLE, "jwt").await
        {
            assert!(!error.code.is_empty());
        }
        if let Err(error) = sts::get_caller_identity(&setup.signed).await {
            assert!(!error.code.is_empty());
        }
    });
});
