//! Tests of the test bench itself: the HTTP server, the stand-ins.

mod client;
mod github;
mod http;
mod sts;
