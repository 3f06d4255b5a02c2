#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (FUZZ_SECONDS, default 60) from
# the committed seed corpora. cargo-fuzz needs nightly compiler flags: a
# nightly toolchain when there is one, else stable with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz@0.13.2
fi
# FUZZ_STABLE=1 takes the fresh-machine path even where nightly exists.
if [ -z "${FUZZ_STABLE:-}" ] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi

for target in check_manifest load_rule_pack; do
  corpus="$(mktemp -d)"
  echo "== fuzz $target for ${seconds}s"
  "${fuzz[@]}" run "$target" "$corpus" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
  rm -rf "$corpus"
done
echo "fuzz: 2 passed, 0 failed"
