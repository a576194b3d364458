"""FLOPs and bytes, with the conventions of src/engine/features/primitiveCost.ts.

FLOPs count 2 per multiply-add; a node's bytes are its inputs, outputs and
(leaf modules) parameters.
"""

import torch.nn as nn

from .tensors import broadcast, is_tensor, numel_shape


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
    "index_copy": "index_copy",
}


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
        # Per score: the softmax (5), the scaling (1) and, with a mask, its add (1), as the engine counts.
        masked = kwargs.get("attn_mask") is not None or (len(args) > 3 and is_tensor(args[3]))
        return 4 * batch * s_q * s_k * d + (6 + (1 if masked else 0)) * batch * s_q * s_k
    if kind in ("softmax", "log_softmax", "layer_norm", "rms_norm", "gelu", "tanh", "silu", "sigmoid", "relu", "erf"):
        return FLOPS_PER_ELEMENT[kind] * out_numel
    if kind == "mean":
        return sum(t.numel() for t in tens)
    if kind in FLOPS_PER_ELEMENT:
        return FLOPS_PER_ELEMENT[kind] * out_numel
    return 0  # memory movers (contiguous, cast, cat), einsum, embedding


def functional_bytes(kind, args, inputs, outputs):
    """Bytes one call of a functional primitive moves: its inputs and outputs, except for
    index_copy_ into a KV cache, which reads the new states and writes them (the cache it
    returns is not read or written as a whole), as src/engine/architectures/eagerAttention.ts counts."""
    if kind == "index_copy" and len(args) >= 4 and is_tensor(args[3]):
        return 2 * args[3].numel() * args[3].element_size()
    return sum(t.numel() * t.element_size() for t in inputs) + sum(t.numel() * t.element_size() for t in outputs)


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
