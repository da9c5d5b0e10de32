//! A tiny threaded HTTP/1.1 server for the stand-ins: one listener on `127.0.0.1:0`, one thread
//! per connection, keep-alive, `Content-Length` bodies, and replies that can be delayed, held
//! forever, dropped without an answer, or streamed without end. Plain http, or https with a
//! certificate of a test's [`CertificateAuthority`].
//!
//! Dropping the [`Server`] stops it: the accept thread ends, open connections are shut down,
//! and delayed or held replies are abandoned.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use crate::tls::{CertificateAuthority, TlsStream};

/// A parsed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path without its query string.
    pub path: String,
    /// The raw query string, without `?`; empty when there is none.
    pub query: String,
    /// Header names in lower case; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The decoded `application/x-www-form-urlencoded` pairs of the query string.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// Whether the client asked to close the connection after this exchange.
    fn wants_close(&self, version: &str) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |token: &str| connection.split(',').any(|t| t.trim() == token);
        if version == "HTTP/1.0" {
            !has("keep-alive")
        } else {
            has("close")
        }
    }
}

/// A response. `Content-Length` is added when written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// An empty response with this status.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(status: u16, body: &serde_json::Value) -> Response {
        Response::new(status)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(body.to_string())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    fn write_to(&self, out: &mut impl Write, close: bool) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        out.write_all(&self.body)?;
        out.flush()
    }
}

/// What a handler does with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Answer at once.
    Respond(Response),
    /// Answer after a delay (a slow server).
    Delay(Duration, Response),
    /// Never answer; wait until the client closes the connection (a stalled server).
    Hang,
    /// Close the connection without answering.
    Disconnect,
    /// Send the response's status and headers, then a body that never ends (its bytes
    /// repeated), until the client hangs up or the server stops.
    Endless(Response),
}

impl From<Response> for Reply {
    fn from(response: Response) -> Reply {
        Reply::Respond(response)
    }
}

/// A request handler, shared by all connection threads.
pub trait Handler: Fn(&Request) -> Reply + Send + Sync + 'static {}
impl<F: Fn(&Request) -> Reply + Send + Sync + 'static> Handler for F {}

/// A running server. Dropping it stops the server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Shared>,
}

/// What the server's threads share: the stop signal, the open connections and the latency.
#[derive(Debug, Default)]
struct Shared {
    stopped: Mutex<bool>,
    stop_signal: Condvar,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_id: AtomicU64,
    /// Added before every answer, in microseconds, like a network round trip.
    latency_micros: AtomicU64,
}

