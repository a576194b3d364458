/**
 * IrEne's recursive aggregation, on the dynamic part of the energy: a
 * parent's dynamic energy per call is the weighted sum of its children's,
 *
 *   D(parent) = sum_c (1 + tanh(w . f_c + b) / tau) x D(c) x (c.calls / parent.calls),
 *
 * where leaves take the primitive regressions' dynamic predictions, and a
 * node's energy is its static energy S (idle power x its predicted time, which
 * does not add up over children: the CPU issues kernels while the GPU runs)
 * plus D, capped at the power limit x its time (the time model is fitted on
 * measured times, which already include any slowing of a board held at its
 * power limit, so the cap is the physical bound):
 *
 *   E(node) = min(S(node) + D(node), limit x T(node)).
 *
 * The weights w, b are trained end to end (hand-derived gradients, Adam) on
 * the squared relative error of every measured non-leaf node, so that a
 * module's unlisted work (views, dropout, bias adds, dispatch) is credited to
 * the children it travels with. Weights on the work columns are kept >= 0
 * (projected steps), so a child's factor never falls as its work grows: with
 * D(c) growing too, the parent's energy is monotone in work.
 */
import { throwIfAborted } from '../errors.js';
import { createPrng, gaussian } from './prng.js';

/** The trained weighting model, serialisable into a profile. */
export interface AggregationModel {
  /** Mean of each aggregation feature column over the training children. */
  mean: number[];
  /** Standard deviation of each column; 0 marks a constant column (ignored). */
  std: number[];
  /** One weight per column. */
  w: number[];
  b: number;
  /** Temperature: each child's factor lies in (1 - 1/tau, 1 + 1/tau). */
  tau: number;
  /** The first this many columns measure work: their weights are >= 0. */
  monotoneColumns: number;
}

/**
 * Trees flattened into arrays (all trees concatenated), children before
 * parents, so that one forward and one backward sweep cover a whole data set.
 */
export interface FlatForest {
  n: number;
  /** Feature columns per node (count). */
  d: number;
  /** Parent index, -1 for roots. */
  parent: Int32Array;
  /** child.calls / parent.calls (runs of the child per call of the parent). */
  ratio: Float64Array;
  /** 1 for nodes without children. */
  leaf: Uint8Array;
  /** Dynamic energy of leaves (joules per call). */
  leafPred: Float64Array;
  /**
   * Fixed part of each node's isolated energy (joules per call): a leaf's
   * static and per-call terms from its regression; 0 for modules, whose static
   * energy is `staticPowerW x perWatt`.
   */
  offset: Float64Array;
  /** Predicted time of each module (seconds per call): its static energy per watt of static power; 0 for leaves. */
  perWatt: Float64Array;
  /** Static (idle) power the modules' static energy is computed with (W). */
  staticPowerW: number;
  /**
   * Time the host spends issuing each non-leaf node's kernels (seconds per
   * call; 0 for leaves, whose regressions carry their own per-launch terms).
   */
  issueS: Float64Array;
  /** Power the host draws above idle while it issues kernels (W, >= 0); see `PredictorModel.issuePowerW`. */
  issuePowerW: number;
  /** Largest energy each node may have (joules per call): power limit x its predicted time. */
  cap: Float64Array;
  /** Standardised aggregation features, row-major n x d (roots' rows unused). */
  feat: Float64Array;
  /** Measured energy per call (joules), NaN where unmeasured. */
  target: Float64Array;
  /** Nodes in post-order (children before parents). */
  order: Int32Array;
  /**
   * Weight of each measured non-leaf node in the loss (sums to 1). Each level
   * (module, model) gets half: a data set holds thousands of modules but one
   * root per tree, and an unweighted mean would let the modules drown the
   * model level, the figure users read first.
   */
  lossWeight: Float64Array;
}

/**
 * Writes the forest's standardised features: the `raw` rows, each column shifted by `mean` and divided by `std`
 * (0 where a column has no spread or a node no row, as the root).
 * @param sameAs each node's first occurrence (repeatedSubtrees), whose row a
 *   repeat shares: copied instead of computed again (the same numbers)
 */
export function standardiseInto(
  forest: FlatForest,
  raw: readonly (readonly number[] | undefined)[],
  mean: readonly number[],
  std: readonly number[],
  sameAs?: Int32Array,
): void {
  const d = forest.d;
  for (let i = 0; i < forest.n; i++) {
    const r = raw[i];
    const first = sameAs ? sameAs[i]! : i;
    if (first !== i && raw[first] === r) {
      forest.feat.copyWithin(i * d, first * d, first * d + d);
      continue;
    }
    for (let j = 0; j < d; j++) {
      forest.feat[i * d + j] = r && std[j]! > 0 ? (r[j]! - mean[j]!) / std[j]! : 0;
    }
  }
}

