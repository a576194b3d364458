/**
 * Predicting a model tree's energy with a device profile: every node gets
 * energy per call and per inference, an uncertainty and its share of the
 * model; the prediction carries warnings about anything that makes it less
 * trustworthy (dtype mismatch, extrapolation, unknown primitives).
 */
import { throwIfAborted } from '../errors.js';
import type { ModelTree, PredictedNode } from '../tree/modelNode.js';
import type { PredictionLike } from '../report/predictionReport.js';
import { summarizeProfile, type Profile, type ProfileSummary } from '../profiles/profileFormat.js';
import { buildForest, leafKind, predictForest, prepareForest } from './predictorModel.js';
import { projectToVocabulary } from './leafVocabulary.js';

/** A whole-model prediction: the report's fields (PredictionLike) with the profile's full summary. */
export interface Prediction extends PredictionLike {
  profile: ProfileSummary;
}

/** MAPE (percent) to a one-sigma relative error: for normal errors E|e| = sigma x sqrt(2/pi). */
const MAPE_TO_SIGMA = Math.sqrt(Math.PI / 2) / 100;

/**
 * Relative one-sigma uncertainty of a node of a level: the profile's
 * cross-validation error for that level (how far off it was on models it had
 * not seen, as a MAPE turned into a sigma) combined in quadrature with the
 * measurement noise for inputs of this size (launch-bound small inputs repeat
 * worse). Levels without a cross-validation figure use the largest one; a
 * profile trained without cross-validation carries the noise term only.
 */
export function relativeUncertainty(profile: Profile, level: 'ml' | 'module' | 'model', tokens: number): number {
  const cv = profile.crossValidation;
  const byLevel = { ml: cv.mlPct, module: cv.modulePct, model: cv.modelPct }[level];
  const known = [cv.mlPct, cv.modulePct, cv.modelPct].filter((v) => Number.isFinite(v));
  const pct = Number.isFinite(byLevel) ? byLevel : known.length > 0 ? Math.max(...known) : 0;
  const model = pct * MAPE_TO_SIGMA;
  const n = profile.noise;
  const noise = n ? (tokens <= n.smallTokens ? n.smallRelative : n.largeRelative) : 0;
  return Math.sqrt(model * model + noise * noise);
}

/**
 * Predicts the energy of every node of a tree (joules per call and per
 * inference) with a profile. Never throws for unusual inputs: it predicts and
 * warns. Energies are never negative.
 */
