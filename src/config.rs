//! `privlint.yaml`: discovery (the working directory, then its parents),
//! validation against `schemas/config.schema.json` with located errors,
//! and the settings it holds. Paths in it are relative to the file.

use crate::load::node::Node;
use crate::load::yaml;
use crate::report::{Finding, Severity};
use crate::schema::CompiledSchema;
use crate::source::{SourceFile, SourceMap};
use crate::suggest::did_you_mean;
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
    /// Globs relative to the config file, and the rules they ignore.
    pub per_path_ignores: crate::PerPathIgnores,
    pub regulations: Option<Vec<String>>,
    pub fail_on: Option<Severity>,
    pub baseline: Option<PathBuf>,
    pub max_file_size: Option<u64>,
    pub max_files: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_alias_nodes: Option<usize>,
    pub max_rule_steps: Option<u64>,
    /// Where each rule selector is written, to point at one that names no
    /// rule once the packs are loaded.
    pub selectors: Selectors,
    /// The paths of `roots`, `rules` and `baseline` (joined to the file's
    /// folder) with where each is written, to point at a missing one.
    /// With whether it must be a file (a rule pack or the baseline).
    pub paths_written: Vec<(PathBuf, crate::source::Span, bool)>,
}

/// The rule selectors of a configuration file (`select`, `ignore`, the
/// keys of `severity`, the lists of `per_path_ignores`) with their spans.
#[derive(Debug, Default, Clone)]
pub struct Selectors {
    path: PathBuf,
    text: String,
    written: Vec<(String, crate::source::Span)>,
}

impl Selectors {
    fn collect(path: &Path, text: &str, root: &Node) -> Selectors {
        let mut written = Vec::new();
        let mut list = |node: &Node| {
            for item in node.as_seq() {
                if let Some(s) = item.as_str() {
                    written.push((s.to_string(), item.span));
                }
            }
        };
        for key in ["select", "ignore"] {
            root.get(key).map(&mut list);
        }
        for entry in root.get("per_path_ignores").map_or(&[][..], Node::entries) {
            list(&entry.value);
        }
        for entry in root.get("severity").map_or(&[][..], Node::entries) {
            written.push((entry.key.to_string(), entry.key_span));
        }
        written.sort_by_key(|(_, span)| span.start);
        Selectors {
            path: path.to_path_buf(),
            text: text.to_string(),
            written,
        }
    }

    /// Every selector that names no rule, located, with the closest rule
    /// `unknown` finds (`None` when the selector names one).
    pub fn check(
        &self,
        unknown: impl Fn(&str) -> Option<Option<String>>,
    ) -> Result<(), ConfigFailure> {
        let findings: Vec<Finding> = self
            .written
            .iter()
            .filter_map(|(selector, span)| {
                let hint = unknown(selector)?;
                let message = selector_message(selector, hint.as_deref());
                Some(
                    crate::report::codes::INVALID_CONFIG
                        .at(*span, message, "unknown rule")
                        .with_help(SELECTOR_HELP),
                )
            })
            .collect();
        if findings.is_empty() {
            return Ok(());
        }
        Err(failure(&self.path, self.text.clone(), |_| findings))
    }
}

/// What is wrong with a selector that names no rule, with the closest one.
pub fn selector_message(selector: &str, hint: Option<&str>) -> String {
    match hint {
        _ if selector.trim().is_empty() => "an empty rule selector".to_string(),
        Some(h) => format!("no rule is called `{selector}`; did you mean `{h}`?"),
        None => format!("no rule is called `{selector}`"),
    }
}

/// How rules are named, for a selector that names none.
pub const SELECTOR_HELP: &str = "select rules by code (`GDPR130`), name (`transfer-without-mechanism`) or code prefix (`GDPR`, `PL0`); `privlint rules` lists them";

