#!/usr/bin/env bash
# The bottleneck experiment (Bahdanau et al. 2014, Fig. 2, on a synthetic task): the same encoder–decoder
# with no attention, Bahdanau attention and Luong attention, equal steps, on sequence reversal over 30
# symbols with lengths 5–60; then exact match and token accuracy by length on the test set, plotted.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-5}
# RESUME=1 continues existing runs (exactly) up to EPOCHS, e.g. EPOCHS=8 RESUME=1 scripts/bottleneck.sh
RESUME_FLAG=""
if [[ ${RESUME:-0} == 1 ]]; then RESUME_FLAG="--resume"; fi
SIZE=${SIZE:-8000}
mkdir -p runs docs/results
for att in ${KINDS:-none bahdanau luong-general}; do
  npx tsx src/cli/main.ts train --task reverse --synthetic-size "$SIZE" --max-length 60 --attention "$att" \
    --epochs "$EPOCHS" --embed 32 --hidden 64 --dropout 0 --lr 2e-3 --batch-size 32 --out "runs/reverse-$att" --json $RESUME_FLAG \
    > "runs/reverse-$att.train.json"
  npx tsx src/cli/main.ts eval --model "runs/reverse-$att" --split test --json > "runs/reverse-$att.eval.json"
done
npx tsx scripts/bottleneck-report.ts
