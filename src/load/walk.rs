//! Finds the manifest files under the roots: every `*.yaml` / `*.yml`,
//! honouring `.gitignore`, following symbolic links with loop detection,
//! in a sorted, deterministic order.

use crate::error::Fatal;
use std::path::{Path, PathBuf};

/// A file to read, and whether the user named it (then it must be a manifest).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub explicit: bool,
}

pub fn is_yaml_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The files to read, in sorted order, and, when the roots hold more than
/// `max_files` YAML files found by walking, the first one left unread
/// (directories are walked in name order, so which files are read does not
/// depend on the file system's order, and the walk stops there).
pub fn find_candidates(
    roots: &[PathBuf],
    max_files: usize,
) -> Result<(Vec<Candidate>, Option<PathBuf>), Fatal> {
    let mut found = Vec::new();
    let mut walked = 0;
    for root in roots {
        if root.as_os_str() == "-" && !root.exists() {
            return Err(Fatal::Usage {
                message: "privlint does not read manifests from standard input (`-`)".into(),
                help: Some("name the files or directories to check".into()),
            });
        }
        let meta = std::fs::metadata(root).map_err(|source| match source.kind() {
            // A link whose target is gone: say so, the link itself exists.
            std::io::ErrorKind::NotFound if root.is_symlink() => Fatal::Unreadable {
                path: root.clone(),
                error: std::io::Error::other(format!(
                    "it is a symbolic link to `{}`, which does not exist",
                    std::fs::read_link(root).unwrap_or_default().display()
                )),
            },
            std::io::ErrorKind::NotFound => Fatal::PathNotFound { path: root.clone() },
            _ => Fatal::Unreadable {
                path: root.clone(),
                error: source,
            },
        })?;
        if !meta.is_dir() {
            if is_pipe_or_socket(&meta) {
                // Opening a FIFO blocks until a writer comes: it would hang.
                return Err(Fatal::Unreadable {
                    path: root.clone(),
                    error: std::io::Error::other("not a regular file (a pipe or socket)"),
                });
            }
            found.push(Candidate {
                path: root.clone(),
                explicit: true,
            });
            continue;
        }
        // `.gitignore` as git reads it: in a repository, the files from its
        // root down; outside one, those at or below the root walked (none
        // from the folders above it). Not `.ignore` files, the user's
        // global excludes or a clone's own `.git/info/exclude`: the same
        // set is checked on every machine.
        let in_repository = crate::source::repository_root(root).is_some();
        // The walker reads the `.gitignore` of the root, of each folder
        // before entering it, and in a repository of every folder above
        // the root's real path up to `/` (the `ignore` crate reads them all
        // and applies those inside the repository): each is checked first
        // (see `unsafe_gitignore`).
        if let Some(fatal) = unsafe_gitignore(root) {
            return Err(fatal);
        }
        if in_repository {
            let real = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
            for dir in real.ancestors().skip(1) {
                if let Some(fatal) = unsafe_gitignore(dir) {
                    return Err(fatal);
                }
            }
        }
        // The filter must be `'static`: it shares what it found through an `Arc`.
        let bad_gitignore = std::sync::Arc::new(std::sync::Mutex::new(None));
        let found_bad = std::sync::Arc::clone(&bad_gitignore);
        let take_bad = || {
            bad_gitignore
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
        };
        let walker = ignore::WalkBuilder::new(root)
            .follow_links(true)
            .require_git(in_repository)
            .parents(in_repository)
            .ignore(false)
            .git_global(false)
            .git_exclude(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |entry| {
                let fatal = entry
                    .file_type()
                    .is_some_and(|t| t.is_dir())
                    .then(|| unsafe_gitignore(entry.path()))
                    .flatten();
                let keep = fatal.is_none();
                if let Some(fatal) = fatal {
                    let mut first = found_bad.lock().unwrap_or_else(|e| e.into_inner());
                    first.get_or_insert(fatal);
                }
                keep
            })
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                // A dangling symbolic link holds no data to check.
                Err(e) if is_dangling_link(&e) => continue,
                Err(e) => return Err(walk_error(root, e)),
            };
            if let Some(fatal) = take_bad() {
                return Err(fatal);
            }
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            let is_config = entry
                .file_name()
                .to_str()
                .is_some_and(|n| crate::config::CONFIG_NAMES.contains(&n));
            if is_file && is_yaml_path(entry.path()) && !is_config {
                if walked == max_files {
                    let mut found = sorted(found);
                    found.retain(|c| c.path != entry.path());
                    return Ok((found, Some(entry.into_path())));
                }
                walked += 1;
                found.push(Candidate {
                    path: entry.into_path(),
                    explicit: false,
                });
            }
        }
        if let Some(fatal) = take_bad() {
            return Err(fatal);
        }
    }
    Ok((sorted(found), None))
}

