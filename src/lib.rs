//! privlint: a compliance-as-code linter for privacy manifests.
//!
//! The pipeline runs one way: [`load`] (files → spanned YAML) →
//! [`schema`] (the manifest format) → [`model`] (resolution and the
//! derived model) → [`render`]. Every stage adds [`report::Finding`]s;
//! [`check`] runs them all.

/// `eprintln!` that does not panic when standard error is closed
/// (`privlint check 2>&- …`, or a reader that went away): the message is
/// lost, the exit code is not.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = writeln!(::std::io::stderr(), $($arg)*);
    }};
}

pub mod config;
pub mod engine;
pub mod error;
pub mod init;
pub mod load;
pub mod model;
pub mod render;
pub mod report;
pub mod schema;
pub mod source;
pub mod suggest;
pub mod timings;

use error::Fatal;
use jiff::civil::Date;
use model::{Manifest, ResolveOptions};
use report::{Finding, Severity, sort_findings};
use source::SourceMap;
use std::path::PathBuf;

/// What to check, and how.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Files or directories; directories are walked for `*.yaml` / `*.yml`.
    pub paths: Vec<PathBuf>,
    pub limits: load::Limits,
    /// The day the law is evaluated on (`--as-of`).
    pub as_of: Date,
    /// Regulations to apply instead of the derived ones (`--regulation`).
    pub regulations: Option<Vec<String>>,
    /// Extra rule packs (`--rules`).
    pub rule_packs: Vec<PathBuf>,
    /// Which rules run, and severity overrides.
    pub selection: engine::Selection,
    /// Rules ignored in matching files; globs are relative to
    /// `per_path_base`.
    pub per_path_ignores: PerPathIgnores,
    pub per_path_base: PathBuf,
    /// The folder of the configuration file in use, from which
    /// fingerprints name files (see [`source::SourceMap::stable_path`]).
    pub fingerprint_base: Option<PathBuf>,
    /// A baseline file whose findings are hidden (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// The configuration file's selectors, checked against the loaded
    /// rules so that a typo in it is reported where it is written.
    pub config_selectors: Option<config::Selectors>,
    /// Steps one rule may take on the manifest set (`--max-rule-steps`).
    pub max_rule_steps: u64,
}

impl CheckOptions {
    pub fn new(paths: Vec<PathBuf>) -> CheckOptions {
        CheckOptions {
            paths,
            limits: load::Limits::default(),
            as_of: today(),
            regulations: None,
            rule_packs: Vec::new(),
            selection: engine::Selection::default(),
            per_path_ignores: PerPathIgnores::default(),
            per_path_base: PathBuf::from("."),
            fingerprint_base: None,
            baseline: None,
            config_selectors: None,
            max_rule_steps: engine::budget::MAX_STEPS,
        }
    }
}

/// The local calendar day.
pub fn today() -> Date {
    // To name the system time zone, jiff indexes the whole zoneinfo
    // database (a walk of `/usr/share/zoneinfo`, a tenth of the work of
    // checking a small example). The date needs only the zone's rules,
    // which `/etc/localtime` holds when `TZ` does not say otherwise.
    #[cfg(unix)]
    if std::env::var_os("TZ").is_none()
        && let Ok(data) = std::fs::read("/etc/localtime")
        && let Ok(zone) = jiff::tz::TimeZone::tzif("localtime", &data)
    {
        return jiff::Timestamp::now().to_zoned(zone).date();
    }
    jiff::Zoned::now().date()
}

/// The result of a check: every file read, every finding in output order,
/// and the resolved model.
#[derive(Debug)]
pub struct Report {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub manifest: Manifest,
    /// Manifest files checked (files skipped as not manifests are not counted).
    pub files_checked: usize,
    /// The rules that were loaded (for SARIF's rule list).
    pub engine: std::sync::Arc<engine::Engine>,
    /// Findings hidden by the baseline.
    pub baselined: usize,
}

impl Report {
    /// Whether any finding is at or above `level`.
    pub fn fails(&self, level: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= level)
    }

    /// Whether the manifest set is not valid input: an error-level
    /// finding of one of [`report::codes::INVALID_INPUT`] remains (not
    /// downgraded, suppressed or baselined). The check could not be done
    /// as asked, so this is exit code 2, whatever the fail level.
    pub fn invalid_input(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Error && report::codes::is_invalid_input(&f.code))
    }
}

