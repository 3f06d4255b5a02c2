//! The command line: parse arguments, call the library, print, and map the
//! outcome to an exit code (0 clean, 1 findings, 2 could not check).

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use privlint::config::{self, Config};
use privlint::engine::Engine;
use privlint::error::Fatal;
use privlint::report::{Severity, codes};
use privlint::{CheckOptions, render, say};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// The exit code of the run whose output is being written: a reader that
/// closes standard output early (`privlint check | head`) does not turn
/// findings into a pass.
static EXIT_CODE: AtomicU8 = AtomicU8::new(0);

/// Set when `--format concise` has printed a broken configuration's or
/// pack's problems as its own lines: standard error then gets only the
/// closing line, not the same problems again.
static LOCATED_PRINTED: AtomicBool = AtomicBool::new(false);

#[derive(Parser)]
#[command(name = "privlint", version, about = "Lint privacy manifests against the GDPR, ePrivacy and the Swiss revFADP", long_about = None, args_override_self = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Check a manifest set (default: the current directory)
    Check(Box<CheckArgs>),
    /// Explain a rule or diagnostic: what it checks, why, the law, how to fix it
    Explain {
        /// A code (`GDPR101`, `PL021`) or name (`missing-legal-basis`)
        code: String,
        /// Extra rule packs to load (repeatable)
        #[arg(long = "rules", value_name = "FILE")]
        rule_packs: Vec<PathBuf>,
    },
    /// List every rule of the active packs and privlint's own diagnostics
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Extra rule packs to load (repeatable)
        #[arg(long = "rules", value_name = "FILE")]
        rule_packs: Vec<PathBuf>,
    },
    /// List the built-in data categories and data subjects with their marks
    Taxonomy,
    /// Write a commented starter manifest and privlint.yaml into a directory
    Init {
        /// Where to write them
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite files that already exist
        #[arg(long)]
        force: bool,
    },
    /// Print a JSON Schema (for editors and other tools)
    Schema {
        #[arg(value_enum, default_value_t = SchemaKind::Manifest)]
        which: SchemaKind,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Manifest,
    Diagnostics,
    RulePack,
    Config,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Compiler-style, with source snippets (default)
    Text,
    /// One line per finding: `path:line:col: severity[CODE] message`
    Concise,
    /// LSP-shaped diagnostics (see `privlint schema diagnostics`)
    Json,
    /// GitHub Actions annotations (and a summary in $GITHUB_STEP_SUMMARY)
    Github,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(clap::Args)]
