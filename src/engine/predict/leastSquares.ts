import { Matrix, SingularValueDecomposition } from 'ml-matrix';

/** Result of a least-squares solve. */
export interface LeastSquaresSolution {
  /** Coefficients (one per column). */
  coef: number[];
  /** Numerical rank used (singular values kept). */
  rank: number;
}

/**
 * Minimum-norm least-squares solution of X b = y via the SVD
 * (b = V diag(1/s) U^T y over the singular values kept). Normal equations
 * would square the condition number and fail outright on the rank-deficient
 * design matrices of the measured data (duplicate rows, columns that are
 * constant for a kind, flops proportional to bytes); the SVD gives the
 * solution of smallest norm among all minimisers instead.
 * @param rows design matrix, one array per row (m x n).
 * @param y targets (m).
 * @param rcond singular values below rcond x the largest are treated as zero;
 *   larger values act as truncated-SVD damping (ridge-like).
 */
export function minNormLeastSquares(rows: readonly (readonly number[])[], y: readonly number[], rcond = 1e-10): LeastSquaresSolution {
  const m = rows.length;
  const n = rows[0]?.length ?? 0;
  if (m === 0 || n === 0) return { coef: new Array<number>(n).fill(0), rank: 0 };
  // ml-matrix's SVD wants m >= n; a wide system is solved through its transpose (A^T = V S U^T).
  const wide = m < n;
  const a = new Matrix(rows as number[][]);
  const svd = new SingularValueDecomposition(wide ? a.transpose() : a, { autoTranspose: false });
  const s = svd.diagonal;
  const u = wide ? svd.rightSingularVectors : svd.leftSingularVectors; // m x k
  const v = wide ? svd.leftSingularVectors : svd.rightSingularVectors; // n x k
  const smax = s.reduce((acc, x) => Math.max(acc, x), 0);
  const coef = new Array<number>(n).fill(0);
  let rank = 0;
  for (let k = 0; k < s.length; k++) {
    const sk = s[k]!;
    if (!(sk > rcond * smax) || sk === 0) continue;
    rank++;
    let uty = 0;
    for (let i = 0; i < m; i++) uty += u.get(i, k) * y[i]!;
    const scale = uty / sk;
    for (let j = 0; j < n; j++) coef[j] += v.get(j, k) * scale;
  }
  return { coef, rank };
}
