//! The HTTP server: keep-alive, `Connection: close`, bodies, delays, hangs, drops, shutdown.

use std::time::{Duration, Instant};

use testbench::http::{Reply, Request, Response, Server};

use crate::client::Connection;

fn echo(request: &Request) -> Reply {
    let body = format!(
        "{} {} ?{} {}",
        request.method,
        request.path,
        request.query,
        String::from_utf8_lossy(&request.body)
    );
    match request.path.as_str() {
        "/slow" => Reply::Delay(Duration::from_millis(300), Response::new(200).body(body)),
        "/hang" => Reply::Hang,
        "/drop" => Reply::Disconnect,
        _ => Response::new(200)
            .header("X-Seen-Header", request.header("X-Custom").unwrap_or("-"))
            .body(body)
            .into(),
    }
}

#[test]
fn keeps_connections_alive_and_reads_bodies() {
    let server = Server::start(echo);
    let mut connection = Connection::open(&server.base_url());
    connection.send("POST", "/a?x=1", &[("X-Custom", "yes")], "hello");
    let first = connection.receive().unwrap();
    assert_eq!(first.status, 200);
    assert_eq!(first.body, "POST /a ?x=1 hello");
    assert_eq!(first.headers["x-seen-header"], "yes");
    assert!(!first.headers.contains_key("connection"));
    connection.send("GET", "/b", &[], "");
    assert_eq!(connection.receive().unwrap().body, "GET /b ? ");
}

#[test]
fn closes_when_asked() {
    let server = Server::start(echo);
    let mut connection = Connection::open(&server.base_url());
    connection.send("GET", "/", &[("Connection", "close")], "");
    let answer = connection.receive().unwrap();
    assert_eq!(answer.headers["connection"], "close");
    assert!(connection.receive().is_none());
}

#[test]
fn delays_hangs_and_drops() {
    let server = Server::start(echo);
    let started = Instant::now();
    let mut slow = Connection::open(&server.base_url());
    slow.send("GET", "/slow", &[], "");
    assert_eq!(slow.receive().unwrap().status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    let mut dropped = Connection::open(&server.base_url());
    dropped.send("GET", "/drop", &[], "");
    assert!(dropped.receive().is_none());

    let mut hung = Connection::open(&server.base_url());
    hung.send("GET", "/hang", &[], "");
    assert!(hung.stays_silent(Duration::from_millis(300)));
}

#[test]
fn dropping_the_server_ends_held_connections() {
    let server = Server::start(echo);
    let mut hung = Connection::open(&server.base_url());
    hung.send("GET", "/hang", &[], "");
    assert!(hung.stays_silent(Duration::from_millis(100)));
    drop(server);
    assert!(hung.receive().is_none());
}

#[test]
fn knows_its_base_url_before_serving() {
    let server = Server::start_with(|base| {
        let base = base.to_string();
        move |_: &Request| Response::new(200).body(base.clone()).into()
    });
    let answer = crate::client::get(&format!("{}/", server.base_url()), &[]);
    assert_eq!(answer.body, server.base_url());
}
