/**
 * The Hugging Face architectures the config importer can build, one file per
 * `model_type`, each mirroring transformers 5's AutoModel (no head, eager
 * attention, `use_cache=False`).
 */
import type { ArchitectureBuilder } from './architecture.js';
import { buildAlbert } from './albert.js';
import { buildBert } from './bert.js';
import { buildDistilBert } from './distilbert.js';
import { buildElectra } from './electra.js';
import { buildGpt2 } from './gpt2.js';
import { buildLlama } from './llama.js';
import { buildMistral } from './mistral.js';
import { buildOpenAiGpt } from './openaiGpt.js';
import { buildQwen2 } from './qwen2.js';
import { buildRoberta } from './roberta.js';

export type { ArchitectureBuilder, BuildContext } from './architecture.js';
export { ConfigReader } from './configReader.js';
export { NodeFactory, OpRecorder } from './treeBuilder.js';
export { albertGroupCalls } from './albert.js';
export {
  buildAlbert,
  buildBert,
  buildDistilBert,
  buildElectra,
  buildGpt2,
  buildLlama,
  buildMistral,
  buildOpenAiGpt,
  buildQwen2,
  buildRoberta,
};

/** Builder per HF `model_type`. */
export const ARCHITECTURES: Readonly<Record<string, ArchitectureBuilder>> = {
  bert: buildBert,
  roberta: buildRoberta,
  distilbert: buildDistilBert,
  albert: buildAlbert,
  electra: buildElectra,
  gpt2: buildGpt2,
  'openai-gpt': buildOpenAiGpt,
  llama: buildLlama,
  mistral: buildMistral,
  qwen2: buildQwen2,
};

/** The `model_type` values a config.json may name. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = Object.keys(ARCHITECTURES);
