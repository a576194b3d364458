#!/usr/bin/env python3
"""IrEne measuring harness: measure the energy of Transformer models on this machine.

Run with the user's own Python and PyTorch (nothing else to install). For each
model and each (batch size, sequence length) it

1. builds the model with random weights (Hugging Face `transformers` from a
   config.json when that package is importable, else plain-PyTorch definitions
   of BERT and GPT-2 that use the same module and attribute names, so that the
   scopes line up with trees built from configs);
2. records the module tree of one forward pass: forward hooks for the
   nn.Modules, a TorchFunctionMode for the functional primitives (matmul,
   softmax, add ...) called directly in a module's forward, with input shapes
   and call counts;
3. replays each distinct node (same class, input shapes and parameter shapes
   measured once; copies are marked `cached: true`) and the whole model, and
   measures energy per call from an energy source: NVML's total-energy counter
   (NVIDIA GPUs), Linux RAPL (CPUs), the CSV of an external power meter, or a
   synthetic `fake` source for tests (labelled as such in the output);
4. writes IrEne-format JSONL trees (the format of data/h100/trees.jsonl.gz)
   with a leading `{"meta": true, ...}` line describing the machine.

Progress goes to stderr as JSON lines `{"progress": 0.42, "label": "..."}`;
a fatal error as `{"error": "...", "code": "..."}` with a non-zero exit code;
the final summary to stdout as one JSON line. `--check` prints what this
interpreter can do (PyTorch, transformers, devices, energy sources) and exits.

Units: flops in FLOPs (2 per multiply-add), mem_bytes in bytes,
ground_truth_energy in joules per call, times_mean in seconds per call,
power_w in watts.
"""

import argparse
import ctypes
import glob
import json
import math
import os
import platform
import statistics
import sys
import time
import uuid

HARNESS_VERSION = 1

EXIT_USAGE = 2  # bad arguments, missing PyTorch, unreadable config
EXIT_NO_ENERGY = 3  # the energy source asked for is not available here
EXIT_MEASURE = 4  # a measurement failed


# --------------------------------------------------------------------------
# Output helpers


def emit(obj):
    """One machine-readable line on stderr (progress, warnings, errors)."""
    sys.stderr.write(json.dumps(obj) + "\n")
    sys.stderr.flush()


def progress(fraction, label):
    emit({"progress": round(max(0.0, min(1.0, fraction)), 4), "label": label})


def warn(message):
    emit({"warning": message})


class HarnessError(Exception):
    def __init__(self, code, message, exit_code=EXIT_USAGE):
        super().__init__(message)
        self.code = code
        self.exit_code = exit_code


# --------------------------------------------------------------------------
# Built-in model configs (the public Hugging Face configs, trimmed to what the
# architectures read). Building from them downloads nothing.

BUILTIN_CONFIGS = {
    "bert-base-uncased": {
        "model_type": "bert", "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
        "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu",
        "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
    },
    "gpt2": {
        "model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12,
        "n_head": 12, "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
        "scale_attn_weights": True, "bos_token_id": 50256, "eos_token_id": 50256,
    },
    "distilgpt2": {
        "model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 6,
        "n_head": 12, "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
        "scale_attn_weights": True, "bos_token_id": 50256, "eos_token_id": 50256,
    },
}


def load_model_spec(spec):
    """(display name, config dict) for a built-in name or a config.json path."""
    if spec in BUILTIN_CONFIGS:
        return spec, dict(BUILTIN_CONFIGS[spec])
    path = spec
    if os.path.isdir(path):
        path = os.path.join(path, "config.json")
    if not os.path.isfile(path):
        raise HarnessError(
            "BAD_MODEL",
            "model %r is neither a built-in name (%s) nor a config.json file" % (spec, ", ".join(sorted(BUILTIN_CONFIGS))),
        )
    try:
        with open(path, "r", encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError) as e:
        raise HarnessError("BAD_MODEL", "%s: cannot read the config (%s)" % (path, e))
    if not isinstance(config, dict) or "model_type" not in config:
        raise HarnessError("BAD_MODEL", "%s: not a Hugging Face config.json (no model_type)" % path)
    name = config.get("_name_or_path") or os.path.basename(os.path.dirname(os.path.abspath(path))) or "model"
    return name, config


# --------------------------------------------------------------------------
# PyTorch (imported lazily so that --check works without it)

torch = None
nn = None
F = None


def import_torch():
    global torch, nn, F
    if torch is not None:
        return
    try:
        import torch as _torch  # noqa: PLC0415
        import torch.nn as _nn  # noqa: PLC0415
        import torch.nn.functional as _F  # noqa: PLC0415
    except Exception as e:  # ImportError, or a broken install
        raise HarnessError(
            "NO_TORCH",
            "PyTorch is not importable from %s (%s): install it for this interpreter "
            "(pip install torch, or apt-get install python3-torch for /usr/bin/python3) "
            "or choose another Python" % (sys.executable, e),
        )
    torch, nn, F = _torch, _nn, _F


def transformers_version():
    try:
        import transformers  # noqa: PLC0415

        return transformers.__version__
    except Exception:
        return None


DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "float32": "float32",
          "float16": "float16", "bfloat16": "bfloat16"}


def torch_dtype(name):
    return getattr(torch, DTYPES[name])


# --------------------------------------------------------------------------
# Built-in architectures in plain PyTorch. Module and attribute names follow
# Hugging Face transformers (BertModel, GPT2Model) and so does the order of
# the functional calls in each forward, so that scopes such as
# `root.encoder.layer.0.attention.self.matmul.0` match the measured H100 trees
# and the trees the engine builds from a config.


