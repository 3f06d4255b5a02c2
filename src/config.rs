//! `privlint.yaml`: discovery (the working directory, then its parents),
//! validation against `schemas/config.schema.json` with located errors,
//! and the settings it holds. Paths in it are relative to the file.

use crate::load::node::Node;
use crate::load::yaml;
use crate::report::{Finding, Severity};
use crate::schema::CompiledSchema;
use crate::source::{SourceFile, SourceMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// File names privlint looks for, in order.
pub const CONFIG_NAMES: &[&str] = &["privlint.yaml", ".privlint.yaml"];

pub const CONFIG_SCHEMA: &str = include_str!("../schemas/config.schema.json");

fn schema() -> &'static CompiledSchema {
    static SCHEMA: OnceLock<CompiledSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| CompiledSchema::compile(CONFIG_SCHEMA, "the configuration"))
}

/// The settings of one configuration file.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub roots: Vec<PathBuf>,
    pub rules: Vec<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Severity)>,
    /// (glob relative to the config file, rules) pairs.
    pub per_path_ignores: Vec<(String, Vec<String>)>,
    pub regulations: Option<Vec<String>>,
    pub fail_on: Option<Severity>,
    pub baseline: Option<PathBuf>,
    pub max_file_size: Option<u64>,
    pub max_files: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_alias_nodes: Option<usize>,
}

impl Config {
    /// The folder paths in the file are relative to.
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }
}

/// A configuration file that could not be used, with located findings.
#[derive(Debug)]
pub struct ConfigFailure {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
}

/// The nearest configuration file from `start` upward.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = std::path::absolute(start).ok()?;
    loop {
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(relative_to_cwd(&candidate));
            }
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Shows paths below the working directory relatively, as users wrote them.
fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

fn failure(
    path: &Path,
    text: String,
    findings: impl FnOnce(crate::source::FileId) -> Vec<Finding>,
) -> ConfigFailure {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(path.to_path_buf(), text));
    let findings = findings(id)
        .into_iter()
        .map(|mut f| {
            f.code = "PL031".into();
            f.name = "invalid-config".into();
            f
        })
        .collect();
    ConfigFailure { sources, findings }
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigFailure> {
    let text = match crate::source::read_side_file(path) {
        Ok(text) => text,
        Err(error) => {
            return Err(failure(path, String::new(), |id| {
                vec![crate::report::codes::INVALID_CONFIG.at(
                    crate::source::Span::new(id, 0..0),
                    format!("cannot read the configuration file: {error}"),
                    "not read",
                )]
            }));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let parsed = yaml::parse(crate::source::FileId(0), &text, yaml::YamlLimits::default());
    let root = match (parsed.root, parsed.findings.is_empty()) {
        (Some(root), true) => root,
        (None, true) => Node {
            value: crate::load::node::Value::Map(Vec::new()),
            span: crate::source::Span::new(crate::source::FileId(0), 0..0),
        },
        (_, false) => return Err(failure(path, text, |_| parsed.findings)),
    };
    let problems = schema().validate_node(&root);
    if !problems.is_empty() {
        return Err(failure(path, text, |_| problems));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let strings = |key: &str| -> Vec<String> {
        root.get(key)
            .map(|list| {
                list.as_seq()
                    .iter()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let paths =
        |key: &str| -> Vec<PathBuf> { strings(key).into_iter().map(|p| dir.join(p)).collect() };
    let limit = |key: &str| {
        root.get("limits")
            .and_then(|l| l.get(key))
            .and_then(Node::as_i64)
            .map(|v| v.max(0) as u64)
    };
    Ok(Config {
        path: path.to_path_buf(),
        roots: paths("roots"),
        rules: paths("rules"),
        select: strings("select"),
        ignore: strings("ignore"),
        severity: root
            .get("severity")
            .map(|map| {
                map.entries()
                    .iter()
                    .filter_map(|e| Some((e.key.to_string(), Severity::parse(e.value.as_str()?)?)))
                    .collect()
            })
            .unwrap_or_default(),
        per_path_ignores: root
            .get("per_path_ignores")
            .map(|map| {
                map.entries()
                    .iter()
                    .map(|e| {
                        (
                            e.key.to_string(),
                            e.value
                                .as_seq()
                                .iter()
                                .filter_map(|n| n.as_str().map(String::from))
                                .collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        regulations: root.get("regulations").map(|_| strings("regulations")),
        fail_on: root
            .get("fail_on")
            .and_then(Node::as_str)
            .and_then(Severity::parse),
        baseline: root
            .get("baseline")
            .and_then(Node::as_str)
            .map(|p| dir.join(p)),
        max_file_size: limit("max_file_size"),
        max_files: limit("max_files").map(|v| v as usize),
        max_depth: limit("max_depth").map(|v| v as usize),
        max_alias_nodes: limit("max_alias_nodes").map(|v| v as usize),
    })
}
