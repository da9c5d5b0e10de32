//! Random identifiers: bytes, strings over an alphabet, and UUIDs, from the OS generator.

/// Upper-case letters and digits, as in AWS access key ids.
pub const UPPER_ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// The standard base64 alphabet, as in AWS secret access keys.
pub const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `len` random bytes.
pub fn bytes(len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    getrandom::fill(&mut buf).expect("the OS random generator failed");
    buf
}

/// A random string of `len` characters drawn uniformly from `alphabet` (at most 256 symbols).
pub fn string(alphabet: &[u8], len: usize) -> String {
    // Rejection sampling keeps the draw uniform for alphabets that do not divide 256.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in bytes(len) {
            if usize::from(byte) < limit && out.len() < len {
                out.push(char::from(alphabet[usize::from(byte) % alphabet.len()]));
            }
        }
    }
    out
}

/// A random (version 4) UUID in its hyphenated lower-case form.
pub fn uuid() -> String {
    let mut b = bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