def define_builtin_models():
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

        def forward(self, hidden_states, attention_mask):
            b, s, e = hidden_states.shape
            q, k, v = self.c_attn(hidden_states).split(e, dim=2)
            shape = (b, s, self.num_heads, self.head_dim)
            q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
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
        def __init__(self, c):
            super().__init__()
            e = c["n_embd"]
            eps = c.get("layer_norm_epsilon", 1e-5)
            self.ln_1 = nn.LayerNorm(e, eps=eps)
            self.attn = GPT2Attention(c)
            self.ln_2 = nn.LayerNorm(e, eps=eps)
            self.mlp = GPT2MLP(c)

        def forward(self, hidden_states, attention_mask):
            residual = hidden_states
            hidden_states = self.attn(self.ln_1(hidden_states), attention_mask) + residual
            residual = hidden_states
            return residual + self.mlp(self.ln_2(hidden_states))

    class GPT2Model(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
            self.wpe = nn.Embedding(c.get("n_positions", 1024), c["n_embd"])
            self.h = nn.ModuleList([GPT2Block(c) for _ in range(c["n_layer"])])
            self.ln_f = nn.LayerNorm(c["n_embd"], eps=c.get("layer_norm_epsilon", 1e-5))

        def forward(self, input_ids):
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

    return {"bert": BertModel, "gpt2": GPT2Model}


BUILTIN_ARCHITECTURES = ("bert", "gpt2")


def build_model(name, config, dtype, device, use_transformers, seed):
    """(model, builder) with random weights, in eval mode, on device."""
    torch.manual_seed(seed)
    model_type = config.get("model_type")
    if use_transformers:
        import transformers  # noqa: PLC0415

        cfg = dict(config)
        cfg.pop("model_type", None)
        try:
            config_obj = transformers.AutoConfig.for_model(model_type, **cfg)
        except Exception as e:
            raise HarnessError("BAD_MODEL", "%s: transformers cannot read this config (%s)" % (name, e))
        config_obj.use_cache = False
        try:
            model = transformers.AutoModel.from_config(config_obj, attn_implementation="eager")
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
        model = define_builtin_models()[model_type](config)
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


# --------------------------------------------------------------------------
# FLOPs and bytes, with the conventions of src/engine/features/primitiveCost.ts


FLOPS_PER_ELEMENT = {
    "softmax": 5, "log_softmax": 5, "layer_norm": 8, "rms_norm": 4, "gelu": 8, "tanh": 4, "silu": 4,
    "sigmoid": 4, "relu": 1, "erf": 4,
    "add": 1, "sub": 1, "mul": 1, "div": 1, "where": 1, "masked_fill": 1, "pow": 1, "sqrt": 1, "rsqrt": 1,
    "exp": 1, "neg": 1, "mean": 1,
}

# Functional primitives recorded inside a module's forward, by normalised
# name. Views (view, transpose, split, getitem ...) and constructors (arange,
# zeros ...) move no data and are left out, as in the measured trees.
FUNCTIONAL_KINDS = {
    "matmul": "matmul", "bmm": "bmm", "baddbmm": "baddbmm", "einsum": "einsum",
    "softmax": "softmax", "log_softmax": "log_softmax",
    "add": "add", "sub": "sub", "mul": "mul", "div": "div", "truediv": "div",
    "where": "where", "masked_fill": "masked_fill", "pow": "pow", "sqrt": "sqrt", "rsqrt": "rsqrt",
    "exp": "exp", "neg": "neg", "mean": "mean", "tanh": "tanh", "sigmoid": "sigmoid", "erf": "erf",
    "gelu": "gelu", "silu": "silu", "relu": "relu", "layer_norm": "layer_norm", "rms_norm": "rms_norm",
    "linear": "linear", "embedding": "embedding", "scaled_dot_product_attention": "scaled_dot_product_attention",
    "contiguous": "contiguous", "to": "cast", "float": "cast", "half": "cast", "bfloat16": "cast",
    "type_as": "cast", "cat": "cat", "concat": "cat", "clone": "contiguous",
}

# Leaf modules that do nothing in eval mode: not nodes, as in the measured trees.
SKIPPED_MODULE_CLASSES = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "Identity")


def functional_name(func):
    name = getattr(func, "__name__", None)
    if not isinstance(name, str):
        return None
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
        if name.startswith("r") and name[1:] in ("add", "sub", "mul", "truediv", "matmul", "div"):
            name = name[1:]
        elif name.startswith("i") and name[1:] in ("add", "sub", "mul", "truediv", "div"):
            name = name[1:]
    elif name.endswith("_") and not name.startswith("_"):
        name = name[:-1]
    return name


def is_tensor(x):
    return isinstance(x, torch.Tensor)


def tensors_in(x, out):
    if is_tensor(x):
        out.append(x)
    elif isinstance(x, (list, tuple)):
        for e in x:
            tensors_in(e, out)
    elif isinstance(x, dict):
        for e in x.values():
            tensors_in(e, out)
    elif hasattr(x, "to_tuple") and callable(x.to_tuple):  # HF ModelOutput
        tensors_in(x.to_tuple(), out)
    return out


def nbytes(t):
    return t.numel() * t.element_size()


def dtype_name(dt):
    return str(dt).replace("torch.", "")


def describe(x):
    """An input_shapes entry: [shape, dtype] for a tensor, the value for a scalar."""
    if is_tensor(x):
        return [list(x.shape), dtype_name(x.dtype)]
    if x is None or isinstance(x, (bool, int, float, str)):
        if isinstance(x, float) and not math.isfinite(x):
            return str(x)
        return x
    if isinstance(x, (list, tuple)):
        return [describe(e) for e in x]
    if isinstance(x, dict):
        return {str(k): describe(v) for k, v in x.items()}
    if isinstance(x, (torch.dtype, torch.device)):
        return str(x)
    return type(x).__name__


def numel_shape(shape):
    n = 1
    for d in shape:
        n *= int(d)
    return n


def broadcast(a, b):
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + list(a)
    b = [1] * (n - len(b)) + list(b)
    return [y if x == 1 else x if y == 1 else max(x, y) for x, y in zip(a, b)]


def functional_flops(kind, args, kwargs, outputs):
    """FLOPs of one call of a functional primitive (2 per multiply-add)."""
    tens = [a for a in args if is_tensor(a)]
    out_numel = sum(t.numel() for t in outputs)
    if kind in ("matmul", "bmm", "baddbmm") and len(tens) >= 2:
        a, b = tens[-2], tens[-1]
        sa, sb = list(a.shape), list(b.shape)
        if len(sa) == 1:
            sa = [1] + sa
        if len(sb) == 1:
            sb = sb + [1]
        m, k, n = sa[-2], sa[-1], sb[-1]
        batch = numel_shape(broadcast(sa[:-2], sb[:-2]))
        flops = 2 * batch * m * k * n
        if kind == "baddbmm":
            flops += batch * m * n
        return flops
    if kind == "linear" and tens:
        w = tens[1] if len(tens) > 1 else None
        if w is not None and w.dim() == 2:
            tokens = tens[0].numel() // max(1, tens[0].shape[-1])
            return 2 * tokens * w.shape[1] * w.shape[0]
        return 0
    if kind == "scaled_dot_product_attention" and len(tens) >= 3:
        q, k = tens[0], tens[1]
        batch = numel_shape(q.shape[:-2])
        s_q, d, s_k = q.shape[-2], q.shape[-1], k.shape[-2]
        return 4 * batch * s_q * s_k * d + 5 * batch * s_q * s_k
    if kind in ("softmax", "log_softmax", "layer_norm", "rms_norm", "gelu", "tanh", "silu", "sigmoid", "relu", "erf"):
        return FLOPS_PER_ELEMENT[kind] * out_numel
    if kind == "mean":
        return sum(t.numel() for t in tens)
    if kind in FLOPS_PER_ELEMENT:
        return FLOPS_PER_ELEMENT[kind] * out_numel
    return 0  # memory movers (contiguous, cast, cat), einsum, embedding


