//! The rule engine: loads rule packs (the built-in ones embedded at build
//! time, the user's from files), selects the rules that apply, and
//! evaluates them over the resolved model.

pub mod budget;
pub mod entities;
mod evaluate;
pub mod expr;
pub mod facts;
pub mod fast;
pub mod pack;

use crate::load::embedded::{Embedded, embedded};
use crate::model::{Manifest, ReferenceData};
use crate::report::{Finding, Label, Severity, codes};
use crate::source::{SourceFile, SourceMap};
pub use pack::{PackInfo, Rule};
use std::collections::HashMap;
use std::path::PathBuf;

/// The built-in packs (their path is the one shown in diagnostics).
pub const BUILTIN_PACKS: &[Embedded] = &[
    embedded!("rules/gdpr/pack.yaml"),
    embedded!("rules/eprivacy/pack.yaml"),
    embedded!("rules/ndsg/pack.yaml"),
    embedded!("rules/organization/pack.yaml"),
];

/// Rule packs that could not be loaded, with located findings in them.
#[derive(Debug)]
pub struct PackFailure {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
}

/// The loaded rules.
#[derive(Debug)]
pub struct Engine {
    pub packs: Vec<PackInfo>,
    pub rules: Vec<Rule>,
    /// The packs' texts, to point at a rule that fails while it runs.
    sources: SourceMap,
}

/// Which rules run and how severe their findings are.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Codes, names or code prefixes (`GDPR`, `GDPR1`, `ALL`); empty: all.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Severity overrides by code, name or prefix.
    pub severity: Vec<(String, Severity)>,
}

impl Engine {
    /// The first selector (of `--select`, `--ignore`, `severity`,
    /// `per_path_ignores`) that names no rule of the loaded packs and no
    /// built-in code, with the closest code or name: a typo such as
    /// `--select GDPR13O` would otherwise run no rule and report a clean set.
    /// Suggestions come out of `budget`: a configuration of 200,000
    /// misspelt selectors took 20 s.
    pub fn unknown_selector<'s>(
        &self,
        selectors: impl IntoIterator<Item = &'s str>,
        budget: &crate::suggest::Budget,
    ) -> Option<(&'s str, Option<String>)> {
        let builtin = crate::report::codes::ALL.iter().map(|c| (c.code, c.name));
        let known: Vec<(&str, &str)> = self
            .rules
            .iter()
            .map(|r| (r.code.as_str(), r.name.as_str()))
            .chain(builtin)
            .collect();
        selectors.into_iter().find_map(|selector| {
            if known
                .iter()
                .any(|(code, name)| selector_matches(selector, code, name))
            {
                return None;
            }
            let names: Vec<&str> = known
                .iter()
                .flat_map(|(code, name)| [*code, *name])
                .collect();
            Some((
                selector,
                budget.did_you_mean(selector, &names).map(String::from),
            ))
        })
    }
}

/// Whether a selector (`GDPR101`, `missing-legal-basis`, `GDPR`, `ALL`) names a rule.
pub fn selector_matches(selector: &str, code: &str, name: &str) -> bool {
    selector.eq_ignore_ascii_case("ALL")
        || selector == name
        || !selector.is_empty()
            && code.len() >= selector.len()
            && code.as_bytes()[..selector.len()].eq_ignore_ascii_case(selector.as_bytes())
}

impl Selection {
    /// Applies `ignore` and `severity` to one of privlint's own findings
    /// (`PL…`); `false` when it is ignored. Only selectors that name it
    /// (`PL042`, `PL04`, `unused-suppression`) apply: `ALL` means every
    /// rule, not the format and reference checks.
    pub fn adjust_builtin(&self, finding: &mut Finding) -> bool {
        let names = |sel: &str| {
            !sel.eq_ignore_ascii_case("ALL") && selector_matches(sel, &finding.code, &finding.name)
        };
        if let Some(code) = crate::report::codes::ALWAYS_REPORTED
            .iter()
            .find(|c| c.code == finding.code)
        {
            let exact = |sel: &String| sel.eq_ignore_ascii_case(code.code) || sel == code.name;
            if self
                .ignore
                .iter()
                .chain(self.severity.iter().map(|(s, _)| s))
                .any(exact)
            {
                finding
                    .notes
                    .push(crate::report::codes::not_ignorable_note(code));
            }
            return true;
        }
        if self.ignore.iter().any(|s| names(s)) {
            return false;
        }
        if let Some(severity) = self.severity_for(&finding.code, &finding.name, false) {
            finding.severity = severity;
        }
        true
    }

