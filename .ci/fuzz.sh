#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets in Fuzz/ (AddressSanitizer, leak detection) and runs each
# for a bounded time from its committed seed corpus, after replaying the crash reproducers kept in
# Fuzz/Regressions. Fails (exit 1) on any crash, leak, timeout or out-of-memory, and prints per
# target the executions and the coverage libFuzzer reached. docs/fuzzing.md says more.
#
#   .ci/fuzz.sh [SECONDS-PER-TARGET] [TARGET...]
#
# The default, 35 s for each of the six targets, keeps a whole run (the build excluded) within
# 4 minutes on 2 cores. TARGETs are the names below (config inputs ...); default: all of them.
# New corpus units go to a temporary folder: the committed corpus changes only by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-35}
shift || true
all=(config inputs scopes cron templates server-bodies)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# The executable, dictionary and largest input of each target.
declare -A product=([config]=FuzzConfig [inputs]=FuzzInputs [scopes]=FuzzScopes [cron]=FuzzCron
    [templates]=FuzzTemplates [server-bodies]=FuzzServerBodies)
declare -A dictionary=([config]=yaml [inputs]=json [scopes]=scope [cron]=cron [templates]=template [server-bodies]=json)
declare -A max_len=([config]=16384 [inputs]=16384 [scopes]=1024 [cron]=256 [templates]=1024 [server-bodies]=16384)
for target in "${targets[@]}"; do
    if [ -z "${product[$target]:-}" ]; then
        echo "error: unknown fuzz target '$target'; the targets are: ${all[*]}" >&2
        exit 2
    fi
done

# Fuzz/Package.swift says why these flags and not -sanitize=fuzzer for the whole build.
build=(swift build -c release --package-path Fuzz
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
    -Xswiftc -use-ld=lld)
echo "== building the fuzz targets (Fuzz/.build)"
"${build[@]}"
bin=$("${build[@]}" --show-bin-path)

# Leaks are failures; a crash's stack is symbolized. halt_on_error: the first error ends the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:symbolize=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0}
# Swift's own crash backtracer reads memory in ways ASan reports as an overflow (in
# memserver_read), burying the real error: libFuzzer and ASan print the stack instead.
export SWIFT_BACKTRACE=enable=no
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
summary=()
for target in "${targets[@]}"; do
    exe="$bin/${product[$target]}"
    options=(-dict="Fuzz/Dictionaries/${dictionary[$target]}.dict" -max_len="${max_len[$target]}"
        -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=2048 -detect_leaks=1 -print_final_stats=1
        -artifact_prefix="$work/$target-")
    log="$work/$target.log"
    # Each reproducer once: a fixed crash stays fixed.
    regressions=(Fuzz/Regressions/"$target"/*)
    if [ -e "${regressions[0]}" ]; then
        echo "== $target: replaying ${#regressions[@]} reproducer(s) from Fuzz/Regressions/$target"
        if ! "$exe" "${options[@]}" "${regressions[@]}" >"$log" 2>&1; then
            tail -n 40 "$log"
            failed+=("$target (a reproducer in Fuzz/Regressions/$target fails again)")
            summary+=("$(printf '%-14s %s' "$target" "regression")")
            continue
        fi
    fi
    echo "== $target: fuzzing for ${seconds}s"
    mkdir -p "$work/$target"
    status=0
    "$exe" "${options[@]}" -max_total_time="$seconds" "$work/$target" "Fuzz/Corpus/$target" >"$log" 2>&1 || status=$?
    # libFuzzer's last status line ("#N DONE cov: C ft: F corp: U/S ...") and final statistics.
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -n 1)
    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|Fatal error|SUMMARY' "$log" | head -n 5 || true
        tail -n 60 "$log"
        artifact=$(ls "$work/$target-"* 2>/dev/null | head -n 1 || true)
        if [ -n "$artifact" ]; then
            echo "the input, base64 (save it under Fuzz/Regressions/$target/ and see docs/fuzzing.md):"
            base64 -w 0 "$artifact"
            echo
        fi
        failed+=("$target (exit $status)")
        result=FAILED
    else
        result=ok
    fi
    summary+=("$(printf '%-14s %-7s execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %s' "$target" "$result" \
        "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")")
done

echo "== fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "error: fuzzing failed: ${failed[*]}" >&2
    exit 1
fi
