/**
 * ELECTRA (`model_type: electra`): BERT's embeddings and layers with Electra
 * class names, embeddings of width `embedding_size` and, when that differs
 * from hidden_size, an `embeddings_project` Linear(embedding_size, hidden_size)
 * before the encoder. ElectraModel has no pooler.
 *
 * HF defaults: embedding_size 128 (ElectraConfig), hidden_act "gelu",
 * max_position_embeddings 512, type_vocab_size 2.
 */
import type { ArchitectureBuilder } from './architecture.js';
import { bertEmbeddings, bertEncoder, readBertSizes } from './bert.js';
import type { ModelNode } from '../tree/modelNode.js';

/** electra: ElectraModel. */
export const buildElectra: ArchitectureBuilder = (cfg, ctx) => {
  const s = readBertSizes(cfg);
  const E = cfg.int('embedding_size', 128);
  const { batchSize: B, seqLen: T, f } = ctx;
  const children: ModelNode[] = [bertEmbeddings(ctx, cfg, E, 'ElectraEmbeddings')];
  if (E !== s.hidden) {
    children.push(f.linear('root.embeddings_project', [B, T, E], s.hidden, true, { configKey: 'embedding_size' }));
  }
  children.push(bertEncoder(ctx, cfg, s, { prefix: 'Electra', context: cfg.context }));
  return f.model('ElectraModel', children, { configKey: 'model_type' });
};
