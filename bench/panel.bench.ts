// Energy panel view model speed: building the Breakdown view (hierarchy,
// d3-hierarchy icicle layout, SVG markup, bottleneck tables, energy by kind)
// for a 2,000-node predicted tree, in Node with the panel's own string
// renderer (no DOM, no jsdom): the same code the webview runs before it sets
// innerHTML once. Browser DOM parsing and painting are not included.
// Writes its section of docs/performance.md. Target: under 300 ms.
import { cpus } from 'node:os';
import {
  buildBreakdownView,
  diffPredictedTrees,
  predictionToCsv,
  renderSweepChart,
  toEnergyHierarchy,
  toJsonExport,
  toMarkdownExport,
  type SweepPoint,
} from '../src/engine/analysis/index.js';
import type { PredictionLike } from '../src/engine/report/predictionReport.js';
import type { ModelNode, PredictedNode, PrimitiveKind } from '../src/engine/tree/modelNode.js';
import { writePerformanceSection } from './performanceDoc.js';

const TARGET_MS = 300;
const NODES = 2000;

// A decoder-like layer: attention (4 linears, 2 matmuls, softmax, rotary, adds) and MLP, with norms.
const LAYER: [string, string, PrimitiveKind][][] = [
  [['q_proj', 'Linear', 'linear'], ['k_proj', 'Linear', 'linear'], ['v_proj', 'Linear', 'linear'], ['rotary', 'LlamaRotaryEmbedding', 'rotary'], ['matmul.0', 'matmul', 'matmul'], ['div', 'div', 'elementwise'], ['softmax', 'softmax', 'softmax'], ['matmul.1', 'matmul', 'matmul'], ['o_proj', 'Linear', 'linear'], ['contiguous', 'contiguous', 'memory']],
  [['gate_proj', 'Linear', 'linear'], ['up_proj', 'Linear', 'linear'], ['act', 'SiLU', 'activation'], ['mul', 'mul', 'elementwise'], ['down_proj', 'Linear', 'linear']],
  [['input_layernorm', 'LlamaRMSNorm', 'rmsnorm'], ['post_attention_layernorm', 'LlamaRMSNorm', 'rmsnorm'], ['add.0', 'add', 'elementwise'], ['add.1', 'add', 'elementwise']],
];

let seed = 42;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

function node(scope: string, type: ModelNode['type'], instanceType: string, kind?: PrimitiveKind): ModelNode {
  const n: ModelNode = { scope, type, instanceType, inputShapes: [[8, 256, 4096]], dtype: 'bf16', calls: 1, parameters: 0, flops: 1e9, memBytes: 1e7, children: [] };
  if (kind) n.kind = kind;
  return n;
}

function leaf(scope: string, instanceType: string, kind: PrimitiveKind): PredictedNode {
  const e = 0.001 + rand() * 0.05;
  return { node: node(scope, 'ml', instanceType, kind), energyPerCallJ: e, energyJ: e, isolatedEnergyJ: e, uncertaintyJ: e * 0.15, share: 0, timeS: e / 200, staticJ: e / 2, dynamicJ: e / 2, regime: 'memory', children: [] };
}

function module(scope: string, instanceType: string, children: PredictedNode[]): PredictedNode {
  const e = children.reduce((s, c) => s + c.energyJ, 0) * (1.02 + rand() * 0.03);
  const n = node(scope, 'module', instanceType);
  n.children = children.map((c) => c.node);
  return { node: n, energyPerCallJ: e, energyJ: e, isolatedEnergyJ: e, uncertaintyJ: e * 0.1, share: 0, timeS: e / 200, staticJ: e / 2, dynamicJ: e / 2, regime: 'compute', children };
}

