//! Runs the built `privlint` binary the way users do.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs privlint from the repository root with a fixed evaluation date, so
/// output never depends on the day the tests run.
pub fn privlint(args: &[&str]) -> Run {
    privlint_in(&root(), args)
}

pub fn privlint_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_privlint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("the privlint binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn check(paths: &[&str], format: &str) -> Run {
    check_with(&[], paths, format)
}

/// JSON output with the machine-specific absolute paths replaced.
pub fn portable(text: &str) -> String {
    let root = root();
    let uri_root = privlint::render::json::file_uri(&root);
    text.replace(&uri_root, "file://[ROOT]")
}

/// The YAML files of a fixture directory, sorted, relative to the repository root.
pub fn yaml_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("fixture directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n == "privlint.yaml" || n == ".privlint.yaml")
        })
        .map(|p| {
            p.strip_prefix(root())
                .expect("inside the repo")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

/// Like [`check`], with extra arguments before the paths.
pub fn check_with(extra: &[&str], paths: &[&str], format: &str) -> Run {
    let mut args = vec![
        "check",
        "--as-of",
        "2026-11-21",
        "--format",
        format,
        "--color",
        "never",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(paths);
    privlint(&args)
}

/// `codeDescription.href` links to `docs/rules/<CODE>.md`; the page must be
/// exactly what `privlint explain` prints. With `PRIVLINT_BLESS=1` it is
/// rewritten instead.
pub fn assert_docs_page(code: &str, expected: &str) {
    let dir = root().join("docs/rules");
    let path = dir.join(format!("{code}.md"));
    if std::env::var_os("PRIVLINT_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual,
        expected,
        "{} is stale: run the tests with PRIVLINT_BLESS=1",
        path.display()
    );
}
