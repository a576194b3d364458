/**
 * RoBERTa (`model_type: roberta`): BERT's layers with RobertaEmbeddings,
 * whose position ids are computed from the input ids
 * (`create_position_ids_from_input_ids`: ne / int / cumsum / type_as / * mask
 * / + padding_idx) and start at padding_idx + 1, so a sequence may use
 * max_position_embeddings - pad_token_id - 1 positions (512 for roberta-base's 514).
 *
 * Functional ops recorded in RobertaEmbeddings' forward, in order (from the
 * measured H100 trees): cast.0 (`type_as`, int64 cumsum -> int32), add.1
 * (+ past length), mul.2 (* mask), add.3 (+ padding_idx, int64), cast.4 (the
 * (1, max_positions) token-type buffer moved to the device), add.5 (token
 * types), add.6 (positions). `ne`, `int`, `cumsum` and `long` are not recorded
 * by the measuring hooks, so they are left out here too (no FLOPs to speak of).
 *
 * HF defaults: pad_token_id 1, type_vocab_size 1 (RobertaConfig), max_position_embeddings 512.
 */
import type { ArchitectureBuilder, BuildContext } from './architecture.js';
import { checkLearnedPositions } from './architecture.js';
import { bertEncoder, bertPooler, readBertSizes } from './bert.js';
import type { ConfigReader } from './configReader.js';
import type { ModelNode } from '../tree/modelNode.js';

function robertaEmbeddings(ctx: BuildContext, cfg: ConfigReader, dim: number, prefix: string): ModelNode {
  const { batchSize: B, seqLen: T, f } = ctx;
  const vocab = cfg.requiredInt('vocab_size');
  const positions = cfg.int('max_position_embeddings', 512);
  const typeVocab = cfg.int('type_vocab_size', 1);
  const pad = cfg.index('pad_token_id', 1);
  checkLearnedPositions(T, positions - pad - 1, 'max_position_embeddings', cfg.context);
  const E = [B, T, dim];
  const ids = [B, T];
  const ops = f.ops('root.embeddings');
  ops.elementwise('cast', [{ shape: ids, type: 'int64' }, { shape: ids, type: 'int32' }], 'int32', 0);
  ops.elementwise('add', [{ shape: ids, type: 'int32' }, 'scalar'], 'int32');
  ops.elementwise('mul', [{ shape: ids, type: 'int32' }, { shape: ids, type: 'int32' }], 'int32');
  ops.elementwise('add', [{ shape: ids, type: 'int64' }, 'scalar'], 'int64');
  ops.cast({ shape: [1, positions], type: 'int64' });
  ops.elementwise('add', [f.t(E), f.t(E)]);
  ops.elementwise('add', [f.t(E), f.t(E)]);
  return f.module(
    'root.embeddings',
    `${prefix}Embeddings`,
    [
      f.embedding('root.embeddings.word_embeddings', ids, vocab, dim, { configKey: 'vocab_size' }),
      f.embedding('root.embeddings.token_type_embeddings', ids, typeVocab, dim, { configKey: 'type_vocab_size' }),
      f.layerNorm('root.embeddings.LayerNorm', E, { configKey: 'layer_norm_eps' }),
      f.embedding('root.embeddings.position_embeddings', ids, positions, dim, { configKey: 'max_position_embeddings' }),
      ...ops.nodes,
    ],
    { configKey: 'vocab_size', inputShapes: [ids] },
  );
}

/**
 * A RoBERTa-built encoder with class prefix `prefix` (`Roberta`,
 * `XLMRoberta`, `Camembert`): transformers copies RoBERTa's code for these,
 * only the names change.
 */
export function buildRobertaFamily(prefix: string): ArchitectureBuilder {
  return (cfg, ctx) => {
    const s = readBertSizes(cfg);
    const names = { prefix, context: cfg.context };
    return ctx.f.model(
      `${prefix}Model`,
      [robertaEmbeddings(ctx, cfg, s.hidden, prefix), bertEncoder(ctx, cfg, s, names), bertPooler(ctx, s.hidden, prefix)],
      { configKey: 'model_type' },
    );
  };
}

/** roberta: RobertaModel (with pooler, as AutoModel builds it). */
export const buildRoberta: ArchitectureBuilder = buildRobertaFamily('Roberta');
