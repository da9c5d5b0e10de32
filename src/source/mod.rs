//! The credential sources that need more than the SDK: the GitHub OIDC token (from the job's
//! token service or from a token file) and why the SDK's ambient credential chain gave nothing.

pub mod ambient;
pub mod github;
pub mod token_file;
