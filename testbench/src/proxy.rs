//! A forward HTTP proxy for plain-http targets: it takes absolute-form requests
//! (`GET http://host:port/path HTTP/1.1`), records each target URL, and relays the request to
//! the target and the answer back. Enough to prove which requests went through a proxy.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, PoisonError};

use crate::http::{Reply, Request, Response, Server};

/// A running proxy; dropping it stops it.
pub struct ForwardProxy {
    server: Server,
    log: Arc<Mutex<Vec<String>>>,
}

impl ForwardProxy {
    pub fn start() -> ForwardProxy {
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&log);
        let server = Server::start(move |request: &Request| {
            let target = request.path.clone();
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(target.clone());
            match relay(request, &target) {
                Some(response) => Reply::Respond(response),
                None => Reply::Respond(Response::new(502).body("proxy: the target did not answer")),
            }
        });
        ForwardProxy { server, log }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.base_url()
    }

    /// The absolute URLs (without query) of the requests relayed so far.
    pub fn requests(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Sends `request` to `target` (`http://host:port/path`) over a fresh connection and reads the
/// whole answer.
fn relay(request: &Request, target: &str) -> Option<Response> {
    let rest = target.strip_prefix("http://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let query = if request.query.is_empty() {
        String::new()
    } else {
        format!("?{}", request.query)
    };
    let mut head = format!("{} {path}{query} HTTP/1.1\r\n", request.method);
    for (name, value) in &request.headers {
        if !matches!(
            name.as_str(),
            "connection" | "proxy-connection" | "content-length"
        ) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body.len()
    ));
    let mut upstream = TcpStream::connect(authority).ok()?;
    upstream.write_all(head.as_bytes()).ok()?;
    upstream.write_all(&request.body).ok()?;
    let mut raw = Vec::new();
    upstream.read_to_end(&mut raw).ok()?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut response = Response::new(status).body(raw[split + 4..].to_vec());
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let name = name.trim().to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding"
        ) {
            response = response.header(&name, value.trim());
        }
    }
    Some(response)
}
