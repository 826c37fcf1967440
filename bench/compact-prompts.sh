#!/usr/bin/env bash
# Compact prompts (docs/benchmarks.md): `metal eval` of one PGM with every prompt stored as F32, F16 and INT8 and
# served as read back from those bytes, one evaluation after another, then the table rows: bytes stored per task,
# macro-F1, accuracy, change against F32, and the encoding the default should be (the smallest one losing at most
# 0.005 macro-F1; it is PromptEncoding.DEFAULT_NAME in model/).
#
# usage: bench/compact-prompts.sh [PGM_DIR (models/pgm/prefix)] [XL (0)] [OUT_DIR (runs/eval/compact)]
# needs: the trainer built (./mvnw -B -q -pl trainer -am package -DskipTests), jq, ../shared/tasks beside the checkout
set -euo pipefail
cd "$(dirname "$0")/.."
PGM=${1:-models/pgm/prefix}
XL=${2:-0}
OUT=${3:-runs/eval/compact}
JAR=trainer/target/quarkus-app/quarkus-run.jar
[ -f "$JAR" ] || { echo "build the trainer first: ./mvnw -B -q -pl trainer -am package -DskipTests" >&2; exit 2; }
export OPT_OUT_TRACKING=true DJL_OFFLINE=true OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"

dirty=$(git diff --quiet HEAD -- . 2>/dev/null || echo " + uncommitted changes")
echo "PGM $PGM, XL = $XL; commit $(git rev-parse --short HEAD)$dirty; $(date -u +%FT%TZ);" \
     "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; Java $(java -version 2>&1 | sed -n 's/.*version "\(.*\)".*/\1/p')"
echo "load average (1/5/15 min) before: $(cut -d' ' -f1-3 /proc/loadavg)"
for E in F32 F16 INT8; do
  nice -n 5 java -jar "$JAR" eval --model models/base-lm --tasks data/tasks.zip \
      --config ../shared/tasks/config/cls_to_cls_dev.json --method metal-prompt --pgm "$PGM" --xl "$XL" \
      --prompt-encoding "$E" --out "$OUT/$E-xl$XL.json" > "$OUT/$E-xl$XL.log" 2>&1 \
    || { echo "the $E evaluation failed; see $OUT/$E-xl$XL.log" >&2; exit 1; }
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for E in F32 F16 INT8; do
  jq -r --arg e "$E" '[$e, .costs.stored_bytes_per_task, .mean.macro_f1, .mean.accuracy] | @tsv' "$OUT/$E-xl$XL.json"
done | awk -F'\t' '
  function thousands(n,   s, out) {
    s = sprintf("%d", n + 0.5); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return s out
  }
  NR == 1 { f1 = $3; acc = $4 }
  { rows[NR] = $0; if ($3 >= f1 - 0.005 && (pick == "" || $2 < bytes)) { pick = $1; bytes = $2 } }
  END {
    print "| encoding | bytes stored per task | macro-F1 | accuracy | macro-F1 vs F32 | accuracy vs F32 |"
    print "|---|---|---|---|---|---|"
    for (i = 1; i <= NR; i++) {
      split(rows[i], r, "\t")
      printf "| %s | %s | %.4f | %.4f | %+.4f | %+.4f |\n", r[1], thousands(r[2]), r[3], r[4], r[3] - f1, r[4] - acc
    }
    printf "\nsmallest encoding losing at most 0.005 macro-F1: %s\n", pick
  }'
