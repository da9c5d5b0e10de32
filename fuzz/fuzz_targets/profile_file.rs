//! The shared-config-file editor: for any file content, setting a profile adds its section,
//! setting it again changes nothing more, and removing it leaves no section of it. The fuzz
//! input is the profile name on the first line, then the file.

#![no_main]

use aws_oidc_credentials::config::profile_files::check_name;
use aws_oidc_credentials::export::profiles::{self, FileKind};
use libfuzzer_sys::fuzz_target;

const KEYS: &[(&str, &str)] = &[
    ("aws_access_key_id", "ASIAEXAMPLE"),
    ("aws_secret_access_key", "secret"),
    ("aws_session_token", "token"),
];

fuzz_target!(|data: &[u8]| {
    let (first, content) = match data.iter().position(|&b| b == b'\n') {
        Some(end) => (&data[..end], &data[end + 1..]),
        None => (data, &b""[..]),
    };
    let name = std::str::from_utf8(first)
        .ok()
        .filter(|name| check_name(name).is_ok())
        .unwrap_or("dev");
    for kind in [FileKind::Credentials, FileKind::Config] {
        let set = profiles::set(content, kind, name, KEYS);
        assert!(profiles::has_section(&set, kind, name));
        assert_eq!(profiles::set(&set, kind, name, KEYS), set, "set twice");
        let removed = profiles::strip(&set, kind, name);
        assert!(!profiles::has_section(&removed, kind, name));
    }
});
