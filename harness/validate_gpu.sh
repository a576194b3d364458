#!/usr/bin/env bash
# GPU validation of the measuring harness (run on a machine with an NVIDIA GPU,
# PyTorch and nvidia-ml-py or libnvidia-ml): measures bert-base-uncased and
# gpt2 in bf16 at (1,128) and (8,256) with NVML, 1.2 s model-level windows x 3,
# and compares the model-level energies with data/h100/model_level.jsonl.
# Usage: harness/validate_gpu.sh OUTDIR
set -u
OUT_DIR=${1:-${OUT:-/tmp/irene-gpu}}
mkdir -p "$OUT_DIR"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,power.draw,clocks.sm --format=csv 2>&1
"$PY" harness/irene_measure.py --check > "$OUT_DIR/check.json" 2>&1; cat "$OUT_DIR/check.json"; echo
# The NVML binding without pynvml, for users who do not have it.
[ "${ENERGY_SOURCE:-nvml}" = nvml ] && "$PY" - <<'PYEOF' 2>&1
import sys, time
sys.path.insert(0, 'harness')
import irene_measure as m
s = m.NvmlSource(0, 'ctypes'); a = s.read(); time.sleep(0.3); b = s.read()
print('ctypes NVML:', s.describe(), 'energy moved %.3f J in 0.3 s idle' % (b - a), s.gpu_stats())
PYEOF
BUILDER=""
if ! timeout 90 "$PY" harness/irene_measure.py --model bert-base-uncased --model gpt2 --shapes 1x128 --dtype bf16 \
    --structure-only --out "$OUT_DIR/structure.jsonl" > /dev/null 2> "$OUT_DIR/structure.err"; then
  echo "transformers path failed, falling back to the built-in definitions:"; tail -5 "$OUT_DIR/structure.err"
  BUILDER="--builtin"
fi
timeout ${MEASURE_TIMEOUT:-280} "$PY" harness/irene_measure.py $BUILDER --model bert-base-uncased --model gpt2 \
  --shapes ${SHAPES:-1x128,8x256} --dtype bf16 --energy-source ${ENERGY_SOURCE:-nvml} --window-s ${WINDOW_S:-1.2} --node-window-s ${NODE_WINDOW_S:-0.25} \
  --repeats 3 --idle-s 2 --out "$OUT_DIR/gpu_trees.jsonl" > "$OUT_DIR/summary.json" 2> "$OUT_DIR/progress.log"
rc=$?
echo "harness exit code $rc"
if [ $rc -ne 0 ] && [ -z "$BUILDER" ]; then
  echo "measuring with transformers failed; again with the built-in definitions:"; grep -v '"progress"' "$OUT_DIR/progress.log" | tail -5
  timeout ${FALLBACK_TIMEOUT:-200} "$PY" harness/irene_measure.py --builtin --model bert-base-uncased --model gpt2 \
    --shapes ${SHAPES:-1x128,8x256} --dtype bf16 --energy-source ${ENERGY_SOURCE:-nvml} --window-s ${WINDOW_S:-1.2} --node-window-s ${NODE_WINDOW_S:-0.25} \
    --repeats 3 --idle-s 2 --out "$OUT_DIR/gpu_trees.jsonl" > "$OUT_DIR/summary.json" 2> "$OUT_DIR/progress.log"
  echo "harness exit code $?"
fi
grep -v '"progress"' "$OUT_DIR/progress.log" | tail -20
"$PY" - "$OUT_DIR" <<'PYEOF' 2>&1 | tee "$OUT_DIR/compare.txt"
import json, sys
out = sys.argv[1]
s = json.load(open(out + '/summary.json'))
ref = [json.loads(l) for l in open('data/h100/model_level.jsonl')]
meta = s['meta']
print('device:', meta['device'], '| source:', meta['energy_source_detail'], '| builder:', meta['builder'], meta.get('transformers'))
print('idle power W: %.1f (runs %s) | noise %s | took %.0f s' % (meta['idle_power_w'], ['%.1f' % x for x in meta['idle_power_runs_w']], meta['noise'], meta['duration_s']))
print('%-18s %-8s %9s %-26s %7s %9s %9s %7s' % ('model', 'shape', 'E (J)', 'repeats (J)', 'spread', 'ms/call', 'H100 ref', 'ratio'))
for r in s['results']:
    m = next((x for x in ref if x.get('model_name') == r['model_name'] and x.get('dtype') == r['dtype']
              and x.get('batch_size') == r['batch_size'] and x.get('seq_len') == r['seq_len']), None)
    e = r['energy_j']
    print('%-18s %-8s %9.4f %-26s %6.1f%% %9.3f %9s %7s' % (
        r['model_name'], '%dx%d' % (r['batch_size'], r['seq_len']), e, ','.join('%.3f' % x for x in r['energies_j']),
        100 * r['spread'], 1000 * r['time_s'], '%.4f' % m['energy'] if m else '-', '%.2f' % (e / m['energy']) if m else '-'))
PYEOF
ls -la "$OUT_DIR"
