#!/usr/bin/env bash
# Builds argos-benchmarks, runs every JMH benchmark (forks 1, 3 x 1 s warm-up, 5 x 1 s
# measurement, -prof gc, JSON output), then the harness (detection latency, GC lag error, host
# overhead, idle cost, retained memory), then the whole-process sections (idle Argos with 0, 1
# and 8 watched executors against an A/A control, start-up in child JVMs, a ~1 µs request
# workload), and rewrites docs/benchmarks.md from the results.
# About 13 minutes on a 2-core machine (12 min 37 s on 2026-12-01) without the whole-process
# sections, which add about 17 minutes at their sizes below.
#
# Usage: argos-benchmarks/run-benchmarks.sh [--no-build] [--note "text for the top of the page"]
# Environment: JAVA_HOME selects the JVM (default: java on the PATH); JMH_ARGS adds JMH options
# (e.g. JMH_ARGS='HotPath' to run a subset); ARGOS_BENCH_COMMIT overrides the commit shown;
# results stay in argos-benchmarks/target/results/.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
build=1
note=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --note) shift; note="${1:-}" ;;
    *) echo "usage: $0 [--no-build] [--note text]" >&2; exit 2 ;;
  esac
  shift
done

started=$(date +%s)
out=argos-benchmarks/target/results
jar=argos-benchmarks/target/benchmarks.jar
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if [ "$build" = 1 ]; then
  echo "== build" >&2
  ./mvnw -B -q -pl argos-benchmarks -am -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip package \
    || { echo "build failed" >&2; exit 1; }
fi
[ -f "$jar" ] || { echo "$jar is missing: build first" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"

echo "== JMH" >&2
# shellcheck disable=SC2086
"$java" -jar "$jar" -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc -rf json -rff "$out/jmh.json" ${JMH_ARGS:-} \
  2>&1 | tee "$out/jmh.log"
jmh_status=${PIPESTATUS[0]}

echo "== harness" >&2
# 30 overhead pairs (the harness default is 20): the loss is a difference of two noisy
# throughputs, and its confidence interval narrows with the square root of the pairs
"$java" -Xms1g -Xmx1g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dargos.bench.pairs=30 \
  -cp "$jar" dev.argos.benchmarks.harness.Harness --out "$out/harness.json" \
  2>&1 | tee "$out/harness.log"
harness_status=${PIPESTATUS[0]}

# where the host overhead comes from: the same section with recordRequest() without a key, with
# Argos running but nothing recorded, and an A/A control with no Argos in either arm
for mode in plain none control; do
  echo "== harness overhead, record=$mode" >&2
  "$java" -Xms1g -Xmx1g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dargos.bench.record=$mode -Dargos.bench.pairs=30 -cp "$jar" dev.argos.benchmarks.harness.Harness \
    --out "$out/harness-$mode.json" overhead 2>&1 | tee "$out/harness-$mode.log"
done

# what the host pays, counted as the whole process's CPU time (issue 12 §1, §2), each section in
# a JVM of its own: 4 ABBA pairs of 15 s phases per row (0, 1, 8 watched, A/A control), 8 pairs
# of start-up children, 8 pairs of 3 s workload phases (and the workload's A/A control)
echo "== harness whole-process sections" >&2
"$java" -Xms512m -Xmx512m -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$jar" dev.argos.benchmarks.harness.Harness --out "$out/harness-cost.json" hostCost startup \
  2>&1 | tee "$out/harness-cost.log"
for mode in calls control; do
  "$java" -Xms512m -Xmx512m -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dargos.bench.workloadMode=$mode -cp "$jar" dev.argos.benchmarks.harness.Harness \
    --out "$out/harness-workload-$mode.json" workload 2>&1 | tee "$out/harness-workload-$mode.log"
done

elapsed=$(( $(date +%s) - started ))
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit (with uncommitted changes)"; fi
commit="${ARGOS_BENCH_COMMIT:-$commit}"
python3 argos-benchmarks/format-results.py \
  --jmh "$out/jmh.json" --harness "$out/harness.json" --doc docs/benchmarks.md \
  --ablation "$out/harness-plain.json" --ablation "$out/harness-none.json" \
  --ablation "$out/harness-control.json" \
  --cost "$out/harness-cost.json" --cost "$out/harness-workload-calls.json" \
  --cost "$out/harness-workload-control.json" \
  --command "argos-benchmarks/run-benchmarks.sh" --elapsed "$elapsed" --commit "$commit" \
  --cpu "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')" \
  --cores "$(nproc 2>/dev/null || echo '?')" --note "$note" \
  || { echo "formatting failed" >&2; exit 1; }
echo "== done in ${elapsed} s (JMH exit ${jmh_status}, harness exit ${harness_status}); docs/benchmarks.md rewritten" >&2
[ "$jmh_status" = 0 ] && [ "$harness_status" = 0 ]
