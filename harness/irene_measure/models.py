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

class _DenseAddNorm(nn.Module):
    """dense, + the residual, LayerNorm: BertSelfOutput and BertOutput (the class names are the scopes' types)."""

    def __init__(self, c, in_features):
        super().__init__()
        self.dense = nn.Linear(in_features, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-12))

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)

class BertSelfOutput(_DenseAddNorm):
    def __init__(self, c):
        super().__init__(c, c["hidden_size"])

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

class BertOutput(_DenseAddNorm):
    def __init__(self, c):
        super().__init__(c, c["intermediate_size"])

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
    def __init__(self, c, layer_idx=0, attn="eager"):
        super().__init__()
        e = c["n_embd"]
        self.num_heads = c["n_head"]
        self.head_dim = e // self.num_heads
        self.scaling = self.head_dim ** -0.5 if c.get("scale_attn_weights", True) else 1.0
        self.c_attn = Conv1D(3 * e, e)
        self.c_proj = Conv1D(e, e)
        # The layer's slot in a KV cache, held by the module (as transformers does) so that the
        # layers' calls have the same arguments and identical layers are measured once.
        self.layer_idx = layer_idx
        self.attn = attn

    def forward(self, hidden_states, attention_mask, cache=None, cache_position=None):
        b, s, e = hidden_states.shape
        q, k, v = self.c_attn(hidden_states).split(e, dim=2)
        shape = (b, s, self.num_heads, self.head_dim)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        if cache is not None:
            k, v = cache.update(self.layer_idx, k, v, cache_position, attention_mask.shape[-1])
        if self.attn == "sdpa":
            # scale= is PyTorch 2.1's; the default (1 / sqrt(head_dim)) is GPT-2's usual scaling.
            extra = {} if self.scaling == self.head_dim ** -0.5 else {"scale": self.scaling}
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask, **extra).transpose(1, 2)
        else:
            weights = torch.matmul(q, k.transpose(-1, -2)) * self.scaling
            weights = weights + attention_mask
            weights = F.softmax(weights, dim=-1)
            out = torch.matmul(weights, v).transpose(1, 2)
        out = out.reshape(b, s, -1).contiguous()
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
    def __init__(self, c, layer_idx=0, attn="eager"):
        super().__init__()
        e = c["n_embd"]
        eps = c.get("layer_norm_epsilon", 1e-5)
        self.ln_1 = nn.LayerNorm(e, eps=eps)
        self.attn = GPT2Attention(c, layer_idx, attn)
        self.ln_2 = nn.LayerNorm(e, eps=eps)
        self.mlp = GPT2MLP(c)

    def forward(self, hidden_states, attention_mask, cache=None, cache_position=None):
        residual = hidden_states
        if cache is None:
            hidden_states = self.attn(self.ln_1(hidden_states), attention_mask) + residual
        else:
            hidden_states = self.attn(self.ln_1(hidden_states), attention_mask, cache, cache_position) + residual
        residual = hidden_states
        return residual + self.mlp(self.ln_2(hidden_states))