def module_flops(module, inputs, outputs):
    """FLOPs of one call of a leaf module; None when the class is unknown."""
    cls = type(module).__name__
    low = cls.lower()
    x = inputs[0] if inputs else None
    out_numel = sum(t.numel() for t in outputs)
    if isinstance(module, nn.Linear) and x is not None:
        tokens = x.numel() // module.in_features
        return 2 * tokens * module.in_features * module.out_features
    if cls == "Conv1D" and x is not None and hasattr(module, "weight"):
        nx, nf = module.weight.shape
        return 2 * (x.numel() // nx) * nx * nf
    if isinstance(module, nn.Embedding) or "embedding" in low and "rotary" not in low:
        return 0
    if isinstance(module, nn.LayerNorm) or low.endswith("layernorm"):
        return 8 * (x.numel() if x is not None else out_numel)
    if low.endswith("rmsnorm"):
        return 4 * (x.numel() if x is not None else out_numel)
    if "gelu" in low:
        return 8 * out_numel
    if low in ("tanh", "silu", "siluactivation", "sigmoid", "swish"):
        return 4 * out_numel
    if low == "relu":
        return out_numel
    if low == "softmax":
        return 5 * out_numel
    if isinstance(module, nn.Conv2d) and outputs:
        kh, kw = module.kernel_size
        return 2 * outputs[0].numel() * (module.in_channels // module.groups) * kh * kw
    return None


# --------------------------------------------------------------------------
# Tracing one forward pass


class Node:
    def __init__(self, scope, instance_type, module=None, func=None):
        self.scope = scope
        self.instance_type = instance_type
        self.module = module
        self.func = func  # functional primitives: the callable
        self.func_name = None
        self.calls = 0
        self.children_modules = []
        self.children_functional = []
        self.parent = None
        self.order = 0
        self.input_shapes = []
        self.flops = 0
        self.mem_bytes = 0
        self.num_parameters = 0
        self.key = None
        self.replay = None  # (callable, args, kwargs) for the first node of each key
        self.type = "ml"
        self.cached = False
        self.measurement = None
        self.fn_index = 0
        self.in_first_call = False
        self.leaf_inputs_bytes = 0
        self.leaf_outputs = None


def params_signature(module):
    return tuple((n, tuple(p.shape), dtype_name(p.dtype)) for n, p in module.named_parameters())


def shape_key(x):
    d = describe(x)
    return json.dumps(d, sort_keys=True, default=str)


class Tracer:
    """Records the module tree of one forward pass."""

    def __init__(self, model):
        self.model = model
        self.nodes = {}  # scope -> Node, modules only
        self.stack = []
        self.busy = False  # True while the tracer itself runs tensor code
        self.handles = []
        self.replays = {}  # key -> (callable, args, kwargs)
        self.order = {}
        for i, (name, module) in enumerate(model.named_modules()):
            self.order[id(module)] = i

    def scope_of(self, name):
        return "root" if name == "" else "root." + name

    def install(self):
        for name, module in self.model.named_modules():
            if type(module).__name__ in SKIPPED_MODULE_CLASSES:
                continue
            scope = self.scope_of(name)
            self.handles.append(self._register_pre(module, scope))
            self.handles.append(module.register_forward_hook(self._post_hook(scope)))

    def _register_pre(self, module, scope):
        hook = self._pre_hook(scope)
        try:
            return module.register_forward_pre_hook(lambda m, a, k: hook(m, a, k), with_kwargs=True)
        except TypeError:  # PyTorch < 2.0: no kwargs in hooks
            return module.register_forward_pre_hook(lambda m, a: hook(m, a, {}))

    def remove(self):
        for h in self.handles:
            h.remove()
        self.handles = []

    def _pre_hook(self, scope):
        def hook(module, args, kwargs):
            self.busy = True
            try:
                node = self.nodes.get(scope)
                if node is None:
                    node = Node(scope, type(module).__name__, module=module)
                    node.order = self.order.get(id(module), 0)
                    node.parent = self.stack[-1] if self.stack else None
                    if node.parent is not None:
                        node.parent.children_modules.append(node)
                    self.nodes[scope] = node
                node.calls += 1
                first = node.calls == 1
                node.in_first_call = first
                if first:
                    node.input_shapes = [describe(a) for a in args]
                    ins = tensors_in(list(args), []) + tensors_in(dict(kwargs or {}), [])
                    node.leaf_inputs = ins
                    node.leaf_inputs_bytes = sum(nbytes(t) for t in ins)
                    node.key = "module|%s|%s|%s|%s" % (
                        node.instance_type,
                        shape_key(list(args)),
                        shape_key(dict(kwargs or {})),
                        json.dumps(params_signature(module)),
                    )
                    if node.key not in self.replays:
                        self.replays[node.key] = (module, tuple(args), dict(kwargs or {}))
                self.stack.append(node)
            finally:
                self.busy = False

        return hook

    def _post_hook(self, scope):
        def hook(module, args, output):
            self.busy = True
            try:
                node = self.stack.pop() if self.stack else None
                if node is not None and node.scope != scope:
                    warn("module hooks out of order at %s" % scope)
                if node is not None and node.in_first_call:
                    node.leaf_outputs = tensors_in(output, [])
                    node.leaf_outputs_bytes = sum(nbytes(t) for t in node.leaf_outputs)
                    node.in_first_call = False
                    if node.module is not None:
                        node.leaf_flops = module_flops(node.module, node.leaf_inputs, node.leaf_outputs)
                        node.leaf_param_bytes = sum(nbytes(p) for p in node.module.parameters())
                    node.leaf_inputs = None
                    node.leaf_outputs = None
            finally:
                self.busy = False

        return hook

    def on_function(self, func, args, kwargs, result):
        """Called by the TorchFunctionMode after each primitive."""
        if self.busy or not self.stack:
            return
        parent = self.stack[-1]
        if not parent.in_first_call:
            return
        name = functional_name(func)
        kind = FUNCTIONAL_KINDS.get(name) if name else None
        if kind is None:
            return
        self.busy = True
        try:
            outputs = tensors_in(result, [])
            if not outputs:
                return
            index = parent.fn_index
            parent.fn_index += 1
            node = Node("%s.%s.%d" % (parent.scope, kind, index), kind, func=func)
            node.func_name = name
            node.parent = parent
            node.input_shapes = [describe(a) for a in args]
            ins = tensors_in(list(args), []) + tensors_in(dict(kwargs), [])
            node.flops = functional_flops(kind, list(args), kwargs, outputs)
            node.mem_bytes = sum(nbytes(t) for t in ins) + sum(nbytes(t) for t in outputs)
            node.key = "fn|%s|%s|%s" % (name, shape_key(list(args)), shape_key(dict(kwargs)))
            if node.key not in self.replays:
                self.replays[node.key] = (func, tuple(args), dict(kwargs))
            parent.children_functional.append(node)
        finally:
            self.busy = False


def make_function_mode(tracer):
    from torch.overrides import TorchFunctionMode  # noqa: PLC0415

    class RecordFunctions(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            result = func(*args, **kwargs)
            tracer.on_function(func, args, kwargs, result)
            return result

    return RecordFunctions()


def trace_model(model, args, kwargs):
    """The root Node of one traced forward pass, with totals filled in."""
    tracer = Tracer(model)
    tracer.install()
    try:
        with torch.no_grad(), make_function_mode(tracer):
            model(*args, **kwargs)
    finally:
        tracer.remove()
    root = tracer.nodes.get("root")
    if root is None:
        raise HarnessError("TRACE", "the model's forward ran but no module hook fired", EXIT_MEASURE)
    finish_node(root, model)
    mark_cached(root)
    return root, tracer.replays


def finish_node(node, model):
    """Types, per-call FLOPs/bytes (rolled up for modules) and parameter counts, bottom-up."""
    node.children_modules.sort(key=lambda n: n.order)
    for c in node.children_modules:
        finish_node(c, model)
    if node.module is not None:
        node.num_parameters = sum(p.numel() for p in node.module.parameters())
    if node.module is not None and not node.children_modules:
        # A leaf module is an ML primitive: the functional calls inside it are part of it.
        node.type = "ml"
        node.children_functional = []
        flops = getattr(node, "leaf_flops", None)
        if flops is None:
            flops = 0
            warn("%s: no FLOPs formula for %s; counted as 0" % (node.scope, node.instance_type))
        node.flops = flops
        node.mem_bytes = node.leaf_inputs_bytes + getattr(node, "leaf_outputs_bytes", 0) + getattr(node, "leaf_param_bytes", 0)
    elif node.module is not None:
        node.type = "model" if node.parent is None else "module"
        for f in node.children_functional:
            f.calls = node.calls
        flops = 0
        mem = 0
        for c in children_of(node):
            flops += c.flops * c.calls / node.calls
            mem += c.mem_bytes * c.calls / node.calls
        node.flops = flops
        node.mem_bytes = mem


def children_of(node):
    return node.children_modules + node.children_functional


def walk(node):
    yield node
    for c in children_of(node):
        for n in walk(c):
            yield n


def mark_cached(root):
    seen = set()
    for n in walk(root):
        if n.key in seen:
            n.cached = True
        seen.add(n.key)


# --------------------------------------------------------------------------
# Energy sources


class EnergySource:
    """A cumulative energy counter. `read()` gives joules since some origin."""

    name = "none"
    fake = False
    ticks = False  # True: the counter moves in coarse steps; align windows to them
    wall_clock = False  # True: energy comes from timestamps (meter CSV)

    def read(self):
        raise NotImplementedError

    def describe(self):
        return self.name

    def gpu_stats(self):
        return {}


class NvmlSource(EnergySource):
    name = "nvml"
    ticks = True

    def __init__(self, index, backend="auto"):
        self.index = index
        self.backend = None
        errors = []
        if backend in ("auto", "pynvml"):
            try:
                import pynvml  # noqa: PLC0415 (nvidia-ml-py)

                pynvml.nvmlInit()
                self.nv = pynvml
                self.handle = pynvml.nvmlDeviceGetHandleByIndex(index)
                self.backend = "pynvml"
            except Exception as e:
                errors.append("pynvml: %s" % e)
        if self.backend is None and backend in ("auto", "ctypes"):
            try:
                self.lib = ctypes.CDLL("libnvidia-ml.so.1")
                self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
                self.handle = ctypes.c_void_p()
                self._check(self.lib.nvmlDeviceGetHandleByIndex_v2(ctypes.c_uint(index), ctypes.byref(self.handle)),
                            "nvmlDeviceGetHandleByIndex_v2")
                self.backend = "ctypes"
            except Exception as e:
                errors.append("libnvidia-ml.so.1: %s" % e)
        if self.backend is None:
            raise HarnessError("NO_ENERGY_SOURCE", "NVML is not available (%s)" % "; ".join(errors), EXIT_NO_ENERGY)
        try:
            self.read()
        except Exception as e:
            raise HarnessError(
                "NO_ENERGY_SOURCE",
                "this GPU has no NVML total-energy counter (%s); it needs a Volta or newer data-centre GPU" % e,
                EXIT_NO_ENERGY,
            )

    @staticmethod
    def _check(rc, what):
        if rc != 0:
            raise RuntimeError("%s returned NVML error %d" % (what, rc))

    def read(self):
        if self.backend == "pynvml":
            return self.nv.nvmlDeviceGetTotalEnergyConsumption(self.handle) / 1000.0
        v = ctypes.c_ulonglong()
        self._check(self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(v)),
                    "nvmlDeviceGetTotalEnergyConsumption")
        return v.value / 1000.0  # mJ -> J

    def device_name(self):
        if self.backend == "pynvml":
            n = self.nv.nvmlDeviceGetName(self.handle)
            return n.decode() if isinstance(n, bytes) else n
        buf = ctypes.create_string_buffer(96)
        self._check(self.lib.nvmlDeviceGetName(self.handle, buf, ctypes.c_uint(96)), "nvmlDeviceGetName")
        return buf.value.decode()

    def driver(self):
        try:
            if self.backend == "pynvml":
                d = self.nv.nvmlSystemGetDriverVersion()
                return d.decode() if isinstance(d, bytes) else d
            buf = ctypes.create_string_buffer(96)
            self._check(self.lib.nvmlSystemGetDriverVersion(buf, ctypes.c_uint(96)), "nvmlSystemGetDriverVersion")
            return buf.value.decode()
        except Exception:
            return None

    def gpu_stats(self):
        try:
            if self.backend == "pynvml":
                u = self.nv.nvmlDeviceGetUtilizationRates(self.handle)
                return {
                    "gpu": u.gpu, "gpu_mem": u.memory,
                    "gpu_clk": self.nv.nvmlDeviceGetClockInfo(self.handle, 1),
                    "gpu_mem_clk": self.nv.nvmlDeviceGetClockInfo(self.handle, 2),
                }

            class Util(ctypes.Structure):
                _fields_ = [("gpu", ctypes.c_uint), ("memory", ctypes.c_uint)]

            u = Util()
            sm = ctypes.c_uint()
            mem = ctypes.c_uint()
            self.lib.nvmlDeviceGetUtilizationRates(self.handle, ctypes.byref(u))
            self.lib.nvmlDeviceGetClockInfo(self.handle, ctypes.c_int(1), ctypes.byref(sm))
            self.lib.nvmlDeviceGetClockInfo(self.handle, ctypes.c_int(2), ctypes.byref(mem))
            return {"gpu": u.gpu, "gpu_mem": u.memory, "gpu_clk": sm.value, "gpu_mem_clk": mem.value}
        except Exception:
            return {}

    def describe(self):
        return "NVML total-energy counter of GPU %d (%s, via %s)" % (self.index, self.device_name(), self.backend)


RAPL_GLOB = "/sys/class/powercap/intel-rapl:*"


class RaplSource(EnergySource):
    """Sum of the package domains of Linux RAPL (CPU sockets), wraparound handled."""

    name = "rapl"

    def __init__(self, root_glob=RAPL_GLOB):
        self.domains = []
        problems = []
        for d in sorted(glob.glob(root_glob)):
            if os.path.basename(d).count(":") != 1:
                continue  # a sub-domain (intel-rapl:0:0) is already inside its package
            path = os.path.join(d, "energy_uj")
            try:
                with open(path) as f:
                    int(f.read().strip())
            except OSError as e:
                problems.append("%s: %s" % (path, e.strerror))
                continue
            rng = 2 ** 32
            try:
                with open(os.path.join(d, "max_energy_range_uj")) as f:
                    rng = int(f.read().strip()) + 1
            except (OSError, ValueError):
                pass
            self.domains.append({"path": path, "range": rng, "last": None, "acc": 0})
        if not self.domains:
            why = "; ".join(problems) if problems else "no %s/energy_uj on this machine" % root_glob
            hint = " (reading energy_uj needs root on recent kernels: run as root or chmod o+r it)" if problems else ""
            raise HarnessError("NO_ENERGY_SOURCE", "Linux RAPL is not available: %s%s" % (why, hint), EXIT_NO_ENERGY)
        self.read()

    def read(self):
        total = 0
        for d in self.domains:
            with open(d["path"]) as f:
                v = int(f.read().strip())
            if d["last"] is not None:
                delta = v - d["last"]
                if delta < 0:  # the counter wrapped around
                    delta += d["range"]
                d["acc"] += delta
            d["last"] = v
            total += d["acc"]
        return total / 1e6  # uJ -> J

    def describe(self):
        return "Linux RAPL (%s)" % ", ".join(os.path.dirname(d["path"]) for d in self.domains)


class MeterCsvSource(EnergySource):
    """An external power meter's log: CSV with a time column (Unix seconds or ISO 8601) and watts."""

    name = "meter-csv"
    wall_clock = True
    TIME_COLUMNS = ("timestamp", "time", "unix_time", "t", "time_s")
    POWER_COLUMNS = ("watts", "power_w", "power", "w", "watt")

    def __init__(self, path, wait_s=10.0):
        self.path = path
        self.wait_s = wait_s
        if not os.path.isfile(path):
            raise HarnessError("NO_ENERGY_SOURCE", "the meter CSV %s does not exist" % path, EXIT_NO_ENERGY)
        self.rows = []
        self._load()
        if len(self.rows) < 2:
            raise HarnessError("NO_ENERGY_SOURCE", "the meter CSV %s has fewer than two readings" % path, EXIT_NO_ENERGY)

    def _load(self):
        import csv  # noqa: PLC0415
        from datetime import datetime  # noqa: PLC0415

        with open(self.path, newline="") as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader, [])]
            ti = next((header.index(c) for c in self.TIME_COLUMNS if c in header), None)
            pi = next((header.index(c) for c in self.POWER_COLUMNS if c in header), None)
            if ti is None or pi is None:
                raise HarnessError(
                    "NO_ENERGY_SOURCE",
                    "%s: need a header with a time column (%s) and a power column in watts (%s)"
                    % (self.path, "/".join(self.TIME_COLUMNS), "/".join(self.POWER_COLUMNS)),
                    EXIT_NO_ENERGY,
                )
            rows = []
            for row in reader:
                if len(row) <= max(ti, pi):
                    continue
                t_raw, p_raw = row[ti].strip(), row[pi].strip()
                try:
                    t = float(t_raw)
                except ValueError:
                    try:
                        t = datetime.fromisoformat(t_raw.replace("Z", "+00:00")).timestamp()
                    except ValueError:
                        continue
                try:
                    rows.append((t, float(p_raw)))
                except ValueError:
                    continue
        rows.sort()
        self.rows = rows

    def read(self):
        return None

    def energy_between(self, t0, t1):
        """Joules between two Unix times: trapezoidal integral of the meter's watts."""
        deadline = time.time() + self.wait_s
        while not self.rows or self.rows[-1][0] < t1:
            if time.time() > deadline:
                last = self.rows[-1][0] if self.rows else float("nan")
                raise HarnessError(
                    "METER_CSV",
                    "the meter CSV %s ends at %.3f, before the window that ended at %.3f: is the meter logger "
                    "running and writing to this file, with a clock in Unix seconds?" % (self.path, last, t1),
                    EXIT_MEASURE,
                )
            time.sleep(0.2)
            self._load()
        if self.rows[0][0] > t0:
            raise HarnessError(
                "METER_CSV", "the meter CSV %s starts at %.3f, after the window began (%.3f)" % (self.path, self.rows[0][0], t0),
                EXIT_MEASURE,
            )

        def power_at(t):
            lo, hi = 0, len(self.rows) - 1
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self.rows[mid][0] <= t:
                    lo = mid
                else:
                    hi = mid
            (ta, pa), (tb, pb) = self.rows[lo], self.rows[hi]
            return pa if tb == ta else pa + (pb - pa) * (t - ta) / (tb - ta)

        pts = [(t0, power_at(t0))] + [r for r in self.rows if t0 < r[0] < t1] + [(t1, power_at(t1))]
        return sum((b[0] - a[0]) * (a[1] + b[1]) / 2.0 for a, b in zip(pts, pts[1:]))

    def describe(self):
        return "external power meter log %s" % self.path