impl Config {
    /// Reports the paths this file names that the run uses (`in_use`) and
    /// that do not exist, or are a folder where a file is needed, at the
    /// line that names them: a mistyped `roots` or `rules` entry is the
    /// configuration's mistake, not the manifests'.
    pub fn check_paths(&self, in_use: &[&Path]) -> Result<(), ConfigFailure> {
        let written: Vec<&(PathBuf, crate::source::Span, bool)> = (self.paths_written.iter())
            .filter(|(p, _, file)| {
                in_use.contains(&p.as_path()) && (is_missing(p) || *file && p.is_dir())
            })
            .collect();
        if written.is_empty() {
            return Ok(());
        }
        Err(failure(&self.path, self.selectors.text.clone(), |id| {
            written
                .iter()
                .map(|(path, span, _)| {
                    let span = crate::source::Span::new(id, span.start as usize..span.end as usize);
                    if !is_missing(path) {
                        return crate::report::codes::INVALID_CONFIG
                            .at(
                                span,
                                format!(
                                    "`{}` is a folder, not a file",
                                    crate::source::display_path(path)
                                ),
                                "a folder",
                            )
                            .with_help("`rules` lists rule pack files (`policies/data-policy.yaml`) and `baseline` names a file");
                    }
                    missing_path(span, path, self.dir())
                })
                .collect()
        }))
    }

    /// The folder paths in the file are relative to.
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }
}

/// A path the file names, at `span`, that does not exist; with the
/// closest name beside it (`acme.yml` for `acme.yaml`).
fn missing_path(span: crate::source::Span, path: &Path, dir: &Path) -> Finding {
    let shown = crate::source::display_path(dir);
    let mut message = format!("`{}` does not exist", crate::source::display_path(path));
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let (Some(parent), Some(name)) = (parent, path.file_name().and_then(|n| n.to_str())) {
        // A folder of thousands of files is not worth reading for a hint.
        let siblings: Vec<String> = std::fs::read_dir(parent)
            .into_iter()
            .flatten()
            .take(1000)
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        if let Some(close) = did_you_mean(name, siblings.iter().map(String::as_str)) {
            // As written in the file: relative to its folder.
            let meant = path.with_file_name(close);
            let meant = meant.strip_prefix(dir).unwrap_or(&meant);
            message.push_str(&format!(
                "; did you mean `{}`?",
                crate::source::display_path(meant)
            ));
        }
    }
    crate::report::codes::INVALID_CONFIG
        .at(span, message, "no such file or folder")
        .with_help(format!(
            "paths in this file are relative to its folder (`{shown}`)"
        ))
}

fn is_missing(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
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

/// Reads and validates a configuration file. `packs`: rule packs given
/// besides the file's own, whose rules its selectors may name.
pub fn load(path: &Path, packs: &[PathBuf]) -> Result<Config, ConfigFailure> {
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
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut problems = schema().validate_node(&root);
    let (glob_problems, per_path_ignores) = per_path_ignores(&root);
    problems.extend(glob_problems);
    if !problems.is_empty() {
        // What the run would report next is reported now, so that the
        // file is fixed in one round: listed packs that are not there,
        // selectors that name no rule.
        problems.extend(unknown_rules(path, &text, &root, dir, packs));
        problems.sort_by_key(|f| (f.primary.span.start, f.primary.span.end));
        return Err(failure(path, text, |_| problems));
    }
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
        per_path_ignores,
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
        max_rule_steps: limit("max_rule_steps"),
        paths_written: ["roots", "rules", "baseline"]
            .into_iter()
            .filter_map(|key| Some((root.get(key)?, key != "roots")))
            .flat_map(|(node, file)| {
                let items = match node.as_str() {
                    Some(_) => std::slice::from_ref(node),
                    None => node.as_seq(),
                };
                items.iter().map(move |n| (n, file))
            })
            .filter_map(|(n, file)| Some((dir.join(n.as_str()?), n.span, file)))
            .collect(),
        selectors: Selectors::collect(path, &text, &root),
    })
}

