/**
 * How much of two predictions' error is shared: the correlation rho that
 * `irene check` uses for the uncertainty of a difference (src/engine/budget/
 * deltaUncertainty.ts). Writes its section of docs/ci.md.
 *
 *   npm run bench deltaCorrelation
 *
 * The data has no "revisions" of one model, so it uses the closest thing it
 * has: pairs of related models measured at the same shapes (gpt2 and
 * distilgpt2 differ only in their layer count). For each pair a profile is
 * trained on the OTHER models (neither model of the pair is seen, as for a
 * user's model), both are predicted at every shape they share, and the
 * relative errors r = predicted / measured - 1 are compared:
 *
 *   rho = 1 - sum (r_a - r_b)^2 / sum (r_a^2 + r_b^2)
 *
 * (uncentred: a common bias is part of the error that cancels). Then it checks
 * the product's sigma of a difference (the bundled profile's sigma per
 * prediction, SAME_PROFILE_CORRELATION) against the actual error of the
 * predicted difference: about 68 % of the differences should fall within 1 sigma.
 */
import { join } from 'node:path';
import { getBundledProfile, predictTree, relativeUncertainty, summarizeProfile, trainProfile, type Dtype, type ModelTree } from '../src/engine/index.js';
import { deltaUncertaintyJ, SAME_PROFILE_CORRELATION, systematicUncertaintyJ } from '../src/engine/budget/deltaUncertainty.js';
import { loadDeviceTrees, loadH100Trees, PROFILE_SEED } from '../scripts/trainProfiles.js';
import { writeDocSection } from './performanceDoc.js';

const ROOT = join(__dirname, '..');

/** Related pairs: same block, different depth (first two), or same depth, small architectural differences. */
const PAIRS: readonly [string, string, string][] = [
  ['gpt2', 'distilgpt2', 'same blocks, 12 vs 6 layers'],
  ['bert-base-uncased', 'distilbert-base-uncased', 'near-identical blocks, 12 vs 6 layers'],
  ['bert-base-uncased', 'roberta-base', 'same architecture, larger vocabulary'],
  ['gpt2', 'openai-gpt', 'same size, pre- vs post-LayerNorm'],
];

interface Dataset {
  key: string;
  profile: string;
  dtype: Dtype;
  trees: ModelTree[];
}

const datasets: Dataset[] = [
  { key: 'IrEne device 1 (fp32)', profile: 'irene-device-1', dtype: 'fp32', trees: loadDeviceTrees('device_1') },
  { key: 'IrEne device 2 (fp32)', profile: 'irene-device-2', dtype: 'fp32', trees: loadDeviceTrees('device_2') },
  { key: 'H100 (bf16)', profile: 'h100-bf16', dtype: 'bf16', trees: loadH100Trees('bf16').trees },
];

function measured(t: ModelTree): number {
  return t.measuredModelEnergyJ ?? (t.root.measured ? t.root.measured.energyJ * t.root.calls : NaN);
}

interface Sample {
  ra: number;
  rb: number;
  /** Error of the predicted difference (joules). */
  err: number;
  /** The systematic part of the product's one-sigma of each prediction (joules): what a difference is judged by. */
  sa: number;
  sb: number;
  /** Run-to-run noise of the two measurements (relative one-sigma), from the bundled profile; 0 where it has none. */
  na: number;
  nb: number;
  /** Measured energies (joules). */
  ma: number;
  mb: number;
}

/** Correlations whose coverage the doc lists, besides the one the product uses. */
const RHOS = [0, 0.5, 0.9, 0.95];

