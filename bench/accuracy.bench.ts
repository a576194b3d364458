/**
 * Accuracy benchmark: leave-one-model-out cross-validation (the IrEne
 * paper's protocol) on the paper's two devices and on the H100 data, for
 * both feature sets and the a x FLOPs + b baseline; writes docs/accuracy.md.
 *
 *   npm run bench:accuracy            (`specs` with seeds 1, 2, 3)
 *   node --import tsx bench/accuracy.bench.ts --quick   (seed 1 only)
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  crossValidate,
  crossValidateFlopsBaseline,
  type CrossValidationResult,
} from '../src/engine/predict/crossValidate.js';
import type { FeatureSet } from '../src/engine/predict/features.js';
import { DEFAULT_FIT, SMALL_DATA_RESTARTS, SMALL_DATA_TREES } from '../src/engine/predict/predictorModel.js';
import type { ModelTree } from '../src/engine/tree/modelNode.js';
import { countNodes } from '../src/engine/tree/treeWalk.js';
import { loadDeviceTrees, loadH100Trees, PROFILE_SEED } from '../scripts/trainProfiles.js';

const ROOT = join(__dirname, '..');
const quick = process.argv.includes('--quick');
const EXTRA_SEEDS = quick ? [] : [2, 3];

/** Published figures (Cao et al. 2021 and the authors' README), ml / module / model MAPE %. */
const PUBLISHED: Record<string, { specs?: [number, number, number]; all?: [number, number, number]; baseline?: number; note: string }> = {
  device_1: {
    specs: [5.5, 12.0, 6.4],
    all: [0.7, 10.12, 6.74],
    baseline: 9.8,
    note: 'specs-only model error varies 5-10 % with the random start; 6.4 is the mean',
  },
  device_2: { specs: [7.3, 13.6, 10.4], baseline: 9.7, note: 'specs-only model error varies 7-14 % with the random start; 10.4 is the mean' },
};

interface Dataset {
  key: string;
  title: string;
  trees: ModelTree[];
  note: string;
}

const started = performance.now();
const skipped: string[] = [];
const datasets: Dataset[] = [
  {
    key: 'device_1',
    title: 'IrEne device 1 (paper data, fp32, wall energy)',
    trees: loadDeviceTrees('device_1', (m) => skipped.push(`device_1: ${m}`)),
    note: '',
  },
  {
    key: 'device_2',
    title: 'IrEne device 2 (paper data, fp32, wall energy)',
    trees: loadDeviceTrees('device_2', (m) => skipped.push(`device_2: ${m}`)),
    note: '',
  },
  {
    key: 'h100-bf16',
    title: 'H100 bf16 (seven models incl. TinyLlama 1.1B; GPU board energy)',
    trees: loadH100Trees('bf16').trees,
    note: 'Model level against the long-window figures of model_level.jsonl.',
  },
  {
    key: 'h100-fp32',
    title: 'H100 fp32 (four models; GPU board energy)',
    trees: loadH100Trees('fp32').trees,
    note: 'Model level against the long-window figures of model_level.jsonl.',
  },
];

const f = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(2));
const lines: string[] = [];
const summary: string[] = [];
const timing: string[] = [];

function run(ds: Dataset, featureSet: FeatureSet, seed: number): CrossValidationResult {
  const t0 = performance.now();
  const r = crossValidate(ds.trees, { featureSet, seed });
  const s = (performance.now() - t0) / 1000;
  timing.push(`${ds.key} ${featureSet} seed ${seed}: ${s.toFixed(1)} s`);
  console.log(`${ds.key} ${featureSet} seed ${seed}: ml ${f(r.overall.mlPct)} / module ${f(r.overall.modulePct)} / model ${f(r.overall.modelPct)} (${s.toFixed(1)} s)`);
  return r;
}

