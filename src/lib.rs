//! The action's modules, as a library: the binary (`main.rs`) runs them, and the fuzz targets
//! (`fuzz/`) call the parsers among them directly. They are grouped by stage, in the order the
//! main step goes through them: the runner contract, the inputs and the one validated `Config`,
//! the credential sources, AWS, the main step itself, its one `outcome`, and the export;
//! `explain` says why a trust policy refused and checks and writes trust policies, `cli` holds
//! the command line a user runs (`exec`), and `refresh` renews the credentials in later steps.

pub mod aws;
pub mod cli;
pub mod config;
pub mod error;
pub mod explain;
pub mod export;
pub mod files;
pub mod outcome;
pub mod refresh;
pub mod runner;
pub mod source;
pub mod step;