/// Largest `.gitignore` privlint reads. The `ignore` crate compiles every
/// line into a matcher: 20,000 pathological globs (570 KB) took 274 MB.
const MAX_GITIGNORE_SIZE: u64 = 256 * 1024;

/// Why the `.gitignore` in `dir` must not be read, when it must not: a
/// FIFO would block the walk forever, a device never ends, and a huge
/// file costs memory without bound. The set of files to check is then not
/// known, so the check stops (exit code 2) rather than guess.
fn unsafe_gitignore(dir: &Path) -> Option<Fatal> {
    let path = dir.join(".gitignore");
    let meta = std::fs::metadata(&path).ok()?;
    let why = if meta.is_dir() {
        // Read as no patterns by the walker, harmlessly.
        return None;
    } else if !meta.is_file() {
        "it is not a regular file (a pipe, socket or device), and reading it could block or never end".to_string()
    } else if meta.len() > MAX_GITIGNORE_SIZE {
        format!(
            "it is {}, more than the {} privlint reads of a `.gitignore`",
            super::human_size(meta.len()),
            super::human_size(MAX_GITIGNORE_SIZE)
        )
    } else {
        return None;
    };
    Some(Fatal::IgnoreFile { path, why })
}

/// Sorted, each file once: a file named twice, or named and also found by
/// walking (`privlint check dir dir/a.yaml`, `./dir/../dir/a.yaml`, a
/// symbolic link to it), is read once, under the first of its paths.
fn sorted(mut found: Vec<Candidate>) -> Vec<Candidate> {
    found.sort();
    let mut seen: std::collections::HashMap<PathBuf, usize> = Default::default();
    let mut unique: Vec<Candidate> = Vec::with_capacity(found.len());
    for candidate in found {
        let key = std::fs::canonicalize(&candidate.path).unwrap_or_else(|_| candidate.path.clone());
        match seen.get(&key) {
            Some(&i) => unique[i].explicit |= candidate.explicit,
            None => {
                seen.insert(key, unique.len());
                unique.push(candidate);
            }
        }
    }
    unique
}

#[cfg(unix)]
fn is_pipe_or_socket(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo() || meta.file_type().is_socket()
}

#[cfg(not(unix))]
fn is_pipe_or_socket(_: &std::fs::Metadata) -> bool {
    false
}

fn is_dangling_link(error: &ignore::Error) -> bool {
    let path = match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } => return is_dangling_link(err),
        _ => None,
    };
    path.is_some_and(|p| {
        std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
            && std::fs::metadata(p).is_err()
    })
}

fn walk_error(root: &Path, error: ignore::Error) -> Fatal {
    let error = unwrap_partial(error);
    match error {
        ignore::Error::Loop { ancestor, child } => Fatal::SymlinkLoop {
            path: child,
            target: ancestor,
        },
        ignore::Error::WithPath { path, err } => match *err {
            ignore::Error::Io(source) => Fatal::Unreadable {
                path,
                error: source,
            },
            ignore::Error::Loop { ancestor, child } => Fatal::SymlinkLoop {
                path: child,
                target: ancestor,
            },
            other => Fatal::Walk {
                path,
                message: other.to_string(),
            },
        },
        ignore::Error::Io(source) => Fatal::Unreadable {
            path: root.to_path_buf(),
            error: source,
        },
        other => Fatal::Walk {
            path: root.to_path_buf(),
            message: other.to_string(),
        },
    }
}

/// The walker wraps errors in depth and partial layers; the innermost one says what happened.
fn unwrap_partial(error: ignore::Error) -> ignore::Error {
    match error {
        ignore::Error::WithDepth { err, .. } => unwrap_partial(*err),
        ignore::Error::WithLineNumber { err, .. } => unwrap_partial(*err),
        ignore::Error::Partial(mut errors) if errors.len() == 1 => unwrap_partial(errors.remove(0)),
        ignore::Error::WithPath { path, err } => match unwrap_partial(*err) {
            ignore::Error::Loop { ancestor, child } => ignore::Error::Loop { ancestor, child },
            inner => ignore::Error::WithPath {
                path,
                err: Box::new(inner),
            },
        },
        other => other,
    }
}