class GPT2Model(nn.Module):
    def __init__(self, c, attn="eager", lm_head=False):
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c.get("n_positions", 1024), c["n_embd"])
        self.h = nn.ModuleList([GPT2Block(c, i, attn) for i in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=c.get("layer_norm_epsilon", 1e-5))
        if lm_head:
            # The generation phases run the causal LM's head on the last position (what generate()
            # keeps); GPT-2 ties it to the token embedding unless the config says otherwise.
            self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
            if c.get("tie_word_embeddings", True):
                self.lm_head.weight = self.wte.weight
        else:
            self.lm_head = None

    def forward(self, input_ids, cache=None, past_len=0):
        if cache is not None:
            return self.forward_cached(input_ids, cache, past_len)
        # The small int64 ops mirror what transformers' GPT2Model and its
        # masking utilities run, so that the root's functional children
        # (add.0, cast.1, add.2, sub.3, add.4, add.5, where.6) line up.
        b, s = input_ids.shape
        dev = input_ids.device
        cache_position = torch.arange(s, device=dev) + 0
        inputs_embeds = self.wte(input_ids)
        position_embeds = self.wpe(cache_position.unsqueeze(0)).to(inputs_embeds.device)
        hidden_states = inputs_embeds + position_embeds
        dtype = hidden_states.dtype
        _last_index = torch.full((b, 1), s, dtype=torch.long, device=dev) - 1
        kv_idx = torch.arange(s, device=dev) + 0
        q_idx = torch.arange(s, device=dev) + 0
        causal = (kv_idx[None, :] <= q_idx[:, None])[None, None].expand(b, 1, s, s)
        zero = torch.zeros((), dtype=dtype, device=dev)
        mask = torch.where(causal, zero, torch.finfo(dtype).min)
        for block in self.h:
            hidden_states = block(hidden_states, mask)
        return self.ln_f(hidden_states)

    def forward_cached(self, input_ids, cache, past_len):
        """s new tokens after past_len cached ones: keys and values go into the cache at their
        positions and attention runs over the past_len + s positions (a prefill: past_len 0; a
        decode step: s = 1). The same root ops as the forward pass, with the mask (B, 1, s, kv)."""
        b, s = input_ids.shape
        dev = input_ids.device
        kv = past_len + s
        cache_position = torch.arange(s, device=dev) + past_len
        inputs_embeds = self.wte(input_ids)
        position_embeds = self.wpe(cache_position.unsqueeze(0)).to(inputs_embeds.device)
        hidden_states = inputs_embeds + position_embeds
        dtype = hidden_states.dtype
        _last_index = torch.full((b, 1), kv, dtype=torch.long, device=dev) - 1
        q_idx = torch.arange(s, device=dev) + past_len
        q_end = q_idx + 1  # a query sees the cached keys and its own
        kv_idx = torch.arange(kv, device=dev)
        causal = (kv_idx[None, :] < q_end[:, None])[None, None].expand(b, 1, s, kv)
        zero = torch.zeros((), dtype=dtype, device=dev)
        mask = torch.where(causal, zero, torch.finfo(dtype).min)
        for block in self.h:
            hidden_states = block(hidden_states, mask, cache, cache_position)
        hidden_states = self.ln_f(hidden_states)
        return self.lm_head(hidden_states[:, -1:, :]) if self.lm_head is not None else hidden_states


class StaticKVCache:
    """Keys and values of every layer in tensors allocated once, (B, heads, max_len, head_dim),
    written in place with index_copy_ at the new tokens' positions, as transformers' StaticCache
    does. Writing a position again overwrites it, so a decode step repeated at one position sees
    the same context every time. Attention reads the first kv positions (the cache's filled part)."""

    def __init__(self, layers, batch_size, heads, max_len, head_dim, dtype, device):
        shape = (batch_size, heads, max_len, head_dim)
        self.keys = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(layers)]
        self.values = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(layers)]
        self.max_len = max_len

    def update(self, layer, k, v, cache_position, kv_len):
        self.keys[layer].index_copy_(2, cache_position, k)
        self.values[layer].index_copy_(2, cache_position, v)
        return self.keys[layer][:, :, :kv_len], self.values[layer][:, :, :kv_len]

    def nbytes(self):
        return sum(t.numel() * t.element_size() for t in self.keys + self.values)


# model_type -> the class built for it; configs.BUILTIN_ARCHITECTURES lists the keys.
BUILTIN_MODELS = {"bert": BertModel, "gpt2": GPT2Model}

def transformers_config(name, config):
    """(transformers module, its config object) for a config dict; a clear error when it cannot read it."""
    import transformers  # noqa: PLC0415

    cfg = dict(config)
    model_type = cfg.pop("model_type", None)
    try:
        return transformers, transformers.AutoConfig.for_model(model_type, **cfg)
    except Exception as e:
        raise HarnessError("BAD_MODEL", "%s: transformers cannot read this config (%s)" % (name, e))


def build_model(name, config, dtype, device, use_transformers, seed, attn="eager"):
    """(model, builder) with random weights, in eval mode, on device; attn: eager or sdpa."""
    if attn == "sdpa" and not hasattr(F, "scaled_dot_product_attention"):
        raise HarnessError("NO_SDPA", "PyTorch %s has no scaled_dot_product_attention (PyTorch 2.0 or newer): use --attn eager" % torch.__version__)
    torch.manual_seed(seed)
    model_type = config.get("model_type")
    if use_transformers:
        transformers, config_obj = transformers_config(name, config)
        config_obj.use_cache = False
        try:
            model = transformers.AutoModel.from_config(config_obj, attn_implementation=attn)
        except TypeError:
            model = transformers.AutoModel.from_config(config_obj)
        builder = "transformers " + transformers.__version__
    else:
        if model_type not in BUILTIN_ARCHITECTURES:
            raise HarnessError(
                "UNKNOWN_MODEL_TYPE",
                "%s: model_type %r needs the transformers package (pip install transformers); "
                "without it the harness builds only %s" % (name, model_type, ", ".join(BUILTIN_ARCHITECTURES)),
            )
        if attn != "eager" and model_type != "gpt2":
            raise HarnessError("NO_SDPA", "%s: the built-in %s runs eager attention only (install transformers for sdpa)" % (name, model_type))
        model = BUILTIN_MODELS[model_type](config) if attn == "eager" else BUILTIN_MODELS[model_type](config, attn=attn)
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
