//! Talking to AWS: the one HTTP client and its TLS trust, the STS calls and how their errors
//! are sorted, the retry policy, the table of known STS answers, and IAM's `GetRole` for
//! `check-trust-policy`.

pub mod answers;
pub mod http;
pub mod iam;
pub mod retry;
pub mod sts;
pub mod tls;
