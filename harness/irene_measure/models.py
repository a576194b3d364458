"""Building a model with random weights, and its inputs.

Hugging Face `transformers` builds from a config.json when it is importable;
otherwise the plain-PyTorch definitions below, whose module and attribute
names follow transformers (BertModel, GPT2Model) and so does the order of the
functional calls in each forward, so that scopes such as
`root.encoder.layer.0.attention.self.matmul.0` match the measured H100 trees
and the trees the engine builds from a config.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import BUILTIN_ARCHITECTURES
from .messages import HarnessError
from .torch_runtime import DTYPES


def torch_dtype(name):
    return getattr(torch, DTYPES[name])


class GELUActivation(nn.Module):
    def forward(self, x):
        return F.gelu(x)

class NewGELUActivation(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c.get("type_vocab_size", 2), c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))

    def forward(self, input_ids, token_type_ids, position_ids):
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)

class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.num_heads = c["num_attention_heads"]
        self.head_dim = h // self.num_heads
        self.scaling = self.head_dim ** -0.5
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)

    def forward(self, hidden_states):
        b, s, _ = hidden_states.shape
        shape = (b, s, self.num_heads, self.head_dim)
        q = self.query(hidden_states).view(shape).transpose(1, 2)
        k = self.key(hidden_states).view(shape).transpose(1, 2)
        v = self.value(hidden_states).view(shape).transpose(1, 2)
        weights = torch.matmul(q, k.transpose(2, 3)) * self.scaling
        weights = F.softmax(weights, dim=-1)
        out = torch.matmul(weights, v).transpose(1, 2).contiguous()
        return out.reshape(b, s, -1).contiguous()

class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)

class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, hidden_states):
        return self.output(self.self(hidden_states), hidden_states)

class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.intermediate_act_fn = GELUActivation()

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))

class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)

class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, hidden_states):
        attention_output = self.attention(hidden_states)
        return self.output(self.intermediate(attention_output), attention_output)

class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, hidden_states):
        for layer in self.layer:
            hidden_states = layer(hidden_states)
        return hidden_states

class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))

class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)

    def forward(self, input_ids):
        b, s = input_ids.shape
        token_type_ids = torch.zeros((b, s), dtype=torch.long, device=input_ids.device)
        position_ids = torch.arange(s, device=input_ids.device).unsqueeze(0)
        sequence_output = self.encoder(self.embeddings(input_ids, token_type_ids, position_ids))
        return sequence_output, self.pooler(sequence_output)

class Conv1D(nn.Module):
    """GPT-2's transposed Linear: weight is (in, out)."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf).normal_(std=0.02))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)

class GPT2Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c["n_embd"]
        self.num_heads = c["n_head"]
        self.head_dim = e // self.num_heads
        self.scaling = self.head_dim ** -0.5 if c.get("scale_attn_weights", True) else 1.0
        self.c_attn = Conv1D(3 * e, e)
        self.c_proj = Conv1D(e, e)
        # "eager" (matmul, softmax, matmul with the scores in memory) or "sdpa" (one fused call).
        self.attn_implementation = c.get("_attn_implementation", "eager")

    def forward(self, hidden_states, attention_mask, layer_past=None, cache_position=None):
        b, s, e = hidden_states.shape
        q, k, v = self.c_attn(hidden_states).split(e, dim=2)
        shape = (b, s, self.num_heads, self.head_dim)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        if layer_past is not None:
            # A static cache, as transformers' StaticCache writes it: the new positions copied in place
            # into buffers of the context's length, and attention over the whole buffers.
            k_buf, v_buf = layer_past
            k_buf.index_copy_(2, cache_position, k)
            v_buf.index_copy_(2, cache_position, v)
            k, v = k_buf, v_buf
        if self.attn_implementation == "sdpa":
            # `scale` is a keyword of PyTorch 2.1+; the default (1 / sqrt(head_dim)) needs none.
            extra = {} if self.scaling == self.head_dim ** -0.5 else {"scale": self.scaling}
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask, **extra)
        else:
            weights = torch.matmul(q, k.transpose(-1, -2)) * self.scaling
            weights = weights + attention_mask
            weights = F.softmax(weights, dim=-1)
            out = torch.matmul(weights, v)
        out = out.transpose(1, 2).reshape(b, s, -1).contiguous()
        return self.c_proj(out)

class GPT2MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c["n_embd"]
        inner = c.get("n_inner") or 4 * e
        self.c_fc = Conv1D(inner, e)
        self.c_proj = Conv1D(e, inner)
        self.act = NewGELUActivation()

    def forward(self, hidden_states):
        return self.c_proj(self.act(self.c_fc(hidden_states)))

class GPT2Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c["n_embd"]
        eps = c.get("layer_norm_epsilon", 1e-5)
        self.ln_1 = nn.LayerNorm(e, eps=eps)
        self.attn = GPT2Attention(c)
        self.ln_2 = nn.LayerNorm(e, eps=eps)
        self.mlp = GPT2MLP(c)

    def forward(self, hidden_states, attention_mask, layer_past=None, cache_position=None):
        residual = hidden_states
        hidden_states = self.attn(self.ln_1(hidden_states), attention_mask, layer_past, cache_position) + residual
        residual = hidden_states
        return residual + self.mlp(self.ln_2(hidden_states))