/** Column means and standard deviations over the rows given (undefined rows skipped). */
export function columnStats(raw: readonly (readonly number[] | undefined)[], d: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  let n = 0;
  for (const r of raw) {
    if (!r) continue;
    n++;
    for (let j = 0; j < d; j++) mean[j] += r[j]!;
  }
  if (n === 0) return { mean, std };
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (const r of raw) {
    if (!r) continue;
    for (let j = 0; j < d; j++) std[j] += (r[j]! - mean[j]!) ** 2;
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j]! / n);
    std[j] = s > 1e-12 ? s : 0;
  }
  return { mean, std };
}

/** Per-node results of one forward sweep. */
export interface ForwardResult {
  /** Predicted dynamic energy per call (joules). */
  pred: Float64Array;
  /** tanh(w . f + b) of each non-root node. */
  th: Float64Array;
}

/** A node's energy per call from its static and dynamic parts (joules), capped at the power limit x its time. */
export function nodeEnergy(forest: FlatForest, i: number, dynamicJ: number): number {
  return Math.min(forest.offset[i]! + forest.staticPowerW * forest.perWatt[i]! + forest.issuePowerW * forest.issueS[i]! + Math.max(0, dynamicJ), forest.cap[i]!);
}

/**
 * Predicts the dynamic energy of every node of the forest (joules per call).
 * @param sameAs each node's first occurrence (repeatedSubtrees): a repeat has its
 *   first's features, hence its tanh, taken instead of computed (first < i in post-order)
 */
export function forward(forest: FlatForest, w: readonly number[], b: number, tau: number, sameAs?: Int32Array): ForwardResult {
  const { n, d, feat, parent, ratio, leaf, leafPred, order } = forest;
  const pred = new Float64Array(n);
  const th = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (leaf[i]) pred[i] = leafPred[i]!;
    const p = parent[i]!;
    if (p < 0) continue;
    const first = sameAs ? sameAs[i]! : i;
    let t: number;
    if (first !== i) t = th[first]!;
    else {
      let z = b;
      const off = i * d;
      for (let j = 0; j < d; j++) z += w[j]! * feat[off + j]!;
      t = Math.tanh(z);
    }
    th[i] = t;
    pred[p] += (1 + t / tau) * pred[i]! * ratio[i]!;
  }
  return { pred, th };
}

/** Loss and gradient of the weighting model. */
export interface LossGradient {
  /** Mean squared relative error over measured non-leaf nodes, plus the L2 penalty. */
  loss: number;
  gradW: number[];
  gradB: number;
  /** Derivative of the loss by the static power (per W). */
  gradStaticPower: number;
  /** Derivative of the loss by the issue power (per W). */
  gradIssuePower: number;
}

/**
 * Weighted mean squared relative error over measured non-leaf nodes (see
 * `FlatForest.lossWeight`) and its exact
 * gradient (reverse sweep: a parent's adjoint reaches each child through
 * its factor g = 1 + tanh(z)/tau, and reaches w through dg/dz = (1 - tanh^2)/tau).
 * @param l2 penalty l2 x |w|^2 keeping weights small where data say little.
 */
export function lossAndGradient(forest: FlatForest, w: readonly number[], b: number, tau: number, l2 = 0): LossGradient {
  const { n, d, feat, parent, ratio, lossWeight, target, order } = forest;
  const { pred, th } = forward(forest, w, b, tau);
  const adj = new Float64Array(n);
  let loss = 0;
  let gradStaticPower = 0;
  let gradIssuePower = 0;
  for (let i = 0; i < n; i++) {
    const lw = lossWeight[i]!;
    if (lw === 0) continue;
    const y = target[i]!;
    const raw = forest.offset[i]! + forest.staticPowerW * forest.perWatt[i]! + forest.issuePowerW * forest.issueS[i]! + pred[i]!;
    const capped = raw >= forest.cap[i]!;
    const r = ((capped ? forest.cap[i]! : raw) - y) / y;
    loss += lw * r * r;
    // At the cap the energy no longer depends on the weights.
    adj[i] = capped ? 0 : (lw * 2 * r) / y;
    // A module's static energy reaches only its own loss: parents add their children's dynamic energy.
    gradStaticPower += adj[i]! * forest.perWatt[i]!;
    gradIssuePower += adj[i]! * forest.issueS[i]!;
  }
  const gradW = new Array<number>(d).fill(0);
  let gradB = 0;
  for (let k = n - 1; k >= 0; k--) {
    const i = order[k]!;
    const p = parent[i]!;
    if (p < 0) continue;
    const ap = adj[p]!;
    if (ap === 0) continue;
    const t = th[i]!;
    adj[i] += ap * (1 + t / tau) * ratio[i]!;
    const dz = (ap * pred[i]! * ratio[i]! * (1 - t * t)) / tau;
    gradB += dz;
    const off = i * d;
    for (let j = 0; j < d; j++) gradW[j] += dz * feat[off + j]!;
  }
  for (let j = 0; j < d; j++) {
    loss += l2 * w[j]! * w[j]!;
    gradW[j] += 2 * l2 * w[j]!;
  }
  return { loss, gradW, gradB, gradStaticPower, gradIssuePower };
}

