//! The same input gives byte-identical output, whatever the thread count
//! and the order in which the files were created on disk.

mod common;

#[path = "../benches/support/generate.rs"]
mod generate;

use std::path::Path;

fn check(dir: &Path, threads: &str, format: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args([
            "check",
            "--isolated",
            "--as-of",
            "2026-11-21",
            "--color",
            "never",
            "--format",
            format,
            ".",
        ])
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Absolute URIs name the directory; everything else is relative.
    String::from_utf8(output.stdout)
        .unwrap()
        .replace(&privlint::render::json::file_uri(dir), "file://[DIR]")
}

#[test]
fn output_does_not_depend_on_threads_or_file_creation_order() {
    let shape = generate::Shape {
        activities: 400,
        processors: 80,
        files: 24,
    };
    let forward = tempfile::tempdir().unwrap();
    let files = generate::generate(forward.path(), shape, 7);

    // The same files, created in the reverse order in another directory.
    let reversed = tempfile::tempdir().unwrap();
    for file in files.iter().rev() {
        let relative = file.strip_prefix(forward.path()).unwrap();
        let target = reversed.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(file, target).unwrap();
    }

    for format in ["json", "text", "sarif"] {
        let one = check(forward.path(), "1", format);
        let many = check(reversed.path(), "4", format);
        assert!(
            one == many,
            "{format} output differs between 1 thread and 4 threads / reversed creation order"
        );
    }
    let concise = check(forward.path(), "2", "concise");
    // A thread count past four per core is capped, not started (100,000
    // threads would exhaust the machine before the check began).
    assert!(
        check(forward.path(), "100000", "concise") == concise,
        "a capped thread count changes the output"
    );
    assert!(
        !concise.contains("[PL0"),
        "the generated set should be a valid manifest:\n{concise}"
    );
    assert!(
        concise.lines().count() > 10,
        "the generated set should have findings"
    );
}