for (const ds of datasets) {
  const specs = run(ds, 'specs', PROFILE_SEED);
  const runtime = run(ds, 'specs+runtime', PROFILE_SEED);
  const base = crossValidateFlopsBaseline(ds.trees);
  const extra = EXTRA_SEEDS.map((seed) => ({ seed, r: run(ds, 'specs', seed) }));
  const models = [...new Set(ds.trees.map((t) => t.modelName))];
  const nodes = ds.trees.reduce((s, t) => s + countNodes(t.root), 0);
  lines.push(`## ${ds.title}`, '');
  lines.push(`${ds.trees.length} trees (${nodes.toLocaleString('en-US')} nodes) of ${models.length} models: ${models.join(', ')}. ${ds.note}`.trim(), '');
  lines.push('| predictor (leave-one-model-out MAPE %) | ml | module | model |', '| --- | ---: | ---: | ---: |');
  const row = (label: string, r: { mlPct: number; modulePct: number; modelPct: number }): string =>
    `| ${label} | ${f(r.mlPct)} | ${f(r.modulePct)} | ${f(r.modelPct)} |`;
  lines.push(row(`**this project, \`specs\`** (seed ${PROFILE_SEED})`, specs.overall));
  for (const e of extra) lines.push(row(`this project, \`specs\` (seed ${e.seed})`, e.r.overall));
  lines.push(row(`this project, \`specs+runtime\` (seed ${PROFILE_SEED}; leaks the answer)`, runtime.overall));
  lines.push(`| a x FLOPs + b, model level (measured here) | - | - | ${f(base.overall.modelPct)} |`);
  const pub = PUBLISHED[ds.key];
  if (pub?.specs) lines.push(`| IrEne published, specs only | ${pub.specs.map(f).join(' | ')} |`);
  if (pub?.all) lines.push(`| IrEne published, all features | ${pub.all.map(f).join(' | ')} |`);
  if (pub?.baseline) lines.push(`| a x FLOPs + b, published | - | - | ${f(pub.baseline)} |`);
  lines.push('');
  if (pub) lines.push(`Published figures: ${pub.note}.`, '');
  lines.push('<details><summary>Per left-out model (`specs`, seed 1; baseline)</summary>', '');
  lines.push('| left-out model | ml | module | model | a x FLOPs + b |', '| --- | ---: | ---: | ---: | ---: |');
  for (const p of specs.perModel) {
    const b = base.perModel.find((x) => x.model === p.model);
    lines.push(`| ${p.model} | ${f(p.mlPct)} | ${f(p.modulePct)} | ${f(p.modelPct)} | ${f(b?.modelPct)} |`);
  }
  lines.push('', '</details>', '');
  if (!pub) {
    const models = [specs, ...extra.map((e) => e.r)].map((r) => r.overall.modelPct);
    summary.push(
      `- ${ds.key}: \`specs\` ${f(specs.overall.mlPct)} / ${f(specs.overall.modulePct)} / ${f(specs.overall.modelPct)}` +
        (models.length > 1 ? ` (model level over seeds ${[PROFILE_SEED, ...EXTRA_SEEDS].join(', ')}: ${f(Math.min(...models))}-${f(Math.max(...models))})` : '') +
        `; the a x FLOPs + b baseline ${f(base.overall.modelPct)} at model level (${
          models.every((m) => m < base.overall.modelPct)
            ? 'the predictor is better with every seed'
            : models.every((m) => m >= base.overall.modelPct)
              ? '**the baseline is better here**'
              : '**the baseline is better with some seeds**'
        }); no published reference`,
    );
  }
  if (pub?.specs) {
    const beat = [specs.overall.mlPct < pub.specs[0], specs.overall.modulePct < pub.specs[1], specs.overall.modelPct < pub.specs[2]];
    const allSeeds = [specs, ...extra.map((e) => e.r)];
    const worstModel = Math.max(...allSeeds.map((r) => r.overall.modelPct));
    summary.push(
      `- ${ds.key}: \`specs\` ${f(specs.overall.mlPct)} / ${f(specs.overall.modulePct)} / ${f(specs.overall.modelPct)} against IrEne's ${pub.specs.map(f).join(' / ')}: ${beat.every(Boolean) ? 'below on every level' : `NOT below on ${['ml', 'module', 'model'].filter((_, i) => !beat[i]).join(', ')}`}` +
        (allSeeds.length > 1 ? ` (model level over seeds ${[PROFILE_SEED, ...EXTRA_SEEDS].join(', ')}: at most ${f(worstModel)})` : ''),
    );
  }
}