class FakeSource(EnergySource):
    """Synthetic, deterministic energy for tests: NOT a measurement.

    energy per call = FAKE_J_PER_CALL + FAKE_J_PER_FLOP x flops + FAKE_J_PER_BYTE x mem_bytes,
    times (1 + 0.01 x (r - (R - 1) / 2)) on repeat r of R, so that the median over an odd
    number of repeats is exactly the formula and the spread is not zero.
    """

    name = "fake"
    fake = True
    FAKE_J_PER_CALL = 2e-5
    FAKE_J_PER_FLOP = 2e-12
    FAKE_J_PER_BYTE = 5e-11
    FAKE_IDLE_W = 50.0

    def read(self):
        return 0.0

    def energy_per_call(self, node, repeat, repeats):
        base = self.FAKE_J_PER_CALL + self.FAKE_J_PER_FLOP * node.flops + self.FAKE_J_PER_BYTE * node.mem_bytes
        return base * (1.0 + 0.01 * (repeat - (repeats - 1) / 2.0))

    def describe(self):
        return "FAKE synthetic energy (not a measurement; for tests)"


def open_energy_source(args):
    if args.energy_source == "nvml":
        return NvmlSource(args.gpu_index, args.nvml_backend)
    if args.energy_source == "rapl":
        return RaplSource(args.rapl_glob)
    if args.energy_source == "meter-csv":
        if not args.meter_csv:
            raise HarnessError("NO_ENERGY_SOURCE", "--energy-source meter-csv needs --meter-csv PATH", EXIT_USAGE)
        return MeterCsvSource(args.meter_csv, args.meter_wait_s)
    if args.energy_source == "fake":
        return FakeSource()
    raise HarnessError("NO_ENERGY_SOURCE", "unknown energy source %r" % args.energy_source)