/// The selectors of a file that failed validation that name no rule,
/// built-in, in the packs its `rules` list names or in `extra`; or the
/// packs it names that do not exist. When the rules cannot all be known
/// (`rules` is not a list of paths, or a pack does not load), no selector
/// is judged: it could name a rule of theirs.
fn unknown_rules(
    path: &Path,
    text: &str,
    root: &Node,
    dir: &Path,
    extra: &[PathBuf],
) -> Vec<Finding> {
    let listed = match root.get("rules") {
        None => &[][..],
        Some(node) => match &node.value {
            crate::load::node::Value::Seq(items) => items.as_slice(),
            _ => return Vec::new(),
        },
    };
    let mut packs = Vec::new();
    for item in listed {
        let Some(pack) = item.as_str() else {
            return Vec::new();
        };
        packs.push(dir.join(pack));
    }
    // A pack that is not there is said now (the run would say it next);
    // the selectors then wait, since they may name its rules.
    let missing: Vec<Finding> = listed
        .iter()
        .zip(&packs)
        .filter(|(_, pack)| is_missing(pack))
        .map(|(item, pack)| missing_path(item.span, pack, dir))
        .collect();
    if !missing.is_empty() {
        return missing;
    }
    packs.extend_from_slice(extra);
    let Ok(engine) = crate::engine::Engine::load(&packs) else {
        return Vec::new();
    };
    let selectors = Selectors::collect(path, text, root);
    let budget = crate::suggest::Budget::new(crate::suggest::Budget::DEFAULT);
    match selectors.check(|s| engine.unknown_selector([s], &budget).map(|(_, hint)| hint)) {
        Ok(()) => Vec::new(),
        Err(failure) => failure.findings,
    }
}

/// Most `per_path_ignores` patterns read, and the longest: the patterns
/// are matched as one automaton, which 1,000 patterns build in about 30 ms,
/// and which tens of thousands would make fail or take hundreds of MB.
const MAX_GLOBS: usize = 1_000;
const MAX_GLOB_LEN: usize = 1_024;

/// The `per_path_ignores` of the configuration, built; and its patterns
/// that are not globs, too long, past the most read, or too large to match
/// together, at their keys.
fn per_path_ignores(root: &Node) -> (Vec<Finding>, crate::PerPathIgnores) {
    use crate::report::codes::INVALID_CONFIG;
    let patterns = root.get("per_path_ignores").map_or(&[][..], Node::entries);
    let mut findings: Vec<Finding> = patterns
        .iter()
        .take(MAX_GLOBS)
        .filter_map(|entry| {
            if entry.key.len() > MAX_GLOB_LEN {
                return Some(INVALID_CONFIG.at(
                    entry.key_span,
                    format!(
                        "a glob of {} bytes is longer than {MAX_GLOB_LEN}",
                        entry.key.len()
                    ),
                    "too long",
                ));
            }
            let error = globset::Glob::new(&entry.key).err()?;
            Some(INVALID_CONFIG.at(
                entry.key_span,
                format!(
                    "`{}` is not a valid glob: {}",
                    crate::report::shorten(&entry.key, 80),
                    error.kind()
                ),
                "invalid glob",
            ))
        })
        .collect();
    // Valid one by one, the patterns may still be too large to match
    // together: they are built here, once, for the run.
    let mut built = crate::PerPathIgnores::default();
    if findings.is_empty()
        && let Some(key) = root.entry("per_path_ignores")
        && !patterns.is_empty()
    {
        let pairs = patterns
            .iter()
            .take(MAX_GLOBS)
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
            .collect();
        match crate::PerPathIgnores::new(pairs) {
            Ok(ignores) => built = ignores,
            Err(error) => findings.push(
                INVALID_CONFIG
                    .at(
                        key.key_span,
                        format!(
                            "the {} `per_path_ignores` patterns are too large to match together: {error}",
                            patterns.len().min(MAX_GLOBS)
                        ),
                        "these patterns",
                    )
                    .with_help("use fewer or simpler patterns (`services/**` rather than a list of alternatives)"),
            ),
        }
    }
    if let Some(first) = patterns.get(MAX_GLOBS) {
        findings.push(
            INVALID_CONFIG
                .at(
                    first.key_span,
                    format!(
                        "`per_path_ignores` has {} patterns; at most {MAX_GLOBS} are read",
                        patterns.len()
                    ),
                    "the first pattern past the limit",
                )
                .with_help("match more files per pattern (`services/**`), or use `ignore` for rules ignored everywhere"),
        );
    }
    (findings, built)
}