/// Loads the rule packs, then loads, validates, resolves and evaluates a
/// manifest set. The packs are compiled while the manifests are read,
/// validated and resolved: neither needs the other until evaluation.
pub fn check(options: &CheckOptions) -> Result<Report, Fatal> {
    // Four independent start-up tasks, spread over the cores: the rule
    // packs, the reference data, the manifest schema, and reading the
    // manifests. Validation and resolution follow once all four are done.
    let ((engine, _), (_, loaded)) = rayon::join(
        || {
            rayon::join(
                || timings::time("rules", || engine::Engine::load(&options.rule_packs)),
                || timings::time("data", model::ReferenceData::get),
            )
        },
        || {
            rayon::join(
                || timings::time("schema build", schema::CompiledSchema::get),
                || timings::time("load", || load::load(&options.paths, options.limits)),
            )
        },
    );
    let engine = engine?;
    check_selectors(&engine, options)?;
    let prepared = prepare(loaded?, options);
    finish(std::sync::Arc::new(engine), prepared, options)
}

/// Every rule selector names a rule or a built-in code (a usage error
/// otherwise, with the closest one).
fn check_selectors(engine: &engine::Engine, options: &CheckOptions) -> Result<(), Fatal> {
    let budget = suggest::Budget::new(suggest::Budget::DEFAULT);
    if let Some(written) = &options.config_selectors {
        written
            .check(|s| engine.unknown_selector([s], &budget).map(|(_, hint)| hint))
            .map_err(|failure| Fatal::Config {
                failure: Box::new(failure),
            })?;
    }
    let selection = &options.selection;
    let selectors = selection
        .select
        .iter()
        .chain(&selection.ignore)
        .chain(selection.severity.iter().map(|(s, _)| s))
        .chain(
            options
                .per_path_ignores
                .pairs
                .iter()
                .flat_map(|(_, rules)| rules),
        )
        .map(String::as_str);
    match engine.unknown_selector(selectors, &budget) {
        None => Ok(()),
        Some((selector, hint)) => Err(Fatal::Usage {
            message: if selector.trim().is_empty() {
                config::selector_message(selector, None)
                    + " (`--select \"\"`, or two commas in a row)"
            } else {
                config::selector_message(selector, hint.as_deref())
            },
            help: Some(config::SELECTOR_HELP.into()),
        }),
    }
}

/// Checks manifest files given in memory — an editor's unsaved buffers, a
/// fuzzer's input — as if each had been named on the command line.
pub fn check_in_memory(
    files: Vec<(PathBuf, Vec<u8>)>,
    options: &CheckOptions,
) -> Result<Report, Fatal> {
    let engine = engine::Engine::load(&options.rule_packs)?;
    check_in_memory_with(std::sync::Arc::new(engine), files, options)
}

/// Like [`check_in_memory`] with rules already loaded, so a long-running
/// caller (an editor integration, a fuzzer) loads the packs once.
pub fn check_in_memory_with(
    engine: std::sync::Arc<engine::Engine>,
    files: Vec<(PathBuf, Vec<u8>)>,
    options: &CheckOptions,
) -> Result<Report, Fatal> {
    let loaded = load::load_in_memory(files, options.limits);
    finish(engine, prepare(loaded, options), options)
}

/// A manifest set validated and resolved, not yet evaluated.
struct Prepared {
    sources: SourceMap,
    findings: Vec<Finding>,
    manifest: Manifest,
    files_checked: usize,
    /// Manifest files, whose suppression comments apply, with the ranges
    /// of their multi-line scalars (where a `#` is not a comment).
    manifest_files: Vec<(source::FileId, Vec<std::ops::Range<usize>>)>,
    /// Whether every file of the set was read; when not, only each file's
    /// own format is checked (a missing file would make its ids unknown and
    /// its organization absent).
    complete: bool,
}

/// Validates and resolves what was loaded: everything before the rules.
fn prepare(mut loaded: load::Loaded, options: &CheckOptions) -> Prepared {
    let mut findings = loaded.findings;
    let files_checked = loaded.sources.len() - loaded.skipped;
    let complete = !loaded.incomplete && loaded.failed.is_empty() && loaded.unread.is_empty();
    {
        use rayon::prelude::*;
        let per_file: Vec<Vec<Finding>> = timings::time("schema", || {
            loaded.documents.par_iter().map(schema::validate).collect()
        });
        findings.extend(per_file.into_iter().flatten());
    }
    let resolve_options = ResolveOptions {
        as_of: options.as_of,
        regulations: options.regulations.clone(),
    };
    // Suppressions are read from manifests only, not from skipped YAML.
    let manifest_files = (loaded.documents.iter_mut())
        .map(|d| (d.file, std::mem::take(&mut d.verbatim)))
        .collect();
    let (manifest, resolution) = timings::time("resolve", || {
        model::resolve(loaded.documents, &resolve_options)
    });
    // With a file missing, an id named elsewhere may be declared in it, and
    // so may the organisation; a duplicate id or a bad country code is
    // wrong whatever the missing file holds.
    let across_files = [
        report::codes::UNKNOWN_REFERENCE,
        report::codes::MISSING_ORGANIZATION,
        report::codes::UNUSED_TRANSFER,
    ];
    findings.extend(
        resolution
            .into_iter()
            .filter(|f| complete || !across_files.iter().any(|c| c.code == f.code)),
    );
    Prepared {
        sources: loaded.sources,
        findings,
        manifest,
        files_checked,
        manifest_files,
        complete,
    }
}

