//! privlint's own fatal errors: what stops a run before or instead of
//! findings (exit code 2). Rendered with miette; located findings in
//! manifests are [`crate::report::Finding`]s instead.

use miette::Diagnostic;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum Fatal {
    #[error("`{}` does not exist", path.display())]
    #[diagnostic(
        code(privlint::path_not_found),
        help("check the path, or run privlint from the directory that holds the manifests")
    )]
    PathNotFound { path: PathBuf },

    // The cause is in the message, not a `#[source]`: miette would print
    // it a second time.
    #[error("cannot read `{}`: {error}", path.display())]
    #[diagnostic(code(privlint::unreadable))]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("cannot read `{}`: {why}", path.display())]
    #[diagnostic(
        code(privlint::ignore_file),
        help(
            "privlint reads `.gitignore` files to know which files to check: make it a regular file of at most 256 KiB, or name the manifests to check"
        )
    )]
    IgnoreFile { path: PathBuf, why: String },

    #[error("symbolic link loop at `{}`", path.display())]
    #[diagnostic(code(privlint::symlink_loop), help("the link points back to `{}`, one of its own parent directories; remove the link, or name the manifests to check instead of the folder (the walk meets the loop before `.gitignore` can exclude it)", target.display()))]
    SymlinkLoop { path: PathBuf, target: PathBuf },

    #[error("error while walking `{}`: {message}", path.display())]
    #[diagnostic(code(privlint::walk))]
    Walk { path: PathBuf, message: String },

    #[error("no manifest found in {}", describe_roots(roots))]
    #[diagnostic(code(privlint::no_manifest), help("{}", no_manifest_help(*yaml_files)))]
    NoManifest {
        roots: Vec<PathBuf>,
        yaml_files: usize,
    },

    #[error("{message}")]
    #[diagnostic(code(privlint::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("cannot write `{}`: {error}", path.display())]
    #[diagnostic(code(privlint::write))]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{} in rule packs", crate::render::plural(failure.findings.len(), "error"))]
    #[diagnostic(code(privlint::rule_pack))]
    RulePacks {
        failure: Box<crate::engine::PackFailure>,
    },

    #[error("{} in the configuration", crate::render::plural(failure.findings.len(), "error"))]
    #[diagnostic(code(privlint::config))]
    Config {
        failure: Box<crate::config::ConfigFailure>,
    },

    #[error("internal error: {message}")]
    #[diagnostic(
        code(privlint::internal),
        help("this is a bug in privlint; please report it with the input that caused it")
    )]
    Internal { message: String },
}

impl From<crate::engine::PackFailure> for Fatal {
    fn from(failure: crate::engine::PackFailure) -> Fatal {
        Fatal::RulePacks {
            failure: Box::new(failure),
        }
    }
}

impl From<crate::config::ConfigFailure> for Fatal {
    fn from(failure: crate::config::ConfigFailure) -> Fatal {
        Fatal::Config {
            failure: Box::new(failure),
        }
    }
}

fn describe_roots(roots: &[PathBuf]) -> String {
    let names: Vec<String> = roots
        .iter()
        .map(|p| format!("`{}`", crate::source::display_path(p)))
        .collect();
    names.join(", ")
}

fn no_manifest_help(yaml_files: usize) -> String {
    let seen = match yaml_files {
        0 => "no `.yaml` or `.yml` file was found".to_string(),
        1 => "1 YAML file was found, but it is not a manifest".to_string(),
        n => format!("{n} YAML files were found, but none is a manifest"),
    };
    format!(
        "{seen}; a manifest file starts with `version: 1`, followed by `organization`, `processors` or `activities` (other tools' YAML is skipped; name a file to check it anyway)"
    )
}