def probe_sources():
    """What each energy source says on this machine (for --check)."""
    out = {}
    for name, make in (("nvml", lambda: NvmlSource(0)), ("rapl", lambda: RaplSource())):
        try:
            src = make()
            out[name] = {"available": True, "detail": src.describe()}
        except HarnessError as e:
            out[name] = {"available": False, "detail": str(e)}
        except Exception as e:  # a driver that misbehaves must not break --check
            out[name] = {"available": False, "detail": "%s: %s" % (type(e).__name__, e)}
    out["meter-csv"] = {"available": True, "detail": "needs --meter-csv PATH written by your meter's logger"}
    out["fake"] = {"available": True, "detail": "synthetic numbers for tests, not a measurement"}
    return out


# --------------------------------------------------------------------------
# Measuring


class Measurer:
    def __init__(self, source, device, window_s, node_window_s, repeats, warmup):
        self.source = source
        self.device = device
        self.window_s = window_s
        self.node_window_s = node_window_s
        self.repeats = repeats
        self.warmup = warmup
        self.cuda = device.type == "cuda"

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def wait_tick(self, fn, last):
        """Keep calling fn until the counter moves; returns (time, energy, calls made)."""
        n = 0
        now = time.perf_counter()
        deadline = now + 5.0
        next_read = now
        while True:
            if fn is not None:
                fn()
                n += 1
            else:
                time.sleep(0.0005)
            now = time.perf_counter()
            if now < next_read:
                continue  # an NVML read costs more than a small kernel launch: poll at most every 1 ms
            next_read = now + 0.001
            e = self.source.read()
            if e != last:
                return time.perf_counter(), e, n
            if now > deadline:
                raise HarnessError("COUNTER_STUCK", "the energy counter did not move in 5 s", EXIT_MEASURE)

    def window(self, fn, window_s):
        """Average power (W) while fn runs back to back, and seconds per call.

        The GPU's queue is kept full for the whole window; power comes from two
        counter readings taken right after the counter moved (NVML updates
        about every 100 ms), the time per call from all calls issued and one
        synchronisation at the end.
        """
        src = self.source
        cpu0 = time.process_time()
        t_first = time.perf_counter()
        wall0 = time.time()
        calls = 0
        if src.ticks:
            _, e0, n = self.wait_tick(fn, src.read())
            calls += n
            t0 = time.perf_counter()
        else:
            e0 = src.read()
            t0 = time.perf_counter()
        while time.perf_counter() - t0 < window_s:
            fn()
            calls += 1
        if src.ticks:
            t1, e1, n = self.wait_tick(fn, src.read())
            calls += n
        else:
            t1 = time.perf_counter()
            e1 = src.read()
        wall1 = wall0 + (t1 - t_first)
        self.sync()
        t_end = time.perf_counter()
        cpu = 100.0 * (time.process_time() - cpu0) / max(1e-9, t_end - t_first)
        if src.wall_clock:
            energy = src.energy_between(wall0 + (t0 - t_first), wall1)
        else:
            energy = (e1 - e0) if e0 is not None else 0.0
        power = energy / max(1e-9, t1 - t0)
        per_call_s = (t_end - t_first) / max(1, calls)
        return {"power_w": power, "time_s": per_call_s, "calls": calls, "cpu": cpu}

    def measure(self, fn, node, window_s):
        """Energy per call over `repeats` windows: median, the repeats and their spread."""
        with torch.no_grad():
            for _ in range(self.warmup):
                fn()
            self.sync()
            runs = []
            for r in range(self.repeats):
                w = self.window(fn, window_s)
                if self.source.fake:
                    w["energy"] = self.source.energy_per_call(node, r, self.repeats)
                    w["power_w"] = w["energy"] / max(1e-12, w["time_s"])
                else:
                    w["energy"] = w["power_w"] * w["time_s"]
                w.update(self.source.gpu_stats())
                runs.append(w)
        energies = [w["energy"] for w in runs]
        med = statistics.median(energies)
        mid = min(runs, key=lambda w: abs(w["energy"] - med))
        return {
            "energy": med,
            "energies": energies,
            "runs": [{"energy": w["energy"], "times_mean": w["time_s"], "power_w": w["power_w"]} for w in runs],
            "spread": (max(energies) - min(energies)) / med if med > 0 else 0.0,
            "times_mean": statistics.median([w["time_s"] for w in runs]),
            "power_w": mid["power_w"],
            "repeats": mid["calls"],
            "cpu": mid["cpu"],
            "stats": {k: mid[k] for k in ("gpu", "gpu_mem", "gpu_clk", "gpu_mem_clk") if k in mid},
        }

    def idle_power(self, seconds):
        """Watts with nothing running, over `seconds` (two halves, to show the noise)."""
        if self.source.fake:
            return [self.source.FAKE_IDLE_W, self.source.FAKE_IDLE_W]
        out = []
        for _ in range(2):
            if self.source.wall_clock:
                t0 = time.time()
                time.sleep(seconds / 2)
                out.append(self.source.energy_between(t0, time.time()) / max(1e-9, time.time() - t0))
                continue
            if self.source.ticks:
                t0, e0, _ = self.wait_tick(None, self.source.read())
            else:
                t0, e0 = time.perf_counter(), self.source.read()
            time.sleep(seconds / 2)
            if self.source.ticks:
                t1, e1, _ = self.wait_tick(None, self.source.read())
            else:
                t1, e1 = time.perf_counter(), self.source.read()
            out.append((e1 - e0) / max(1e-9, t1 - t0))
        return out


