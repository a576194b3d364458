/**
 * Loads the measured H100 trees (data/h100/trees.jsonl.gz) for comparison
 * with trees built from configs. Test helper, not a test.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Dtype } from '../../../../src/engine/tree/modelNode.js';

/** One node of a measured tree, as written in the JSONL. */
export interface MeasuredNode {
  scope: string;
  instance_type: string;
  type: 'model' | 'module' | 'ml';
  num_parameters: number;
  flops: number;
  mem_bytes: number;
  calls: number;
  input_shapes: unknown[];
  child_nodes_obj: MeasuredNode[];
}

/** One line: a model at one (dtype, batch, seq). */
export interface MeasuredLine {
  model_name: string;
  dtype: string;
  batch_size: number;
  seq_len: number;
  config: Record<string, unknown>;
  frontend_tree: MeasuredNode;
}

const path = join(__dirname, '../../../../data/h100/trees.jsonl.gz');

/** All measured lines (33). */
export function loadMeasuredTrees(): MeasuredLine[] {
  return gunzipSync(readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MeasuredLine);
}

/** The engine's dtype name for the measured `bfloat16` / `float32`. */
export function engineDtype(measured: string): Dtype {
  if (measured === 'bfloat16') return 'bf16';
  if (measured === 'float16') return 'fp16';
  if (measured === 'float32') return 'fp32';
  throw new Error(`unknown measured dtype ${measured}`);
}

/** Every node of a measured tree, depth-first. */
export function* walkMeasured(n: MeasuredNode): Generator<MeasuredNode> {
  yield n;
  for (const c of n.child_nodes_obj) yield* walkMeasured(c);
}