struct ConfigArgs {
    /// Use this configuration file instead of discovering privlint.yaml
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Ignore every configuration file
    #[arg(long, global = true, conflicts_with = "config")]
    isolated: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Manifest files or directories to check (default: the config's roots, or `.`)
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the output to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Evaluate the law as it stood on this day (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<jiff::civil::Date>,
    /// Apply these regulations instead of the derived ones (repeatable)
    #[arg(long = "regulation", value_name = "gdpr|eprivacy|ndsg", value_parser = ["gdpr", "eprivacy", "ndsg"])]
    regulations: Vec<String>,
    /// Lowest severity that makes the exit code 1 [default: error]
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Exit 0 even when there are findings (2 still means privlint could not check)
    #[arg(long)]
    exit_zero: bool,
    /// Extra rule packs to load (repeatable)
    #[arg(long = "rules", value_name = "FILE")]
    rule_packs: Vec<PathBuf>,
    /// Run only these rules: codes, names or prefixes (comma-separated or repeated)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules: codes, names or prefixes
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Hide the findings recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file, and exit 0
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Print the number of findings per rule instead of the findings
    #[arg(long)]
    statistics: bool,
    /// Print only findings, no summary line
    #[arg(long, short)]
    quiet: bool,
    /// Largest manifest file read, in bytes [default: 8388608]
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_file_size: Option<u64>,
    /// Most YAML files read from the paths [default: 10000]
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_files: Option<usize>,
    /// Deepest nesting of lists and mappings, at most 1000 [default: 64]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=privlint::load::MAX_DEPTH_LIMIT as i64))]
    max_depth: Option<u16>,
    /// Most nodes that YAML aliases may expand to in one file [default: 10000]
    #[arg(long, value_name = "N")]
    max_alias_nodes: Option<usize>,
    /// Most steps one rule may take on the manifest set (items of lists
    /// that comprehensions, `in`, `==`, `!=` and `+` go through) [default: 5000000]
    #[arg(long, value_name = "N")]
    max_rule_steps: Option<u64>,
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check(args) => check(*args, &cli.config),
        Command::Explain { code, rule_packs } => {
            explain(&code, &packs_with_config(rule_packs, &cli.config)?)
        }
        Command::Rules { format, rule_packs } => {
            let config = load_config(&cli.config, &rule_packs)?;
            let severity = config
                .as_ref()
                .map(|c| c.severity.clone())
                .unwrap_or_default();
            let mut packs = config.map(|c| c.rules).unwrap_or_default();
            packs.extend(rule_packs);
            let engine = load_engine(&packs)?;
            let selection = privlint::engine::Selection {
                severity,
                ..Default::default()
            };
            print_stdout(&rules_listing(format, &engine, &selection))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Taxonomy => {
            print_stdout(&taxonomy_listing())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir, force } => init(&dir, force),
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Manifest => privlint::schema::MANIFEST_SCHEMA,
                SchemaKind::Diagnostics => DIAGNOSTICS_SCHEMA,
                SchemaKind::RulePack => privlint::schema::RULE_PACK_SCHEMA,
                SchemaKind::Config => config::CONFIG_SCHEMA,
            };
            print_stdout(text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

const DIAGNOSTICS_SCHEMA: &str = include_str!("../schemas/diagnostics.schema.json");

/// The packs named in the configuration, then those on the command line.
fn packs_with_config(extra: Vec<PathBuf>, args: &ConfigArgs) -> Result<Vec<PathBuf>, Fatal> {
    let mut packs = load_config(args, &extra)?
        .map(|c| c.rules)
        .unwrap_or_default();
    packs.extend(extra);
    Ok(packs)
}

/// `privlint init`: a starter set that passes `check`, never overwriting.
fn init(dir: &std::path::Path, force: bool) -> Result<ExitCode, Fatal> {
    let files = privlint::init::files();
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|p| p.exists())
        .map(|p| format!("`{}`", privlint::source::display_path(&p)))
        .collect();
    if !existing.is_empty() && !force {
        return Err(Fatal::Usage {
            message: format!(
                "{} already exist{}",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" }
            ),
            help: Some(
                "privlint init never overwrites files; pass `--force` to replace them".into(),
            ),
        });
    }
    for (name, text) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Fatal::Write {
                path: parent.to_path_buf(),
                error: source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| Fatal::Write {
            path: path.clone(),
            error: source,
        })?;
        say!(
            "privlint: wrote `{}`",
            privlint::source::display_path(&path)
        );
    }
    say!(
        "privlint: next, run `privlint check` in `{}` and edit the manifest",
        privlint::source::display_path(dir)
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    // jiff also reads a date and time (`2024-01-01 12:00`) as its date:
    // the option takes a day, written as the help says.
    privlint::report::date_shaped(text)
        .then(|| text.parse::<jiff::civil::Date>().ok())
        .flatten()
        .ok_or_else(|| privlint::report::not_a_date(text))
}

/// Caps the threads `RAYON_NUM_THREADS` asks for at four per core: the
/// work is CPU-bound, and a stray large value (20,000) spent minutes and
/// gigabytes starting threads. Below the cap rayon reads the variable.
fn limit_threads() {
    let Some(requested) = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    else {
        return;
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let cap = cores.saturating_mul(4);
    if requested > cap {
        // Fails only when a pool exists already, which it cannot here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(cap)
            .build_global();
    }
}

/// jemalloc, where it builds (see Cargo.toml for why).
#[cfg(all(
    unix,
    not(target_os = "openbsd"),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts (`_RJEM_MALLOC_CONF` still
/// overrides them). Transparent huge pages for its arenas: a large set
/// touches tens of megabytes once, and faulting them in 4 KiB pages was
/// a tenth of the check's time (BENCHMARKS.md).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: Option<&'static std::ffi::c_char> =
    // SAFETY: a NUL-terminated static string, the `const char *` jemalloc reads.
    Some(unsafe { &*c"thp:always,metadata_thp:always".as_ptr() });

fn main() -> ExitCode {
    limit_threads();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(error),
    };
    match run(cli) {
        Ok(code) => code,
        Err(Fatal::RulePacks { failure }) => {
            print_located(
                &failure.findings,
                &failure.sources,
                "the rule packs above could not be loaded",
            );
            ExitCode::from(2)
        }
        Err(Fatal::Config { failure }) => {
            print_located(
                &failure.findings,
                &failure.sources,
                "the configuration above could not be used",
            );
            ExitCode::from(2)
        }
        Err(fatal) => {
            let report = miette::Report::new(fatal);
            say!("{report:?}");
            ExitCode::from(2)
        }
    }
}

/// A command line clap rejects. With `--format json` or `sarif`, a
/// document saying why goes to standard output too, as for any error that
/// stops a check: an editor or a code-scanning upload still gets valid
/// input.
fn usage_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) || !error.use_stderr()
    {
        error.exit();
    }
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let checking = args.iter().any(|a| a == "check");
    // As clap reads them: the last `--format` wins (`args_override_self`).
    let last = |long: &str, short: Option<&str>| {
        let mut found = None;
        for (i, arg) in args.iter().enumerate() {
            if let Some(value) = arg.strip_prefix(&format!("{long}=")) {
                found = Some(value.to_string());
            } else if arg == long || short == Some(arg.as_str()) {
                found = args.get(i + 1).cloned();
            }
        }
        found
    };
    let requested = last("--format", None).filter(|_| checking);
    let rendered = error.render().to_string();
    let message = rendered
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string();
    // With `--output`, nothing is written, as for other usage errors: the
    // mistake may be the output path itself, or a file being checked.
    let format = requested.and_then(|f| Format::from_str(&f, false).ok());
    if let Some(format) = format.filter(|_| last("--output", Some("-o")).is_none()) {
        EXIT_CODE.store(2, Ordering::Relaxed);
        let failure = render::Failure {
            code: "privlint::usage",
            message: &message,
            help: None,
        };
        error_document(&None, format, failure, &[], &Default::default());
    }
    let _ = error.print();
    ExitCode::from(2)
}

/// Located problems in pack or config files read like any finding.
fn print_located(
    findings: &[privlint::report::Finding],
    sources: &privlint::source::SourceMap,
    closing: &str,
) {
    if LOCATED_PRINTED.load(Ordering::Relaxed) {
        eprintln!("privlint: {closing}");
        return;
    }
    let choice = if std::io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut stderr = StandardStream::stderr(choice);
    let mut files: Vec<_> = findings.iter().map(|f| f.primary.span.file).collect();
    files.sort();
    files.dedup();
    let _ = render::text::render(findings, sources, files.len(), true, &mut stderr);
    let _ = writeln!(stderr, "privlint: {closing}");
}

/// The configuration in force: `--config`, else discovered, unless
/// `--isolated`. `packs`: the rule packs given on the command line, whose
/// rules the file's selectors may name.
fn load_config(args: &ConfigArgs, packs: &[PathBuf]) -> Result<Option<Config>, Fatal> {
    if args.isolated {
        return Ok(None);
    }
    let path = match &args.config {
        Some(path) => path.clone(),
        None => match std::env::current_dir()
            .ok()
            .and_then(|d| config::discover(&d))
        {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    Ok(Some(config::load(&path, packs)?))
}

/// Runs a check. When it cannot be done and the format is for machines
/// (JSON, SARIF), a document saying why is written where the report would
/// have gone, so an editor or a code-scanning upload still gets valid
/// input; the error goes to standard error as well, and the exit code is 2.
fn check(args: CheckArgs, config_args: &ConfigArgs) -> Result<ExitCode, Fatal> {
    let format = args.format;
    let output = args.output.clone();
    let writes_baseline = args.write_baseline.is_some();
    let result = check_set(args, config_args);
    // `--format concise` (quickfix lists, pre-commit) gets a broken
    // configuration's or pack's problems as its own lines, where the
    // findings would have gone.
    let no_sources = privlint::source::SourceMap::default();
    let (findings, sources) = match &result {
        Err(Fatal::Config { failure }) => (&failure.findings[..], &failure.sources),
        Err(Fatal::RulePacks { failure }) => (&failure.findings[..], &failure.sources),
        _ => (&[][..], &no_sources),
    };
    if !findings.is_empty()
        && format == Format::Concise
        && output.as_deref().is_none_or(replaceable)
        && emit(&output, &render::concise::render(findings, sources)).is_ok()
    {
        LOCATED_PRINTED.store(true, Ordering::Relaxed);
    }
    if let Err(fatal) = &result
        && matches!(format, Format::Json | Format::Sarif | Format::Github)
        && !writes_baseline
        // A usage or write error may be about the output path itself.
        && (output.is_none() || !matches!(fatal, Fatal::Usage { .. } | Fatal::Write { .. }))
    {
        use miette::Diagnostic;
        let code = fatal
            .code()
            .map_or_else(|| "privlint::error".to_string(), |c| c.to_string());
        // Located problems in the configuration or a rule pack are
        // diagnostics in those files, and are said in the message too, one
        // per line, as `--format concise` would.
        let message = if findings.is_empty() {
            fatal.to_string()
        } else {
            located(fatal, findings, sources)
        };
        let help = fatal.help().map(|h| h.to_string());
        EXIT_CODE.store(2, Ordering::Relaxed);
        // The check stopped before it knew every file it reads: an existing
        // file is replaced only when it is an earlier report.
        if output.as_deref().is_none_or(replaceable) {
            let failure = render::Failure {
                code: &code,
                message: &message,
                help: help.as_deref(),
            };
            error_document(&output, format, failure, findings, sources);
        }
    }
    result
}

/// Whether an error document may go to `path`: it does not exist, or it
/// holds an earlier privlint report (JSON, SARIF or GitHub annotations),
/// not a manifest, configuration, rule pack or baseline.
fn replaceable(path: &std::path::Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return !path.exists();
    };
    let mut head = Vec::new();
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    let json_report = head.contains("\"name\": \"privlint\"");
    head.is_empty() || json_report || head.starts_with("::")
}

/// The document a run that could not check writes where the report would
/// have gone: a JSON error object, an unsuccessful SARIF invocation, or a
/// GitHub `::error` annotation (else the failed step shows none), each
/// with `findings`, the located problems that stopped it. Nothing for the
/// human formats, which have the error on standard error.
fn error_document(
    output: &Option<PathBuf>,
    format: Format,
    failure: render::Failure<'_>,
    findings: &[privlint::report::Finding],
    sources: &privlint::source::SourceMap,
) {
    let _ = match format {
        Format::Json => emit_streamed(output, |out| {
            render::json::render_error_to(out, failure, findings, sources)
        }),
        Format::Sarif => emit_streamed(output, |out| {
            let cwd = std::env::current_dir().unwrap_or_default();
            render::sarif::render_error_to(out, failure, findings, sources, &code_infos(), &cwd)
        }),
        Format::Github => {
            let mut text = failure.message.to_string();
            if let Some(help) = failure.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let annotations = render::github::render(findings, sources);
            emit(
                output,
                &format!(
                    "{annotations}::error title={}::{}\n",
                    render::github::escape_property("privlint could not check"),
                    render::github::escape_data(&format!("{text}\n({})", failure.code))
                ),
            )
        }
        Format::Text | Format::Concise => Ok(()),
    };
}

/// A fatal error's summary followed by its located findings.
fn located(
    fatal: &Fatal,
    findings: &[privlint::report::Finding],
    sources: &privlint::source::SourceMap,
) -> String {
    let lines = render::concise::render(findings, sources);
    format!("{fatal}:\n{}", lines.trim_end())
}

fn check_set(args: CheckArgs, config_args: &ConfigArgs) -> Result<ExitCode, Fatal> {
    if args.statistics && matches!(args.format, Format::Sarif | Format::Github) {
        return Err(Fatal::Usage {
            message: "`--statistics` prints a table, or a JSON list with `--format json`".into(),
            help: Some("drop `--statistics` for SARIF or GitHub annotations".into()),
        });
    }
    let config = load_config(config_args, &args.rule_packs)?;
    let config_dir = config.as_ref().map(|c| c.dir().to_path_buf());
    let config = config.unwrap_or_default();
    let paths = if !args.paths.is_empty() {
        args.paths
    } else if !config.roots.is_empty() {
        config.roots.clone()
    } else {
        vec![PathBuf::from(".")]
    };
    let mut options = CheckOptions::new(paths);
    let defaults = privlint::load::Limits::default();
    options.limits.max_file_size = args
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(defaults.max_file_size);
    options.limits.max_files = args
        .max_files
        .or(config.max_files)
        .unwrap_or(defaults.max_files);
    options.limits.yaml.max_depth = args
        .max_depth
        .map(usize::from)
        .or(config.max_depth)
        .unwrap_or(defaults.yaml.max_depth);
    options.limits.yaml.max_alias_nodes = args
        .max_alias_nodes
        .or(config.max_alias_nodes)
        .unwrap_or(defaults.yaml.max_alias_nodes);
    options.max_rule_steps = args
        .max_rule_steps
        .or(config.max_rule_steps)
        .unwrap_or(privlint::engine::budget::MAX_STEPS);
    if let Some(date) = args.as_of {
        options.as_of = date;
    }
    options.regulations = if args.regulations.is_empty() {
        config.regulations.clone()
    } else {
        Some(args.regulations)
    };
    options.rule_packs = config.rules.clone();
    options.rule_packs.extend(args.rule_packs);
    options.selection.select = if args.select.is_empty() {
        config.select.clone()
    } else {
        args.select
    };
    options.selection.ignore = config.ignore.clone();
    options.selection.ignore.extend(args.ignore);
    options.selection.severity = config.severity.clone();
    options.per_path_ignores = config.per_path_ignores.clone();
    options.per_path_base = config.dir().to_path_buf();
    options.fingerprint_base = config_dir;
    options.config_selectors = Some(config.selectors.clone());
    // Writing a baseline records everything; reading one hides what it holds.
    if args.write_baseline.is_none() {
        options.baseline = args.baseline.or(config.baseline.clone());
    }
    let in_use: Vec<&std::path::Path> = (options.paths.iter())
        .chain(&options.rule_packs)
        .chain(&options.baseline)
        .map(PathBuf::as_path)
        .collect();
    config.check_paths(&in_use)?;
    if let (Some(output), Some(baseline)) = (&args.output, &args.write_baseline)
        && output == baseline
    {
        return Err(Fatal::Usage {
            message: format!(
                "`--output` and `--write-baseline` both name `{}`",
                output.display()
            ),
            help: Some("give the baseline and the report different files".into()),
        });
    }
    // Never freed: the process ends right after, and freeing the model
    // entity by entity costs about 4% of a large check.
    let report = std::mem::ManuallyDrop::new(privlint::check(&options)?);
    // A day before a law applied is evaluated with its rules (the dated
    // facts, such as transfer mechanisms, still hold): say so.
    let as_of = options.as_of.to_string();
    for r in &privlint::model::refdata::ReferenceData::get().regulations {
        if let Some(from) = r.applies.from.as_ref().filter(|f| **f > as_of)
            && report.manifest.applies(&r.id)
        {
            say!(
                "privlint: note: on {as_of} the {} did not apply yet (it applies from {from}); its rules are evaluated as if it did, with the dated facts as they stood that day",
                r.name
            );
        }
    }
    // What the run read besides the manifests. Writing the baseline over
    // the configured one is how a baseline is renewed, so that is allowed.
    let mut read: Vec<(&std::path::Path, &str)> = vec![(&config.path, "the configuration in use")];
    read.extend((options.rule_packs.iter()).map(|p| (p.as_path(), "a rule pack in use")));
    read.extend((options.baseline.iter()).map(|p| (p.as_path(), "the baseline in use")));
    for path in [&args.output, &args.write_baseline].into_iter().flatten() {
        refuse_to_overwrite_input(path, &report.sources, &read)?;
    }
    let summary = step_summary_path(args.format);
    if let Some(path) = &summary {
        refuse_to_overwrite_input(path, &report.sources, &read)?;
    }

    if let Some(path) = &args.write_baseline {
        // A file that did not load, a limit or a stopped rule leaves part
        // of the set unchecked: a baseline written now would lack what that
        // part holds, and those findings would come back as new later.
        let unchecked: Vec<&privlint::report::Finding> = (report.findings.iter())
            .filter(|f| codes::always_reported(&f.code) || f.code == codes::RULE_STOPPED.code)
            .collect();
        if !unchecked.is_empty() {
            say!(
                "privlint: baseline not written: {} left part of the manifest set unchecked",
                render::plural(unchecked.len(), "finding")
            );
            for f in unchecked.iter().take(10) {
                say!(
                    "  {}: error[{}] {}",
                    render::location(f, &report.sources),
                    f.code,
                    privlint::source::printable(&f.message)
                );
            }
            if unchecked.len() > 10 {
                say!("  … and {} more", unchecked.len() - 10);
            }
            say!("privlint: fix them, then write the baseline again");
            EXIT_CODE.store(2, Ordering::Relaxed);
            return Ok(ExitCode::from(2));
        }
        let (text, recorded) = privlint::report::baseline::write(&report.findings, &report.sources);
        std::fs::write(path, text).map_err(|source| Fatal::Write {
            path: path.clone(),
            error: source,
        })?;
        say!(
            "privlint: recorded {} in `{}`",
            render::plural(recorded, "finding"),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let fail_on = args
        .fail_on
        .map(FailOn::severity)
        .or(config.fail_on)
        .unwrap_or(Severity::Error);
    let code = if report.invalid_input() {
        2
    } else if report.fails(fail_on) && !args.exit_zero {
        1
    } else {
        0
    };
    EXIT_CODE.store(code, Ordering::Relaxed);
    let exit = ExitCode::from(code);

    if args.statistics {
        emit(&args.output, &statistics(&report, args.format))?;
        return Ok(exit);
    }
    match args.format {
        Format::Text => {
            if let Some(path) = &args.output {
                let mut buffer = codespan_reporting::term::termcolor::Buffer::no_color();
                render::text::render(
                    &report.findings,
                    &report.sources,
                    report.files_checked,
                    !args.quiet,
                    &mut buffer,
                )
                .map_err(|source| Fatal::Write {
                    path: path.clone(),
                    error: source,
                })?;
                emit(&args.output, &String::from_utf8_lossy(buffer.as_slice()))?;
            } else {
                let choice = match args.color {
                    ColorArg::Always => ColorChoice::Always,
                    ColorArg::Never => ColorChoice::Never,
                    ColorArg::Auto
                        if std::io::stdout().is_terminal()
                            && std::env::var_os("NO_COLOR").is_none() =>
                    {
                        ColorChoice::Auto
                    }
                    ColorArg::Auto => ColorChoice::Never,
                };
                let mut stdout = StandardStream::stdout(choice);
                render::text::render(
                    &report.findings,
                    &report.sources,
                    report.files_checked,
                    !args.quiet,
                    &mut stdout,
                )
                .and_then(|_| stdout.flush())
                .map_err(stdout_error)?;
                let _ = stdout.reset();
            }
            if report.baselined > 0 && !args.quiet {
                say!(
                    "privlint: {} hidden by the baseline",
                    render::plural(report.baselined, "finding")
                );
            }
        }
        Format::Concise => emit(
            &args.output,
            &render::concise::render(&report.findings, &report.sources),
        )?,
        Format::Json => privlint::timings::time("render", || {
            emit_streamed(&args.output, |out| {
                render::json::render_to(
                    out,
                    &report.findings,
                    &report.sources,
                    report.files_checked,
                )
            })
        })?,
        Format::Github => {
            emit(
                &args.output,
                &render::github::render(&report.findings, &report.sources),
            )?;
            if let Some(summary) = &summary {
                let text = render::github::step_summary(
                    &report.findings,
                    &report.sources,
                    report.files_checked,
                );
                append(summary, &text)?;
            }
        }
        Format::Sarif => {
            let rules = rule_infos(&report.engine);
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            emit_streamed(&args.output, |out| {
                render::sarif::render_to(out, &report.findings, &report.sources, &rules, &cwd)
            })?;
        }
    }
    Ok(exit)
}

/// Every rule privlint knows, for SARIF's `tool.driver.rules`.
fn rule_infos(engine: &Engine) -> Vec<render::sarif::RuleInfo> {
    let mut rules: Vec<render::sarif::RuleInfo> = engine
        .rules
        .iter()
        .map(|r| render::sarif::RuleInfo {
            code: r.code.clone(),
            name: r.name.clone(),
            summary: r.summary.clone(),
            severity: r.severity,
            docs: privlint::engine::explain(r),
            citation: r.citation.as_ref().map(|c| c.text.clone()),
            citation_url: r.citation.as_ref().and_then(|c| c.url.clone()),
            tags: vec!["privacy".into(), r.pack.clone()],
        })
        .collect();
    rules.extend(code_infos());
    rules
}

/// privlint's own codes (PL…), for SARIF's `tool.driver.rules`.
fn code_infos() -> Vec<render::sarif::RuleInfo> {
    codes::ALL
        .iter()
        .map(|c| render::sarif::RuleInfo {
            code: c.code.to_string(),
            name: c.name.to_string(),
            summary: c.summary.to_string(),
            severity: c.severity,
            docs: codes::explain(c),
            citation: None,
            citation_url: None,
            tags: vec!["privacy".into(), "manifest".into()],
        })
        .collect()
}

/// Findings per rule, most frequent first (ties by code).
fn statistics(report: &privlint::Report, format: Format) -> String {
    let mut counts: Vec<(String, String, Severity, usize)> = Vec::new();
    for f in &report.findings {
        match counts.iter_mut().find(|c| c.0 == f.code) {
            Some(c) => c.3 += 1,
            None => counts.push((f.code.clone(), f.name.clone(), f.severity, 1)),
        }
    }
    counts.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = counts
            .iter()
            .map(|(code, name, severity, count)| {
                serde_json::json!({"code": code, "name": name, "severity": severity.as_str(), "count": count})
            })
            .collect();
        return serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    for (code, name, severity, count) in &counts {
        out.push_str(&format!(
            "{count:>5}  {code:<8} {severity:<8} {name}\n",
            severity = severity.as_str()
        ));
    }
    out
}

/// privlint never modifies the files it checks, nor those it reads to
/// check them: an output path that is one of them (`-o manifest.yaml
/// manifest.yaml`, `-o privlint.yaml`) is a usage error.
fn refuse_to_overwrite_input(
    path: &std::path::Path,
    sources: &privlint::source::SourceMap,
    read: &[(&std::path::Path, &str)],
) -> Result<(), Fatal> {
    if std::fs::metadata(path).is_err() {
        return Ok(()); // does not exist yet, so it is not an input
    }
    let what = if sources.files().any(|(_, f)| same_file(&f.path, path)) {
        "one of the files being checked"
    } else if let Some((_, what)) = read.iter().find(|(p, _)| same_file(p, path)) {
        what
    } else {
        return Ok(());
    };
    Err(Fatal::Usage {
        message: format!("refusing to write to `{}`: it is {what}", path.display()),
        help: Some("write the output to a file privlint does not read".into()),
    })
}

/// Whether two paths name one file: the same canonical path, or on Unix
/// the same inode (so hard links count too).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(a), std::fs::canonicalize(b))
        && a == b
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    false
}

/// Writes to the `--output` file, or standard output.
fn emit(output: &Option<PathBuf>, text: &str) -> Result<(), Fatal> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|source| Fatal::Write {
            path: path.clone(),
            error: source,
        }),
        None => print_stdout(text),
    }
}

/// Writes a large output as it is rendered, to the file or standard
/// output, through one buffer (standard output alone flushes every line).
fn emit_streamed(
    output: &Option<PathBuf>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Fatal> {
    const BUFFER: usize = 1 << 16;
    match output {
        Some(path) => {
            let write_error = |source| Fatal::Write {
                path: path.clone(),
                error: source,
            };
            let file = std::fs::File::create(path).map_err(write_error)?;
            let mut out = std::io::BufWriter::with_capacity(BUFFER, file);
            render(&mut out)
                .and_then(|_| out.flush())
                .map_err(write_error)
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(BUFFER, std::io::stdout().lock());
            render(&mut out)
                .and_then(|_| out.flush())
                .map_err(stdout_error)
        }
    }
}

/// Where the GitHub format appends its Markdown summary: the runner's
/// `$GITHUB_STEP_SUMMARY`, when set.
fn step_summary_path(format: Format) -> Option<PathBuf> {
    (format == Format::Github)
        .then(|| std::env::var_os("GITHUB_STEP_SUMMARY"))
        .flatten()
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

fn append(path: &PathBuf, text: &str) -> Result<(), Fatal> {
    use std::io::Write as _;
    // The runner's summary is a regular file; a FIFO with no reader would
    // block the run for good, and a device is not a summary.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(Fatal::Write {
            path: path.clone(),
            error: std::io::Error::other("not a regular file"),
        });
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|source| Fatal::Write {
            path: path.clone(),
            error: source,
        })
}