    /// The `severity` override for a rule: the most specific selector that
    /// names it wins, whatever the order in `privlint.yaml` (its code, its
    /// name, then the longest prefix, then `ALL`, if `all` counts).
    pub fn severity_for(&self, code: &str, name: &str, all: bool) -> Option<Severity> {
        let specificity = |selector: &str| -> Option<usize> {
            if selector.eq_ignore_ascii_case("ALL") {
                return all.then_some(0);
            }
            if selector.eq_ignore_ascii_case(code) {
                return Some(usize::MAX);
            }
            if selector == name {
                return Some(usize::MAX - 1);
            }
            selector_matches(selector, code, name).then_some(selector.len())
        };
        self.severity
            .iter()
            .filter_map(|(selector, severity)| Some((specificity(selector)?, *severity)))
            .max_by_key(|(rank, _)| *rank)
            .map(|(_, severity)| severity)
    }

    pub fn enabled(&self, rule: &Rule) -> bool {
        let selected = self.select.is_empty()
            || self
                .select
                .iter()
                .any(|s| selector_matches(s, &rule.code, &rule.name));
        selected
            && !self
                .ignore
                .iter()
                .any(|s| selector_matches(s, &rule.code, &rule.name))
    }
}

impl Engine {
    /// The built-in packs plus the pack files named.
    pub fn load(extra: &[PathBuf]) -> Result<Engine, PackFailure> {
        Engine::load_packs(true, extra, Vec::new())
    }

    /// Packs given as text (path, YAML), with or without the built-in
    /// ones: for fuzzing and for callers that hold packs in memory.
    pub fn from_texts(builtin: bool, packs: Vec<(PathBuf, String)>) -> Result<Engine, PackFailure> {
        Engine::load_packs(builtin, &[], packs)
    }

    fn load_packs(
        builtin: bool,
        extra: &[PathBuf],
        texts: Vec<(PathBuf, String)>,
    ) -> Result<Engine, PackFailure> {
        let mut sources = SourceMap::default();
        let mut findings = Vec::new();
        let mut packs: Vec<PackInfo> = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        // A built-in pack comes with its tree, and is trusted (a test
        // checks it against the rule-pack schema).
        let mut inputs: Vec<(PathBuf, String, Option<&Embedded>)> = BUILTIN_PACKS
            .iter()
            .filter(|_| builtin)
            .map(|e| (PathBuf::from(e.path), e.text.to_string(), Some(e)))
            .collect();
        inputs.extend(texts.into_iter().map(|(p, t)| (p, t, None)));
        // A pack named twice (in privlint.yaml and with `--rules`, or as
        // `p.yaml` and `./p.yaml`) is read once, not reported as clashing
        // with itself.
        let mut seen = std::collections::HashSet::new();
        for path in extra {
            let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            if !seen.insert(key) {
                continue;
            }
            match crate::source::read_side_file(path) {
                Ok(text) => inputs.push((path.clone(), text, None)),
                Err(error) => {
                    let id = sources.add(SourceFile::new(path.clone(), String::new()));
                    let (message, help) = if path.is_dir() {
                        (
                            "cannot read rule pack: it is a folder".to_string(),
                            "name each pack file, such as `--rules policies/data-policy.yaml`",
                        )
                    } else {
                        (
                            format!("cannot read rule pack: {error}"),
                            "check the path: `--rules` and `rules:` name rule pack files",
                        )
                    };
                    findings.push(
                        Finding::new(
                            "PL030",
                            "invalid-rule-pack",
                            Severity::Error,
                            message,
                            Label::new(crate::source::Span::new(id, 0..0), "not read"),
                        )
                        .with_help(help),
                    );
                }
            }
        }
        // Each rule's code and name, to the rule that has it: a pack of
        // 100,000 rules compared each with every other for a minute.
        let mut codes: foldhash::HashMap<String, usize> = Default::default();
        let mut names: foldhash::HashMap<String, usize> = Default::default();
        for (path, text, embedded) in inputs {
            let mut file = SourceFile::new(path, text);
            file.builtin = embedded.is_some();
            let display = file.display_path();
            let id = sources.add(file);
            let text = sources.get(id).text.clone();
            if let Some((info, pack_rules)) =
                pack::load_pack(id, &display, &text, embedded, &mut findings)
            {
                // The same pack at a second path (a copy, a vendored
                // folder): one error, not one per rule it repeats.
                if let Some(first) = packs.iter().find(|p| p.id == info.id)
                    && let (Some(here), Some(there)) = (info.id_span, first.id_span)
                {
                    findings.push(
                        Finding::new(
                            "PL030",
                            "invalid-rule-pack",
                            Severity::Error,
                            format!("a rule pack with the id `{}` is already loaded", info.id),
                            Label::new(here, "loaded again here"),
                        )
                        .with_secondary(Label::new(there, "first loaded with this id"))
                        .with_help("list the pack once (in `rules:` or with `--rules`); a pack of your own needs an id of its own"),
                    );
                    continue;
                }
                for rule in pack_rules {
                    let clash = codes
                        .get(&rule.code)
                        .or_else(|| names.get(&rule.name))
                        .map(|&i| &rules[i]);
                    if let Some(clash) = clash {
                        let (what, here, first, help) = if clash.code == rule.code {
                            (
                                format!("code `{}`", rule.code),
                                rule.code_span,
                                clash.code_span,
                                "codes are never reused: pick the next free code",
                            )
                        } else {
                            (
                                format!("name `{}`", rule.name),
                                rule.name_span,
                                clash.name_span,
                                "a name is a second handle on one rule (`--select`, suppressions): give this rule a name of its own",
                            )
                        };
                        findings.push(
                            Finding::new(
                                "PL030",
                                "invalid-rule-pack",
                                Severity::Error,
                                format!("duplicate rule {what}"),
                                Label::new(here, "declared again here"),
                            )
                            .with_secondary(Label::new(first, "first declared here"))
                            .with_help(help),
                        );
                    } else if crate::report::codes::find(&rule.code).is_some() {
                        findings.push(Finding::new(
                            "PL030",
                            "invalid-rule-pack",
                            Severity::Error,
                            format!("`{}` is a built-in privlint code", rule.code),
                            Label::new(rule.code_span, "reserved"),
                        ));
                    } else {
                        codes.insert(rule.code.clone(), rules.len());
                        names.insert(rule.name.clone(), rules.len());
                        rules.push(rule);
                    }
                }
                packs.push(info);
            }
        }
        if findings.is_empty() {
            Ok(Engine {
                packs,
                rules,
                sources,
            })
        } else {
            crate::report::sort_findings(&mut findings, &sources);
            Err(PackFailure { sources, findings })
        }
    }

