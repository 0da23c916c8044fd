#!/usr/bin/env bash
# Reproduces the English→Hindi runs of docs/RESULTS.md "Standard test sets" (task tatoeba-hin-std):
# LSTM+Bahdanau vs Transformer, same wall-time budget (BUDGET seconds of training each, the two runs
# side by side, one kernel thread each), then evaluation on the standard Tatoeba test set, FLORES-200
# devtest and TICO-19 test.
#   scripts/results-std.sh train-bpe | train-bpe-lstm | train-bpe-transformer | more-bpe-lstm | more-bpe-transformer | train-word | eval <name>... | scan simple|length|addprim_jump | scan-lstm addprim_jump
# Outputs go to runs/<name>/ and runs/<name>.{train,eval-<split>}.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs
BUDGET=${BUDGET:-1800}
qkv() { npx tsx src/cli/main.ts "$@"; }

# Training stops at the budget by one SIGINT to the node process (--foreground: a second one, which
# timeout would send to the process group, would end node before it saves `last`); `best` = best
# valid BLEU.
run() { # name, then train options
  local name=$1; shift
  local t0=$SECONDS
  timeout --foreground -s INT "$BUDGET" node --import tsx src/cli/main.ts train --threads 1 --epochs 200 "$@" --out "runs/$name" \
    --overwrite --json > "runs/$name.train.json" 2> "runs/$name.train.log" || true
  echo "$name: trained $((SECONDS - t0)) s"
}
# Continues a run for BUDGET more seconds (--resume is exact: the same as one longer run).
more() { # name, then the same train options
  local name=$1; shift
  local t0=$SECONDS
  timeout --foreground -s INT "$BUDGET" node --import tsx src/cli/main.ts train --threads 1 --epochs 200 "$@" --out "runs/$name" \
    --resume --json > "runs/$name.train-more.json" 2>> "runs/$name.train.log" || true
  echo "$name: trained $((SECONDS - t0)) s more"
}
LSTM=(--arch seq2seq --attention bahdanau --embed 128 --hidden 128 --dropout 0.3 --lr 2e-3)
TRANSFORMER=(--arch transformer --d-model 128 --heads 4 --ff 512 --layers 2 --dropout 0.2 --norm-first --schedule noam --warmup 400 --lr 0.34)
COMMON=(--task tatoeba-hin-std --batch-size 32 --label-smoothing 0.1)
# SCAN: pre-norm, Noam peak 2·10⁻³ at step 400 (lr factor 0.32 for d 64).
SCAN_TRANSFORMER=(--arch transformer --d-model 64 --heads 4 --ff 256 --layers 2 --dropout 0.1 --norm-first
  --schedule noam --warmup 400 --lr 0.32 --batch-size 64 --valid-limit 500)
SCAN_LSTM=(--arch seq2seq --attention luong-general --embed 32 --hidden 64 --dropout 0.1 --lr 2e-3 --batch-size 32
  --valid-limit 500)

stage=${1:-}
shift || true
case $stage in
  train-bpe)
    run std-lstm-bpe "${COMMON[@]}" "${LSTM[@]}" --tokenizer bpe --vocab-size 2000 &
    run std-transformer-bpe "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 &
    wait ;;
  train-bpe-lstm) run std-lstm-bpe "${COMMON[@]}" "${LSTM[@]}" --tokenizer bpe --vocab-size 2000 ;;
  train-bpe-transformer) run std-transformer-bpe "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 ;;
  more-bpe-lstm) more std-lstm-bpe "${COMMON[@]}" "${LSTM[@]}" --tokenizer bpe --vocab-size 2000 ;;
  more-bpe-transformer) more std-transformer-bpe "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 ;;
  train-word)
    run std-lstm-word "${COMMON[@]}" "${LSTM[@]}" --min-freq 2 &
    run std-transformer-word "${COMMON[@]}" "${TRANSFORMER[@]}" --min-freq 2 &
    wait ;;
  eval)
    for name in "$@"; do
      for split in test flores tico; do
        t0=$SECONDS
        qkv eval --threads 1 --model "runs/$name" --split "$split" --json > "runs/$name.eval-$split.json"
        echo "$name $split: $((SECONDS - t0)) s"
      done
    done ;;
  scan) # scan simple|length|addprim_jump: a Transformer on one SCAN split (BUDGET seconds), then its test part
    split=${1:?scan needs a split: simple, length or addprim_jump}
    name="scan-$split-transformer"
    run "$name" --task "scan-$split" "${SCAN_TRANSFORMER[@]}"
    # best = best validation exact match; a run stopped inside its first epoch has only last.
    ck=best; [[ -f "runs/$name/best.json" ]] || ck=last
    qkv eval --threads 1 --model "runs/$name" --checkpoint "$ck" --split test --json \
      > "runs/$name.eval-test.json" ;;
  scan-lstm) # scan-lstm addprim_jump: the LSTM + Luong (general) recipe of scripts/results.sh scan-simple
    split=${1:?scan-lstm needs a split}
    name="scan-$split-lstm"
    run "$name" --task "scan-$split" "${SCAN_LSTM[@]}"
    ck=best; [[ -f "runs/$name/best.json" ]] || ck=last
    qkv eval --threads 1 --model "runs/$name" --checkpoint "$ck" --split test --json \
      > "runs/$name.eval-test.json" ;;
  *) echo "usage: $0 train-bpe | train-bpe-lstm | train-bpe-transformer | more-bpe-lstm | more-bpe-transformer | train-word | eval <name>... | scan simple|length|addprim_jump | scan-lstm addprim_jump" >&2; exit 2 ;;
esac