class GPT2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c.get("n_positions", 1024), c["n_embd"])
        self.h = nn.ModuleList([GPT2Block(c) for _ in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=c.get("layer_norm_epsilon", 1e-5))

    def forward(self, input_ids, past_key_values=None, past_length=0):
        # The small int64 ops mirror what transformers' GPT2Model and its
        # masking utilities run, so that the root's functional children
        # (add.0, cast.1, add.2, sub.3, add.4, add.5, where.6) line up.
        # With a cache (a StaticKV) the new tokens sit at past_length ..
        # past_length + s - 1 and attend over the cache's whole length.
        b, s = input_ids.shape
        dev = input_ids.device
        cache_position = torch.arange(s, device=dev) + past_length
        inputs_embeds = self.wte(input_ids)
        position_embeds = self.wpe(cache_position.unsqueeze(0)).to(inputs_embeds.device)
        hidden_states = inputs_embeds + position_embeds
        dtype = hidden_states.dtype
        _last_index = torch.full((b, 1), s, dtype=torch.long, device=dev) - 1
        kv_len = past_key_values.length if past_key_values is not None else s
        kv_idx = torch.arange(kv_len, device=dev) + 0
        q_idx = torch.arange(s, device=dev) + past_length
        causal = (kv_idx[None, :] <= q_idx[:, None])[None, None].expand(b, 1, s, kv_len)
        zero = torch.zeros((), dtype=dtype, device=dev)
        mask = torch.where(causal, zero, torch.finfo(dtype).min)
        for i, block in enumerate(self.h):
            if past_key_values is not None:
                hidden_states = block(hidden_states, mask, past_key_values.layers[i], cache_position)
            else:
                hidden_states = block(hidden_states, mask)
        return self.ln_f(hidden_states)


class StaticKV:
    """A static KV cache, as transformers' StaticCache holds it: per layer a key and a value
    buffer of `length` positions (batch x heads x length x head_dim), written in place."""

    def __init__(self, config, batch, length, dtype, device):
        heads = config["n_head"]
        head_dim = config["n_embd"] // heads
        self.length = length
        self.layers = [
            tuple(torch.zeros(batch, heads, length, head_dim, dtype=dtype, device=device) for _ in range(2))
            for _ in range(config["n_layer"])
        ]


class GPT2LMHeadModel(nn.Module):
    """GPT-2 with its language-model head (tied to the token embedding), for generation."""

    def __init__(self, c):
        super().__init__()
        self.transformer = GPT2Model(c)
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.lm_head.weight = self.transformer.wte.weight

    def forward(self, input_ids, past_key_values=None, past_length=0, logits_to_keep=0):
        hidden_states = self.transformer(input_ids, past_key_values, past_length)
        if logits_to_keep > 0:
            # What generate() asks for: the head on the last position only (transformers' logits_to_keep).
            hidden_states = hidden_states[:, -logits_to_keep:, :]
        return self.lm_head(hidden_states)

# model_type -> the class built for it; configs.BUILTIN_ARCHITECTURES lists the keys.
BUILTIN_MODELS = {"bert": BertModel, "gpt2": GPT2Model}
# model_type -> the causal LM (with its head and a KV cache) built for generation.
BUILTIN_CAUSAL_LMS = {"gpt2": GPT2LMHeadModel}

def build_model(name, config, dtype, device, use_transformers, seed, causal_lm=False, attn="eager"):
    """(model, builder) with random weights, in eval mode, on device.

    causal_lm: the model with its language-model head and a KV cache (generation);
    else the bare model as AutoModel builds it (a forward pass, no cache).
    attn: "eager" or "sdpa".
    """
    torch.manual_seed(seed)
    model_type = config.get("model_type")
    if attn == "sdpa" and not hasattr(F, "scaled_dot_product_attention"):
        raise HarnessError("NO_SDPA", "PyTorch %s has no scaled_dot_product_attention (it came in 2.0): use --attn eager" % torch.__version__)
    if use_transformers:
        import transformers  # noqa: PLC0415

        cfg = dict(config)
        cfg.pop("model_type", None)
        try:
            config_obj = transformers.AutoConfig.for_model(model_type, **cfg)
        except Exception as e:
            raise HarnessError("BAD_MODEL", "%s: transformers cannot read this config (%s)" % (name, e))
        config_obj.use_cache = causal_lm
        auto = transformers.AutoModelForCausalLM if causal_lm else transformers.AutoModel
        try:
            model = auto.from_config(config_obj, attn_implementation=attn)
        except TypeError:
            if attn != "eager":
                raise HarnessError("NO_SDPA", "transformers %s cannot choose the attention implementation: use --attn eager" % transformers.__version__)
            model = auto.from_config(config_obj)
        except ValueError as e:
            raise HarnessError("BAD_MODEL", "%s: transformers cannot build it as %s (%s)" % (name, auto.__name__, e))
        builder = "transformers " + transformers.__version__
    else:
        table = BUILTIN_CAUSAL_LMS if causal_lm else BUILTIN_MODELS
        if model_type not in table:
            raise HarnessError(
                "UNKNOWN_MODEL_TYPE",
                "%s: model_type %r needs the transformers package (pip install transformers); "
                "without it the harness builds only %s%s" % (name, model_type, ", ".join(sorted(table)), " for generation" if causal_lm else ""),
            )
        model = table[model_type](dict(config, _attn_implementation=attn))
        builder = "built-in PyTorch definition"
    model = model.to(device=device, dtype=torch_dtype(dtype)).eval()
    return model, builder


def make_inputs(config, batch_size, seq_len, device, use_transformers):
    vocab = int(config.get("vocab_size", 1000))
    gen = torch.Generator().manual_seed(1234)
    ids = torch.randint(0, vocab, (batch_size, seq_len), generator=gen).to(device)
    if use_transformers:
        return (), {"input_ids": ids}
    return (ids,), {}