    pub fn find(&self, code_or_name: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
    }

    /// The selected rules whose regulation applies to `manifest`: those a
    /// check runs.
    pub fn active(&self, manifest: &Manifest, selection: &Selection) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| selection.enabled(r))
            .filter(|r| {
                r.regulation
                    .as_ref()
                    .is_none_or(|reg| manifest.applies(reg))
            })
            .collect()
    }

    /// Runs the selected rules whose regulation applies. A rule that takes
    /// more than `max_steps` (see [`budget`]) is stopped, and reported as
    /// PL032 at its code in its pack, which is added to `sources`.
    pub fn evaluate(
        &self,
        manifest: &Manifest,
        sources: &mut SourceMap,
        roots: &[PathBuf],
        selection: &Selection,
        max_steps: u64,
    ) -> Vec<Finding> {
        let active = self.active(manifest, selection);
        let mut severity: HashMap<String, Severity> = HashMap::new();
        for rule in &active {
            if let Some(s) = selection.severity_for(&rule.code, &rule.name, true) {
                severity.insert(rule.code.clone(), s);
            }
        }
        let evaluator = evaluate::Evaluator {
            manifest,
            sources: &*sources,
            roots,
            data: ReferenceData::get(),
            severity: &severity,
            max_steps,
        };
        let (mut findings, stopped) = evaluator.run(&active);
        // A stopped rule is reported at its code in its pack, whose text
        // joins the files of the report; the rest of the check stands.
        let mut added: HashMap<crate::source::FileId, crate::source::FileId> = HashMap::new();
        for rule in stopped {
            let pack = rule.code_span.file;
            let file = *added
                .entry(pack)
                .or_insert_with(|| sources.add(self.sources.get(pack).clone()));
            let span = crate::source::Span {
                file,
                ..rule.code_span
            };
            findings.push(
                codes::RULE_STOPPED
                    .at(
                        span,
                        format!(
                            "rule `{}` was stopped: it took more than {} step{} on this manifest set",
                            rule.code,
                            crate::render::grouped(max_steps),
                            if max_steps == 1 { "" } else { "s" }
                        ),
                        "stopped",
                    )
                    .with_note(
                        "its findings are left out; a step is an item of a list that a comprehension (`exists`, `all`, `map`, `filter`, `exists_one`), `in`, `==`, `!=` or `+` goes through, and lists gone through inside one another multiply",
                    )
                    .with_help(format!(
                        "rewrite the rule to go through fewer lists inside one another, allow more with `--max-rule-steps`, or turn it off with `--ignore {}`",
                        rule.code
                    )),
            );
        }
        findings
    }
}

