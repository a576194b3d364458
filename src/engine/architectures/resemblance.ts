/**
 * Which supported architecture an unknown config looks like, from the
 * fields it has: each family's distinctive config keys (the names its
 * configuration class uses that others do not share), scored by how many
 * the config has. Used to make the unknown-model_type error say where to
 * look; it never builds a tree from the guess.
 */

/** Distinctive keys per supported family, most specific first (ties go to the earlier entry). */
const SIGNATURES: readonly { modelType: string; keys: readonly string[] }[] = [
  { modelType: 'deepseek_v3', keys: ['kv_lora_rank', 'q_lora_rank', 'qk_rope_head_dim', 'qk_nope_head_dim', 'n_routed_experts', 'first_k_dense_replace', 'n_group', 'topk_group'] },
  { modelType: 'qwen2_moe', keys: ['shared_expert_intermediate_size', 'moe_intermediate_size', 'decoder_sparse_step', 'num_experts', 'mlp_only_layers'] },
  { modelType: 'mixtral', keys: ['num_local_experts', 'num_experts_per_tok', 'router_aux_loss_coef', 'router_jitter_noise'] },
  { modelType: 'gpt_oss', keys: ['swiglu_limit', 'experts_per_token', 'initial_context_length'] },
  { modelType: 't5', keys: ['d_kv', 'd_ff', 'num_heads', 'num_layers', 'relative_attention_num_buckets', 'feed_forward_proj', 'dropout_rate'] },
  { modelType: 'bart', keys: ['encoder_layers', 'decoder_layers', 'encoder_attention_heads', 'decoder_attention_heads', 'encoder_ffn_dim', 'decoder_ffn_dim', 'scale_embedding'] },
  { modelType: 'deberta-v2', keys: ['relative_attention', 'pos_att_type', 'position_buckets', 'share_att_key', 'position_biased_input', 'norm_rel_ebd'] },
  { modelType: 'modernbert', keys: ['global_attn_every_n_layers', 'local_attention', 'global_rope_theta', 'local_rope_theta', 'norm_bias', 'mlp_bias'] },
  { modelType: 'gemma2', keys: ['query_pre_attn_scalar', 'attn_logit_softcapping', 'final_logit_softcapping', 'hidden_activation', 'head_dim'] },
  { modelType: 'falcon', keys: ['multi_query', 'parallel_attn', 'new_decoder_architecture', 'num_kv_heads', 'alibi'] },
  { modelType: 'bloom', keys: ['apply_residual_connection_post_layernorm', 'slow_but_exact', 'pretraining_tp', 'n_head', 'n_layer'] },
  { modelType: 'gpt_neox', keys: ['rotary_pct', 'rotary_emb_base', 'use_parallel_residual'] },
  { modelType: 'opt', keys: ['ffn_dim', 'word_embed_proj_dim', 'do_layer_norm_before', 'enable_bias'] },
  { modelType: 'phi', keys: ['partial_rotary_factor', 'qk_layernorm', 'resid_pdrop', 'embd_pdrop'] },
  { modelType: 'starcoder2', keys: ['use_bias', 'norm_epsilon', 'residual_dropout', 'embedding_dropout'] },
  { modelType: 'gpt2', keys: ['n_embd', 'n_layer', 'n_head', 'n_positions', 'n_inner', 'activation_function'] },
  { modelType: 'distilbert', keys: ['dim', 'n_layers', 'n_heads', 'hidden_dim', 'sinusoidal_pos_embds'] },
  { modelType: 'albert', keys: ['embedding_size', 'num_hidden_groups', 'inner_group_num'] },
  { modelType: 'llama', keys: ['num_key_value_heads', 'rms_norm_eps', 'rope_theta', 'intermediate_size', 'hidden_act', 'attention_bias'] },
  { modelType: 'bert', keys: ['type_vocab_size', 'hidden_dropout_prob', 'attention_probs_dropout_prob', 'layer_norm_eps', 'intermediate_size', 'hidden_act'] },
];

/** Fewest distinctive keys a config must share with a family to be said to resemble it. */
const MIN_MATCHES = 2;

/** The supported family an unknown config most resembles, and the keys that say so; undefined when none shares enough. */
export function resemblance(config: Readonly<Record<string, unknown>>): { modelType: string; keys: string[] } | undefined {
  let best: { modelType: string; keys: string[] } | undefined;
  for (const sig of SIGNATURES) {
    const keys = sig.keys.filter((k) => config[k] !== undefined && config[k] !== null);
    if (keys.length >= MIN_MATCHES && keys.length > (best?.keys.length ?? 0)) best = { modelType: sig.modelType, keys };
  }
  return best;
}
