/**
 * Reads the IrEne paper's published measurements (one folder of four CSVs
 * per device) into model trees, one per (model, batch size, sequence length).
 */
import { DataError, throwIfAborted } from '../../errors.js';
import type { Dtype, ModelNode, ModelTree, RuntimeFeatures } from '../../tree/modelNode.js';
import { primitiveKindOf } from '../../tree/primitiveKind.js';
import { CsvColumns, parseCsv, type CsvTable } from './csvTable.js';

/** The contents (text, not paths) of the four CSVs of one IrEne device folder. */
export interface IreneCsvFiles {
  /** `model_level_features.csv` */
  model: string;
  /** `module_level_features.csv` */
  module: string;
  /** `ml1_level_features.csv` (primitive nn.Modules) */
  ml1: string;
  /** `ml2_level_features.csv` (functional primitives inside a module) */
  ml2: string;
}

/** Options of the IrEne loaders. */
export interface IreneLoadOptions {
  /** Dtype the measurements were taken in; the paper's data is fp32 (default). */
  dtype?: Dtype;
  /**
   * Models to leave out. Default: `sshleifer/tiny-ctrl`, which the original
   * IrEne code also ignores (a 2-layer toy whose rows are incomplete).
   */
  skipModels?: readonly string[];
  /** Receives one message per thing skipped (rows without a model row, skipped models). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** Models the original IrEne code leaves out of training and evaluation. */
export const IRENE_SKIPPED_MODELS: readonly string[] = ['sshleifer/tiny-ctrl'];

/** Runtime columns of both IrEne formats (CSV columns and JSONL fields share these names). */
export const RUNTIME_COLUMNS: readonly [keyof RuntimeFeatures, string][] = [
  ['cpu', 'cpu'],
  ['mem', 'mem'],
  ['gpu', 'gpu'],
  ['gpuMem', 'gpu_mem'],
  ['gpuClk', 'gpu_clk'],
  ['gpuMemClk', 'gpu_mem_clk'],
  ['timesMean', 'times_mean'],
  ['gpuEnergyMean', 'gpu_energy_mean'],
];

const FILE_NAMES = {
  model: 'model_level_features.csv',
  module: 'module_level_features.csv',
  ml1: 'ml1_level_features.csv',
  ml2: 'ml2_level_features.csv',
} as const;

const REQUIRED = ['batch_size', 'seq_len', 'flops', 'mem_bytes', 'energy_mean', 'level_name', 'model_name'];

/** MFLOPs in the CSVs; the engine counts FLOPs. */
const FLOPS_PER_MFLOP = 1e6;
/** MiB in the CSVs; the engine counts bytes. */
const BYTES_PER_MIB = 1024 * 1024;

interface Row {
  file: keyof IreneCsvFiles;
  line: number;
  batchSize: number;
  seqLen: number;
  scope: string; // without the `root.` prefix; '' for the model row
  instanceType: string;
  modelName: string;
  flops: number;
  memBytes: number;
  energyJ: number;
  runtime: RuntimeFeatures;
}

/**
 * Rebuilds the IrEne trees from the four CSVs (see shared data README): the
 * model row is the root; an ml2 row's parent is the module with the identical
 * scope; any other row's parent is the module whose scope is the longest
 * proper dotted prefix of its own, else the root. Repeated rows (identical
 * layers copied, the two MatMul rows of every attention) each become a node.
 * ml2 nodes are named `<module scope>.<op>.<index>` like the H100 trees.
 * Units: flops become FLOPs (x 1e6), mem_bytes bytes (x 2^20), energy_mean
 * joules per call; seq_len/batch_size written as floats are rounded.
 * Groups without a model row cannot be rooted and are skipped (reported
 * through `onWarning`).
 * @throws DataError naming file, line and column of a malformed cell.
 */
export function loadIreneCsv(files: IreneCsvFiles, options: IreneLoadOptions = {}): ModelTree[] {
  const dtype = options.dtype ?? 'fp32';
  const skip = new Set(options.skipModels ?? IRENE_SKIPPED_MODELS);
  const warn = options.onWarning ?? (() => undefined);
  const groups = new Map<string, { model?: Row; module: Row[]; ml1: Row[]; ml2: Row[] }>();
  const skippedCounts = new Map<string, number>();

  for (const file of ['model', 'module', 'ml1', 'ml2'] as const) {
    throwIfAborted(options.signal);
    const table = parseCsv(files[file], FILE_NAMES[file]);
    for (const row of readRows(table, file)) {
      if (skip.has(row.modelName)) {
        skippedCounts.set(row.modelName, (skippedCounts.get(row.modelName) ?? 0) + 1);
        continue;
      }
      const key = `${row.modelName}\u0000${row.batchSize}\u0000${row.seqLen}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { module: [], ml1: [], ml2: [] }));
      if (file === 'model') {
        if (g.model) {
          throw new DataError(
            `${FILE_NAMES.model}: line ${row.line} repeats the model row of ${row.modelName} at batch ${row.batchSize}, sequence ${row.seqLen} (first at line ${g.model.line})`,
          );
        }
        g.model = row;
      } else g[file].push(row);
    }
  }
  for (const [name, n] of skippedCounts) {
    warn(`skipped ${n} rows of ${name}: the original IrEne code leaves this model out`);
  }

  const trees: ModelTree[] = [];
  for (const g of groups.values()) {
    throwIfAborted(options.signal);
    if (!g.model) {
      const any = g.module[0] ?? g.ml1[0] ?? g.ml2[0]!;
      const n = g.module.length + g.ml1.length + g.ml2.length;
      warn(
        `skipped ${n} rows of ${any.modelName} at batch ${any.batchSize}, sequence ${any.seqLen} (first: ${FILE_NAMES[any.file]} line ${any.line}): no model row to attach them to`,
      );
      continue;
    }
    trees.push(buildTree(g.model, g.module, g.ml1, g.ml2, dtype));
  }
  return trees;
}

function readRows(table: CsvTable, file: keyof IreneCsvFiles): Row[] {
  const cols = new CsvColumns(table, REQUIRED);
  const out: Row[] = [];
  for (const r of table.rows) {
    const batch = cols.number(r, 'batch_size')!;
    const seq = cols.number(r, 'seq_len')!;
    for (const [name, v] of [
      ['batch_size', batch],
      ['seq_len', seq],
    ] as const) {
      if (v < 1 || Math.abs(v - Math.round(v)) > 1e-6) {
        throw new DataError(`${table.fileName}: line ${r.line}, column "${name}": ${v} is not a positive whole number`);
      }
    }
    const flops = cols.number(r, 'flops')!;
    const mem = cols.number(r, 'mem_bytes')!;
    const energy = cols.number(r, 'energy_mean')!;
    for (const [name, v] of [
      ['flops', flops],
      ['mem_bytes', mem],
      ['energy_mean', energy],
    ] as const) {
      if (v < 0) throw new DataError(`${table.fileName}: line ${r.line}, column "${name}": ${v} is negative`);
    }
    const levelName = cols.text(r, 'level_name');
    const modelName = cols.text(r, 'model_name');
    if (modelName === '') throw new DataError(`${table.fileName}: line ${r.line}, column "model_name" is empty`);
    let scope = '';
    let instanceType = levelName;
    if (file !== 'model') {
      const colon = levelName.lastIndexOf(':');
      if (colon <= 0 || colon === levelName.length - 1) {
        throw new DataError(
          `${table.fileName}: line ${r.line}, column "level_name": "${levelName}" is not "scope:ClassName"`,
        );
      }
      scope = levelName.slice(0, colon);
      instanceType = levelName.slice(colon + 1);
    }
    const opt = (c: string): number | undefined => (cols.has(c) ? cols.number(r, c, true) : undefined);
    const runtime: RuntimeFeatures = {};
    for (const [key, col] of RUNTIME_COLUMNS) {
      const v = opt(col);
      if (v !== undefined) runtime[key] = v;
    }
    out.push({
      file,
      line: r.line,
      batchSize: Math.round(batch),
      seqLen: Math.round(seq),
      scope,
      instanceType,
      modelName,
      flops: flops * FLOPS_PER_MFLOP,
      memBytes: mem * BYTES_PER_MIB,
      energyJ: energy,
      runtime,
    });
  }
  return out;
}

function makeNode(row: Row, scope: string, type: ModelNode['type'], dtype: Dtype): ModelNode {
  const node: ModelNode = {
    scope,
    type,
    instanceType: row.instanceType,
    inputShapes: [],
    dtype,
    calls: 1,
    // The CSVs carry no parameter counts; 0 keeps the feature constant (and so unused) in CSV-trained profiles.
    parameters: 0,
    flops: row.flops,
    memBytes: row.memBytes,
    children: [],
    measured: { energyJ: row.energyJ, runtime: row.runtime },
  };
  if (type === 'ml') node.kind = primitiveKindOf(row.instanceType);
  return node;
}

function buildTree(model: Row, modules: Row[], ml1: Row[], ml2: Row[], dtype: Dtype): ModelTree {
  const root = makeNode(model, 'root', 'model', dtype);
  const byScope = new Map<string, ModelNode>();
  for (const m of modules) {
    if (!byScope.has(m.scope)) byScope.set(m.scope, makeNode(m, `root.${m.scope}`, 'module', dtype));
  }
  const parentOf = (scope: string): ModelNode => {
    const parts = scope.split('.');
    for (let i = parts.length - 1; i > 0; i--) {
      const p = byScope.get(parts.slice(0, i).join('.'));
      if (p) return p;
    }
    return root;
  };
  // Modules in file order; a repeated module scope becomes its own node under the same parent.
  const seen = new Set<string>();
  for (const m of modules) {
    const node = seen.has(m.scope) ? makeNode(m, `root.${m.scope}`, 'module', dtype) : byScope.get(m.scope)!;
    seen.add(m.scope);
    parentOf(m.scope).children.push(node);
  }
  for (const r of ml1) parentOf(r.scope).children.push(makeNode(r, `root.${r.scope}`, 'ml', dtype));
  const opIndex = new Map<string, number>();
  for (const r of ml2) {
    const parent = byScope.get(r.scope) ?? parentOf(r.scope);
    const op = r.instanceType.toLowerCase();
    const key = `${parent.scope}\u0000${op}`;
    const idx = opIndex.get(key) ?? 0;
    opIndex.set(key, idx + 1);
    parent.children.push(makeNode(r, `${parent.scope}.${op}.${idx}`, 'ml', dtype));
  }
  return {
    modelName: model.modelName,
    format: 'irene-csv',
    batchSize: model.batchSize,
    seqLen: model.seqLen,
    dtype,
    root,
    warnings: [],
    measuredModelEnergyJ: model.energyJ,
  };
}