export function predictTree(tree: ModelTree, profile: Profile, options: { signal?: AbortSignal } = {}): Prediction {
  throwIfAborted(options.signal);
  const model = profile.predictor;
  // Only the primitives the profile's training trees listed; the rest ran inside their parents there.
  const { tree: projected, dropped } = projectToVocabulary(tree, profile.leafVocabulary);
  const data = buildForest([projected], model.featureSet, options.signal, model.ignoredFeatures);
  const { usedFallback } = prepareForest(data, model);
  throwIfAborted(options.signal);
  const perCall = predictForest(data, model);
  // The importer's own warnings (unresolved sizes, unknown operators) travel with the prediction.
  const warnings: string[] = [...tree.warnings];
  if (tree.dtype !== profile.dtype) {
    warnings.push(
      `the model runs in ${tree.dtype} but profile "${profile.name}" was measured in ${profile.dtype}; energies can differ by 2x or more between dtypes`,
    );
  }
  warnings.push(...rangeWarnings(tree, profile, data.nodes.filter((n) => n.children.length === 0)));
  const fallbackTypes = new Set<string>();
  data.nodes.forEach((n, i) => {
    if (usedFallback[i]) fallbackTypes.add(n.instanceType);
  });
  if (fallbackTypes.size > 0) {
    warnings.push(
      `no regression for ${[...fallbackTypes].sort().join(', ')} in profile "${profile.name}": predicted from FLOPs and bytes by the global fallback, expect larger errors there`,
    );
  }

  if (dropped.size > 0) {
    const list = [...dropped].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} (${n})`);
    warnings.push(
      `profile "${profile.name}" was measured on trees that do not list ${list.join(', ')} as parts of their own; their energy is counted in the modules that run them`,
    );
  }
  const tokens = tree.batchSize * tree.seqLen;
  const sigma = {
    ml: relativeUncertainty(profile, 'ml', tokens),
    module: relativeUncertainty(profile, 'module', tokens),
    model: relativeUncertainty(profile, 'model', tokens),
  };
  const { forest, nodes } = data;
  const built: PredictedNode[] = new Array<PredictedNode>(forest.n);
  const rootIdx = data.roots[0]!;
  // Share = the node's weighted contribution to the model's total, so that
  // children's shares add up to their parent's (the aggregation weights make
  // a parent differ from the plain sum of its children). Pre-order sweep.
  const shares = new Float64Array(forest.n);
  const a = profile.predictor.aggregation;
  for (let k = forest.n - 1; k >= 0; k--) {
    const i = forest.order[k]!;
    const p = forest.parent[i]!;
    if (p < 0) {
      shares[i] = 1;
      continue;
    }
    let z = a.b;
    for (let j = 0; j < forest.d; j++) z += a.w[j]! * forest.feat[i * forest.d + j]!;
    const contribution = (1 + Math.tanh(z) / a.tau) * perCall[i]! * forest.ratio[i]!;
    shares[i] = perCall[p]! > 0 ? (shares[p]! * contribution) / perCall[p]! : 0;
  }
  const modelEnergyJ = Math.max(0, perCall[rootIdx]!) * nodes[rootIdx]!.calls;
  for (let k = 0; k < forest.n; k++) {
    const i = forest.order[k]!;
    const node = nodes[i]!;
    const energyJ = shares[i]! * modelEnergyJ;
    const level = forest.parent[i]! < 0 ? 'model' : node.type === 'ml' ? 'ml' : 'module';
    built[i] = {
      node,
      energyPerCallJ: energyJ / node.calls,
      energyJ,
      isolatedEnergyJ: Math.max(0, perCall[i]!) * node.calls,
      uncertaintyJ: energyJ * sigma[level],
      share: shares[i]!,
      children: [],
    };
  }
  for (let i = 0; i < forest.n; i++) {
    const p = forest.parent[i]!;
    if (p >= 0) built[p]!.children.push(built[i]!);
  }
  const root = built[rootIdx]!;
  return {
    modelName: tree.modelName,
    profile: summarizeProfile(profile),
    batchSize: tree.batchSize,
    seqLen: tree.seqLen,
    dtype: tree.dtype,
    energyJ: root.energyJ,
    uncertaintyJ: root.uncertaintyJ,
    warnings,
    root,
  };
}

function times(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}

function outside(value: number, [lo, hi]: [number, number]): string | undefined {
  if (value > hi && hi > 0) return `${times(value / hi)}x the largest seen in training (${hi})`;
  if (value < lo && value > 0) return `${times(lo / value)}x below the smallest seen in training (${lo})`;
  return undefined;
}

/** Extrapolation warnings: batch and sequence against the model range, FLOPs per kind against that kind's range. */
function rangeWarnings(tree: ModelTree, profile: Profile, leaves: readonly ModelTree['root'][]): string[] {
  const out: string[] = [];
  const m = profile.trainingRange['model'];
  if (m) {
    const b = outside(tree.batchSize, m.batch);
    if (b) out.push(`batch size ${tree.batchSize} is outside the training range ${m.batch[0]}-${m.batch[1]}: ${b}; extrapolating`);
    const s = outside(tree.seqLen, m.seq);
    if (s) out.push(`sequence length ${tree.seqLen} is outside the training range ${m.seq[0]}-${m.seq[1]}: ${s}; extrapolating`);
  }
  const worst = new Map<string, { ratio: number; above: boolean; edge: number }>();
  for (const leaf of leaves) {
    const kind = leafKind(leaf);
    const r = profile.trainingRange[kind];
    if (!r || leaf.flops <= 0) continue;
    const above = leaf.flops > r.flops[1];
    const ratio = above ? leaf.flops / r.flops[1] : r.flops[0] > 0 && leaf.flops < r.flops[0] ? r.flops[0] / leaf.flops : 1;
    // Within 10 % of the edge is noise in the range, not extrapolation worth a warning.
    if (ratio <= 1.1) continue;
    const prev = worst.get(kind);
    if (!prev || ratio > prev.ratio) worst.set(kind, { ratio, above, edge: above ? r.flops[1] : r.flops[0] });
  }
  for (const [kind, w] of worst) {
    out.push(
      `${kind} primitives reach ${times(w.ratio)}x ${w.above ? 'the largest' : 'below the smallest'} FLOPs seen in training (${w.edge.toExponential(2)} FLOPs); extrapolating`,
    );
  }
  return out;
}
