//! Integration tests: the real action (launcher and binary) run by the runner simulator.

mod cli;
mod credential_process;
mod diagnosis;
mod files;
mod modes;
mod moto;
mod oidc;
mod profiles;
mod proxy;
mod support;
