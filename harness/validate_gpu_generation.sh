#!/usr/bin/env bash
# GPU check of the generation phases (prefill and decode against a static KV cache), for a
# machine with an NVIDIA GPU, PyTorch and NVML: gpt2 in bf16, a prefill at 1x512 and 8x512 and
# decode steps at batch 1 and 8, contexts 128, 512 and 1024, eager and sdpa, whole model only
# (about 2-3 minutes). Prints J and ms per step and whether a step costs more at a longer context.
# Usage: harness/validate_gpu_generation.sh OUTDIR
#   (PYTHON=..., BUILTIN=--builtin, WINDOW_S=1.2; MODEL, SHAPES, CONTEXTS, ATTNS="eager sdpa", ENERGY_SOURCE to try
#   it elsewhere; TAG names the files, so two models can share OUTDIR)
set -u
OUT_DIR=${1:-${OUT:-/tmp/irene-gpu-generation}}
mkdir -p "$OUT_DIR"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
TAG=${TAG:-generate}
ATTNS=${ATTNS:-eager sdpa}
for ATTN in $ATTNS; do
  timeout ${MEASURE_TIMEOUT:-200} "$PY" harness/irene_measure.py ${BUILTIN:-} --model ${MODEL:-gpt2} --phase generate \
    --shapes ${SHAPES:-1x512,8x512} --contexts ${CONTEXTS:-128,512,1024} --attn $ATTN --dtype bf16 --energy-source ${ENERGY_SOURCE:-nvml} \
    --window-s ${WINDOW_S:-1.2} --repeats 3 --idle-s 2 --model-only \
    --out "$OUT_DIR/$TAG-$ATTN.jsonl" > "$OUT_DIR/$TAG-summary-$ATTN.json" 2> "$OUT_DIR/$TAG-progress-$ATTN.log"
  echo "$TAG $ATTN: harness exit code $?"; grep -v '"progress"' "$OUT_DIR/$TAG-progress-$ATTN.log" | tail -5
done
"$PY" - "$OUT_DIR" "$TAG" $ATTNS <<'PYEOF' 2>&1 | tee "$OUT_DIR/$TAG.txt"
import json, os, sys
out, tag = sys.argv[1], sys.argv[2]
for attn in sys.argv[3:]:
    path = os.path.join(out, "%s-summary-%s.json" % (tag, attn))
    if not os.path.exists(path) or not os.path.getsize(path):
        print(tag, attn, ": no summary"); continue
    s = json.load(open(path))
    print("%s %s | %s | idle %.1f W | noise %s" % (tag, attn, s["meta"]["device"], s["meta"]["idle_power_w"], s["meta"]["noise"]))
    print("%-8s %5s %8s %10s %9s %7s" % ("phase", "batch", "context", "J/call", "ms/call", "spread"))
    rows = s["results"]
    for r in rows:
        print("%-8s %5d %8d %10.5f %9.3f %6.1f%%" % (r["phase"], r["batch_size"], r["context"], r["energy_j"], 1000 * r["time_s"], 100 * r["spread"]))
    for b in sorted(set(r["batch_size"] for r in rows if r["phase"] == "decode")):
        e = [r["energy_j"] for r in sorted((r for r in rows if r["phase"] == "decode" and r["batch_size"] == b), key=lambda r: r["context"])]
        print("decode batch %d: energy per step rises with the context: %s" % (b, all(x <= y for x, y in zip(e, e[1:]))))
PYEOF
