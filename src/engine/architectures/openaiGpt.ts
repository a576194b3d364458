/**
 * OpenAI GPT (`model_type: openai-gpt`), transformers 5 `modeling_openai.py`, eager attention:
 *
 * OpenAIGPTModel
 *   tokens_embed (B, T ids), positions_embed ((1, T) ids)
 *   h.i: Block (post-LN)
 *     attn: Attention (c_attn, c_proj; matmul.0, div.1 by sqrt(d), mul.2 x causal buffer b,
 *           sub.3 b - 1, mul.4 x -1e4, add.5, softmax.6, matmul.7, contiguous.8 in merge_heads)
 *     ln_1, mlp: MLP (c_fc, c_proj, act), ln_2; add.0, add.1 residuals
 *   root ops: add.0 token + position embeddings, add.1 + token-type embeddings (the scalar 0)
 *
 * The activation quirk: `MLP.act` is taken from a module-level dict
 * (`ACT_FNS["gelu"]` is one NewGELUActivation instance), so all layers share
 * one module object. PyTorch names a shared module once, by its first path
 * (`h.0.mlp.act`), and the measured trees therefore record one act node with
 * calls = n_layer under h.0 and none under the other layers. The compute is
 * real (each layer applies GELU once to its own activations); the attribution
 * of all of it to layer 0 is an artefact of module naming. This tree gives
 * every layer its own act node with calls 1, so that per-layer energy is
 * even and the model total is the same (the tests allow for it).
 *
 * Config aliases: hidden_size = n_embd, num_hidden_layers = n_layer,
 * num_attention_heads = n_head, max_position_embeddings = n_positions.
 * HF defaults: afn "gelu", n_positions 512. The MLP width is always 4 x n_embd.
 */
import type { ActivationSpec } from './activations.js';
import { MalformedFileError } from '../errors.js';
import { FLOPS_PER_ELEMENT } from '../features/primitiveCost.js';
import { checkLearnedPositions, headDim, type ArchitectureBuilder } from './architecture.js';
import type { ModelNode } from '../tree/modelNode.js';
import { ownValue } from '../ownKey.js';

/**
 * openai-gpt takes its activation from `ACT_FNS` (relu, silu, gelu, swish),
 * single instances of nn.ReLU, nn.SiLU and NewGELUActivation; any other
 * name fails in transformers too.
 */
const OPENAI_ACT_FNS: Record<string, ActivationSpec> = {
  relu: { instanceType: 'ReLU', flopsPerElement: FLOPS_PER_ELEMENT.relu },
  silu: { instanceType: 'SiLU', flopsPerElement: FLOPS_PER_ELEMENT.silu },
  swish: { instanceType: 'SiLU', flopsPerElement: FLOPS_PER_ELEMENT.silu },
  gelu: { instanceType: 'NewGELUActivation', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
};

function openaiActivation(name: string, context: string): ActivationSpec {
  const spec = ownValue(OPENAI_ACT_FNS, name);
  if (!spec) throw new MalformedFileError(`${context}: unsupported afn "${name}" (supported: ${Object.keys(OPENAI_ACT_FNS).join(', ')})`);
  return spec;
}

/** openai-gpt: OpenAIGPTModel. */
export const buildOpenAiGpt: ArchitectureBuilder = (cfg, ctx) => {
  const { batchSize: B, seqLen: T, f } = ctx;
  const H = cfg.requiredInt(['n_embd', 'hidden_size']);
  const layers = cfg.requiredInt(['n_layer', 'num_hidden_layers']);
  const heads = cfg.requiredInt(['n_head', 'num_attention_heads']);
  const vocab = cfg.requiredInt('vocab_size');
  const positions = cfg.int(['n_positions', 'max_position_embeddings'], 512);
  const act = openaiActivation(cfg.str('afn', 'gelu'), cfg.context);
  const d = headDim(H, heads, 'n_embd', 'n_head', cfg.context);
  checkLearnedPositions(T, positions, 'n_positions', cfg.context);
  const X = [B, T, H];
  const S = [B, heads, T, T];
  const M = [1, 1, T, T];
  const hKey = cfg.keyOf(['n_head', 'num_attention_heads']);
  const nKey = cfg.keyOf(['n_embd', 'hidden_size']);
  const lKey = cfg.keyOf(['n_layer', 'num_hidden_layers']);
  const inner = 4 * H;

  const blocks: ModelNode[] = [];
  for (let i = 0; i < layers; i++) {
    const s = `root.h.${i}`;
    const aOps = f.ops(`${s}.attn`);
    aOps.matmul([B, heads, T, d], [B, heads, d, T]);
    aOps.elementwise('div', [f.t(S), 'scalar']);
    aOps.elementwise('mul', [f.t(S), f.t(M)]);
    aOps.elementwise('sub', [f.t(M), 'scalar']);
    aOps.elementwise('mul', [f.t(M), 'scalar']);
    aOps.elementwise('add', [f.t(S), f.t(M)]);
    aOps.softmax(S);
    aOps.matmul(S, [B, heads, T, d]);
    aOps.contiguous([B, T, heads, d]);
    const attn = f.module(
      `${s}.attn`,
      'Attention',
      [
        f.linear(`${s}.attn.c_attn`, X, 3 * H, true, { instanceType: 'Conv1D', configKey: hKey }),
        f.linear(`${s}.attn.c_proj`, X, H, true, { instanceType: 'Conv1D', configKey: nKey }),
        ...aOps.nodes,
      ],
      { configKey: hKey, inputShapes: [X] },
    );
    const I = [B, T, inner];
    const mlp = f.module(
      `${s}.mlp`,
      'MLP',
      [
        f.linear(`${s}.mlp.c_fc`, X, inner, true, { instanceType: 'Conv1D', configKey: nKey }),
        f.linear(`${s}.mlp.c_proj`, I, H, true, { instanceType: 'Conv1D', configKey: nKey }),
        f.activation(`${s}.mlp.act`, act.instanceType, I, act.flopsPerElement, { configKey: 'afn' }),
      ],
      { configKey: nKey, inputShapes: [X] },
    );
    const ops = f.ops(s);
    ops.elementwise('add', [f.t(X), f.t(X)]);
    ops.elementwise('add', [f.t(X), f.t(X)]);
    blocks.push(
      f.module(s, 'Block', [attn, f.layerNorm(`${s}.ln_1`, X, { configKey: nKey }), mlp, f.layerNorm(`${s}.ln_2`, X, { configKey: nKey }), ...ops.nodes], {
        configKey: lKey,
        inputShapes: [X],
      }),
    );
  }
  const rootOps = f.ops('root');
  rootOps.elementwise('add', [f.t(X), f.t([1, T, H])]);
  rootOps.elementwise('add', [f.t(X), 'scalar']);
  return f.model(
    'OpenAIGPTModel',
    [
      f.embedding('root.tokens_embed', [B, T], vocab, H, { configKey: 'vocab_size' }),
      f.embedding('root.positions_embed', [1, T], positions, H, { configKey: cfg.keyOf(['n_positions', 'max_position_embeddings']) ?? 'n_positions' }),
      ...blocks,
      ...rootOps.nodes,
    ],
    { configKey: 'model_type' },
  );
};
