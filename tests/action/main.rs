//! Integration tests: the real action (launcher and binary) run by the runner simulator.

mod diagnosis;
mod faults;
mod hostile;
mod modes;
mod moto;
mod oidc;
mod profiles;
mod proxy;
mod support;
mod tls;