/// Evaluates the rules over a prepared set, then applies per-path ignores,
/// suppressions and the baseline.
fn finish(
    engine: std::sync::Arc<engine::Engine>,
    prepared: Prepared,
    options: &CheckOptions,
) -> Result<Report, Fatal> {
    let Prepared {
        mut sources,
        mut findings,
        manifest,
        files_checked,
        manifest_files,
        complete,
    } = prepared;
    let rule_findings = if complete {
        timings::time("evaluate", || {
            engine.evaluate(
                &manifest,
                &mut sources,
                &options.paths,
                &options.selection,
                options.max_rule_steps,
            )
        })
    } else {
        Vec::new()
    };
    sources.set_fingerprint_base(options.fingerprint_base.as_deref());
    let rule_findings = report::cascade::drop_cascades(rule_findings, &findings);
    findings.extend(rule_findings);
    note_files_not_named(&mut findings, &options.paths);
    let findings = ignore_per_path(findings, &sources, options);
    // A suppression of a rule that did not run (not selected, its law does
    // not apply, or the rules waited for a broken file) is not unused.
    let ran: Vec<&engine::Rule> = if complete {
        engine.active(&manifest, &options.selection)
    } else {
        Vec::new()
    };
    let mut findings = suppress(
        findings,
        &sources,
        &manifest_files,
        &engine,
        &ran,
        options.as_of,
    );
    let selection = &options.selection;
    if !selection.ignore.is_empty() || !selection.severity.is_empty() {
        findings
            .retain_mut(|f| report::codes::find(&f.code).is_none() || selection.adjust_builtin(f));
    }
    let mut baselined = 0;
    if let Some(path) = &options.baseline {
        let text = source::read_side_file_within(path, source::MAX_BASELINE).map_err(|source| {
            Fatal::Unreadable {
                path: path.clone(),
                error: source,
            }
        })?;
        let baseline = report::baseline::parse(&text).map_err(|message| Fatal::Usage {
            message: format!("`{}` is not a privlint baseline: {message}", path.display()),
            help: Some("write one with `privlint check --write-baseline FILE`".into()),
        })?;
        (findings, baselined) = report::baseline::filter(findings, &baseline, &sources);
    }
    timings::time("sort", || sort_findings(&mut findings, &sources));
    Ok(Report {
        sources,
        findings,
        manifest,
        files_checked,
        engine,
        baselined,
    })
}

/// `per_path_ignores`: (glob, rules) pairs, and the globs built once as
/// one set (the configuration check builds it, and reports where it fails).
#[derive(Debug, Default, Clone)]
pub struct PerPathIgnores {
    pub pairs: Vec<(String, Vec<String>)>,
    globs: globset::GlobSet,
}

impl PerPathIgnores {
    pub fn new(pairs: Vec<(String, Vec<String>)>) -> Result<PerPathIgnores, globset::Error> {
        let mut builder = globset::GlobSetBuilder::new();
        for (pattern, _) in &pairs {
            builder.add(globset::Glob::new(pattern)?);
        }
        Ok(PerPathIgnores {
            globs: builder.build()?,
            pairs,
        })
    }
}

