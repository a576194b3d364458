/**
 * The `model_type` values whose config importer builds prefill and decode
 * trees (the builders that model a KV cache). Kept in a module of its own,
 * with no imports, so that the extension host can tell a causal LM's
 * config.json without bundling the engine; architectures/index.ts marks the
 * same types (a unit test keeps the two in step).
 */
export const GENERATIVE_MODEL_TYPES: readonly string[] = [
  'gpt2',
  'llama',
  'mistral',
  'qwen2',
  'gemma',
  'gemma2',
  'gemma3_text',
  'phi3',
  'qwen3',
  'gpt_neox',
  'opt',
  'phi',
  'starcoder2',
  'mixtral',
  'qwen2_moe',
  'qwen3_moe',
  'gpt_oss',
];

/** The model_type of a config.json's text when it is one of GENERATIVE_MODEL_TYPES; undefined otherwise (or for text that is not JSON). */
export function generativeModelTypeOf(configText: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configText);
  } catch {
    return undefined;
  }
  const t = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['model_type'] : undefined;
  return typeof t === 'string' && GENERATIVE_MODEL_TYPES.includes(t) ? t : undefined;
}
