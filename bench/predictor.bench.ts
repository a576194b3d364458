/**
 * Predictor speed: `predictTree` on a real ~1,000-node tree (TinyLlama 1.1B
 * from the H100 measurements) with the default profile. Target: under 5 ms.
 * Writes the "Predictor" section of docs/performance.md.
 */
import { readFileSync } from 'node:fs';
import { writePerformanceSection } from './performanceDoc.js';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadIreneJsonl } from '../src/engine/importers/ireneData/index.js';
import { predictTree } from '../src/engine/predict/predictor.js';
import { DEFAULT_PROFILE_NAME, getBundledProfile } from '../src/engine/profiles/profileStore.js';
import { countNodes } from '../src/engine/tree/treeWalk.js';

const ROOT = join(__dirname, '..');
const TARGET_MS = 5;

const trees = loadIreneJsonl(readFileSync(join(ROOT, 'data/h100/trees.jsonl.gz')));
const tree = trees.find((t) => t.modelName === 'tinyllama-1.1b' && t.batchSize === 32)!;
const measuredNodes = countNodes(tree.root);
// The measured tree has 22 decoder layers; copies of its last layer bring it to at least 1,000 nodes.
const layers = tree.root.children.filter((c) => /^root\.layers\.\d+$/.test(c.scope));
const template = layers[layers.length - 1]!;
const insertAt = tree.root.children.indexOf(template) + 1;
let extra = 0;
while (countNodes(tree.root) < 1000) {
  const copy = structuredClone(template);
  tree.root.children.splice(insertAt + extra, 0, copy);
  extra++;
}
const nodes = countNodes(tree.root);
const t0 = performance.now();
const profile = getBundledProfile(DEFAULT_PROFILE_NAME);
const loadMs = performance.now() - t0;

const WARMUP = 20;
const RUNS = 200;
for (let i = 0; i < WARMUP; i++) predictTree(tree, profile);
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const s = performance.now();
  predictTree(tree, profile);
  times.push(performance.now() - s);
}
times.sort((a, b) => a - b);
const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
const median = q(0.5);
const fmt = (x: number): string => x.toFixed(2);
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const section = `## Predictor

\`bench/predictor.bench.ts\`: \`predictTree\` on the measured TinyLlama 1.1B tree (batch ${tree.batchSize} x ${tree.seqLen}, ${measuredNodes} nodes)
with ${extra} copies of its last decoder layer added (**${nodes} nodes**, ${layers.length + extra} layers),
and the bundled \`${DEFAULT_PROFILE_NAME}\` profile: flatten the tree, features, one regression per distinct leaf (a subtree
that repeats an earlier one, as the added copies do, is priced once: predict/repeatedSubtrees.ts), the
weighted aggregation sweep, per-node results with uncertainty, share and warnings. ${RUNS} timed runs after
${WARMUP} warm-ups, in Node ${process.version} on ${cpu} (${cpus().length} logical cores, shared).

| step | median (ms) | p95 (ms) | min (ms) | target |
| --- | ---: | ---: | ---: | --- |
| predictTree, ${nodes} nodes | ${fmt(median)} | ${fmt(q(0.95))} | ${fmt(times[0]!)} | < ${TARGET_MS} ms (median): ${median < TARGET_MS ? 'met' : 'NOT met'}; p95 ${q(0.95) < TARGET_MS ? 'met' : 'not met (GC pauses and other processes on the shared cores)'} |
| first getBundledProfile (parse + validate four profiles) | ${fmt(loadMs)} | | | |`;

writePerformanceSection('predictor', section);
console.log(`predictTree on ${nodes} nodes: median ${fmt(median)} ms, p95 ${fmt(q(0.95))} ms (target < ${TARGET_MS} ms)`);