/// Drops findings of rules ignored for their file by `per_path_ignores`.
fn ignore_per_path(
    findings: Vec<Finding>,
    sources: &SourceMap,
    options: &CheckOptions,
) -> Vec<Finding> {
    let per_path = &options.per_path_ignores;
    if per_path.pairs.is_empty() {
        return findings;
    }
    let base = std::path::absolute(&options.per_path_base)
        .unwrap_or_else(|_| options.per_path_base.clone());
    // What each file ignores, worked out once per file from every pattern
    // at once (patterns x findings would be quadratic).
    // Deduplicated: every selector names a rule (checked at start), so a
    // file's set stays as small as the rule list however many patterns match.
    let mut ignored: std::collections::HashMap<source::FileId, std::collections::BTreeSet<&str>> =
        Default::default();
    findings
        .into_iter()
        .filter(|f| {
            let ignored = ignored.entry(f.primary.span.file).or_insert_with(|| {
                let path = &sources.get(f.primary.span.file).path;
                let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                let relative = absolute.strip_prefix(&base).unwrap_or(&absolute);
                per_path
                    .globs
                    .matches(relative)
                    .into_iter()
                    .flat_map(|i| per_path.pairs[i].1.iter().map(String::as_str))
                    .collect()
            });
            report::codes::always_reported(&f.code)
                || !ignored
                    .iter()
                    .any(|rule| engine::selector_matches(rule, &f.code, &f.name))
        })
        .collect()
}

/// Files named one by one (`privlint check privacy/acts.yaml`, or only the
/// changed ones) are all privlint reads: a reference to an id declared in
/// another file, or an organisation declared there, looks missing. The
/// findings say so, rather than only "declare it".
fn note_files_not_named(findings: &mut [Finding], paths: &[PathBuf]) {
    let missing = |f: &Finding| {
        f.code == report::codes::UNKNOWN_REFERENCE.code
            || f.code == report::codes::MISSING_ORGANIZATION.code
    };
    if !findings.iter().any(missing) {
        return;
    }
    let named: Vec<&PathBuf> = paths.iter().filter(|p| p.is_file()).collect();
    let Some(first) = named.first() else { return };
    // Only when a YAML file beside a named one was left unread: a file
    // checked on its own, with nothing beside it, is its own whole set.
    let canonical =
        |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let read: std::collections::HashSet<PathBuf> = named.iter().map(|p| canonical(p)).collect();
    let folders: std::collections::BTreeSet<PathBuf> = read
        .iter()
        .filter_map(|p| p.parent().map(std::path::Path::to_path_buf))
        .collect();
    let unread_beside = folders.iter().any(|dir| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let path = dir.join(e.file_name());
                path.extension().is_some_and(|x| {
                    x.eq_ignore_ascii_case("yaml") || x.eq_ignore_ascii_case("yml")
                }) && !read.contains(&path)
                    && e.file_type().is_ok_and(|t| t.is_file())
            })
        })
    });
    if !unread_beside {
        return;
    }
    let note = format!(
        "only the files named were read ({}{}); a declaration in another file is not seen: check the folder that holds the whole set, or name it in `roots` in privlint.yaml and run `privlint check`",
        source::printable(&source::display_path(first)),
        if named.len() > 1 { ", …" } else { "" },
    );
    for f in findings.iter_mut().filter(|f| missing(f)) {
        f.notes.push(note.clone());
    }
}

/// Applies the inline `# privlint: allow` comments of every manifest file.
fn suppress(
    mut findings: Vec<Finding>,
    sources: &SourceMap,
    manifest_files: &[(source::FileId, Vec<std::ops::Range<usize>>)],
    engine: &engine::Engine,
    ran: &[&engine::Rule],
    as_of: Date,
) -> Vec<Finding> {
    let mut known: Vec<(&str, &str)> = engine
        .rules
        .iter()
        .map(|r| (r.code.as_str(), r.name.as_str()))
        .collect();
    known.extend(report::codes::ALL.iter().map(|c| (c.code, c.name)));
    let mut suppressions = Vec::new();
    // One "did you mean" budget for every suppression comment of the run.
    let budget = suggest::Budget::new(suggest::Budget::DEFAULT);
    let mut malformed = report::sink::Sink::default();
    for (id, verbatim) in manifest_files {
        suppressions.extend(report::suppress::parse(
            sources,
            *id,
            verbatim,
            &known,
            &budget,
            &mut malformed,
        ));
    }
    malformed.finish(&mut findings);
    if suppressions.is_empty() {
        return findings;
    }
    // Built-in codes (PL…) always run; a pack's rule only when active.
    let did_run = |rule: &str| {
        engine
            .find(rule)
            .is_none_or(|found| ran.iter().any(|r| std::ptr::eq(*r, found)))
    };
    report::suppress::apply(findings, &suppressions, sources, as_of, &did_run)
}

#[cfg(test)]
mod tests {
    /// The shortcut through `/etc/localtime` gives jiff's own answer.
    #[test]
    fn today_is_the_local_date() {
        let before = jiff::Zoned::now().date();
        let today = super::today();
        let after = jiff::Zoned::now().date();
        assert!(today == before || today == after, "{today} is not {before}");
    }
}
