/**
 * Accuracy benchmark: leave-one-model-out cross-validation (the IrEne
 * paper's protocol) on the paper's two devices and on the H100 data, plus
 * leave-one-family-out on the H100, two fitted baselines, the coverage of
 * the calibrated uncertainty bands, and the measurement noise floor; writes
 * docs/accuracy.md.
 *
 *   npm run bench:accuracy            (`specs` with seeds 1, 2, 3 on the H100 data)
 *   node --import tsx bench/accuracy.bench.ts --quick   (seed 1 only, no specs+runtime)
 */
import { writeFileSync } from 'node:fs';
import { generationAccuracyMarkdown } from './generationMeasured.js';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  crossValidate,
  crossValidateFlopsBaseline,
  crossValidateLaunchBaseline,
  meanErrors,
  modelFamily,
  modelNames,
  scoreTrees,
  withHostCompanions,
  type CrossValidationResult,
  type LevelErrors,
} from '../src/engine/predict/crossValidate.js';
import type { FeatureSet } from '../src/engine/predict/features.js';
import { DEFAULT_FIT, fitPredictorModel, SMALL_DATA_RESTARTS, SMALL_DATA_TREES } from '../src/engine/predict/predictorModel.js';
import { trainingRanges } from '../src/engine/predict/extrapolation.js';
import { calibrateUncertainty, type UncertaintyModel } from '../src/engine/predict/uncertainty.js';
import type { FitSetting } from '../src/engine/predict/predictorModel.js';
import type { NoiseFigures } from '../src/engine/profiles/profileFormat.js';
import type { ModelNode, ModelTree } from '../src/engine/tree/modelNode.js';
import { countNodes } from '../src/engine/tree/treeWalk.js';
import { h100Hardware, loadDeviceTrees, loadH100Trees, paperHardware, PROFILE_SEED } from '../scripts/trainProfiles.js';

const ROOT = join(__dirname, '..');
const quick = process.argv.includes('--quick');

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

/**
 * The previous predictor's figures (IrEne 0.1.0: free-sign regressions on
 * centred features, aggregation of whole energies, no time model), as its
 * docs/accuracy.md reported them, `specs`, seed 1, ml / module / model MAPE %.
 */
const PREVIOUS: Record<string, [number, number, number]> = {
  device_1: [4.5, 8.73, 1.9],
  device_2: [5.77, 9.82, 3.72],
  'h100-bf16': [20.92, 16.16, 13.31],
  'h100-fp32': [19.08, 11.44, 6.96],
};

/** The issue's targets for this predictor, ml / module / model MAPE % (NaN: none). */
const TARGETS: Record<string, [number, number, number]> = {
  'h100-bf16': [14, 12, 8],
  'h100-fp32': [NaN, NaN, 5],
};

interface Dataset {
  key: string;
  title: string;
  trees: ModelTree[];
  setting: FitSetting;
  noise?: NoiseFigures;
  note: string;
  /** The `irene crossvalidate` command that reprints the seed-1 row. */
  command: string;
  extraSeeds: number[];
  runtime: boolean;
  families: boolean;
  /** The same host's trees in another dtype (their CPU-side time rates, where they hold more models). */
  companions?: ModelTree[];
}

const started = performance.now();
const skipped: string[] = [];
const d1 = loadDeviceTrees('device_1', (m) => skipped.push(`device_1: ${m}`));
const d2 = loadDeviceTrees('device_2', (m) => skipped.push(`device_2: ${m}`));
const bf16 = loadH100Trees('bf16');
const fp32 = loadH100Trees('fp32');
const datasets: Dataset[] = [
  {
    key: 'device_1',
    title: 'IrEne device 1 (paper data, fp32, wall energy)',
    trees: d1,
    setting: { hardware: paperHardware('device_1', d1), fitIdlePower: true },
    note: '',
    command: 'irene crossvalidate data/irene/device_1 --baseline',
    extraSeeds: [],
    runtime: !quick,
    families: false,
  },
  {
    key: 'device_2',
    title: 'IrEne device 2 (paper data, fp32, wall energy)',
    trees: d2,
    setting: { hardware: paperHardware('device_2', d2), fitIdlePower: true },
    note: '',
    command: 'irene crossvalidate data/irene/device_2 --baseline',
    extraSeeds: [],
    runtime: !quick,
    families: false,
  },
  {
    key: 'h100-bf16',
    title: 'H100 bf16 (seven models incl. TinyLlama 1.1B; GPU board energy)',
    trees: bf16.trees,
    setting: { hardware: h100Hardware() },
    noise: bf16.noise,
    note: 'Model level against the long-window figures of model_level.jsonl.',
    command: 'irene crossvalidate data/h100/trees.jsonl.gz --dtype bf16 --baseline',
    companions: fp32.trees,
    extraSeeds: quick ? [] : [2, 3],
    runtime: !quick,
    families: true,
  },
  {
    key: 'h100-fp32',
    title: 'H100 fp32 (four models; GPU board energy)',
    trees: fp32.trees,
    setting: { hardware: h100Hardware() },
    noise: fp32.noise,
    note: 'Model level against the long-window figures of model_level.jsonl.',
    command: 'irene crossvalidate data/h100/trees.jsonl.gz --dtype fp32 --baseline',
    companions: bf16.trees,
    extraSeeds: quick ? [] : [2, 3],
    runtime: !quick,
    families: true,
  },
];

