//! An EC2 instance metadata service (IMDSv2) stand-in serving one instance profile's
//! credentials the way the SDKs' IMDS clients read them: `PUT /latest/api/token` with
//! `x-aws-ec2-metadata-token-ttl-seconds` for a token, then, with the token in
//! `x-aws-ec2-metadata-token`, `GET /latest/meta-data/iam/security-credentials/` for the role
//! name and `GET …/security-credentials/ROLE` for the credentials as JSON. A request without a
//! valid token gets 401. Requests are logged.

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::json;

use crate::http::{Request, Response, Server};
use crate::sts::IssuedCredentials;
use crate::{clock, random};

const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";
/// The longest token lifetime IMDS grants, in seconds.
const MAX_TOKEN_TTL: i64 = 21_600;

/// One request as received, and the status answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImdsRequest {
    pub method: String,
    pub path: String,
    pub status: u16,
}

#[derive(Debug, Default)]
struct State {
    /// Tokens handed out, with their expiry in Unix seconds.
    tokens: Vec<(String, i64)>,
    requests: Vec<ImdsRequest>,
}

/// The metadata service of one instance. Dropping it stops the server.
#[derive(Debug)]
pub struct Imds {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl Imds {
    /// Serves `credentials` (from [`crate::sts::StsStandIn::instance_profile`]) as the
    /// instance's role credentials.
    pub fn start(credentials: IssuedCredentials) -> Imds {
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = Arc::clone(&state);
        let server = Server::start(move |request: &Request| {
            let mut state = handler_state.lock().unwrap_or_else(PoisonError::into_inner);
            let response = state.answer(&credentials, request);
            state.requests.push(ImdsRequest {
                method: request.method.clone(),
                path: request.path.clone(),
                status: response.status,
            });
            response.into()
        });
        Imds { server, state }
    }

    /// The base URL, `http://127.0.0.1:PORT`, for `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        self.server.base_url()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<ImdsRequest> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .requests
            .clone()
    }
}

fn text(status: u16, body: &str) -> Response {
    Response::new(status)
        .header("Content-Type", "text/plain")
        .body(body)
}

impl State {
    fn answer(&mut self, credentials: &IssuedCredentials, request: &Request) -> Response {
        if request.path == TOKEN_PATH {
            return self.issue_token(request);
        }
        let now = clock::now();
        let token = request.header("x-aws-ec2-metadata-token");
        let authorized = self
            .tokens
            .iter()
            .any(|(issued, expires)| Some(issued.as_str()) == token && now < *expires);
        if !authorized {
            return text(401, "");
        }
        if request.method != "GET" {
            return text(405, "");
        }
        let role_name = credentials.role_arn.rsplit('/').next().unwrap_or_default();
        match request.path.strip_prefix(CREDENTIALS_PATH) {
            Some("") => text(200, role_name),
            Some(name) if name == role_name => {
                let updated = credentials.expires_at - i64::from(credentials.duration_seconds);
                let body = json!({
                    "Code": "Success",
                    "LastUpdated": clock::iso8601(updated),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": credentials.access_key_id,
                    "SecretAccessKey": credentials.secret_access_key,
                    "Token": credentials.session_token,
                    "Expiration": credentials.expiration,
                });
                text(200, &body.to_string())
            }
            _ => text(404, ""),
        }
    }

    /// `PUT /latest/api/token`: a token living the seconds asked (1 to 21600), else 400.
    fn issue_token(&mut self, request: &Request) -> Response {
        if request.method != "PUT" {
            return text(405, "");
        }
        let ttl = request
            .header("x-aws-ec2-metadata-token-ttl-seconds")
            .and_then(|ttl| ttl.parse::<i64>().ok())
            .filter(|ttl| (1..=MAX_TOKEN_TTL).contains(ttl));
        let Some(ttl) = ttl else {
            return text(400, "");
        };
        let token = random::string(random::BASE64, 56);
        self.tokens.push((token.clone(), clock::now() + ttl));
        text(200, &token).header("x-aws-ec2-metadata-token-ttl-seconds", &ttl.to_string())
    }
}
