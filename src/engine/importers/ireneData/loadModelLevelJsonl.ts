/**
 * Model-level ground truth measured with long windows (`model_level.jsonl`
 * of the H100 data): more repeatable than the tree roots' own figures.
 */
import { DataError } from '../../errors.js';
import type { Dtype, ModelTree } from '../../tree/modelNode.js';
import { dtypeFromName } from './loadIreneJsonl.js';
import { assertJsonNesting } from '../../limits/jsonNesting.js';
import { forEachLine } from './textLines.js';
import { valueText } from '../../valueText.js';

/** One configuration's whole-model energy. */
export interface ModelLevelRecord {
  modelName: string;
  dtype: Dtype;
  batchSize: number;
  seqLen: number;
  /** Median of the runs (joules per inference). */
  energyJ: number;
  /** Every run's figure (joules per inference). */
  runsJ: number[];
  /** Median seconds per inference over the runs, when the file gives times. */
  timeS?: number;
}

/**
 * Parses `model_level.jsonl`; the `{"meta": true ...}` header line is skipped.
 * @throws DataError naming the line and field of a malformed entry.
 */
export function loadModelLevelJsonl(text: string, fileName = 'model_level.jsonl'): ModelLevelRecord[] {
  const out: ModelLevelRecord[] = [];
  forEachLine(text, (line, lineNo) => {
    const raw = line.trim();
    const where = `${fileName}: line ${lineNo}`;
    assertJsonNesting(raw, where, (m) => new DataError(m));
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(raw) as Record<string, unknown>;
    } catch (e) {
      throw new DataError(`${where} is not valid JSON (${(e as Error).message})`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new DataError(`${where} is not a JSON object`);
    if (o['meta'] === true) return;
    const field = (f: string): unknown => {
      if (o[f] === undefined) throw new DataError(`${where}, field "${f}": missing`);
      return o[f];
    };
    const modelName = field('model_name');
    if (typeof modelName !== 'string') throw new DataError(`${where}, field "model_name": not a string`);
    const dtype = dtypeFromName(String(field('dtype')));
    if (!dtype) throw new DataError(`${where}, field "dtype": unknown dtype "${String(o['dtype'])}"`);
    const ints = ['batch_size', 'seq_len'].map((f) => {
      const v = field(f);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        throw new DataError(`${where}, field "${f}": ${valueText(v)} is not a positive integer`);
      }
      return v;
    });
    const energy = field('energy');
    if (typeof energy !== 'number' || !(energy > 0)) {
      throw new DataError(`${where}, field "energy": ${JSON.stringify(energy)} is not a positive number`);
    }
    const runs = Array.isArray(o['energies']) ? (o['energies'] as unknown[]).filter((v): v is number => typeof v === 'number') : [];
    const times = Array.isArray(o['times']) ? (o['times'] as unknown[]).filter((v): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v)) : [];
    const record: ModelLevelRecord = { modelName, dtype, batchSize: ints[0]!, seqLen: ints[1]!, energyJ: energy, runsJ: runs };
    if (times.length > 0) record.timeS = median(times);
    out.push(record);
  });
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Replaces each tree's root energy by the model-level record of the same
 * model, dtype, batch size and sequence length (root per call = record / root calls).
 * @returns how many trees had no matching record (their roots keep their own figure).
 */
export function applyModelLevelTruth(trees: ModelTree[], records: readonly ModelLevelRecord[]): number {
  const key = (m: string, d: string, b: number, s: number): string => `${m}\u0000${d}\u0000${b}\u0000${s}`;
  const byKey = new Map(records.map((r) => [key(r.modelName, r.dtype, r.batchSize, r.seqLen), r]));
  let missing = 0;
  for (const t of trees) {
    const r = byKey.get(key(t.modelName, t.dtype, t.batchSize, t.seqLen));
    if (!r) {
      missing++;
      continue;
    }
    t.measuredModelEnergyJ = r.energyJ;
    t.root.measured = { ...(t.root.measured ?? {}), energyJ: r.energyJ / t.root.calls };
    if (r.timeS !== undefined) t.measuredModelTimeS = r.timeS;
  }
  return missing;
}
