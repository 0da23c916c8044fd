#!/usr/bin/env bash
# Reproduces the English→Hindi runs of docs/RESULTS.md "Standard test sets" (task tatoeba-hin-std):
# LSTM+Bahdanau vs Transformer, word vs BPE tokens, the same CPU-time budget for every model (BUDGET
# seconds of CPU, one kernel thread each), then evaluation on the standard Tatoeba test set, FLORES-200
# devtest and TICO-19 test; and the SCAN runs of "SCAN — Transformer vs LSTM" (SCAN_BUDGET).
#   scripts/results-std.sh train-bpe | train-bpe-lstm | train-bpe-transformer | more-bpe-lstm | more-bpe-transformer | train-word | more-word | eval <name>... | scan simple|length|addprim_jump | scan-lstm addprim_jump
#   scripts/results-std.sh freedict | align-latent-bridge | align-transformer-latent | align-luong-latent | align-fra-latent | align-…   (issue 16; docs/RESULTS.md "Word alignment")
# Outputs go to runs/<name>/ and runs/<name>.{train,eval-<split>}.json; runs/<name>.cpu lists the CPU
# seconds of every training segment (a run and its --resume continuations share one budget).
#
# Why CPU time and not wall time: this machine is shared (load averages of 6–14 while these ran), so a
# wall-clock budget gives a model whatever the other jobs leave it; CPU seconds of the training
# process (user + system, every thread: training, validation decoding, start-up) are the work it did.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs
BUDGET=${BUDGET:-1500}
SCAN_BUDGET=${SCAN_BUDGET:-900}
qkv() { npx tsx src/cli/main.ts "$@"; }

# Trains until the model's CPU budget ($1 seconds, minus what runs/<name>.cpu says earlier segments
# used) is spent, then sends one SIGINT to the node process: the trainer saves `last` (the partial
# epoch included) and exits; `best` = best validation score. Appends this segment's CPU seconds.
train_cpu() { # budget, name, then train options
  local budget=$1 name=$2; shift 2
  local used left hz ticks=0 t sent=0 pid
  used=$(awk '{s += $2} END {print s + 0}' "runs/$name.cpu" 2>/dev/null || echo 0)
  left=$(awk -v b="$budget" -v u="$used" 'BEGIN {print b - u}')
  if awk -v l="$left" 'BEGIN {exit !(l <= 0)}'; then echo "$name: CPU budget already spent ($used s)" >&2; return; fi
  hz=$(getconf CLK_TCK)
  node --import tsx src/cli/main.ts train --threads 1 --epochs 400 "$@" --out "runs/$name" --json &
  pid=$!
  while [[ -r /proc/$pid/stat ]]; do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true)
    [[ -n $t ]] && ticks=$t
    if ((sent == 0)) && awk -v t="$ticks" -v hz="$hz" -v l="$left" 'BEGIN {exit !(t / hz >= l)}'; then
      kill -INT "$pid"
      sent=1
    fi
    sleep 1
  done
  wait "$pid" || true
  echo "$name $(awk -v t="$ticks" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}')" >> "runs/$name.cpu"
}
run() { # name, then train options: a fresh run with BUDGET CPU seconds
  local name=$1; shift
  local t0=$SECONDS
  rm -f "runs/$name.cpu"
  train_cpu "$BUDGET" "$name" "$@" --overwrite > "runs/$name.train.json" 2> "runs/$name.train.log"
  echo "$name: trained $((SECONDS - t0)) s (wall)"
}
# Continues a run until its CPU budget is spent (--resume is exact: the same as one longer run).
more() { # name, then the same train options
  local name=$1; shift
  local t0=$SECONDS
  train_cpu "$BUDGET" "$name" "$@" --resume > "runs/$name.train-more.json" 2>> "runs/$name.train.log"
  echo "$name: trained $((SECONDS - t0)) s (wall) more"
}
LSTM=(--arch seq2seq --attention bahdanau --embed 128 --hidden 128 --dropout 0.3 --lr 2e-3)
TRANSFORMER=(--arch transformer --d-model 128 --heads 4 --ff 512 --layers 2 --dropout 0.2 --norm-first --schedule noam --warmup 400 --lr 0.34)
COMMON=(--task tatoeba-hin-std --batch-size 32 --label-smoothing 0.1)
# SCAN: pre-norm, Noam peak 2·10⁻³ at step 400 (lr factor 0.32 for d 64).
SCAN_TRANSFORMER=(--arch transformer --d-model 64 --heads 4 --ff 256 --layers 2 --dropout 0.1 --norm-first
  --schedule noam --warmup 400 --lr 0.32 --batch-size 64 --valid-limit 500)
SCAN_LSTM=(--arch seq2seq --attention luong-general --embed 32 --hidden 64 --dropout 0.1 --lr 2e-3 --batch-size 32
  --valid-limit 500)

# Issue 16, attention that aligns: LSTM models whose attention is read as word alignments (qkv align).
# The FreeDict English–Hindi word pairs (scripts/freedict-pairs.ts; Debian's dict-freedict-eng-hin,
# GPL-2.0+, installed here when missing and never committed) are added to the training part.
# --attention-values embeddings: the attention sums the source word embeddings (keys: the encoder
# states), so it cannot park on the final "." that summarises the sentence (encoder values did: dev AER
# 68–78 %, every Hindi word on the last English word).
ALIGN_LSTM=(--arch seq2seq --embed 128 --hidden 128 --dropout 0.3 --lr 2e-3 --tokenizer bpe --vocab-size 2000
  --attention-values embeddings)