const f = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(2));
const pc = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(0)} %`);
const lines: string[] = [];
const summary: string[] = [];
const timing: string[] = [];
const coverageRows: string[] = [];

function run(ds: Dataset, featureSet: FeatureSet, seed: number, groupOf?: (t: ModelTree) => string): CrossValidationResult {
  const t0 = performance.now();
  const r = crossValidate(ds.trees, { featureSet, seed, setting: ds.setting, noise: ds.noise, groupOf, companionTrees: ds.companions });
  const s = (performance.now() - t0) / 1000;
  const label = `${ds.key} ${featureSet} seed ${seed}${groupOf ? ' leave-one-family-out' : ''}`;
  timing.push(`${label}: ${s.toFixed(1)} s`);
  console.log(`${label}: ml ${f(r.overall.mlPct)} / module ${f(r.overall.modulePct)} / model ${f(r.overall.modelPct)} (${s.toFixed(1)} s)`);
  return r;
}

/**
 * The predictor trained on every model of a data set and scored on the same
 * trees, per model. Not a cross-validation (each model is in its own
 * training set): the error this predictor does not go below on this data,
 * whatever the held-out model. Where it lies above a target, the target
 * cannot be met by tuning on these measurements; the spread between sessions
 * (below each table) says why.
 */
function inSample(ds: Dataset): LevelErrors {
  const t0 = performance.now();
  const setting = withHostCompanions(ds.setting, ds.trees, ds.companions ?? [], 'specs');
  const { model, hardware } = fitPredictorModel(ds.trees, { featureSet: 'specs', seed: PROFILE_SEED }, setting);
  const ranges = trainingRanges(ds.trees);
  const r = meanErrors(modelNames(ds.trees).map((m) => scoreTrees(ds.trees.filter((t) => t.modelName === m), model, hardware, { ranges, fold: m }).errors));
  const s = (performance.now() - t0) / 1000;
  timing.push(`${ds.key} in-sample: ${s.toFixed(1)} s`);
  console.log(`${ds.key} in-sample: ml ${f(r.mlPct)} / module ${f(r.modulePct)} / model ${f(r.modelPct)} (${s.toFixed(1)} s)`);
  return r;
}

const row = (label: string, r: LevelErrors): string => `| ${label} | ${f(r.mlPct)} | ${f(r.modulePct)} | ${f(r.modelPct)} |`;
const modelOnly = (label: string, v: number): string => `| ${label} | - | - | ${f(v)} |`;

/**
 * How differently one computation was measured in two sessions: the H100 data
 * holds bert-base-uncased and roberta-base, whose encoder layers run the same
 * ops on the same shapes under two class names (BertLayer, RobertaLayer), and
 * were measured hours apart. Their relative difference per shape bounds what
 * any predictor can reach at the module level on such nodes.
 */
function sessionSpread(trees: readonly ModelTree[]): { text: string; pct: number }[] {
  const layer = (model: string, b: number, s: number): ModelNode | undefined =>
    trees.find((t) => t.modelName === model && t.batchSize === b && t.seqLen === s)?.root.children.find((c) => c.scope === 'root.encoder')?.children[0];
  const out: { text: string; pct: number }[] = [];
  for (const t of trees.filter((x) => x.modelName === 'bert-base-uncased')) {
    const a = layer('bert-base-uncased', t.batchSize, t.seqLen);
    const r = layer('roberta-base', t.batchSize, t.seqLen);
    if (!a?.measured || !r?.measured) continue;
    const ta = a.measured.runtime?.timesMean ?? NaN;
    const tr = r.measured.runtime?.timesMean ?? NaN;
    const pct = (100 * Math.abs(a.measured.energyJ - r.measured.energyJ)) / r.measured.energyJ;
    out.push({
      text: `${t.batchSize} x ${t.seqLen}: ${a.instanceType} ${(1e3 * a.measured.energyJ).toFixed(1)} mJ in ${(1e3 * ta).toFixed(2)} ms, ${r.instanceType} ${(1e3 * r.measured.energyJ).toFixed(1)} mJ in ${(1e3 * tr).toFixed(2)} ms (${f(pct)} % apart)`,
      pct,
    });
  }
  return out;
}

const uncertaintyNote = (u: UncertaintyModel): string =>
  ['ml', 'module', 'model'].map((l) => `${l} ${(100 * u.levels[l as 'ml'].baseRelative).toFixed(1)} % + ${(100 * u.levels[l as 'ml'].perLogDistance).toFixed(1)} % per e-fold`).join(', ');

for (const ds of datasets) {
  const specs = run(ds, 'specs', PROFILE_SEED);
  const extra = ds.extraSeeds.map((seed) => ({ seed, r: run(ds, 'specs', seed) }));
  const runtime = ds.runtime ? run(ds, 'specs+runtime', PROFILE_SEED) : undefined;
  const base = crossValidateFlopsBaseline(ds.trees);
  const launch = crossValidateLaunchBaseline(ds.trees);
  const models = [...new Set(ds.trees.map((t) => t.modelName))];
  const nodes = ds.trees.reduce((s, t) => s + countNodes(t.root), 0);
  lines.push(`## ${ds.title}`, '');
  lines.push(`${ds.trees.length} trees (${nodes.toLocaleString('en-US')} nodes) of ${models.length} models: ${models.join(', ')}. ${ds.note}`.trim(), '');
  lines.push(`Reprint the first row: \`${ds.command}\` (the baselines come with \`--baseline\`).`, '');
  lines.push('| predictor (leave-one-model-out MAPE %) | ml | module | model |', '| --- | ---: | ---: | ---: |');
  lines.push(row(`**this project, \`specs\`** (seed ${PROFILE_SEED})`, specs.overall));
  for (const e of extra) lines.push(row(`this project, \`specs\` (seed ${e.seed})`, e.r.overall));
  if (runtime) lines.push(row(`this project, \`specs+runtime\` (seed ${PROFILE_SEED}; leaks the answer)`, runtime.overall));
  const floor = inSample(ds);
  lines.push(row(`this project, \`specs\`, trained on all ${models.length} models and scored on them (in-sample, not a cross-validation: the floor of this predictor on this data)`, floor));
  const prev = PREVIOUS[ds.key];
  if (prev) lines.push(`| previous predictor (0.1.0), \`specs\` | ${prev.map(f).join(' | ')} |`);
  const target = TARGETS[ds.key];
  if (target) lines.push(`| target | ${target.map((t) => (Number.isFinite(t) ? `<= ${t}` : '-')).join(' | ')} |`);
  lines.push(modelOnly('baseline: a x FLOPs + b, fitted here', base.overall.modelPct));
  lines.push(modelOnly('baseline: a + b x launches + c x FLOPs + d x bytes, non-negative, fitted here', launch.overall.modelPct));
  const pub = PUBLISHED[ds.key];
  if (pub?.specs) lines.push(`| IrEne published, specs only | ${pub.specs.map(f).join(' | ')} |`);
  if (pub?.all) lines.push(`| IrEne published, all features | ${pub.all.map(f).join(' | ')} |`);
  if (pub?.baseline) lines.push(modelOnly('a x FLOPs + b, published', pub.baseline));
  lines.push('');
  if (pub) lines.push(`Published figures: ${pub.note}.`, '');
  lines.push('<details><summary>Per left-out model (`specs`, seed 1; baselines)</summary>', '');
  lines.push('| left-out model | ml | module | model | a x FLOPs + b | launches + FLOPs + bytes |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const p of specs.perModel) {
    const b = base.perModel.find((x) => x.model === p.model);
    const l = launch.perModel.find((x) => x.model === p.model);
    lines.push(`| ${p.model} | ${f(p.mlPct)} | ${f(p.modulePct)} | ${f(p.modelPct)} | ${f(b?.modelPct)} | ${f(l?.modelPct)} |`);
  }
  lines.push('', '</details>', '');
  if (ds.families) {
    const groupOf = (t: ModelTree): string => modelFamily(t.modelName);
    const lofo = run(ds, 'specs', PROFILE_SEED, groupOf);
    const lb = crossValidateFlopsBaseline(ds.trees, groupOf);
    const ll = crossValidateLaunchBaseline(ds.trees, groupOf);
    lines.push(`### Leave-one-family-out (architectures not seen)`, '');
    lines.push(`Each family is left out whole: ${[...new Set(ds.trees.map(groupOf))].join('; ')}. Reprint: \`${ds.command} --leave-out family\`.`, '');
    lines.push('| left-out family | ml | module | model | a x FLOPs + b | launches + FLOPs + bytes |', '| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const p of lofo.perModel) {
      const b = lb.perModel.find((x) => x.model === p.model);
      const l = ll.perModel.find((x) => x.model === p.model);
      lines.push(`| ${p.model} | ${f(p.mlPct)} | ${f(p.modulePct)} | ${f(p.modelPct)} | ${f(b?.modelPct)} | ${f(l?.modelPct)} |`);
    }
    lines.push(`| **mean** | ${f(lofo.overall.mlPct)} | ${f(lofo.overall.modulePct)} | ${f(lofo.overall.modelPct)} | ${f(lb.overall.modelPct)} | ${f(ll.overall.modelPct)} |`, '');
    const beats = lofo.overall.modelPct < lb.overall.modelPct && lofo.overall.modelPct < ll.overall.modelPct;
    summary.push(
      `- ${ds.key} leave-one-family-out, model level: ${f(lofo.overall.modelPct)} against the baselines' ${f(lb.overall.modelPct)} (a x FLOPs + b) and ${f(ll.overall.modelPct)} (launches + FLOPs + bytes): ${beats ? 'better than both' : '**not better than both**'}`,
    );
  }
  const spread = sessionSpread(ds.trees);
  if (spread.length > 0) {
    const sorted = [...spread].sort((x, y) => x.pct - y.pct);
    const where =
      spread.length <= 6
        ? `at ${spread.map((x) => x.text).join('; ')}`
        : `at its ${spread.length} shapes: a median of ${f(sorted[sorted.length >> 1]!.pct)} % apart, at most ${f(sorted[sorted.length - 1]!.pct)} % (${sorted[sorted.length - 1]!.text})`;
    lines.push(
      `The same computation measured in two sessions: the first encoder layer of bert-base-uncased and of roberta-base (the same ops on the same shapes under two class names) ${where}. Module- and primitive-level errors cannot fall much below such differences.`,
      '',
    );
  }
  // Coverage of the calibrated bands on folds the calibration did not see.
  const u = calibrateUncertainty(specs.residuals, { ml: 0.1, module: 0.1, model: 0.1 });
  const cov = (l: 'ml' | 'module' | 'model'): string => {
    const c = u.coverage?.[l];
    return c ? `${pc(c.within1Sigma)} / ${pc(c.within2Sigma)} (${c.n})` : '-';
  };
  coverageRows.push(`| ${ds.key} | ${cov('ml')} | ${cov('module')} | ${cov('model')} | ${uncertaintyNote(u)} |`);
  const seeds = [specs, ...extra.map((e) => e.r)].map((r) => r.overall.modelPct);
  const pieces = [`- ${ds.key}: \`specs\` ${f(specs.overall.mlPct)} / ${f(specs.overall.modulePct)} / ${f(specs.overall.modelPct)}`];
  if (seeds.length > 1) pieces.push(` (model level over seeds ${[PROFILE_SEED, ...ds.extraSeeds].join(', ')}: ${f(Math.min(...seeds))}-${f(Math.max(...seeds))})`);
  if (prev) pieces.push(`; previous predictor ${prev.map(f).join(' / ')}`);
  if (target) {
    const levels = ['ml', 'module', 'model'] as const;
    const missed = levels.filter((l, i) => Number.isFinite(target[i]!) && !(specs.overall[`${l}Pct`] <= target[i]!));
    const belowFloor = levels.filter((l, i) => Number.isFinite(target[i]!) && !(floor[`${l}Pct`] <= target[i]!));
    pieces.push(`; target ${target.map((t) => (Number.isFinite(t) ? String(t) : '-')).join(' / ')}: ${missed.length === 0 ? 'met' : `**missed on ${missed.join(', ')}**`}`);
    if (belowFloor.length > 0) pieces.push(` (trained and scored on all models, in-sample, it reaches ${f(floor.mlPct)} / ${f(floor.modulePct)} / ${f(floor.modelPct)}: the target lies below what it reaches on its own training data on ${belowFloor.join(', ')})`);
  }
  if (pub?.specs) {
    const beat = [specs.overall.mlPct < pub.specs[0], specs.overall.modulePct < pub.specs[1], specs.overall.modelPct < pub.specs[2]];
    pieces.push(`; IrEne published ${pub.specs.map(f).join(' / ')}: ${beat.every(Boolean) ? 'below on every level' : `**not below on ${['ml', 'module', 'model'].filter((_, i) => !beat[i]).join(', ')}**`}`);
  }
  pieces.push(`; baselines ${f(base.overall.modelPct)} (a x FLOPs + b) and ${f(launch.overall.modelPct)} (launches + FLOPs + bytes) at model level`);
  summary.push(pieces.join(''));
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
training or in any choice made during training. Leave-one-family-out leaves every model of
an architecture family out at once (the test of architectures not seen at all). With more
than 20 models (none of the data sets here), the models are dealt into 20 folds that are each
left out at once, so that the work stays 20 fits.

