//! privlint's benchmark: a generated manifest set (default 10,000
//! activities, 2,000 processors, 500 files, about 10 MB) checked in full
//! with JSON output, against the floor of any YAML-reading tool — only
//! tokenising the same files with saphyr-parser's event API — measured in
//! the same run, on one core and on all cores; plus peak memory, the
//! latency on a small example (process start included), and how time grows
//! with input (1×, 4×, 16×).
//!
//! `cargo bench --bench check` (options after `--`: `--activities N`,
//! `--processors N`, `--files N`, `--repeat N`, `--no-scaling`).

#[path = "support/generate.rs"]
mod generate;

use generate::Shape;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Options {
    shape: Shape,
    repeat: usize,
    scaling: bool,
    /// Write the generated set here and stop (for profiling).
    generate_only: Option<PathBuf>,
}

fn options() -> Options {
    let mut o = Options {
        shape: Shape::default(),
        repeat: 5,
        scaling: true,
        generate_only: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || {
            args.get(i + 1)
                .and_then(|v| v.parse::<usize>().ok())
                .expect("a number after the option")
        };
        match args[i].as_str() {
            "--activities" => {
                o.shape.activities = value();
                i += 1;
            }
            "--processors" => {
                o.shape.processors = value();
                i += 1;
            }
            "--files" => {
                o.shape.files = value();
                i += 1;
            }
            "--repeat" => {
                o.repeat = value();
                i += 1;
            }
            "--no-scaling" => o.scaling = false,
            "--generate-only" => {
                o.generate_only = Some(PathBuf::from(args.get(i + 1).expect("a directory")));
                i += 1;
            }
            _ => {} // cargo bench passes `--bench`
        }
        i += 1;
    }
    o
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn tokenise(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("readable");
    let mut parser = saphyr_parser::Parser::new_from_str(&text);
    let mut events = 0;
    while let Some(Ok(_)) = parser.next_event() {
        events += 1;
    }
    events
}

fn time_tokenise(files: &[PathBuf], threads: usize, repeat: usize) -> Duration {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let samples = (0..repeat)
        .map(|_| {
            let start = Instant::now();
            let events: usize = pool.install(|| files.par_iter().map(|f| tokenise(f)).sum());
            assert!(events > 0);
            start.elapsed()
        })
        .collect();
    median(samples)
}

/// Peak resident memory of the largest child so far, in bytes.
fn children_peak_rss() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as u64 * 1024
}

fn time_check(dir: &Path, threads: usize, repeat: usize) -> Duration {
    let args = [
        "check",
        "--isolated",
        "--format",
        "json",
        "--as-of",
        "2026-11-21",
    ];
    time_privlint(&args, Some(dir), threads, repeat)
}

/// Median wall time of `privlint ARGS [DIR]`, a new process each time.
fn time_privlint(args: &[&str], dir: Option<&Path>, threads: usize, repeat: usize) -> Duration {
    let samples = (0..repeat)
        .map(|_| {
            let start = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_privlint"))
                .args(args)
                .args(dir)
                .env("RAYON_NUM_THREADS", threads.to_string())
                .stdout(Stdio::null())
                .status()
                .expect("privlint runs");
            assert!(
                matches!(status.code(), Some(0 | 1)),
                "privlint failed: {status}"
            );
            start.elapsed()
        })
        .collect();
    median(samples)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let o = options();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let Some(out) = &o.generate_only {
        std::fs::create_dir_all(out).expect("a writable directory");
        let files = generate::generate(out, o.shape, 42);
        println!(
            "{} files, {} bytes in {}",
            files.len(),
            generate::size(&files),
            out.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = generate::generate(dir.path(), o.shape, 42);
    let bytes = generate::size(&files);
    println!(
        "# privlint benchmark\n\ninput: {} activities, {} processors, {} files, {:.1} MB; {} cores; median of {} runs\n",
        o.shape.activities,
        o.shape.processors,
        files.len(),
        bytes as f64 / 1e6,
        cores,
        o.repeat
    );

    let floor_1 = time_tokenise(&files, 1, o.repeat);
    let floor_n = time_tokenise(&files, cores, o.repeat);
    let check_1 = time_check(dir.path(), 1, o.repeat);
    let check_n = time_check(dir.path(), cores, o.repeat);
    let peak = children_peak_rss();
    let ratio = |d: Duration| d.as_secs_f64() / floor_1.as_secs_f64();
    println!("| measurement | time | ratio to the 1-core tokenise floor |\n|---|---|---|");
    println!(
        "| tokenise only (saphyr-parser events), 1 core | {} | 1.00× |",
        ms(floor_1)
    );
    println!(
        "| tokenise only, {cores} cores | {} | {:.2}× |",
        ms(floor_n),
        ratio(floor_n)
    );
    println!(
        "| `privlint check --format json`, 1 thread | {} | {:.2}× |",
        ms(check_1),
        ratio(check_1)
    );
    println!(
        "| `privlint check --format json`, {cores} threads | {} | {:.2}× |",
        ms(check_n),
        ratio(check_n)
    );
    println!(
        "\npeak memory of `privlint check`: {:.1} MB = {:.1}× the input size\n",
        peak as f64 / 1e6,
        peak as f64 / bytes as f64
    );

    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/saas-clean");
    let small = time_check(&example, cores, 101);
    let start = time_privlint(&["--version"], None, cores, 101);
    println!(
        "small example (`examples/saas-clean`, process start included): {}; `privlint --version` in the same harness: {}\n",
        ms(small),
        ms(start)
    );

    if o.scaling {
        println!("| scale | input | `privlint check`, 1 thread | per MB |\n|---|---|---|---|");
        for factor in [1.0 / 16.0, 0.25, 1.0] {
            let scaled = tempfile::tempdir().unwrap();
            let shape = o.shape.scaled(factor);
            let files = generate::generate(scaled.path(), shape, 42);
            let mb = generate::size(&files) as f64 / 1e6;
            let t = time_check(scaled.path(), 1, o.repeat);
            println!(
                "| {:>4}× | {:.2} MB | {} | {:.1} ms/MB |",
                (factor * 16.0) as u32,
                mb,
                ms(t),
                t.as_secs_f64() * 1000.0 / mb
            );
        }
    }
}
