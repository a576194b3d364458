#!/usr/bin/env bash
# Writes the output of a fixed set of `irene generate` / `irene predict` runs
# (JSON, table and Markdown, on the example and fixture configs) into one file
# each under DIR, so that two builds can be compared byte for byte:
#
#   npm run build --silent && scripts/snapshotCliOutputs.sh /tmp/before
#   ... change the engine ...
#   npm run build --silent && scripts/snapshotCliOutputs.sh /tmp/after
#   diff -r /tmp/before /tmp/after && echo identical
#
# A speed-only change of the predict or generation path must leave every file
# identical (issue 12).
set -euo pipefail
dir=${1:?usage: scripts/snapshotCliOutputs.sh DIR}
cd "$(dirname "$0")/.."
mkdir -p "$dir"
cli=dist/cli.js
F=test/fixtures/configs
run() {
  local name=$1
  shift
  # Exit status and stderr are part of the snapshot: a warning that goes missing is a change too.
  set +e
  node "$cli" "$@" >"$dir/$name.out" 2>"$dir/$name.err"
  echo "exit $?" >>"$dir/$name.err"
  set -e
}
# Each "name:config" entry as JSON and as a table: PREFIX COMMAND ENTRY...
each_config() {
  local prefix=$1 command=$2 entry
  shift 2
  for entry in "$@"; do
    run "$prefix-${entry%%:*}-json" "$command" "${entry#*:}" --format json
    run "$prefix-${entry%%:*}-table" "$command" "${entry#*:}"
  done
}
gen_configs=(
  "llama2-7b:$F/generation/llama-2-7b.json"
  "llama2-70b:$F/generation/llama-2-70b.json"
  "llama3-8b:$F/generation/llama-3-8b.json"
  "tinyllama:examples/tinyllama-1.1b/config.json"
  "qwen2:examples/qwen2-0.5b/config.json"
  "gpt2:examples/gpt2/config.json"
  "mixtral:$F/mixtral.json"
  "qwen3moe:$F/qwen3_moe.json"
  "deepseek3:$F/deepseek_v3.json"
  "gptoss:$F/gpt_oss.json"
  "gemma2:$F/gemma2.json"
  "falcon:$F/falcon.json"
  "phi3:$F/phi3.json"
)
each_config gen generate "${gen_configs[@]}"
L7=$F/generation/llama-2-7b.json
run gen-llama2-7b-graphs-table generate "$L7" --graphs
run gen-llama2-7b-graphs-json generate "$L7" --graphs --format json
run gen-llama2-7b-md generate "$L7" --format markdown --depth 3
run gen-llama2-7b-eager-json generate "$L7" --attn eager --format json
run gen-llama2-7b-short-json generate "$L7" --prompt-len 7 --output-len 3 -b 1 --format json
run gen-llama2-7b-long-json generate "$L7" --prompt-len 3000 --output-len 4000 -b 64 --format json
run gen-llama2-7b-idle-json generate "$L7" --idle-power 90 --dtype bf16 --format json
run gen-llama2-70b-tp-json generate "$F/generation/llama-2-70b.json" --gpus 4 --format json
run gen-llama2-70b-nofit-table generate "$F/generation/llama-2-70b.json"
run gen-mixtral-tp-json generate "$F/mixtral.json" --gpus 2 --graphs --format json
run gen-profile-fp32-json generate "$L7" --profile h100-fp32 --format json
run gen-bert-error generate examples/bert-base-uncased/config.json --format json

pred_configs=(
  "bert:examples/bert-base-uncased/config.json"
  "albert:examples/albert-base-v2/config.json"
  "gpt2:examples/gpt2/config.json"
  "tinyllama:examples/tinyllama-1.1b/config.json"
  "qwen2:examples/qwen2-0.5b/config.json"
  "llama:$F/llama.json"
  "t5:$F/t5.json"
  "bart:$F/bart.json"
  "mixtral:$F/mixtral.json"
  "qwen2moe:$F/qwen2_moe.json"
  "deberta:$F/deberta-v2.json"
  "llama2-7b:$L7"
)
each_config pred predict "${pred_configs[@]}"
run pred-llama2-7b-decode-json predict "$L7" --phase decode --context 2048 --format json
run pred-llama2-7b-prefill-json predict "$L7" --phase prefill --graphs --format json
run pred-t5-target-json predict "$F/t5.json" --target-len 64 -b 2 -s 100 --format json
run pred-bert-md predict examples/bert-base-uncased/config.json --format markdown
run pred-gpt2-idle-json predict examples/gpt2/config.json --idle-power 80 --graphs --format json
run pred-bert-device1-json predict examples/bert-base-uncased/config.json --profile irene-device-1 --format json
run gen-llama2-7b-device2-json generate "$L7" --profile irene-device-2 --format json