const rows: string[] = [];
const all: Sample[] = [];
const perData: string[] = [];
const started = performance.now();
for (const ds of datasets) {
  const bundled = getBundledProfile(ds.profile);
  for (const [a, b, why] of PAIRS) {
    const ta = ds.trees.filter((t) => t.modelName === a);
    const tb = ds.trees.filter((t) => t.modelName === b);
    if (ta.length === 0 || tb.length === 0) continue;
    const t0 = performance.now();
    const profile = trainProfile(
      ds.trees.filter((t) => t.modelName !== a && t.modelName !== b),
      { name: `without-${a}-${b}`, hardware: getBundledProfile(ds.profile).hardware, fitIdlePower: ds.profile.startsWith('irene'), dtype: ds.dtype, energySource: 'bench', seed: PROFILE_SEED, skipCrossValidation: true },
    );
    const samples: Sample[] = [];
    for (const x of ta) {
      const y = tb.find((t) => t.batchSize === x.batchSize && t.seqLen === x.seqLen);
      if (!y) continue;
      const ma = measured(x);
      const mb = measured(y);
      if (!(ma > 0 && mb > 0)) continue;
      const pa = predictTree(x, profile).energyJ;
      const pb = predictTree(y, profile).energyJ;
      const tokens = x.batchSize * x.seqLen;
      // The product's one-sigma of each prediction (the bundled profile's, at this size), and its systematic part.
      const summary = summarizeProfile(bundled);
      const sys = (e: number): number => systematicUncertaintyJ({ energyJ: e, uncertaintyJ: e * relativeUncertainty(bundled, 'model', tokens), profile: summary });
      const n = bundled.noise ? (tokens <= bundled.noise.smallTokens ? bundled.noise.smallRelative : bundled.noise.largeRelative) : 0;
      samples.push({ ra: pa / ma - 1, rb: pb / mb - 1, err: pb - pa - (mb - ma), sa: sys(pa), sb: sys(pb), na: n, nb: n, ma, mb });
    }
    all.push(...samples);
    perData.push(...samples.map(() => ds.key));
    const s = stats(samples);
    console.log(`${ds.key} ${a}/${b}: ${samples.length} shapes, rho ${f(s.rho)}, rms r ${pct(s.rmsA)} / ${pct(s.rmsB)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    rows.push(`| ${ds.key} | ${a} / ${b} (${why}) | ${samples.length} | ${pct(s.rmsA)} / ${pct(s.rmsB)} | ${pct(s.rmsDiff)} | ${f(s.rho)} | ${f(s.rhoDenoised)} | ${pct(within(samples, SAME_PROFILE_CORRELATION))} |`);
  }
  const mine = all.filter((_, i) => perData[i] === ds.key);
  const s = stats(mine);
  rows.push(`| **${ds.key}, all pairs** | | ${mine.length} | ${pct(s.rmsA)} / ${pct(s.rmsB)} | ${pct(s.rmsDiff)} | **${f(s.rho)}** | ${f(s.rhoDenoised)} | ${pct(within(mine, SAME_PROFILE_CORRELATION))} |`);
}
const total = stats(all);
console.log(`all: ${all.length} pairs of predictions, rho ${f(total.rho)} (noise removed ${f(total.rhoDenoised)}); within 1 sigma: ${pct(within(all, SAME_PROFILE_CORRELATION))} (rho ${SAME_PROFILE_CORRELATION})`);

/**
 * Fraction of samples whose error of the predicted difference lies within
 * one sigma: the product's sigma of the difference (systematic parts at
 * correlation rho) widened by the noise of the two measurements it is
 * checked against (the predicted difference has none; the measured one does).
 */
function within(samples: readonly Sample[], rho: number): number {
  return (
    samples.filter((s) => Math.abs(s.err) <= Math.hypot(deltaUncertaintyJ(s.sa, s.sb, rho), s.na * s.ma, s.nb * s.mb)).length / samples.length
  );
}

function stats(samples: readonly Sample[]): { rho: number; rhoDenoised: number; rmsA: number; rmsB: number; rmsDiff: number } {
  const n = samples.length;
  const sum = (g: (s: Sample) => number): number => samples.reduce((acc, s) => acc + g(s), 0);
  const sq = sum((s) => s.ra * s.ra + s.rb * s.rb);
  // The measured truth carries its own run-to-run noise, independent between the two models: it inflates
  // sum (r_a - r_b)^2 and sum r^2 by sum (n_a^2 + n_b^2). Removing it estimates the correlation of the
  // predictions' own errors (an upper estimate where the truth is a long-window figure, quieter than n says).
  const noise = sum((s) => s.na * s.na + s.nb * s.nb);
  return {
    rho: n > 0 && sq > 0 ? 1 - sum((s) => (s.ra - s.rb) ** 2) / sq : NaN,
    rhoDenoised: n > 0 && sq > noise ? 1 - Math.max(0, sum((s) => (s.ra - s.rb) ** 2) - noise) / (sq - noise) : NaN,
    rmsA: Math.sqrt(sum((s) => s.ra * s.ra) / n),
    rmsB: Math.sqrt(sum((s) => s.rb * s.rb) / n),
    rmsDiff: Math.sqrt(sum((s) => (s.ra - s.rb) ** 2) / n),
  };
}

function f(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '-';
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '-';
}

const coverage = [...RHOS, SAME_PROFILE_CORRELATION]
  .sort((x, y) => x - y)
  .map((rho) => `| ${rho === SAME_PROFILE_CORRELATION ? `**${rho}** (used)` : rho} | ${pct(within(all, rho))} |`);

writeDocSection(
  join(ROOT, 'docs', 'ci.md'),
  'deltaCorrelation',
  `\`bench/deltaCorrelation.bench.ts\` (${((performance.now() - started) / 1000).toFixed(0)} s): for each pair, a profile trained on the other models
predicts both at every shape they were measured at; r = predicted / measured - 1; rho = 1 - Σ(r_a - r_b)² / Σ(r_a² + r_b²).
"Within 1σ": how often the error of the predicted difference, (P_b - P_a) - (M_b - M_a), lies within the one-sigma of
the difference the product computes (the systematic parts of each prediction's sigma from the bundled profile, rho = ${SAME_PROFILE_CORRELATION}),
widened by the run-to-run noise of the two measurements it is checked against; 68 % is calibrated, more is conservative.
"Noise removed": rho after taking that measurement noise out of the errors (the H100 profiles know it; the IrEne devices' do not, so there it equals rho).

| data | pair | shapes | rms error a / b | rms (r_a - r_b) | rho | rho, noise removed | within 1σ |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
| **everything** | | ${all.length} | ${pct(total.rmsA)} / ${pct(total.rmsB)} | ${pct(total.rmsDiff)} | **${f(total.rho)}** | ${f(total.rhoDenoised)} | ${pct(within(all, SAME_PROFILE_CORRELATION))} |

How the coverage of all ${all.length} differences depends on the correlation assumed:

| rho | within 1σ |
| ---: | ---: |
${coverage.join('\n')}`,
);
