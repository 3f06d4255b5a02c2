//! Loads, validates, resolves and evaluates arbitrary bytes as a manifest
//! set of two files (the input split at its first NUL-free `---split---`
//! marker, so cross-file references are exercised too), then renders every
//! output format. Any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use privlint::CheckOptions;
use privlint::engine::Engine;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The built-in packs, loaded once: each input exercises the manifest path.
fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(Engine::load(&[]).expect("built-in packs load"))).clone()
}

fuzz_target!(|data: &[u8]| {
    let marker = b"---split---";
    let (first, second) = match data.windows(marker.len()).position(|w| w == marker) {
        Some(at) => (&data[..at], &data[at + marker.len()..]),
        None => (data, &b""[..]),
    };
    let mut files = vec![(PathBuf::from("a.yaml"), first.to_vec())];
    if !second.is_empty() {
        files.push((PathBuf::from("b.yaml"), second.to_vec()));
    }
    let mut options = CheckOptions::new(Vec::new());
    options.as_of = "2026-11-21".parse().unwrap();
    if let Ok(report) = privlint::check_in_memory_with(engine(), files, &options) {
        let _ = privlint::render::json::render(&report.findings, &report.sources, report.files_checked);
        let _ = privlint::render::concise::render(&report.findings, &report.sources);
        let _ = privlint::render::github::render(&report.findings, &report.sources);
        let mut text = codespan_buffer();
        let _ = privlint::render::text::render(&report.findings, &report.sources, report.files_checked, true, &mut text);
    }
});

fn codespan_buffer() -> privlint::render::text::Buffer {
    privlint::render::text::Buffer::no_color()
}
