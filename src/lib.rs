//! The action's modules, as a library: the binary (`main.rs`) runs them, and the fuzz targets
//! (`fuzz/`) call the parsers among them directly.

pub mod ambient;
pub mod answers;
pub mod cleanup;
pub mod config;
pub mod diagnosis;
pub mod error;
pub mod explain;
pub mod export;
pub mod files;
pub mod github;
pub mod http;
pub mod inputs;
pub mod lock;
pub mod markdown;
pub mod policy;
pub mod profiles;
pub mod proxy;
pub mod retry;
pub mod runner;
pub mod step;
pub mod sts;
pub mod tags;
pub mod tls;
pub mod token_file;
