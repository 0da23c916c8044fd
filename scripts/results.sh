#!/usr/bin/env bash
# Reproduces the runs behind docs/RESULTS.md (each stage: train, then evaluate on the test part).
#   scripts/results.sh scan-simple | scan-length | tatoeba | bottleneck | all
# Outputs go to runs/<name>/ and runs/<name>.{train,eval}.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs
qkv() { npx tsx src/cli/main.ts "$@"; }

run() { # name, then train options
  local name=$1; shift
  local t0=$SECONDS
  qkv train "$@" --out "runs/$name" --json > "runs/$name.train.json"
  qkv eval --model "runs/$name" --split test --json > "runs/$name.eval.json"
  echo "$name: $((SECONDS - t0)) s"
}

stage=${1:-all}
if [[ $stage == scan-simple || $stage == all ]]; then
  run scan-simple-luong --task scan-simple --attention luong-general --epochs 12 --embed 32 --hidden 64 \
    --dropout 0.1 --lr 2e-3 --batch-size 32
fi
if [[ $stage == scan-length || $stage == all ]]; then
  for att in none bahdanau luong-general; do
    run "scan-length-$att" --task scan-length --attention "$att" --epochs 4 --embed 32 --hidden 64 \
      --dropout 0.1 --lr 2e-3 --batch-size 32
  done
fi
if [[ $stage == tatoeba || $stage == all ]]; then
  for att in none bahdanau luong-general; do
    run "tatoeba-hin-$att" --task tatoeba-hin --attention "$att" --epochs 25 --embed 48 --hidden 64 \
      --dropout 0.3 --lr 2e-3 --batch-size 32 --min-freq 2
  done
fi
if [[ $stage == bottleneck || $stage == all ]]; then
  bash scripts/bottleneck.sh
fi