## Summary

${summary.join('\n')}

Feature sets: \`specs\` uses only what is known before running: batch size, sequence length,
tokens, input size, FLOPs, bytes, parameters, memory traffic, eager kernel launches and the
roofline time on the profile's hardware. It is the default and what the bundled profiles use.
\`specs+runtime\` adds the columns measured while the node ran (time, GPU energy reading,
utilisation, clocks); it is for comparison with the paper only, because those columns contain
the answer.

${lines.join('\n')}
## Uncertainty and its coverage

Every predicted node carries a one-sigma uncertainty relative to its value,
sigma^2 = base(level)^2 + noise(tokens)^2 + (k(level) x d)^2, where d is how far the input lies
outside the profile's training data (the natural log of the largest factor by which batch,
sequence, tokens, FLOPs, bytes, parameters or a primitive kind's FLOPs lie beyond the range
seen in training). base and k are fitted by maximum likelihood on the cross-validation
residuals, so the band widens with extrapolation by construction. Coverage below is measured
fold by fold with parameters fitted on the other folds only: the fraction of held-out nodes
whose error lay within one and two sigma (the aim is about 68 % and 95 %).

| data | ml: within 1 sigma / 2 sigma (nodes) | module | model | fitted base + growth |
| --- | --- | --- | --- | --- |
${coverageRows.join('\n')}

The errors are not normal: most nodes lie close and a few far off, so one normal band cannot
meet both 68 % and 95 % at once; the table says where it lands for each level.

## How the predictor works

- **Hardware in every profile**: dense peak FLOP/s per dtype, memory bandwidth and capacity,
  idle power, power limit and interconnect bandwidth, each with its source (the datasheet, a
  measurement, or a fit). The paper's machines have no known GPU: their peaks are absent and
  their idle power is learned.
- **Work known before running**: per primitive, its FLOPs, bytes, memory traffic (bytes once per
  kernel it launches), the number of kernels eager PyTorch launches for it (a Linear one,
  GPT-2's written-out GELU eight, Llama's RMSNorm eight), whether it is an nn.Module call, and
  its roofline time max(FLOPs / peak, bytes / bandwidth).
- **Time model** (fitted on measured times, never guessed): a primitive's GPU time is
  max(a x F_ref x (FLOPs / F_ref)^beta, traffic x b) plus a fixed time per kernel, never below its
  datasheet roofline (beta <= 1: large kernels use the GPU better than small ones); the CPU's issue time is a cost per kernel and per module call plus one per forward
  pass; a node takes (G^p + I^p)^(1/p), so small inputs are launch-bound and large ones bound by
  the GPU. The in-forward rates are fitted on the whole-model times, the rates of a module and of
  a primitive replayed on its own (how the measuring harness times nodes) on those replays.
  The CPU-side rates (per kernel, per module call, per forward pass) belong to the host, not to
  the dtype: where the same host was measured in another dtype with more models (the seven bf16
  models for the four fp32 ones), a fit on those, without the left-out model, is their prior.
  Four fp32 models of two depths cannot tell a forward pass's fixed overhead from its per-kernel
  cost when the only 6-layer one is left out; the bf16 set, with a 6- and a 22-layer model
  besides, can.
- **Energy = static power x time + dynamic energy.** Per primitive kind (and per class where there
  are ${fit.perTypeMinRows} rows or more) a regression with non-negative coefficients on uncentred columns:
  idle power x the primitive's predicted time, a fixed cost per call, FLOPs, traffic, launches and
  the other \`specs\` columns (the columns are chosen by an inner leave-one-model-out on the
  training models). Every column grows with work and no coefficient is negative, so more work
  never costs less, and beyond the training range energy grows linearly in work.
- **IrEne's recursive aggregation** on the dynamic energy: a parent's dynamic energy is
  sum_c (1 + tanh(w . f_c + b) / tau) x D(c) x calls_c / calls_parent with tau = ${fit.tau}, f_c the
  child's FLOPs, traffic and launches on a log scale and a one-hot of its kind; the weights on the
  work columns are kept >= 0, so a child's factor never falls as its work grows. A node's energy is
  its static energy (idle power x its predicted time, which does not add up over children: the CPU
  issues kernels while the GPU runs) plus that dynamic energy, plus the power a busy board draws
  above idle x the time (learned), plus the power the host draws above idle while it issues kernels
  x the predicted issue time (learned, at most half the power limit), capped at the power limit x
  the time. The issue power is spent whether or not the GPU hides the issue time; a wall meter (the
  paper's machines) reads it, a board meter hardly (the H100 fits find little), and on device_1 it
  took the model-level error from 2.80 to 1.75 % and the module level from 6.17 to 3.26 %: small
  inputs had been under-predicted by up to 13 % and large ones over-predicted by 3-5 %, even
  in-sample. The weights are trained
  end to end (Adam, ${fit.epochs} steps, the best of ${fit.restarts} seeded starts, ${SMALL_DATA_RESTARTS} on data sets of fewer
  than ${SMALL_DATA_TREES} trees) on every measured module and root, each level weighing half.
- **Invariants**, tested as properties in \`npm test\` over bert-, gpt2- and llama-shaped configs on
  every bundled profile: energy is non-decreasing in batch, sequence, layers, hidden and
  intermediate size; it lies within [idle x roofline time, power limit x predicted time]; the
  uncertainty is non-decreasing in the extrapolation distance.

## What the data can and cannot show

- The H100 profiles are trained on three shapes per model, two of them launch-bound. The shapes
  (1 x 128, 8 x 256, 32 x 512) are where the cross-validation speaks; far from them the time model
  and the work terms extrapolate, and the uncertainty widens with the distance.
- Primitives and modules were measured one at a time, replayed in a loop, and the same
  computation measured in two sessions can differ a lot (see the H100 sections: BertLayer and
  RobertaLayer run identical computations). The ml and module figures are bounded below by that.
  Identical primitives were measured once and copied across models, so the data holds no repeat
  of a primitive to show its own spread.
- The paper's devices read a whole machine at the wall, fp32, and the data does not say which GPU
  they had: their idle power is learned and no roofline or memory check is possible there.
- Every bundled profile ran eager PyTorch (\`transformers\` with eager attention, random weights,
  no KV cache). Fused attention, CUDA graphs, \`torch.compile\` or a serving engine change the
  launch count and the time: the predictions do not describe them.

## Data notes

${skipped.map((s) => `- ${s}`).join('\n')}
- Rows of \`sshleifer/tiny-ctrl\` are left out, as the original IrEne code does.
- H100: the whole-model ground truth (energy and time) comes from \`model_level.jsonl\` (three long
  windows, median), not from the tree roots, which are noisier.

## Run

${timing.map((t) => `- ${t}`).join('\n')}
- whole benchmark: **${seconds.toFixed(0)} s** in Node ${process.version} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, shared with other work).
`;
writeFileSync(join(ROOT, 'docs/accuracy.md'), `${doc}\n${generationAccuracyMarkdown()}`);
console.log(`wrote docs/accuracy.md in ${seconds.toFixed(0)} s`);
