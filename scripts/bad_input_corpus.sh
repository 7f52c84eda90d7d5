#!/usr/bin/env bash
# Runs the e2e CLI over the malformed-input corpus (scripts/make_bad_inputs.py) and counts
# how each case ends: a clean error (exit 1-125, a message on stderr, no "Fatal error"),
# accepted (exit 0), crashed (a signal), or hung / out of memory (past the time or memory cap);
# also whether a training staging folder was left behind or an existing predictions file
# was touched.
#   scripts/bad_input_corpus.sh [E2E_BINARY] [CORPUS_DIR]
set -uo pipefail
e2e=$(realpath "${1:-.build/debug/e2e}")
corpus=$(realpath "${2:-Tests/EndToEndTrainingTests/Fixtures/bad-inputs}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage() {  # copy a case and fill in @DIR@
    rm -rf "$work/$1"; cp -r "$corpus/$1" "$work/$1"
    for f in "$work/$1"/config.*; do sed -i "s#@DIR@#$work/$1#g" "$f"; done
}
run() { (ulimit -v 8000000; timeout 60 "$@") >"$work/out" 2>"$work/err"; echo $?; }
stage good
(cd "$work/good" && "$e2e" train config.yaml --quiet >/dev/null 2>&1) || { echo "the control case failed to train"; exit 1; }
ckpt=$(ls "$work"/good/report/checkpoints/*.safetensors | head -n 1)
clean=0; total=0; expected=0
for dir in "$corpus"/*/; do
    name=$(basename "$dir"); [ "$name" = good ] && continue
    stage "$name"; cd "$work/$name"
    cmd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["command"])' case.json)
    expect=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expect"])' case.json)
    input=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("input",""))' case.json)
    ifmt=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("input_format",""))' case.json)
    config=$(ls config.* | head -n 1)
    echo "existing output" > out.csv  # a failed predict must leave it as it was
    case $cmd in
        train) rc=$(run "$e2e" train "$config" --quiet) ;;
        predict) rc=$(run "$e2e" predict "$config" --checkpoint "$ckpt" --input "$input" ${ifmt:+--input-format $ifmt} --output out.csv) ;;
        checkpoint) rc=$(run "$e2e" predict "$config" --checkpoint "$input" --input "$work/good/data.csv" --input-format csv --output out.csv) ;;
    esac
    cd "$work"
    total=$((total + 1))
    if [ "$rc" -eq 0 ]; then verdict=accepted
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then verdict=hung-or-killed
    elif [ "$rc" -gt 128 ]; then verdict="crashed(signal $((rc - 128)))"
    elif grep -q "Fatal error" "$work/err" || [ ! -s "$work/err" ]; then verdict="trap-or-silent"
    else verdict=clean; clean=$((clean + 1)); grep -qF -- "$expect" "$work/err" && expected=$((expected + 1)); fi
    [ "$cmd" != train ] && ! grep -qx "existing output" "$work/$name/out.csv" && verdict="$verdict+output-destroyed"
    leftover=$(find "$work/$name" -name '.report.training-*' | head -n 1)
    [ -n "$leftover" ] && verdict="$verdict+staging-left"
    printf '%-44s %-22s %s\n' "$name" "$verdict" "$(head -c 160 "$work/err" | tr '\n\0' '  ')"
done
echo "corpus: $total inputs, $clean handled cleanly, $expected with the expected message"
