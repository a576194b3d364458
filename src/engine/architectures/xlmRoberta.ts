/**
 * XLM-RoBERTa (`model_type: xlm-roberta`), transformers 5
 * `modeling_xlm_roberta.py`: RoBERTa's encoder (roberta.ts) under
 * XLMRoberta class names, with a 250k multilingual vocabulary. Positions
 * start at padding_idx + 1 as in RoBERTa, so xlm-roberta-base's 514 rows
 * allow 512 tokens.
 */
import type { ArchitectureBuilder } from './architecture.js';
import { buildRobertaFamily } from './roberta.js';

/** xlm-roberta: XLMRobertaModel (with pooler). */
export const buildXlmRoberta: ArchitectureBuilder = buildRobertaFamily('XLMRoberta');
