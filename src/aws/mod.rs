//! Talking to AWS: the one HTTP client and its TLS trust, the STS calls and how their errors
//! are sorted, the retry policy, and the table of known STS answers.

pub mod answers;
pub mod http;
pub mod retry;
pub mod sts;
pub mod tls;
