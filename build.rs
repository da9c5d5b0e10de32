//! Linux release binaries are linked without unwind tables: nothing ever unwinds (the release
//! profile aborts on panic, and the panic hook in `main` exits before any unwinding), and the
//! tables (`.eh_frame`, `.eh_frame_hdr`) are about an eighth of the binary.
//! `-C force-unwind-tables=no` cannot drop them: the standard library comes prebuilt for
//! unwinding, so calls into it keep landing pads that abort, and with them the tables. The linker
//! discards them instead. Debug builds keep them, for debuggers.

use std::env;
use std::fs;
use std::path::PathBuf;

/// Keeps the default linker script and drops the unwind tables' input sections.
const DISCARD_UNWIND_TABLES: &str =
    "SECTIONS { /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) } } INSERT AFTER .text;\n";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let linux = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    // `CARGO_CFG_PANIC` says `unwind` whatever the profile: the profile is what tells.
    let release = env::var("PROFILE").is_ok_and(|profile| profile == "release");
    if !(linux && release) {
        return;
    }
    let script = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("discard-unwind-tables.ld");
    fs::write(&script, DISCARD_UNWIND_TABLES).expect("cannot write the linker script");
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    println!("cargo:rustc-link-arg-bins=-Wl,--no-eh-frame-hdr");
}
