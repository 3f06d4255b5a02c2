//! Loads arbitrary bytes as a rule pack: YAML, schema, CEL compilation,
//! templates. A pack that does not load must be a located finding, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut findings = Vec::new();
        let _ = privlint::engine::pack::load_pack(privlint::source::FileId(0), "fuzz.yaml", text, false, &mut findings);
    }
});
