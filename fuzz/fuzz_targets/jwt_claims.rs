//! The JWT claims decoder: any token, or any payload in a well-formed token, decodes to claims
//! or to nothing, never a panic; the token's debug form shows `***` in its place.

#![no_main]

use aws_oidc_credentials::source::github::{self, IdToken};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;

fn check(jwt: String) {
    let _ = github::claims(&jwt);
    let token = IdToken::new(jwt.clone());
    let _ = token.is_stale();
    if let Some(claims) = token.claims() {
        for name in claims.0.keys() {
            assert!(claims.text(name).is_some());
        }
    }
    let debug = format!("{token:?}");
    assert!(
        debug.starts_with("IdToken { jwt: \"***\", expires_at: "),
        "{debug}"
    );
}

fuzz_target!(|data: &[u8]| {
    // The bytes as the payload of a token, so that the decoder's JSON side is reached.
    check(format!(
        "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.{}.c2ln",
        URL_SAFE_NO_PAD.encode(data)
    ));
    // And as a whole token.
    if let Ok(text) = std::str::from_utf8(data) {
        check(text.to_owned());
    }
});