fn load_engine(rule_packs: &[PathBuf]) -> Result<Engine, Fatal> {
    Ok(Engine::load(rule_packs)?)
}

fn explain(code: &str, rule_packs: &[PathBuf]) -> Result<ExitCode, Fatal> {
    let engine = load_engine(rule_packs)?;
    if let Some(rule) = engine.find(code) {
        print_stdout(&privlint::engine::explain(rule))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(found) = codes::find(code) else {
        let known: Vec<&str> = codes::ALL
            .iter()
            .flat_map(|c| [c.code, c.name])
            .chain(
                engine
                    .rules
                    .iter()
                    .flat_map(|r| [r.code.as_str(), r.name.as_str()]),
            )
            .collect();
        // A prefix (`GDPR13`) names a group: list it rather than guess one.
        let mut group: Vec<&str> = known
            .iter()
            .copied()
            .filter(|k| {
                k.len() > code.len()
                    && k.get(..code.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(code))
            })
            .filter(|k| k.bytes().any(|b| b.is_ascii_digit()))
            .collect();
        group.sort_unstable();
        let help = if !code.is_empty() && !group.is_empty() {
            let shown: Vec<String> = group.iter().take(12).map(|c| format!("`{c}`")).collect();
            let more = if group.len() > 12 { ", …" } else { "" };
            Some(format!(
                "`{code}` is the start of {}{more}: explain one code at a time",
                shown.join(", ")
            ))
        } else {
            privlint::suggest::did_you_mean(code, known.iter().copied())
                .map(|s| format!("did you mean `{s}`? `privlint rules` lists every code"))
                .or_else(|| Some("`privlint rules` lists every code".to_string()))
        };
        return Err(Fatal::Usage {
            message: format!("no rule or diagnostic is called `{code}`"),
            help,
        });
    };
    print_stdout(&codes::explain(found))?;
    Ok(ExitCode::SUCCESS)
}

/// One row per rule: the packs' rules, then privlint's own diagnostics.
/// The rules with the severity their findings get: the configuration's
/// `severity` applies (marked `*`), as in a check.
fn rules_listing(
    format: ListFormat,
    engine: &Engine,
    selection: &privlint::engine::Selection,
) -> String {
    struct Row<'a> {
        code: &'a str,
        name: &'a str,
        severity: &'a str,
        default_severity: &'a str,
        pack: &'a str,
        regulation: &'a str,
        citation: &'a str,
        citation_url: Option<&'a str>,
        summary: &'a str,
    }
    let mut rows: Vec<Row> = engine
        .rules
        .iter()
        .map(|r| Row {
            code: &r.code,
            name: &r.name,
            severity: selection
                .severity_for(&r.code, &r.name, true)
                .unwrap_or(r.severity)
                .as_str(),
            default_severity: r.severity.as_str(),
            pack: &r.pack,
            regulation: r.regulation.as_deref().unwrap_or("any"),
            citation: r.citation.as_ref().map_or("", |c| c.text.as_str()),
            citation_url: r.citation.as_ref().and_then(|c| c.url.as_deref()),
            summary: &r.summary,
        })
        .collect();
    rows.extend(codes::ALL.iter().map(|c| {
        Row {
            code: c.code,
            name: c.name,
            severity: selection
                .severity_for(c.code, c.name, false)
                .unwrap_or(c.severity)
                .as_str(),
            default_severity: c.severity.as_str(),
            pack: "privlint",
            regulation: "any",
            citation: "",
            citation_url: None,
            summary: c.summary,
        }
    }));
    match format {
        ListFormat::Text => {
            let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
            let mut out = format!(
                "{:<8} {:<width$} {:<8} {:<9} {}\n",
                "CODE", "NAME", "SEVERITY", "REGIME", "CITATION"
            );
            let mut changed = false;
            for r in &rows {
                let mut severity = r.severity.to_string();
                if r.severity != r.default_severity {
                    severity.push('*');
                    changed = true;
                }
                let line = format!(
                    "{:<8} {:<width$} {:<8} {:<9} {}",
                    r.code, r.name, severity, r.regulation, r.citation
                );
                out.push_str(line.trim_end());
                out.push('\n');
            }
            if changed {
                out.push_str(
                    "\n* set by `severity` in the configuration, in place of the rule's default\n",
                );
            }
            out
        }
        ListFormat::Json => {
            let rules: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code, "name": r.name, "severity": r.severity,
                        "default_severity": r.default_severity, "pack": r.pack,
                        "regulation": r.regulation, "citation": r.citation, "summary": r.summary,
                        "docs": render::docs_url(r.code, r.citation_url),
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&rules).unwrap_or_default();
            text.push('\n');
            text
        }
    }
}

