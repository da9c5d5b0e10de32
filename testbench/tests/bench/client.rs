//! A minimal HTTP/1.1 client over `TcpStream` for talking to the stand-ins, and SigV4-signed
//! STS requests.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use testbench::http::Request;
use testbench::sts::sigv4::{self, Keys};

/// A response as read off the wire.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Lower-case header names.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// A connection that can carry several requests.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects to `http://HOST:PORT` (any path after it is ignored).
    pub fn open(url: &str) -> Connection {
        let authority = url
            .strip_prefix("http://")
            .expect("an http URL")
            .split('/')
            .next()
            .unwrap();
        let stream = TcpStream::connect(authority).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Connection {
            reader: BufReader::new(stream),
        }
    }

    /// Sends a request; `target` is the path and query. `Host: 127.0.0.1` is added unless
    /// `headers` has a `Host`.
    pub fn send(&mut self, method: &str, target: &str, headers: &[(&str, &str)], body: &str) {
        let mut request = format!("{method} {target} HTTP/1.1\r\n");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"))
        {
            request.push_str("Host: 127.0.0.1\r\n");
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .expect("send");
    }

    /// Reads one response; `None` when the server closed the connection without answering.
    pub fn receive(&mut self) -> Option<Answer> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).expect("read status line") == 0 {
            return None;
        }
        let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut headers = BTreeMap::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap();
            headers.insert(name.to_ascii_lowercase(), value.trim().to_string());
        }
        let length: usize = headers["content-length"].parse().unwrap();
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        Some(Answer {
            status,
            headers,
            body: String::from_utf8(body).unwrap(),
        })
    }

    /// Waits up to `timeout` for the server to say anything; `true` if it stayed silent and
    /// kept the connection open.
    pub fn stays_silent(&mut self, timeout: Duration) -> bool {
        self.reader
            .get_ref()
            .set_read_timeout(Some(timeout))
            .unwrap();
        match self.reader.fill_buf() {
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            Ok(_) => false,
        }
    }
}

/// One request on a fresh connection.
pub fn request(
    url: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut connection = Connection::open(url);
    connection.send(method, target, headers, body);
    connection.receive().expect("an answer")
}

/// `GET` of a full URL with headers.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    let rest = url.strip_prefix("http://").unwrap();
    let target = rest.find('/').map_or("/", |i| &rest[i..]);
    request(url, "GET", target, headers, "")
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Form-urlencodes parameters as `aws-sdk-sts` does.
pub fn form(params: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        out.append_pair(name, value);
    }
    out.finish()
}

/// `POST /` of a Query request to STS.
pub fn sts_post(endpoint: &str, headers: &[(&str, &str)], params: &[(&str, &str)]) -> Answer {
    let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    request(endpoint, "POST", "/", &all, &form(params))
}

/// A Query request to STS (`POST /`, a `Host` and a form `Content-Type`), changed by `prepare`
/// (which signs it, or tampers with it) and sent.
pub fn sts_request(
    endpoint: &str,
    params: &[(&str, &str)],
    prepare: impl FnOnce(&mut Request),
) -> Answer {
    let host = endpoint.strip_prefix("http://").expect("an http URL");
    let mut request = Request {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: BTreeMap::from([
            ("host".into(), host.into()),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
        ]),
        body: form(params).into_bytes(),
    };
    prepare(&mut request);
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let body = String::from_utf8(request.body.clone()).expect("a text body");
    self::request(endpoint, &request.method, &request.path, &headers, &body)
}

/// A Query request to STS signed with `keys` for `us-east-1` as of now.
pub fn signed_sts_post(endpoint: &str, keys: Keys<'_>, params: &[(&str, &str)]) -> Answer {
    sts_request(endpoint, params, |request| {
        sigv4::sign(request, keys, "us-east-1", "sts", now());
    })
}

/// The time in Unix seconds.
pub fn now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_secs()).unwrap()
}
