/**
 * The Hugging Face architectures the config importer can build, one file per
 * `model_type`, each mirroring transformers 5's AutoModel (no head, eager
 * attention, `use_cache=False`).
 */
import { lmHead, type ArchitectureBuilder, type ArchitectureSpec, type LmHeadSpec } from './architecture.js';
import { BART_LM_HEAD, buildBart } from './bart.js';
import { BLOOM_LM_HEAD, buildBloom } from './bloom.js';
import { buildCamembert } from './camembert.js';
import { buildDebertaV2 } from './debertaV2.js';
import { DEEPSEEK_V3_LM_HEAD, buildDeepseekV3 } from './deepseekV3.js';
import { GPT_OSS_LM_HEAD, buildGptOss } from './gptOss.js';
import { MARIAN_LM_HEAD, buildMarian } from './marian.js';
import { MBART_LM_HEAD, buildMbart } from './mbart.js';
import { MIXTRAL_LM_HEAD, buildMixtral } from './mixtral.js';
import { MT5_LM_HEAD, buildMt5 } from './mt5.js';
import { buildModernBert } from './modernbert.js';
import { QWEN2_MOE_LM_HEAD, buildQwen2Moe } from './qwen2Moe.js';
import { QWEN3_MOE_LM_HEAD, buildQwen3Moe } from './qwen3Moe.js';
import { buildXlmRoberta } from './xlmRoberta.js';
import { FALCON_LM_HEAD, buildFalcon } from './falcon.js';
import { GEMMA_LM_HEAD, buildGemma } from './gemma.js';
import { GEMMA2_LM_HEAD, buildGemma2 } from './gemma2.js';
import { GEMMA3_LM_HEAD, buildGemma3Text } from './gemma3Text.js';
import { GPT_NEOX_LM_HEAD, buildGptNeox } from './gptNeox.js';
import { OPT_LM_HEAD, buildOpt } from './opt.js';
import { PHI_LM_HEAD, buildPhi } from './phi.js';
import { PHI3_LM_HEAD, buildPhi3 } from './phi3.js';
import { QWEN3_LM_HEAD, buildQwen3 } from './qwen3.js';
import { STARCODER2_LM_HEAD, buildStarcoder2 } from './starcoder2.js';
import { T5_LM_HEAD, buildT5 } from './t5.js';
import { UMT5_LM_HEAD, buildUmt5 } from './umt5.js';
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

export type { ArchitectureBuilder, ArchitectureSpec, BuildContext, LmHeadSpec } from './architecture.js';
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

const encoder = (build: ArchitectureBuilder): ArchitectureSpec => ({ family: 'encoder', build });
const decoder = (build: ArchitectureBuilder, head = lmHead(false)): ArchitectureSpec => ({ family: 'decoder', build, lmHead: head, decodes: 'root' });
/** A decoder whose builder models the KV cache (pastLen, cache writes): it has prefill and decode trees. */
const cachedDecoder = (build: ArchitectureBuilder, head = lmHead(false)): ArchitectureSpec => ({ ...decoder(build, head), kvCache: true });
const encoderDecoder = (build: ArchitectureBuilder, head: LmHeadSpec): ArchitectureSpec => ({ family: 'encoder-decoder', build, lmHead: head, decodes: 'root.decoder' });

/**
 * Every supported HF `model_type`: its builder, its family, and for causal
 * LMs and encoder-decoders the LM head it generates with and the stack that
 * runs per generated token.
 */
export const ARCHITECTURE_SPECS: Readonly<Record<string, ArchitectureSpec>> = {
  bert: encoder(buildBert),
  roberta: encoder(buildRoberta),
  distilbert: encoder(buildDistilBert),
  albert: encoder(buildAlbert),
  electra: encoder(buildElectra),
  gpt2: cachedDecoder(buildGpt2, lmHead(true, { widthKeys: ['n_embd', 'hidden_size'] })),
  'openai-gpt': decoder(buildOpenAiGpt, lmHead(true, { widthKeys: ['n_embd', 'hidden_size'] })),
  llama: cachedDecoder(buildLlama),
  mistral: cachedDecoder(buildMistral),
  qwen2: cachedDecoder(buildQwen2),
  gemma: cachedDecoder(buildGemma, GEMMA_LM_HEAD),
  gemma2: cachedDecoder(buildGemma2, GEMMA2_LM_HEAD),
  gemma3_text: cachedDecoder(buildGemma3Text, GEMMA3_LM_HEAD),
  phi3: cachedDecoder(buildPhi3, PHI3_LM_HEAD),
  qwen3: cachedDecoder(buildQwen3, QWEN3_LM_HEAD),
  gpt_neox: cachedDecoder(buildGptNeox, GPT_NEOX_LM_HEAD),
  falcon: decoder(buildFalcon, FALCON_LM_HEAD),
  opt: cachedDecoder(buildOpt, OPT_LM_HEAD),
  bloom: decoder(buildBloom, BLOOM_LM_HEAD),
  phi: cachedDecoder(buildPhi, PHI_LM_HEAD),
  starcoder2: cachedDecoder(buildStarcoder2, STARCODER2_LM_HEAD),
  'xlm-roberta': encoder(buildXlmRoberta),
  camembert: encoder(buildCamembert),
  'deberta-v2': encoder(buildDebertaV2),
  modernbert: encoder(buildModernBert),
  mixtral: cachedDecoder(buildMixtral, MIXTRAL_LM_HEAD),
  qwen2_moe: cachedDecoder(buildQwen2Moe, QWEN2_MOE_LM_HEAD),
  qwen3_moe: cachedDecoder(buildQwen3Moe, QWEN3_MOE_LM_HEAD),
  gpt_oss: cachedDecoder(buildGptOss, GPT_OSS_LM_HEAD),
  deepseek_v3: decoder(buildDeepseekV3, DEEPSEEK_V3_LM_HEAD),
  t5: encoderDecoder(buildT5, T5_LM_HEAD),
  mt5: encoderDecoder(buildMt5, MT5_LM_HEAD),
  umt5: encoderDecoder(buildUmt5, UMT5_LM_HEAD),
  bart: encoderDecoder(buildBart, BART_LM_HEAD),
  mbart: encoderDecoder(buildMbart, MBART_LM_HEAD),
  marian: encoderDecoder(buildMarian, MARIAN_LM_HEAD),
};

/** The `model_type` values whose builder models a KV cache (prefill and decode phases). */
export const KV_CACHE_MODEL_TYPES: readonly string[] = Object.entries(ARCHITECTURE_SPECS)
  .filter(([, spec]) => spec.kvCache)
  .map(([type]) => type);

/** Builder per HF `model_type`. */
export const ARCHITECTURES: Readonly<Record<string, ArchitectureBuilder>> = Object.fromEntries(Object.entries(ARCHITECTURE_SPECS).map(([type, spec]) => [type, spec.build]));

/** The `model_type` values a config.json may name. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = Object.keys(ARCHITECTURES);