fn taxonomy_listing() -> String {
    let data = privlint::model::ReferenceData::get();
    let taxonomy = privlint::model::Taxonomy::builtin(data);
    let mut out = String::new();
    for (title, entries, table) in [
        (
            "Data categories",
            &data.taxonomy.categories,
            &taxonomy.categories,
        ),
        ("Data subjects", &data.taxonomy.subjects, &taxonomy.subjects),
    ] {
        out.push_str(&format!("{title}:\n"));
        for entry in entries {
            let marks = table
                .get(&entry.id)
                .map(|n| taxonomy.names(n.marks).join(", "))
                .unwrap_or_default();
            let marks = if marks.is_empty() {
                String::new()
            } else {
                format!("  [{marks}]")
            };
            out.push_str(&format!("  {:<40} {}{marks}\n", entry.id, entry.name));
        }
        out.push('\n');
    }
    out.push_str("Marks:\n");
    for (name, mark) in &data.taxonomy.marks {
        // The name already cites the article; the link is what it lacks.
        out.push_str(&format!("  {name:<16} {} <{}>\n", mark.name, mark.url));
    }
    out
}

fn print_stdout(text: &str) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(stdout_error)
}

/// A closed pipe (`privlint check | head`) is not an error worth a
/// message; the run ends with the exit code it would have had.
fn stdout_error(error: std::io::Error) -> Fatal {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(i32::from(EXIT_CODE.load(Ordering::Relaxed)));
    }
    Fatal::Write {
        path: PathBuf::from("<stdout>"),
        error,
    }
}
