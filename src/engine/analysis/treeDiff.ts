/**
 * The tree-level difference of two predictions (`irene diff`): every module
 * matched by scope (diffPredictedTrees), each change with its one-sigma, and
 * the whole model's change with the uncertainty of a difference of
 * correlated predictions (budget/deltaUncertainty.ts).
 */
import {
  deltaUncertaintyJ,
  energyDelta,
  predictionCorrelation,
  systematicUncertaintyJ,
  predictionIdentity,
  type EnergyDelta,
  type PredictionIdentity,
} from '../budget/deltaUncertainty.js';
import type { PredictionLike } from '../report/predictionReport.js';
import { diffPredictedTrees, summariseDiff, type DiffRow, type DiffSummary } from './compareTrees.js';

/** A row of the diff with the one-sigma of its change. */
export interface TreeDiffRow extends DiffRow {
  /** One-sigma uncertainty of deltaJ (joules). */
  sigmaJ: number;
  /** |deltaJ| > sigmaJ: more than the predictions' shared noise (a re-share of a parent among unchanged children is not). */
  significant: boolean;
}

/** The difference of two predictions, module by module. */
export interface TreeDiff {
  /** Rows in merged model order (the root first). */
  rows: TreeDiffRow[];
  summary: DiffSummary;
  /** The whole model's change with its uncertainty. */
  total: EnergyDelta;
}

/**
 * Diffs prediction `b` against `a`. Each row's sigma is from the systematic
 * parts of its two sides (the model's systematic share applied to every
 * node): matched rows correlated, added and removed rows on their own.
 */
export function diffPredictions(a: PredictionLike, b: PredictionLike, identities?: { a: PredictionIdentity; b: PredictionIdentity }): TreeDiff {
  const correlation = predictionCorrelation(identities?.a ?? predictionIdentity(a), identities?.b ?? predictionIdentity(b));
  const sysA = systematicUncertaintyJ(a);
  const sysB = systematicUncertaintyJ(b);
  const shareA = a.uncertaintyJ > 0 ? sysA / a.uncertaintyJ : 1;
  const shareB = b.uncertaintyJ > 0 ? sysB / b.uncertaintyJ : 1;
  const rows = diffPredictedTrees(a.root, b.root).map(
    (r): TreeDiffRow => {
      const sigmaJ = deltaUncertaintyJ((r.uncertaintyAJ ?? 0) * shareA, (r.uncertaintyBJ ?? 0) * shareB, r.status === 'added' || r.status === 'removed' ? 0 : correlation.rho);
      return { ...r, sigmaJ, significant: Math.abs(r.deltaJ) > sigmaJ };
    },
  );
  return {
    rows,
    summary: summariseDiff(rows),
    total: energyDelta({ ...a, systematicJ: sysA }, { ...b, systematicJ: sysB }, correlation),
  };
}