def make_replay(replay):
    target, args, kwargs = replay
    return lambda: target(*args, **kwargs)


# --------------------------------------------------------------------------
# Writing the IrEne tree format


def node_json(node, parent_scope, level):
    m = node.measurement
    out = {
        "id": str(uuid.uuid4()),
        "scope": node.scope,
        "parent_name": parent_scope,
        "level": level,
        "instance_type": node.instance_type,
        "type": node.type,
        "num_parameters": node.num_parameters,
        "flops": float(node.flops),
        "mem_bytes": float(node.mem_bytes),
        "calls": node.calls,
        "cpu": None, "mem": None, "gpu": None, "gpu_mem": None, "gpu_clk": None, "gpu_mem_clk": None,
        "times_mean": None, "gpu_energy_mean": None, "ground_truth_energy": None, "power_w": None,
        "repeats": None,
        "cached": node.cached,
    }
    if node.func_name is not None:
        out["func"] = node.func_name
    if m is not None and "error" not in m:
        out.update({
            "cpu": m["cpu"], "times_mean": m["times_mean"], "ground_truth_energy": m["energy"],
            "power_w": m["power_w"], "repeats": m["repeats"], "energies": m["energies"],
            "energy_spread": m["spread"],
        })
        out.update(m["stats"])
        if m.get("gpu_only"):
            out["gpu_energy_mean"] = m["energy"]
    elif m is not None:
        out["replay_error"] = m["error"]
    out["input_shapes"] = node.input_shapes
    kids = children_of(node)
    out["child_nodes_obj"] = [node_json(c, node.scope, level + 1) for c in kids]
    out["child_nodes"] = [c.scope for c in kids]
    return out


