#!/usr/bin/env bash
# Throughput of Python vaderSentiment 3.3.2 vs hark's Rust engine on the same
# input, in the same run, single thread, measured in thread CPU time (so load
# from other processes does not skew the ratio). Creates a venv under target/ once.
# Usage: scripts/bench_vader_python.sh [INPUT]   (PYTHON=python3.12 to pick one)
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-tests/data/sentiment/tweets_GroundTruth.txt}
py=${PYTHON:-python3}
venv=target/vader-venv-$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
    "$venv/bin/pip" install --quiet vaderSentiment==3.3.2
fi

py_rate=$("$venv/bin/python" - "$input" <<'PY'
import sys, time
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
content = open(sys.argv[1], encoding="utf-8", newline="").read()
texts = []
for line in content.split("\n"):
    line = line[:-1] if line.endswith("\r") else line
    if line.strip():
        texts.append(line.split("\t", 2)[2])
sia = SentimentIntensityAnalyzer()
for t in texts[:200]:
    sia.polarity_scores(t)  # warm-up
n, start = 0, time.thread_time()  # CPU time, like the Rust bench
while time.thread_time() - start < 3.0:
    for t in texts:
        sia.polarity_scores(t)
    n += len(texts)
print(f"{n / (time.thread_time() - start):.0f}")
PY
)
echo "python vaderSentiment 3.3.2 ($("$venv/bin/python" --version 2>&1))	${py_rate} items/s"

rust=$(HARK_BENCH_INPUT="$PWD/$input" cargo bench --quiet --bench sentiment 2>/dev/null)
echo "$rust"
ref_rate=$(awk -F'\t' '$1=="reference"{print $2+0}' <<<"$rust")
soc_rate=$(awk -F'\t' '$1=="social"{print $2+0}' <<<"$rust")
awk -v r="$ref_rate" -v s="$soc_rate" -v p="$py_rate" 'BEGIN {
    printf "ratio reference/python\t%.1fx\nratio social/python\t%.1fx\n", r / p, s / p
}'
