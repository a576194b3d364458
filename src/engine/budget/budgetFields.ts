/**
 * The fields of an energy budget, declared once: what each means, its type
 * and range. The budget file reader validates against this table and the
 * JSON Schema that VS Code uses for completion (schemas/irene.budget.schema.json)
 * is generated from it, so the two cannot drift apart.
 *
 * Budgets are for forward inference today: energy per inference and per token
 * processed. Generation budgets (prompt and output lengths, energy per output
 * token and per request) become rows of SETTING_FIELDS and LIMIT_FIELDS, and
 * metrics of `budgetMetrics`, once the engine predicts generation.
 */
import { DTYPES } from '../tree/modelNode.js';

/** The value a field accepts. */
export type FieldType =
  | { type: 'integer'; minimum: number }
  | { type: 'number'; exclusiveMinimum: number }
  | { type: 'number'; minimum: number }
  | { type: 'string'; enum?: readonly string[] };

/** One field of a budget entry (or of `defaults`). */
export interface BudgetField {
  value: FieldType;
  /** One sentence for hovers and docs; units included. */
  description: string;
}

/** How a model is predicted: the same knobs as `irene predict`. */
export const SETTING_FIELDS = {
  batchSize: { value: { type: 'integer', minimum: 1 }, description: 'Sequences per forward pass (count). Default 8.' },
  seqLen: { value: { type: 'integer', minimum: 1 }, description: 'Tokens per sequence (count). Default 256.' },
  dtype: { value: { type: 'string', enum: DTYPES }, description: "Floating-point format of weights and activations. Default: the profile's dtype." },
  profile: {
    value: { type: 'string' },
    description: 'Device profile: a bundled name (h100-bf16, h100-fp32, irene-device-1, irene-device-2) or the path of a profile JSON, relative to the budget file. Default h100-bf16.',
  },
} as const satisfies Record<string, BudgetField>;

/** What a prediction is held to. */
export const LIMIT_FIELDS = {
  maxEnergyJ: { value: { type: 'number', exclusiveMinimum: 0 }, description: 'Largest predicted energy of one inference (joules).' },
  maxEnergyPerTokenJ: {
    value: { type: 'number', exclusiveMinimum: 0 },
    description: 'Largest predicted energy per token processed (joules): energy per inference / (batchSize x seqLen).',
  },
  maxIncreasePct: {
    value: { type: 'number', minimum: 0 },
    description:
      'Largest increase of the energy per inference against the baseline (percent). A change inside the one-sigma uncertainty of the difference is not counted as an increase.',
  },
} as const satisfies Record<string, BudgetField>;

/** Fields only a model entry has. */
export const ENTRY_FIELDS = {
  path: {
    value: { type: 'string' },
    description: 'Model file (config.json, .onnx, .py) or a glob of them (models/*/config.json), relative to the budget file.',
  },
  name: { value: { type: 'string' }, description: 'Label shown in reports (default: the path).' },
} as const satisfies Record<string, BudgetField>;

export type BudgetSettingKey = keyof typeof SETTING_FIELDS;
export type BudgetLimitKey = keyof typeof LIMIT_FIELDS;

/** Absolute limits: each bounds one metric of `budgetMetrics`. */
export const ABSOLUTE_LIMITS = {
  maxEnergyJ: { metric: 'energyPerInferenceJ', unit: 'per inference' },
  maxEnergyPerTokenJ: { metric: 'energyPerTokenJ', unit: 'per token' },
} as const satisfies Partial<Record<BudgetLimitKey, { metric: string; unit: string }>>;

export type BudgetAbsoluteLimitKey = keyof typeof ABSOLUTE_LIMITS;

/** JSON type names of a field, for messages: `a whole number of at least 1`. */
export function describeFieldType(t: FieldType): string {
  switch (t.type) {
    case 'integer':
      return `a whole number of at least ${t.minimum}`;
    case 'number':
      return 'exclusiveMinimum' in t ? `a number above ${t.exclusiveMinimum}` : `a number of at least ${t.minimum}`;
    case 'string':
      return t.enum ? `one of ${t.enum.join(', ')}` : 'a non-empty string';
  }
}

/** Whether a value fits a field type. */
export function fitsFieldType(t: FieldType, v: unknown): boolean {
  switch (t.type) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= t.minimum;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && ('exclusiveMinimum' in t ? v > t.exclusiveMinimum : v >= t.minimum);
    case 'string':
      return typeof v === 'string' && v.trim() !== '' && (!t.enum || t.enum.includes(v));
  }
}

function fieldSchema(f: BudgetField): Record<string, unknown> {
  const t = f.value;
  const out: Record<string, unknown> = { description: f.description };
  if (t.type === 'integer') Object.assign(out, { type: 'integer', minimum: t.minimum });
  else if (t.type === 'number') Object.assign(out, { type: 'number' }, 'exclusiveMinimum' in t ? { exclusiveMinimum: t.exclusiveMinimum } : { minimum: t.minimum });
  else Object.assign(out, { type: 'string' }, t.enum ? { enum: [...t.enum] } : { minLength: 1, pattern: '\\S' });
  return out;
}

function properties(...groups: Record<string, BudgetField>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const g of groups) for (const [k, f] of Object.entries(g)) out[k] = fieldSchema(f);
  return out;
}

/**
 * The JSON Schema (draft-07) of `irene.budget.json` and of `[tool.irene]` in
 * pyproject.toml. schemas/irene.budget.schema.json is this, serialised; a
 * unit test keeps the file in step.
 */
export function budgetJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'IrEne energy budget',
    description: 'Energy budgets of the models in this repository, checked by `irene check` and shown in VS Code.',
    type: 'object',
    required: ['models'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'The schema of this file.' },
      defaults: {
        type: 'object',
        description: 'Settings and limits every model entry gets unless it sets its own.',
        additionalProperties: false,
        properties: properties(SETTING_FIELDS, LIMIT_FIELDS),
      },
      models: {
        type: 'array',
        minItems: 1,
        description: 'The models to check, each with its settings and limits.',
        items: {
          type: 'object',
          required: ['path'],
          additionalProperties: false,
          properties: properties(ENTRY_FIELDS, SETTING_FIELDS, LIMIT_FIELDS),
          defaultSnippets: [
            {
              label: 'model with a budget',
              body: { path: '${1:models/bert/config.json}', batchSize: '^${2:8}', seqLen: '^${3:256}', profile: '${4:h100-bf16}', maxEnergyJ: '^${5:3.0}', maxIncreasePct: '^${6:5}' },
            },
          ],
        },
      },
    },
  };
}
