//! Tests of the test bench itself: the HTTP server, the stand-ins, and the runner simulator.

mod assume_role;
mod client;
mod github;
mod http;
mod imds;
mod runner;
mod signed;
mod sts;