const seconds = (performance.now() - started) / 1000;
const fit = DEFAULT_FIT;
const doc = `# Accuracy

<!-- Generated by bench/accuracy.bench.ts (npm run bench:accuracy); do not edit by hand. -->

Leave-one-model-out cross-validation, the IrEne paper's protocol: for each model, the
predictor is trained on every other model's trees and scored on the left-out model's nodes;
the error is the mean absolute percentage error (MAPE) per level (\`ml\` = primitives,
\`module\` = modules with children, \`model\` = whole model per inference), and the overall
figure is the mean over left-out models. Nothing about the left-out model is used in
training or in any choice made during training.

## Summary

${summary.join('\n')}

Feature sets: \`specs\` uses only what is known before running (batch size, sequence length,
tokens, input size, FLOPs, bytes, parameters, and derived products/logs of these); it is the
default and what the bundled profiles use. \`specs+runtime\` adds the columns measured while the
node ran (time, GPU energy reading, utilisation, clocks); it is for comparison with the paper only,
because those columns contain the answer.

${lines.join('\n')}
## How the predictor works

- **Primitive regressions**, one per primitive kind (\`linear\`, \`matmul\`, \`softmax\` ...), and
  per instance type (\`Conv1D\` apart from \`Linear\`) where a type has at least ${fit.perTypeMinRows} rows. Each is a
  linear model on standardised features solved for the minimum-norm least-squares solution by
  SVD (singular values below ${fit.rcond} x the largest are dropped: truncated-SVD damping), fitted to
  minimise the squared *relative* error (rows weighted by 1/energy). The shape of each regression
  (all features or only FLOPs, bytes and tokens; linear or power law; or fixed cost + FLOPs + bytes
  with non-negative coefficients) is chosen by an inner leave-one-model-out on the *training* models;
  where there are too few distinct inputs to choose (the H100 data: three shapes), the non-negative
  one is used because it extrapolates sanely. Predictions are clamped to [half the smallest, twice
  the largest] training energy inside the training range, and beyond it grow in proportion to
  FLOPs or bytes. Kinds absent from training use a global power law on FLOPs and bytes.
- **Recursive aggregation** (IrEne): a parent's energy per call is
  sum_c (1 + tanh(w . f_c + b) / tau) x E(c) x calls_c / calls_parent with tau = ${fit.tau}; f_c are the
  child's FLOPs and bytes on a log scale, its share of the parent's FLOPs and bytes, the number of
  primitives under it and a one-hot of its kind. w and b are trained end to end with hand-derived gradients (checked
  against finite differences in the unit tests) and Adam (${fit.epochs} full-batch steps, step ${fit.learningRate},
  L2 ${fit.l2}), from seeded random starts (the best of ${fit.restarts} by training loss), on the squared relative error of every measured module and
  root, each level weighing half (otherwise thousands of modules drown the one root per tree).
  The weights do not see batch size, sequence length or the number of siblings: with the shape
  columns, profiles trained on three shapes bent predictions down as sequences grew (bert-base on
  h100-bf16: 2.29 J at 8 x 128, 1.90 J at 8 x 256), and with the sibling count a source that lists
  one more small op moved every sibling's weight (gpt2's ONNX export against its config: 3.7 % apart,
  0.5 % without it). Both changes cost little here (H100 bf16 model level 10.6 -> 13.3 %, fp32
  7.2 -> 7.0 %, device 1 1.9 -> 1.9 %, device 2 2.3 -> 3.7 %) and make predictions monotone in size.
- **Profiles applied to other trees.** The paper's CSVs list Linear, LayerNorm, Embedding, Tanh,
  MatMul and Softmax, not the GELUs, adds and copies that ran inside the same modules, and give
  mem_bytes as measured memory (no definition of a model reproduces it) and no parameter counts.
  So the paper-data profiles leave out bytes, input sizes and parameter counts, and before
  predicting a config, ONNX or Python tree they drop the primitives their training trees never
  listed (their energy is part of the parent modules' measurements). bert-base from its
  config.json with irene-device-1 then comes within 4 % of the measured energy at 8 x 32 ... 24 x 256
  (it was 2-3x before); the H100 profiles list every op and keep every node.

On the H100, parts measured one at a time cost more than the model run end to end: the
long-window whole-model energy is 43-108 % of the sum of the root's children measured
separately (lowest for GPT-style models at 1 x 128), because each isolated measurement pays
kernel-launch latency and idle power that overlap in a full forward pass. The weighting model has
to learn this from a handful of models; the count of primitives under a child (roughly its kernel
launches) is one of its features for that reason (seed 1: H100 fp32 model error 13.2 -> 6.6 %,
bf16 12.5 -> 11.1 % when it was added; device 1 module 3.37 -> 3.23 %, model 1.79 -> 1.91 %).
With so few roots the weighting model's random start matters (H100 fp32 model error 6.6-17.9 %
over seeds 1-3 with one start), so on data sets of fewer than ${SMALL_DATA_TREES} trees the trainer keeps
the best of ${SMALL_DATA_RESTARTS} starts by training loss (${fit.restarts} on larger ones: with one, device 2's model error
ranged 4.1-10.9 % over seeds 1-3).

On the H100 every model shares its shapes with at most a few others (all but TinyLlama are
768-wide) and there are only three (batch, sequence) settings, so left-out models are
extrapolations, and the small settings are launch-bound with 13-18 % run-to-run noise (see
Uncertainty): primitive and module errors of 10-30 % are close to what repeated measurements
would give. With four fp32 models of one width, whole-model energy is almost proportional to
FLOPs, so the one-line baseline is a strong competitor there; with TinyLlama in the bf16 set it is not.

Hyper-parameters were chosen on **device 1** folds (per-type regressions, rcond, loss weighting);
the number of Adam steps (800 instead of 300) after seeing that training had not converged at 300
on device 1 and device 2. No numeric parameter was tuned on the H100 data, but reading their
folds led to three structural changes, kept after checking that device 1 did not get worse: the
rule that a regression shape needs at least 3 distinct inputs per coefficient to compete
(TinyLlama's primitives lie far outside the other models' shapes), a loader correction for a
module instance shared by several parents (openai-gpt's activation was traced once, with all 12
calls, under the first MLP; module error 27 -> 15 % in bf16), and the launch-count feature above.
So the H100 figures are not a clean hold-out; the device 2 figures come closest to one.

## Uncertainty

Every predicted node carries a one-sigma uncertainty: the profile's cross-validation MAPE for the
node's level turned into a sigma (for normally distributed errors E|e| = sigma x sqrt(2/pi), so
sigma = MAPE x sqrt(pi/2)), combined in quadrature with the profile's run-to-run measurement
noise for inputs of that size. The H100 profiles measure that noise from two measurements of the
same configuration minutes apart (each tree's root, a short window, against the long-window
figure in model_level.jsonl): at most 2,048 tokens (launch-bound: energy is mostly idle power x
time) the relative sigma is about 13-18 %, above it 1-3 %. The paper's data has no repeated runs,
so its profiles carry the cross-validation term only. Predictions outside the training range (batch,
sequence, or a primitive's FLOPs) carry a warning saying by how much; the uncertainty does not
grow with extrapolation, so read such numbers with the warning.

## Data notes

${skipped.map((s) => `- ${s}`).join('\n')}
- Rows of \`sshleifer/tiny-ctrl\` are left out, as the original IrEne code does.
- H100: the whole-model ground truth comes from \`model_level.jsonl\` (three long windows, median),
  not from the tree roots, which are noisier.

## Run

${timing.map((t) => `- ${t}`).join('\n')}
- whole benchmark: **${seconds.toFixed(0)} s** in Node ${process.version} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, shared with other work).
`;
writeFileSync(join(ROOT, 'docs/accuracy.md'), doc);
console.log(`wrote docs/accuracy.md in ${seconds.toFixed(0)} s`);