/// The long explanation of a rule, as `privlint explain` prints it and
/// `docs/rules/<CODE>.md` keeps it.
pub fn explain(rule: &Rule) -> String {
    let mut out = format!(
        "# {} {}\n\n{} (default severity: {}; pack `{}`; applies with: {})\n\n",
        rule.code,
        rule.name,
        rule.summary,
        rule.severity.as_str(),
        rule.pack,
        rule.regulation.as_deref().unwrap_or("any regulation")
    );
    if let Some(citation) = &rule.citation {
        match &citation.url {
            Some(url) => out.push_str(&format!("Citation: {} <{url}>\n\n", citation.text)),
            None => out.push_str(&format!("Citation: {}\n\n", citation.text)),
        }
    }
    if rule.docs.trim().is_empty() {
        // A pack rule without `docs`: what it checks, from its conditions.
        out.push_str(&format!(
            "## What it checks\n\nFor each `{}`",
            rule.kind.as_str()
        ));
        if let Some(when) = &rule.when {
            out.push_str(&format!(" where `{}`", when.source));
        }
        out.push_str(&format!(", it requires `{}`.\n", rule.require.source));
        return out;
    }
    out.push_str(rule.docs.trim_end());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ACME00: info` after `ACME004: error` must not turn ACME004 into
    /// an info: a mapping's key order carries no meaning in YAML.
    #[test]
    fn the_most_specific_severity_selector_wins_in_any_order() {
        let pick = |entries: &[(&str, Severity)], code: &str, name: &str| {
            let selection = Selection {
                severity: entries.iter().map(|(s, v)| (s.to_string(), *v)).collect(),
                ..Selection::default()
            };
            selection.severity_for(code, name, true)
        };
        use Severity::{Error, Info, Warning};
        for entries in [
            [("ACME004", Error), ("ACME00", Info), ("ALL", Warning)],
            [("ALL", Warning), ("ACME00", Info), ("ACME004", Error)],
        ] {
            assert_eq!(pick(&entries, "ACME004", "no-purpose"), Some(Error));
            assert_eq!(pick(&entries, "ACME003", "x"), Some(Info));
            assert_eq!(pick(&entries, "GDPR101", "y"), Some(Warning));
        }
        let by_name = [("ACME0", Info), ("no-purpose", Error)];
        assert_eq!(pick(&by_name, "ACME004", "no-purpose"), Some(Error));
        for both in [
            [("no-purpose", Info), ("ACME004", Error)],
            [("ACME004", Error), ("no-purpose", Info)],
        ] {
            assert_eq!(pick(&both, "ACME004", "no-purpose"), Some(Error));
        }
        let longer = [("ACME00", Warning), ("ACME", Info)];
        assert_eq!(pick(&longer, "ACME004", "n"), Some(Warning));
        // `ALL` does not reach privlint's own codes.
        let all = Selection {
            severity: vec![("ALL".into(), Info)],
            ..Selection::default()
        };
        assert_eq!(all.severity_for("PL042", "unused-suppression", false), None);
    }

    /// The built-in packs load in full (schema, variables, fields) when
    /// not trusted, and `builtin.json` holds exactly the fast path's form
    /// of each of their conditions that it can store. Regenerate it with
    /// `PRIVLINT_BLESS=1 cargo test builtin_conditions`.
    #[test]
    fn builtin_conditions_are_stored_compiled() {
        let mut stored = std::collections::BTreeMap::new();
        for (i, pack) in BUILTIN_PACKS.iter().enumerate() {
            let (path, text) = (pack.path, pack.text);
            let mut findings = Vec::new();
            let file = crate::source::FileId(i as u32);
            let (_, rules) = pack::load_pack(file, path, text, None, &mut findings)
                .unwrap_or_else(|| panic!("{path} loads"));
            assert!(findings.is_empty(), "{path}: {findings:?}");
            for rule in &rules {
                let exprs = [
                    rule.when.as_ref(),
                    Some(&rule.require),
                    rule.verified.as_ref(),
                ];
                for expr in exprs.into_iter().flatten() {
                    if let Some(fast) = expr.stored_form() {
                        stored.insert(expr.source.clone(), serde_json::to_value(fast).unwrap());
                    }
                }
            }
        }
        assert!(stored.len() > 50, "only {} conditions stored", stored.len());
        let json = serde_json::to_string(&stored).unwrap() + "\n";
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine/builtin.json");
        if std::env::var_os("PRIVLINT_BLESS").is_some() {
            std::fs::write(file, &json).unwrap();
        }
        assert!(
            std::fs::read_to_string(file).unwrap() == json,
            "src/engine/builtin.json is out of date: run `PRIVLINT_BLESS=1 cargo test builtin_conditions`"
        );
    }
}