def count_nodes(root):
    return sum(1 for _ in walk(root))


# --------------------------------------------------------------------------
# Main


def parse_int_list(s):
    try:
        vals = [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a comma-separated list of integers" % s)
    if not vals or any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError("%r must list positive integers" % s)
    return vals


def parse_shapes(s):
    out = []
    for part in s.split(","):
        part = part.strip().lower()
        if not part:
            continue
        try:
            b, q = part.split("x")
            b, q = int(b), int(q)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a list of BATCHxSEQ pairs such as 1x128,8x256" % s)
        if b < 1 or q < 1:
            raise argparse.ArgumentTypeError("%r must list positive sizes" % s)
        out.append((b, q))
    if not out:
        raise argparse.ArgumentTypeError("%r lists no shapes" % s)
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="irene_measure.py",
        description="Measure the energy of Transformer models on this machine and write IrEne JSONL trees.",
    )
    p.add_argument("--check", action="store_true", help="print what this Python can do (JSON) and exit")
    p.add_argument("--model", action="append", default=[],
                   help="built-in name (%s) or path to a Hugging Face config.json; repeat for several"
                   % ", ".join(sorted(BUILTIN_CONFIGS)))
    p.add_argument("--batch-sizes", type=parse_int_list, default=[1, 8])
    p.add_argument("--seq-lens", type=parse_int_list, default=[128, 256])
    p.add_argument("--shapes", type=parse_shapes, default=None,
                   help="explicit BxS pairs, e.g. 1x128,8x256 (instead of the batch x seq grid)")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="fp32")
    p.add_argument("--device", default="auto",
                   help="auto (cuda with nvml, or with meter-csv when a GPU is there; else cpu), cpu, cuda, cuda:N")
    p.add_argument("--energy-source", choices=["nvml", "rapl", "meter-csv", "fake"], default=None)
    p.add_argument("--meter-csv", help="CSV of an external power meter: a time column (Unix s or ISO 8601) and watts")
    p.add_argument("--meter-wait-s", type=float, default=10.0, help="how long to wait for the meter log to catch up")
    p.add_argument("--gpu-index", type=int, default=None, help="NVML index of the GPU (default: the CUDA device's)")
    p.add_argument("--nvml-backend", choices=["auto", "pynvml", "ctypes"], default="auto")
    p.add_argument("--rapl-glob", default=RAPL_GLOB, help=argparse.SUPPRESS)
    p.add_argument("--window-s", type=float, default=1.2, help="model-level measuring window (s); NVML needs >= 1")
    p.add_argument("--node-window-s", type=float, default=0.25, help="window for each module/primitive (s)")
    p.add_argument("--repeats", type=int, default=3, help="windows per node; the median is reported")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls before measuring a node")
    p.add_argument("--idle-s", type=float, default=2.0, help="seconds of idle power measurement before starting")
    p.add_argument("--model-only", action="store_true", help="measure the whole model only, not each node")
    p.add_argument("--structure-only", action="store_true", help="record the trees without measuring energy")
    p.add_argument("--builtin", action="store_true", help="use the built-in PyTorch definitions even if transformers is installed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="JSONL file to write (trees, with a leading meta line)")
    a = p.parse_args(argv)
    if a.check:
        return a
    if not a.model:
        p.error("give at least one --model")
    if not a.out:
        p.error("give --out PATH")
    if not a.structure_only and a.energy_source is None:
        p.error("give --energy-source (nvml, rapl, meter-csv or fake) or --structure-only")
    if a.repeats < 1 or a.window_s <= 0 or a.node_window_s <= 0:
        p.error("--repeats must be >= 1 and windows > 0")
    return a


def check_report():
    report = {
        "harness_version": HARNESS_VERSION,
        "python": sys.executable,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "torch": None,
        "torch_error": None,
        "transformers": transformers_version(),
        "cuda": False,
        "devices": [],
        "function_mode": False,
        "builtin_architectures": list(BUILTIN_ARCHITECTURES),
        "builtin_models": sorted(BUILTIN_CONFIGS),
    }
    try:
        import_torch()
        report["torch"] = torch.__version__
        report["cuda"] = bool(torch.cuda.is_available())
        if report["cuda"]:
            report["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        try:
            from torch.overrides import TorchFunctionMode  # noqa: F401, PLC0415

            report["function_mode"] = True
        except ImportError:
            pass
    except HarnessError as e:
        report["torch_error"] = str(e)
    report["energy_sources"] = probe_sources()
    return report


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run(args):
    import_torch()
    try:
        from torch.overrides import TorchFunctionMode  # noqa: F401, PLC0415
    except ImportError:
        raise HarnessError("OLD_TORCH", "PyTorch %s has no TorchFunctionMode: the harness needs PyTorch 1.13 or newer" % torch.__version__)
    specs = [load_model_spec(m) for m in args.model]
    use_tf = transformers_version() is not None and not args.builtin

    # auto: the GPU when its counter is the source, or when a wall meter measures a machine that has one
    # (as in the IrEne paper); the CPU for RAPL, the fake source and structure-only runs.
    want_cuda = args.device.startswith("cuda") or (
        args.device == "auto"
        and (args.energy_source == "nvml" or (args.energy_source == "meter-csv" and torch.cuda.is_available()))
    )
    if want_cuda and not torch.cuda.is_available():
        raise HarnessError("NO_CUDA", "CUDA is not available to PyTorch %s here; use --device cpu" % torch.__version__)
    device = torch.device(args.device if args.device not in ("auto",) else ("cuda" if want_cuda else "cpu"))
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())

    source = None
    if not args.structure_only:
        if args.energy_source == "nvml" and args.gpu_index is None:
            args.gpu_index = device.index if device.type == "cuda" else 0
        source = open_energy_source(args)
    progress(0.0, "starting: %s on %s" % (source.describe() if source else "structure only", device))

    if device.type == "cuda":
        device_name = torch.cuda.get_device_name(device)
    else:
        device_name = cpu_name()
    if source is not None and source.fake:
        device_name += " [FAKE ENERGY: synthetic numbers for tests, not a measurement]"

    measurer = None
    idle = None
    if source is not None:
        measurer = Measurer(source, device, args.window_s, args.node_window_s, args.repeats, args.warmup)
        progress(0.0, "measuring idle power for %.1f s" % args.idle_s)
        idle = measurer.idle_power(args.idle_s)

    shapes = args.shapes or [(b, q) for b in args.batch_sizes for q in args.seq_lens]
    configs = [(name, cfg, b, q) for name, cfg in specs for b, q in shapes]
    lines = []
    summary = []
    spreads = []
    model_spreads = []
    started = time.time()
    for ci, (name, cfg, bsz, seq) in enumerate(configs):
        base = ci / len(configs)
        span = 1.0 / len(configs)
        label = "%s %dx%d %s" % (name, bsz, seq, args.dtype)
        max_pos = cfg.get("max_position_embeddings") or cfg.get("n_positions")
        if isinstance(max_pos, int) and seq > max_pos:
            raise HarnessError("BAD_SHAPE", "%s: sequence length %d is longer than its %d positions" % (name, seq, max_pos))
        progress(base, "%s: building the model" % label)
        model, builder = build_model(name, cfg, args.dtype, device, use_tf, args.seed)
        margs, mkwargs = make_inputs(cfg, bsz, seq, device, use_tf)
        progress(base + 0.02 * span, "%s: tracing one forward pass" % label)
        root, replays = trace_model(model, margs, mkwargs)
        model_run = None
        if measurer is not None:
            distinct = [n for n in walk(root) if not n.cached and n is not root] if not args.model_only else []
            total = len(distinct) + 1
            progress(base + 0.05 * span, "%s: whole model, %d x %.1f s" % (label, args.repeats, args.window_s))
            model_fn = lambda: model(*margs, **mkwargs)  # noqa: E731
            model_run = measurer.measure(model_fn, root, args.window_s)
            model_run["gpu_only"] = args.energy_source == "nvml"
            root.measurement = model_run
            model_spreads.append(model_run["spread"])
            by_key = {}
            for i, node in enumerate(distinct):
                progress(base + span * (0.05 + 0.95 * (i + 1) / total), "%s: %s (%d/%d)" % (label, node.scope, i + 1, len(distinct)))
                try:
                    m = measurer.measure(make_replay(replays[node.key]), node, args.node_window_s)
                    m["gpu_only"] = args.energy_source == "nvml"
                    spreads.append(m["spread"])
                except HarnessError:
                    raise
                except Exception as e:  # a module that cannot be replayed alone: keep its structure
                    m = {"error": "%s: %s" % (type(e).__name__, e)}
                    warn("%s: not measured (%s)" % (node.scope, m["error"]))
                node.measurement = m
                by_key[node.key] = m
            for node in walk(root):
                if node.cached and node is not root:
                    node.measurement = by_key.get(node.key)
        tree = {
            "model_name": name,
            "dtype": DTYPES[args.dtype],
            "batch_size": bsz,
            "seq_len": seq,
            "device": device_name,
            "attn_implementation": "eager",
            "energy_source": source.name if source else "none",
            "builder": builder,
            "frontend_tree": node_json(root, "", 0),
            "model_runs": model_run["runs"] if model_run else [],
            "unattached_modules": [],
            "functional_ops_captured": True,
            "config": cfg,
        }
        lines.append(tree)
        if model_run:
            summary.append({
                "model_name": name, "dtype": DTYPES[args.dtype], "batch_size": bsz, "seq_len": seq,
                "energy_j": model_run["energy"], "energies_j": model_run["energies"], "spread": model_run["spread"],
                "time_s": model_run["times_mean"], "power_w": model_run["power_w"],
                "nodes": count_nodes(root), "measured_nodes": 1 + sum(1 for n in walk(root) if n.measurement and not n.cached and n is not root),
            })
        else:
            summary.append({"model_name": name, "batch_size": bsz, "seq_len": seq, "nodes": count_nodes(root),
                            "flops": root.flops})
        del model, replays, root
        if device.type == "cuda":
            torch.cuda.empty_cache()

    meta = {
        "meta": True,
        "harness_version": HARNESS_VERSION,
        "device": device_name,
        "device_type": device.type,
        "energy_source": source.name if source else "none",
        "energy_source_detail": source.describe() if source else "structure only: no energy measured",
        "fake": bool(source and source.fake),
        "idle_power_w": statistics.mean(idle) if idle else None,
        "idle_power_runs_w": idle,
        "noise": {
            "model_spread_median": statistics.median(model_spreads) if model_spreads else None,
            "node_spread_median": statistics.median(spreads) if spreads else None,
            "node_spread_p90": sorted(spreads)[int(0.9 * (len(spreads) - 1))] if spreads else None,
            "idle_spread_w": (max(idle) - min(idle)) if idle else None,
        },
        "window_s": args.window_s,
        "node_window_s": args.node_window_s,
        "repeats": args.repeats,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers_version() if use_tf else None,
        "builder": "transformers" if use_tf else "built-in",
        "platform": platform.platform(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.time() - started, 3),
    }
    if source is not None and source.name == "nvml":
        meta["driver"] = source.driver()
        meta["cuda"] = torch.version.cuda
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.out + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta) + "\n")
        for line in lines:
            f.write(json.dumps(line) + "\n")
    os.replace(tmp, args.out)
    progress(1.0, "wrote %d trees to %s" % (len(lines), args.out))
    print(json.dumps({"out": os.path.abspath(args.out), "meta": meta, "results": summary}))
    sys.stdout.flush()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.check:
            print(json.dumps(check_report()))
            return 0
        run(args)
        return 0
    except HarnessError as e:
        emit({"error": str(e), "code": e.code})
        return e.exit_code
    except KeyboardInterrupt:
        emit({"error": "interrupted", "code": "INTERRUPTED"})
        return 130


if __name__ == "__main__":
    sys.exit(main())
