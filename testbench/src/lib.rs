//! Local stand-ins for the services `aws-oidc-credentials` talks to, and a GitHub Actions runner
//! simulator that runs the action the way a real runner would.
//!
//! - [`http`]: a tiny threaded HTTP/1.1 server the stand-ins are built on.
//! - [`github`]: the runner's OIDC token endpoint ([`github::GithubTokenService`]).
//! - [`sts`]: AWS STS speaking its Query/XML protocol ([`sts::StsStandIn`]), with SigV4
//!   verification ([`sts::sigv4`]).
//! - [`imds`]: the EC2 instance metadata service serving instance-profile credentials.
//! - [`proxy`]: a forward HTTP proxy that records what went through it.
//! - [`runner`]: jobs, steps, file commands and workflow commands ([`runner::Job`]).
//! - [`tls`]: a throwaway certificate authority for https stand-ins.
//! - [`jwt`]: RS256 signing and verification with fixed test keys.
//! - [`context`]: the workflow run that the token claims and the runner environment describe.
//! - [`figures`]: what the `bench` and `load` programs share.

mod clock;
pub mod context;
pub mod figures;
pub mod github;
pub mod http;
pub mod imds;
pub mod jwt;
pub mod proxy;
mod random;
pub mod runner;
pub mod sts;
pub mod tls;
