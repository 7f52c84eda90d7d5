#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/, Linux) and runs each parser for a fixed budget.
#   [FUZZ_JOBS=N] scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
# A crash, a timeout (10 s on one input) or an input that takes more than 2 GB of memory
# stops the run with a non-zero status; the input is left in Fuzz/artifacts/<target>/.
# Seeds: Fuzz/Corpus/<target> (scripts/make_fuzz_seeds.py); new inputs found go to a
# scratch corpus, not into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(idx npy csv text gzip inflate safetensors config rdata lzma2)
swift build -c release -Xswiftc -sanitize=fuzzer --package-path Fuzz 2>&1 | tail -n 1
bin=Fuzz/.build/release/e2e-fuzz
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# FUZZ_JOBS targets run at once (default 1).
jobs=${FUZZ_JOBS:-1}
run_one() {
    local t=$1
    mkdir -p "$scratch/$t" "Fuzz/artifacts/$t"
    if E2E_FUZZ_TARGET=$t "$bin" "$scratch/$t" "Fuzz/Corpus/$t" -max_total_time="$budget" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -artifact_prefix="Fuzz/artifacts/$t/" -print_final_stats=1 >"$scratch/$t.log" 2>&1; then
        echo "fuzz $t: ok, $(grep -E 'stat::number_of_executed_units' "$scratch/$t.log" | awk '{print $2}') inputs in ${budget} s"
    else
        echo "fuzz $t: FAILED"; grep -E "ERROR|SUMMARY|Fatal|crash-|timeout-|oom-" "$scratch/$t.log" | head -n 20
        return 1
    fi
}
status=0
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n || status=1; running=$((running - 1)); fi
done
while [ "$running" -gt 0 ]; do wait -n || status=1; running=$((running - 1)); done
exit $status
