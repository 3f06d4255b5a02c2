//! Loads arbitrary bytes as a rule pack: YAML, schema, CEL compilation,
//! templates. A pack that does not load must be a located finding, never a
//! panic. A pack that loads is evaluated on the `newsletter-platform`
//! example: cargo fuzz builds with debug assertions, under which every
//! condition the fast path answers is also run through the `cel`
//! interpreter and the two must agree, so this is a differential fuzzer of
//! the fast path too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use privlint::CheckOptions;
use privlint::engine::Engine;
use std::path::PathBuf;
use std::sync::Arc;

const EXAMPLE: &[(&str, &str)] = &[
    ("organization.yaml", include_str!("../../examples/newsletter-platform/organization.yaml")),
    ("processors.yaml", include_str!("../../examples/newsletter-platform/processors.yaml")),
    ("activities/platform.yaml", include_str!("../../examples/newsletter-platform/activities/platform.yaml")),
    ("activities/website.yaml", include_str!("../../examples/newsletter-platform/activities/website.yaml")),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(engine) = Engine::from_texts(false, vec![(PathBuf::from("fuzz.yaml"), text.to_string())])
    else {
        return;
    };
    let files = EXAMPLE
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text.as_bytes().to_vec()))
        .collect();
    let mut options = CheckOptions::new(Vec::new());
    options.as_of = "2026-11-21".parse().unwrap();
    if let Ok(report) = privlint::check_in_memory_with(Arc::new(engine), files, &options) {
        let _ = privlint::render::json::render(&report.findings, &report.sources, report.files_checked);
    }
});
