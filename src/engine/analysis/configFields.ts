/**
 * The config fields the Compare view lets a user edit on a copy of a
 * Hugging Face config.json. Families spell them differently (BERT's
 * `num_hidden_layers` is GPT-2's `n_layer`), so each field is found under
 * whichever alias the config uses, and overrides are keyed by that exact key:
 * the importer then reads them like any other config value.
 */
import { parse, type ParseError } from 'jsonc-parser';
import { MalformedFileError } from '../errors.js';
import { jsonNestingDepth } from '../limits/jsonNesting.js';
import { MAX_NESTING_DEPTH } from '../limits/workBudgets.js';

/** The architecture knobs of the Compare view. */
export type ConfigFieldId = 'layers' | 'hidden' | 'heads' | 'kvHeads' | 'intermediate';

/** One editable field of a config. */
export interface ConfigField {
  id: ConfigFieldId;
  /** The key in this config (`num_hidden_layers`, `n_layer` ...). */
  key: string;
  label: string;
  /** Value in the file (count). */
  value: number;
}

const ALIASES: Readonly<Record<ConfigFieldId, readonly string[]>> = {
  layers: ['num_hidden_layers', 'n_layer', 'num_layers'],
  hidden: ['hidden_size', 'n_embd', 'd_model'],
  heads: ['num_attention_heads', 'n_head', 'num_heads'],
  kvHeads: ['num_key_value_heads', 'num_kv_heads', 'n_head_kv'],
  intermediate: ['intermediate_size', 'n_inner', 'ffn_dim', 'd_ff'],
};

const LABELS: Readonly<Record<ConfigFieldId, string>> = {
  layers: 'Layers',
  hidden: 'Hidden size',
  heads: 'Attention heads',
  kvHeads: 'KV heads',
  intermediate: 'Intermediate size',
};

const MAX_POSITION_KEYS = ['max_position_embeddings', 'n_positions', 'n_ctx', 'max_seq_len', 'seq_length'];

function parseObject(text: string): Record<string, unknown> | undefined {
  if (jsonNestingDepth(text, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) return undefined;
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  return errors.length === 0 && value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The editable fields present in a config's text, in a fixed order; [] when
 * the text is not a JSON object (an ONNX or Python model: compare by file).
 * Fields whose value is not a positive whole number (GPT-2's `n_inner: null`)
 * are left out: the importer derives them.
 */
export function readConfigFields(text: string): ConfigField[] {
  const config = parseObject(text);
  if (!config) return [];
  const fields: ConfigField[] = [];
  for (const id of Object.keys(ALIASES) as ConfigFieldId[]) {
    const key = ALIASES[id].find((k) => typeof config[k] === 'number');
    if (key === undefined) continue;
    const value = config[key] as number;
    if (Number.isInteger(value) && value > 0) fields.push({ id, key, label: LABELS[id], value });
  }
  return fields;
}

/** The longest sequence the config accepts (tokens), or undefined when it does not say. */
export function readMaxPositions(text: string): number | undefined {
  const config = parseObject(text);
  if (!config) return undefined;
  for (const k of MAX_POSITION_KEYS) {
    const v = config[k];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}

/**
 * Problems with edited values, as messages a user can act on; [] when the
 * overrides make a consistent architecture. `overrides` is keyed by config key.
 */
export function validateConfigOverrides(fields: readonly ConfigField[], overrides: Readonly<Record<string, number>>): string[] {
  const problems: string[] = [];
  const byId = new Map<ConfigFieldId, { field: ConfigField; value: number }>();
  for (const f of fields) {
    const value = overrides[f.key] ?? f.value;
    if (!Number.isInteger(value) || value < 1) problems.push(`${f.label} must be a whole number of at least 1`);
    byId.set(f.id, { field: f, value });
  }
  for (const key of Object.keys(overrides)) if (!fields.some((f) => f.key === key)) problems.push(`"${key}" is not an editable field of this config`);
  const hidden = byId.get('hidden')?.value;
  const heads = byId.get('heads')?.value;
  const kv = byId.get('kvHeads')?.value;
  if (hidden && heads && hidden % heads !== 0) problems.push(`Hidden size (${hidden}) must be divisible by the attention heads (${heads})`);
  if (heads && kv && heads % kv !== 0) problems.push(`Attention heads (${heads}) must be divisible by the KV heads (${kv})`);
  return problems;
}

/**
 * The config text with the overrides applied (keys replaced or added at the
 * top level). The result is what the importer reads for Compare's edited copy.
 * @throws MalformedFileError when the text is not a JSON object.
 */
export function applyConfigOverrides(text: string, overrides: Readonly<Record<string, number>>): string {
  const config = parseObject(text);
  if (!config) throw new MalformedFileError('the config to edit is not a JSON object');
  return `${JSON.stringify({ ...config, ...overrides }, null, 2)}\n`;
}
