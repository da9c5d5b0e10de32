//! Integration tests: the real action (launcher and binary) run by the runner simulator.

mod check_trust_policy;
// Shell scripts and Unix paths.
#[cfg(unix)]
mod cli;
#[cfg(unix)]
mod credential_process;
mod diagnosis;
#[cfg(unix)]
mod exec;
mod faults;
mod files;
mod hostile;
mod lint;
mod modes;
mod moto;
mod named_profiles;
mod oidc;
mod policy;
mod profiles;
mod proxy;
#[cfg(unix)]
mod refresh;
mod support;
mod tls;
mod windows_line;
#[cfg(unix)]
mod wine;
