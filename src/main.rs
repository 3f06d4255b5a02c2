//! The command line: parse arguments, call the library, print, and map the
//! outcome to an exit code (0 clean, 1 findings, 2 could not check).

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use privlint::engine::Engine;
use privlint::error::Fatal;
use privlint::report::{Severity, codes};
use privlint::{CheckOptions, render};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "privlint", version, about = "Lint privacy manifests against the GDPR, ePrivacy and the Swiss revFADP", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a manifest set (default: the current directory)
    Check(CheckArgs),
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

#[derive(clap::Args)]
struct CheckArgs {
    /// Manifest files or directories to check
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Evaluate the law as it stood on this day (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<jiff::civil::Date>,
    /// Apply these regulations instead of the derived ones (repeatable)
    #[arg(long = "regulation", value_name = "gdpr|eprivacy|ndsg", value_parser = ["gdpr", "eprivacy", "ndsg"])]
    regulations: Vec<String>,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Extra rule packs to load (repeatable)
    #[arg(long = "rules", value_name = "FILE")]
    rule_packs: Vec<PathBuf>,
    /// Run only these rules: codes, names or prefixes (comma-separated or repeated)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules: codes, names or prefixes
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Print only findings, no summary line
    #[arg(long, short)]
    quiet: bool,
    /// Largest manifest file read, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = privlint::load::Limits::default().max_file_size)]
    max_file_size: u64,
    /// Most YAML files read from the paths
    #[arg(long, value_name = "N", default_value_t = privlint::load::Limits::default().max_files)]
    max_files: usize,
    /// Deepest nesting of lists and mappings
    #[arg(long, value_name = "N", default_value_t = privlint::load::Limits::default().yaml.max_depth)]
    max_depth: usize,
    /// Most nodes that YAML aliases may expand to in one file
    #[arg(long, value_name = "N", default_value_t = privlint::load::Limits::default().yaml.max_alias_nodes)]
    max_alias_nodes: usize,
}

fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    text.parse::<jiff::civil::Date>()
        .map_err(|_| format!("`{text}` is not a date in the form YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Fatal::RulePacks { failure }) => {
            // Located problems in pack files read like any finding.
            let choice = if std::io::stderr().is_terminal() {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            };
            let mut stderr = StandardStream::stderr(choice);
            let _ = render::text::render(
                &failure.findings,
                &failure.sources,
                failure.files_with_findings(),
                &mut stderr,
            );
            let _ = writeln!(stderr, "privlint: the rule packs above could not be loaded");
            ExitCode::from(2)
        }
        Err(fatal) => {
            let report = miette::Report::new(fatal);
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Fatal> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Explain { code, rule_packs } => explain(&code, &rule_packs),
        Command::Rules { format, rule_packs } => {
            let engine = load_engine(&rule_packs)?;
            print_stdout(&rules_listing(format, &engine))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Taxonomy => {
            print_stdout(&taxonomy_listing())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Manifest => privlint::schema::MANIFEST_SCHEMA,
                SchemaKind::Diagnostics => DIAGNOSTICS_SCHEMA,
            };
            print_stdout(text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

const DIAGNOSTICS_SCHEMA: &str = include_str!("../schemas/diagnostics.schema.json");

fn check(args: CheckArgs) -> Result<ExitCode, Fatal> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let mut options = CheckOptions::new(paths);
    options.limits.max_file_size = args.max_file_size;
    options.limits.max_files = args.max_files;
    options.limits.yaml.max_depth = args.max_depth;
    options.limits.yaml.max_alias_nodes = args.max_alias_nodes;
    if let Some(date) = args.as_of {
        options.as_of = date;
    }
    if !args.regulations.is_empty() {
        options.regulations = Some(args.regulations);
    }
    options.rule_packs = args.rule_packs;
    options.selection.select = args.select;
    options.selection.ignore = args.ignore;
    let report = privlint::check(&options)?;
    match args.format {
        Format::Text => {
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
            let write = |out: &mut StandardStream| -> std::io::Result<()> {
                if args.quiet {
                    let mut buffer = codespan_reporting::term::termcolor::Buffer::no_color();
                    render::text::render(
                        &report.findings,
                        &report.sources,
                        report.files_checked,
                        &mut buffer,
                    )?;
                    // Drop the summary line: everything after the last diagnostic.
                    let text = String::from_utf8_lossy(buffer.as_slice()).into_owned();
                    let body = text
                        .trim_end_matches('\n')
                        .rsplit_once('\n')
                        .map_or("", |(b, _)| b);
                    if !body.is_empty() {
                        writeln!(out, "{body}")?;
                    }
                    return Ok(());
                }
                render::text::render(&report.findings, &report.sources, report.files_checked, out)?;
                out.flush()
            };
            write(&mut stdout).map_err(stdout_error)?;
            let _ = stdout.reset();
        }
        Format::Concise => {
            print_stdout(&render::concise::render(&report.findings, &report.sources))?
        }
        Format::Json => print_stdout(&render::json::render(
            &report.findings,
            &report.sources,
            report.files_checked,
        ))?,
    }
    let level = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    Ok(if report.fails(level) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn load_engine(rule_packs: &[PathBuf]) -> Result<Engine, Fatal> {
    Engine::load(rule_packs).map_err(|failure| Fatal::RulePacks {
        failure: Box::new(failure),
    })
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
        let help = privlint::suggest::did_you_mean(code, known.iter().copied())
            .map(|s| format!("did you mean `{s}`? `privlint rules` lists every code"))
            .or_else(|| Some("`privlint rules` lists every code".to_string()));
        return Err(Fatal::Usage {
            message: format!("no rule or diagnostic is called `{code}`"),
            help,
        });
    };
    print_stdout(&codes::explain(found))?;
    Ok(ExitCode::SUCCESS)
}

/// One row per rule: the packs' rules, then privlint's own diagnostics.
fn rules_listing(format: ListFormat, engine: &Engine) -> String {
    struct Row<'a> {
        code: &'a str,
        name: &'a str,
        severity: &'a str,
        pack: &'a str,
        regulation: &'a str,
        citation: &'a str,
        summary: &'a str,
    }
    let mut rows: Vec<Row> = engine
        .rules
        .iter()
        .map(|r| Row {
            code: &r.code,
            name: &r.name,
            severity: r.severity.as_str(),
            pack: &r.pack,
            regulation: r.regulation.as_deref().unwrap_or("any"),
            citation: r.citation.as_ref().map_or("", |c| c.text.as_str()),
            summary: &r.summary,
        })
        .collect();
    rows.extend(codes::ALL.iter().map(|c| Row {
        code: c.code,
        name: c.name,
        severity: c.severity.as_str(),
        pack: "privlint",
        regulation: "any",
        citation: "",
        summary: c.summary,
    }));
    match format {
        ListFormat::Text => {
            let mut out = format!(
                "{:<8} {:<40} {:<8} {:<9} {}\n",
                "CODE", "NAME", "SEVERITY", "REGIME", "CITATION"
            );
            for r in &rows {
                out.push_str(&format!(
                    "{:<8} {:<40} {:<8} {:<9} {}\n",
                    r.code, r.name, r.severity, r.regulation, r.citation
                ));
            }
            out
        }
        ListFormat::Json => {
            let rules: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code, "name": r.name, "severity": r.severity, "pack": r.pack,
                        "regulation": r.regulation, "citation": r.citation, "summary": r.summary,
                        "docs": render::docs_url(r.code),
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
        out.push_str(&format!("  {name:<16} {} ({})\n", mark.name, mark.citation));
    }
    out
}

fn print_stdout(text: &str) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(stdout_error)
}

/// A closed pipe (`privlint check | head`) is not an error worth a message.
fn stdout_error(error: std::io::Error) -> Fatal {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    Fatal::Write {
        path: PathBuf::from("<stdout>"),
        source: error,
    }
}
