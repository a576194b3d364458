/**
 * CamemBERT (`model_type: camembert`), transformers 5 `modeling_camembert.py`:
 * RoBERTa's encoder (roberta.ts) under Camembert class names, with its
 * French vocabulary.
 */
import type { ArchitectureBuilder } from './architecture.js';
import { buildRobertaFamily } from './roberta.js';

/** camembert: CamembertModel (with pooler). */
export const buildCamembert: ArchitectureBuilder = buildRobertaFamily('Camembert');