freedict() {
  if [[ ! -f /usr/share/dictd/freedict-eng-hin.dict.dz ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dict-freedict-eng-hin >/dev/null
  fi
  [[ -f runs/freedict-eng-hin.tsv ]] || npx tsx scripts/freedict-pairs.ts --out runs/freedict-eng-hin.tsv
}
FRA_LSTM=(--task tatoeba-fra --arch seq2seq --attention bahdanau --attention-values embeddings --embed 128 --hidden 128 --dropout 0.2 --lr 2e-3
  --tokenizer bpe --vocab-size 4000 --batch-size 64 --label-smoothing 0.1 --valid-limit 500)

stage=${1:-}
shift || true
case $stage in
  align-bahdanau) freedict; run align-bahdanau-dict "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention bahdanau --extra-train runs/freedict-eng-hin.tsv ;;
  align-bahdanau-nobridge) freedict; run align-bahdanau-nobridge "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention bahdanau --no-bridge --extra-train runs/freedict-eng-hin.tsv ;;
  freedict) freedict ;;
  align-latent) freedict; run align-latent "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention bahdanau --latent-alignment --no-bridge --extra-train runs/freedict-eng-hin.tsv ;;
  align-latent-bridge) freedict; run align-latent-bridge "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention bahdanau --latent-alignment --extra-train runs/freedict-eng-hin.tsv ;;
  align-luong-latent) freedict; run align-luong-latent "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention luong-general --latent-alignment --extra-train runs/freedict-eng-hin.tsv ;;
  align-transformer-latent) freedict; run align-transformer-latent "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 --latent-alignment --extra-train runs/freedict-eng-hin.tsv ;;
  align-luong) freedict; run align-luong-dict "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention luong-general --extra-train runs/freedict-eng-hin.tsv ;;
  align-bahdanau-nodict) run align-bahdanau "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention bahdanau ;;
  align-bahdanau-encoder) freedict; run align-bahdanau-dict-encoder "${COMMON[@]}" "${ALIGN_LSTM[@]}" --attention bahdanau --attention-values encoder --extra-train runs/freedict-eng-hin.tsv ;;
  align-fra) run align-fra-bahdanau "${FRA_LSTM[@]}" ;;
  align-fra-latent) run align-fra-latent "${FRA_LSTM[@]}" --latent-alignment ;;
  align-transformer) freedict; run align-transformer-dict "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 --cross-attention-values embeddings --extra-train runs/freedict-eng-hin.tsv ;;
  train-bpe)
    run std-lstm-bpe "${COMMON[@]}" "${LSTM[@]}" --tokenizer bpe --vocab-size 2000 &
    run std-transformer-bpe "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 &
    wait ;;
  train-bpe-lstm) run std-lstm-bpe "${COMMON[@]}" "${LSTM[@]}" --tokenizer bpe --vocab-size 2000 ;;
  train-bpe-transformer) run std-transformer-bpe "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 ;;
  train-bpe-transformer-rope) run std-transformer-rope-bpe "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 --positions rope ;;
  more-bpe-lstm) more std-lstm-bpe "${COMMON[@]}" "${LSTM[@]}" --tokenizer bpe --vocab-size 2000 ;;
  more-bpe-transformer) more std-transformer-bpe "${COMMON[@]}" "${TRANSFORMER[@]}" --tokenizer bpe --vocab-size 2000 ;;
  train-word)
    run std-lstm-word "${COMMON[@]}" "${LSTM[@]}" --min-freq 2 &
    run std-transformer-word "${COMMON[@]}" "${TRANSFORMER[@]}" --min-freq 2 &
    wait ;;
  more-word)
    more std-lstm-word "${COMMON[@]}" "${LSTM[@]}" --min-freq 2 &
    more std-transformer-word "${COMMON[@]}" "${TRANSFORMER[@]}" --min-freq 2 &
    wait ;;
  eval)
    for name in "$@"; do
      for split in test flores tico; do
        t0=$SECONDS
        qkv eval --threads 1 --model "runs/$name" --split "$split" --json > "runs/$name.eval-$split.json"
        echo "$name $split: $((SECONDS - t0)) s"
      done
    done ;;
  scan) # scan simple|length|addprim_jump: a Transformer on one SCAN split (SCAN_BUDGET CPU seconds), then its test part
    split=${1:?scan needs a split: simple, length or addprim_jump}
    name="scan-$split-transformer"
    BUDGET=$SCAN_BUDGET run "$name" --task "scan-$split" "${SCAN_TRANSFORMER[@]}"
    # best = best validation exact match; a run stopped inside its first epoch has only last.
    ck=best; [[ -f "runs/$name/best.json" ]] || ck=last
    qkv eval --threads 1 --model "runs/$name" --checkpoint "$ck" --split test --json \
      > "runs/$name.eval-test.json" ;;
  scan-lstm) # scan-lstm addprim_jump: the LSTM + Luong (general) recipe of scripts/results.sh scan-simple
    split=${1:?scan-lstm needs a split}
    name="scan-$split-lstm"
    BUDGET=$SCAN_BUDGET run "$name" --task "scan-$split" "${SCAN_LSTM[@]}"
    ck=best; [[ -f "runs/$name/best.json" ]] || ck=last
    qkv eval --threads 1 --model "runs/$name" --checkpoint "$ck" --split test --json \
      > "runs/$name.eval-test.json" ;;
  *) echo "usage: $0 train-bpe | train-bpe-lstm | train-bpe-transformer | more-bpe-lstm | more-bpe-transformer | train-word | more-word | eval <name>... | scan simple|length|addprim_jump | scan-lstm addprim_jump" >&2; exit 2 ;;
esac