impl Shared {
    fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `delay` unless the server stops first; returns whether it is still running.
    fn sleep(&self, delay: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (stopped, _) = self
            .stop_signal
            .wait_timeout_while(stopped, delay, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !*stopped
    }

    fn connections(&self) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Server {
    /// Starts a server on `127.0.0.1:0` answering with `handler`.
    pub fn start(handler: impl Handler) -> Server {
        Server::start_with(|_| handler)
    }

    /// Starts a server whose handler is made once the address is known: `make_handler` gets
    /// the base URL (`http://127.0.0.1:PORT`).
    pub fn start_with<H: Handler>(make_handler: impl FnOnce(&str) -> H) -> Server {
        Server::start_on(None, make_handler)
    }

    /// Starts an https server with a certificate of `ca` for `127.0.0.1` and `localhost`;
    /// `make_handler` gets the base URL (`https://127.0.0.1:PORT`).
    pub fn start_tls_with<H: Handler>(
        ca: &CertificateAuthority,
        make_handler: impl FnOnce(&str) -> H,
    ) -> Server {
        Server::start_on(Some(ca), make_handler)
    }

    fn start_on<H: Handler>(
        ca: Option<&CertificateAuthority>,
        make_handler: impl FnOnce(&str) -> H,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot listen on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let scheme = if ca.is_some() { "https" } else { "http" };
        let handler = Arc::new(make_handler(&format!("{scheme}://{addr}")));
        let shared = Arc::new(Shared::default());
        let accept_shared = Arc::clone(&shared);
        let tls = ca.map(CertificateAuthority::server_config);
        thread::spawn(move || accept_loop(&listener, tls.as_ref(), &accept_shared, &handler));
        Server {
            addr,
            scheme,
            shared,
        }
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://…` for an https server.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Waits `latency` before every answer from now on, as a distant server would.
    pub fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.shared.latency_micros.store(micros, Ordering::Relaxed);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        *self
            .shared
            .stopped
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.stop_signal.notify_all();
        // Wake the accept thread so it sees the flag; failure means it is already gone.
        let _ = TcpStream::connect(self.addr);
        for stream in self.shared.connections().values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop<H: Handler>(
    listener: &TcpListener,
    tls: Option<&Arc<rustls::ServerConfig>>,
    shared: &Arc<Shared>,
    handler: &Arc<H>,
) {
    for stream in listener.incoming() {
        if shared.is_stopped() {
            return;
        }
        let Ok(stream) = stream else { continue };
        let Ok(registered) = stream.try_clone() else {
            continue;
        };
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        {
            // Checked under the lock, so a stopping server shuts down every registered one.
            let mut connections = shared.connections();
            if shared.is_stopped() {
                return;
            }
            connections.insert(id, registered);
        }
        let (shared, handler, tls) = (Arc::clone(shared), Arc::clone(handler), tls.cloned());
        thread::spawn(move || {
            // A connection error only ends this connection.
            let _ = match tls {
                None => stream
                    .try_clone()
                    .and_then(|writer| serve_connection(stream, writer, &shared, handler.as_ref())),
                Some(tls) => TlsStream::accept(tls, stream)
                    .and_then(|tls| serve_connection(tls.clone(), tls, &shared, handler.as_ref())),
            };
            shared.connections().remove(&id);
        });
    }
}

fn serve_connection(
    stream: impl Read,
    mut writer: impl Write,
    shared: &Shared,
    handler: &impl Handler,
) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let (request, version) = match read_request(&mut reader, &mut writer) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return Ok(()),
            Err(error) => {
                let body = format!("bad request: {error}\n");
                return Response::new(400).body(body).write_to(&mut writer, true);
            }
        };
        let close = request.wants_close(&version);
        let latency = Duration::from_micros(shared.latency_micros.load(Ordering::Relaxed));
        if !latency.is_zero() && !shared.sleep(latency) {
            return Ok(());
        }
        let response = match handler(&request) {
            Reply::Respond(response) => response,
            Reply::Delay(delay, response) => {
                if !shared.sleep(delay) {
                    return Ok(());
                }
                response
            }
            Reply::Hang => {
                // Hold the connection until the client hangs up or the server stops.
                let _ = io::copy(&mut reader, &mut io::sink());
                return Ok(());
            }
            Reply::Disconnect => return Ok(()),
            Reply::Endless(response) => return stream_forever(&mut writer, shared, &response),
        };
        if shared.is_stopped() {
            return Ok(());
        }
        response.write_to(&mut writer, close)?;
        if close {
            return Ok(());
        }
    }
}

/// Writes the head without a length, then the body over and over: a server that never stops
/// talking. Ends when a write fails (the client hung up) or the server stops.
fn stream_forever(out: &mut impl Write, shared: &Shared, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    out.write_all(head.as_bytes())?;
    let unit = if response.body.is_empty() {
        b"A".as_slice()
    } else {
        &response.body
    };
    let chunk = unit.repeat((64 * 1024 / unit.len()).max(1));
    while !shared.is_stopped() {
        out.write_all(&chunk)?;
    }
    Ok(())
}

/// Reads one request and its HTTP version; `None` when the client closed the connection
/// between requests.
fn read_request(
    reader: &mut impl BufRead,
    writer: &mut impl Write,
) -> io::Result<Option<(Request, String)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("malformed request line {line:?}")));
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers: BTreeMap::new(),
        body: Vec::new(),
    };
    let version = version.to_string();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("connection closed inside the headers".into()));
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| invalid(format!("malformed header {header:?}")))?;
        request
            .headers
            .entry(name.trim().to_ascii_lowercase())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(value.trim());
            })
            .or_insert_with(|| value.trim().to_string());
    }
    if request.header("transfer-encoding").is_some() {
        return Err(invalid("only Content-Length bodies are supported".into()));
    }
    let length = match request.header("content-length") {
        Some(length) => length
            .parse::<usize>()
            .map_err(|_| invalid(format!("bad Content-Length {length:?}")))?,
        None => 0,
    };
    if length > 0
        && request
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    request.body = vec![0; length];
    reader.read_exact(&mut request.body)?;
    Ok(Some((request, version)))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
