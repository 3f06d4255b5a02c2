//! Phase timings on stderr when `PRIVLINT_TIMINGS` is set, like rustc's
//! `-Z time-passes`: how the benchmark's figures break down by stage.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PRIVLINT_TIMINGS").is_some())
}

/// Runs `f`, printing how long it took under `name` when timings are on.
pub fn time<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let value = f();
    crate::say!(
        "privlint: {name:<20} {:>9.2} ms{}",
        start.elapsed().as_secs_f64() * 1e3,
        resident().map_or(String::new(), |kb| format!(
            "   peak resident {:.1} MB",
            kb as f64 / 1e3
        ))
    );
    value
}

/// Peak resident memory so far in kB, where the system tells (Linux).
fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