/** A tree of exactly `target` nodes or just over: layers until the count is reached. */
function syntheticTree(target: number): { root: PredictedNode; count: number } {
  const perLayer = 1 + LAYER.length - 1 + LAYER.reduce((s, g) => s + g.length, 0); // layer + attn + mlp + leaves (norms sit in the layer)
  const layers = Math.ceil((target - 4) / perLayer);
  const layerNodes: PredictedNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.model.layers.${i}`;
    const attn = module(`${s}.self_attn`, 'LlamaAttention', LAYER[0]!.map(([n, t, k]) => leaf(`${s}.self_attn.${n}`, t, k)));
    const mlp = module(`${s}.mlp`, 'LlamaMLP', LAYER[1]!.map(([n, t, k]) => leaf(`${s}.mlp.${n}`, t, k)));
    layerNodes.push(module(s, 'LlamaDecoderLayer', [attn, mlp, ...LAYER[2]!.map(([n, t, k]) => leaf(`${s}.${n}`, t, k))]));
  }
  const list = module('root.model.layers', 'ModuleList', layerNodes);
  const root = module('root', 'LlamaModel', [module('root.model', 'LlamaBackbone', [leaf('root.model.embed_tokens', 'Embedding', 'embedding'), list, leaf('root.model.norm', 'LlamaRMSNorm', 'rmsnorm')])]);
  let count = 0;
  const fill = (p: PredictedNode): void => {
    count++;
    p.share = p.energyJ / root.energyJ;
    p.children.forEach(fill);
  };
  fill(root);
  return { root, count };
}

function time(runs: number, fn: () => unknown): { median: number; p95: number; min: number } {
  for (let i = 0; i < 5; i++) fn(); // warm-up: JIT and d3's first allocations
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(runs / 2)]!, p95: samples[Math.min(runs - 1, Math.floor(runs * 0.95))]!, min: samples[0]! };
}

function writeSection(markdown: string): void {
  writePerformanceSection('panel', markdown);
}

const { root, count } = syntheticTree(NODES);
const predictionA: PredictionLike = { modelName: 'synthetic-llama', profile: { name: 'bench' }, batchSize: 8, seqLen: 256, dtype: 'bf16', energyJ: root.energyJ, uncertaintyJ: root.uncertaintyJ, timeS: root.timeS, staticJ: root.staticJ, dynamicJ: root.dynamicJ, regime: root.regime, idlePowerW: 100, warnings: [], root };
const other = syntheticTree(NODES + 60);
const runs = Number(process.env.IRENE_BENCH_RUNS ?? 30);

const full = time(runs, () => buildBreakdownView(predictionA, { width: 1200 }));
const hierarchy = toEnergyHierarchy(root);
const zoom = time(runs, () => buildBreakdownView(predictionA, { width: 1200, hierarchy, focusScope: 'root.model.layers.3' }));
const view = buildBreakdownView(predictionA, { width: 1200 });
const points: SweepPoint[] = Array.from({ length: 8 }, (_, i) => ({ x: 16 << i, energyJ: i + 1, uncertaintyJ: 0.1 * (i + 1), perTokenJ: 1, perTokenUncertaintyJ: 0.1 }));
const chart = time(runs, () => renderSweepChart(points, { axis: 'seqLen', metric: 'inference', width: 800, height: 240 }));
const diff = time(runs, () => diffPredictedTrees(root, other.root));
const exportsT = time(runs, () => {
  toMarkdownExport({ prediction: predictionA, topModules: view.topModules, topPrimitives: view.topPrimitives, byKind: view.byKind });
  predictionToCsv(predictionA);
  toJsonExport(predictionA);
});

const f = (ms: number): string => ms.toFixed(1);
const row = (what: string, t: { median: number; p95: number; min: number }, target = ''): string => `| ${what} | ${f(t.median)} | ${f(t.p95)} | ${f(t.min)} | ${target} |`;
const pass = full.p95 < TARGET_MS;
const md = `
## Energy panel view model

\`bench/panel.bench.ts\`: a synthetic decoder tree of **${count} nodes** (${view.layout.cells.length} icicle cells drawn at 1200 px,
${view.svg.length.toLocaleString('en')} characters of SVG), ${runs} timed runs after 5 warm-ups, in Node ${process.version} on
${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, shared). Measured with the panel's own DOM-free
string renderer (the code the webview runs before one \`innerHTML\` assignment); the browser's parsing and painting are not included.

| step | median (ms) | p95 (ms) | min (ms) | target |
| --- | ---: | ---: | ---: | --- |
${row('Breakdown view: hierarchy + icicle layout + SVG + bottlenecks + energy by kind', full, `< ${TARGET_MS} ms: ${pass ? 'met' : 'NOT met'}`)}
${row('Zoom into a layer (hierarchy reused)', zoom)}
${row('Sweep chart (8 points)', chart)}
${row(`Compare: diff against a ${other.count}-node tree`, diff)}
${row('Exports: Markdown + CSV + JSON', exportsT)}
`;
console.log(md);
writeSection(md);
if (!pass) {
  console.error(`panel.bench: p95 ${f(full.p95)} ms is over the ${TARGET_MS} ms target`);
  process.exit(1);
}