/** Options of {@link trainWeights}. */
export interface TrainWeightsOptions {
  tau: number;
  seed: number;
  /** Full-batch Adam steps per start (count). */
  epochs?: number;
  /** Adam step size. */
  learningRate?: number;
  /** Random starts; the one with the lowest training loss is kept. */
  restarts?: number;
  l2?: number;
  /** The first this many weights are kept >= 0 (see `AggregationModel.monotoneColumns`). */
  monotoneColumns?: number;
  /**
   * Train the static power with the weights, within [min, max] W, starting
   * from the forest's (for data whose idle draw is unknown, as a wall meter's).
   */
  staticPowerRange?: [number, number];
  /** Train the issue power with the weights, within [0, max] W, starting from the forest's. */
  issuePowerMax?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * Trains w and b with Adam from `restarts` seeded random starts (w ~ N(0, 0.1^2))
 * and keeps the start with the lowest training loss: the choice never looks
 * at data outside `forest`.
 */
export function trainWeights(forest: FlatForest, options: TrainWeightsOptions): { w: number[]; b: number; loss: number; staticPowerW: number; issuePowerW: number } {
  const epochs = options.epochs ?? 300;
  const lr = options.learningRate ?? 0.03;
  const restarts = options.restarts ?? 1;
  const rand = createPrng(options.seed);
  const d = forest.d;
  const p0 = forest.staticPowerW;
  const range = options.staticPowerRange;
  const i0 = forest.issuePowerW;
  // The issue power moves in steps of a tenth of its bound: it may start at 0.
  const issueScale = (options.issuePowerMax ?? 0) / 10;
  let best = { w: new Array<number>(d).fill(0), b: 0, loss: Infinity, staticPowerW: p0, issuePowerW: i0 };
  for (let r = 0; r < restarts; r++) {
    const mono = options.monotoneColumns ?? 0;
    const w = Array.from({ length: d }, (_, j) => (j < mono ? Math.abs(0.1 * gaussian(rand)) : 0.1 * gaussian(rand)));
    let b = 0;
    forest.staticPowerW = p0;
    forest.issuePowerW = i0;
    let mi = 0;
    let vi = 0;
    const mw = new Array<number>(d).fill(0);
    const vw = new Array<number>(d).fill(0);
    let mb = 0;
    let vb = 0;
    // The static power moves on the scale of its start: u = P / P0.
    let mp = 0;
    let vp = 0;
    const b1 = 0.9;
    const b2 = 0.999;
    let loss = Infinity;
    for (let t = 1; t <= epochs; t++) {
      if (t % 20 === 0) throwIfAborted(options.signal);
      const g = lossAndGradient(forest, w, b, options.tau, options.l2 ?? 0);
      loss = g.loss;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (let j = 0; j < d; j++) {
        mw[j] = b1 * mw[j]! + (1 - b1) * g.gradW[j]!;
        vw[j] = b2 * vw[j]! + (1 - b2) * g.gradW[j]! ** 2;
        w[j] -= (lr * (mw[j]! / c1)) / (Math.sqrt(vw[j]! / c2) + 1e-8);
        // Projection onto the feasible set: work weights stay >= 0.
        if (j < mono && w[j]! < 0) w[j] = 0;
      }
      mb = b1 * mb + (1 - b1) * g.gradB;
      vb = b2 * vb + (1 - b2) * g.gradB ** 2;
      b -= (lr * (mb / c1)) / (Math.sqrt(vb / c2) + 1e-8);
      if (range && p0 > 0) {
        const gu = g.gradStaticPower * p0;
        mp = b1 * mp + (1 - b1) * gu;
        vp = b2 * vp + (1 - b2) * gu ** 2;
        const u = forest.staticPowerW / p0 - (lr * (mp / c1)) / (Math.sqrt(vp / c2) + 1e-8);
        forest.staticPowerW = Math.min(range[1], Math.max(range[0], u * p0));
      }
      if (issueScale > 0) {
        const gu = g.gradIssuePower * issueScale;
        mi = b1 * mi + (1 - b1) * gu;
        vi = b2 * vi + (1 - b2) * gu ** 2;
        const u = forest.issuePowerW / issueScale - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + 1e-8);
        forest.issuePowerW = Math.min(options.issuePowerMax!, Math.max(0, u * issueScale));
      }
      options.onProgress?.((r + t / epochs) / restarts);
    }
    const final = lossAndGradient(forest, w, b, options.tau, options.l2 ?? 0).loss;
    loss = Math.min(loss, final);
    if (final < best.loss) best = { w: [...w], b, loss: final, staticPowerW: forest.staticPowerW, issuePowerW: forest.issuePowerW };
  }
  forest.staticPowerW = best.staticPowerW;
  forest.issuePowerW = best.issuePowerW;
  return best;
}
