"""Generation: a causal LM with a KV cache, its prefill and its decode steps.

A prefill of P tokens writes P keys and values per layer into the cache and
runs the LM head on the last position; a decode step at context C runs one new
token per sequence against C - 1 cached positions (C positions attended over,
the new one included: the engine's `context`). Both run against a static
cache (allocated once, written in place at the tokens' positions), so a call
repeated for a long measuring window writes the same positions every time and
each repeat sees the same context: nothing has to be restored between calls
(a transformers cache is told its length, for versions that count it
themselves: `pin_cache_length`).

The built-in GPT-2 (models.py) carries its own static cache; with
`transformers`, AutoModelForCausalLM runs with `past_key_values` = its
StaticCache (a DynamicCache cropped back after each step where StaticCache is
missing, measured at the model level only) and `attn_implementation` eager or
sdpa. Scopes are those of the base model (`root.h.0 ...`, the LM head as
`root.lm_head`), as the engine builds generation trees from a config.
"""

import inspect

import torch
import torch.nn.functional as F

from .messages import HarnessError, warn
from .models import GPT2Model, StaticKVCache, torch_dtype, transformers_config
from .trace import untraced


class Generator:
    """A causal LM and how to call it with a cache: `new_cache(batch, max_len)` and
    `call_args(ids, cache, past_len)`, the (args, kwargs) that run the model once on `ids`
    after `past_len` cached positions."""

    replayable = True  # False: repeated calls of single modules would grow the cache

    def __init__(self, model, builder):
        self.model = model
        self.builder = builder


class BuiltinGenerator(Generator):
    def __init__(self, model, builder, config, dtype, device):
        super().__init__(model, builder)
        self.config = config
        self.dtype = torch_dtype(dtype)
        self.device = device

    def new_cache(self, batch_size, max_len):
        c = self.config
        heads = c["n_head"]
        return StaticKVCache(c["n_layer"], batch_size, heads, max_len, c["n_embd"] // heads, self.dtype, self.device)

    def call_args(self, ids, cache, past_len):
        return (ids, cache, past_len), {}


class TransformersGenerator(Generator):
    def __init__(self, model, builder, transformers):
        super().__init__(model, builder)
        self.tf = transformers
        params = inspect.signature(model.forward).parameters
        # Only the last position's logits, as generate() asks (the name changed in transformers 4.50).
        self.keep = next(({k: 1} for k in ("logits_to_keep", "num_logits_to_keep") if k in params), {})
        self.static = getattr(transformers, "StaticCache", None)
        self.replayable = self.static is not None

    def new_cache(self, batch_size, max_len):
        if self.static is None:
            return DynamicCacheAt(self.tf.DynamicCache())
        cfg = self.model.config
        p = next(self.model.parameters())
        attempts = (
            lambda: self.static(config=cfg, max_batch_size=batch_size, max_cache_len=max_len, device=p.device, dtype=p.dtype),
            lambda: self.static(config=cfg, max_cache_len=max_len),  # transformers 4.56+: allocated on first use
            lambda: self.static(cfg, batch_size, max_len, p.device, p.dtype),
        )
        errors = []
        for make in attempts:
            try:
                return make()
            except TypeError as e:
                errors.append(str(e))
        raise HarnessError("NO_STATIC_CACHE", "transformers %s: cannot build a StaticCache (%s)" % (self.tf.__version__, "; ".join(errors)))

    def call_args(self, ids, cache, past_len):
        pos = torch.arange(past_len, past_len + ids.shape[1], device=ids.device)
        if isinstance(cache, DynamicCacheAt):
            cache.crop(past_len)
            cache = cache.inner
        kwargs = {"input_ids": ids, "past_key_values": cache, "cache_position": pos, "use_cache": True}
        kwargs.update(self.keep)
        return (), kwargs


class DynamicCacheAt:
    """A DynamicCache cropped back to the context before each call (transformers without StaticCache)."""

    def __init__(self, inner):
        self.inner = inner

    def crop(self, length):
        if self.inner.get_seq_length() > length:
            self.inner.crop(length)


def build_generator(name, config, dtype, device, use_transformers, seed, attn):
    """A Generator for a causal LM with random weights, in eval mode, on device."""
    model_type = config.get("model_type")
    if attn == "sdpa" and not hasattr(F, "scaled_dot_product_attention"):
        raise HarnessError("NO_SDPA", "PyTorch %s has no scaled_dot_product_attention (PyTorch 2.0 or newer): use --attn eager" % torch.__version__)
    torch.manual_seed(seed)
    if use_transformers:
        transformers, config_obj = transformers_config(name, config)
        if getattr(config_obj, "is_encoder_decoder", False):
            raise HarnessError("NO_GENERATION", "%s: an encoder-decoder; the generation phases are measured for decoder-only models" % name)
        config_obj.use_cache = True
        try:
            model = transformers.AutoModelForCausalLM.from_config(config_obj, attn_implementation=attn)
        except ValueError as e:
            raise HarnessError("NO_GENERATION", "%s: no causal LM for model_type %r in transformers (%s)" % (name, model_type, e))
        model = model.to(device=device, dtype=torch_dtype(dtype)).eval()
        gen = TransformersGenerator(model, "transformers " + transformers.__version__, transformers)
        if not gen.replayable:
            warn("transformers %s has no StaticCache: a DynamicCache cropped after each step, the whole model measured only" % transformers.__version__)
        return gen
    if model_type != "gpt2":
        raise HarnessError(
            "NO_GENERATION",
            "%s: model_type %r: without transformers the harness measures generation for gpt2 only%s"
            % (name, model_type, " (an encoder generates no tokens)" if model_type == "bert" else " (pip install transformers)"),
        )
    model = GPT2Model(config, attn=attn, lm_head=True).to(device=device, dtype=torch_dtype(dtype)).eval()
    return BuiltinGenerator(model, "built-in PyTorch definition", config, dtype, device)


def prepare(gen, phase, batch_size, length, vocab, device):
    """(args, kwargs) of the measured call and the cache it runs against.

    prefill: `length` prompt tokens into an empty cache of `length` positions.
    decode: `length` is the context C; C - 1 tokens are prefilled (not measured) and the
    measured call is one token at position C - 1.
    """
    gen_ids = torch.Generator().manual_seed(1234)
    ids = torch.randint(0, vocab, (batch_size, length), generator=gen_ids).to(device)
    cache = gen.new_cache(batch_size, length)
    if phase == "prefill":
        return gen.call_args(ids, cache, 0), cache
    if length > 1:
        a, k = gen.call_args(ids[:, : length - 1], cache, 0)
        with torch.no_grad():
            gen.model(*a, **k)
    return gen.call_args(ids[:, length - 1:], cache, length - 1), cache


def cache_layers(cache):
    """The per-layer objects of a transformers cache (4.54+ `layers`), or none for older ones."""
    layers = getattr(cache, "layers", None)
    return list(layers) if isinstance(layers, (list, tuple)) else []


def pin_cache_length(cache, past_len):
    """Makes a transformers static cache hold `past_len` tokens before and after every call.

    Some transformers versions place a call's tokens from the cache's own count
    (`get_seq_length()`, which a StaticLayer computes from its non-zero slots,
    or a per-layer `cumulative_length` counter) instead of from `cache_position`.
    A call repeated for a measuring window would then write one position
    further each time and run off the end of the cache (a CUDA device-side
    assert, seen with transformers 5.17, whose counter is a tensor on the GPU).
    So the count is overridden on the instance, and each layer's `update` is
    wrapped to set its counter to `past_len` before and after the original:
    every call, the whole model's and each module's replay alike, writes the
    same slots and every mask is sized for the same context. The counter is
    moved to the CPU at the first wrapped call after it was put on the GPU (one
    sync, in the warm-up): a 0-dim CPU tensor works as a scalar in the GPU's
    `arange + counter`, and resetting it launches no kernel.
    """
    cache.get_seq_length = lambda layer_idx=0, *_a, **_k: past_len
    for layer in cache_layers(cache):
        layer.get_seq_length = lambda *_a, **_k: past_len
        if hasattr(layer, "cumulative_length") and callable(getattr(layer, "update", None)):
            layer.update = pinned_update(layer, layer.update, past_len)


def pinned_update(layer, update, past_len):
    """`layer.update` with the layer's token counter held at `past_len` (see pin_cache_length)."""

    def reset():
        c = layer.cumulative_length
        if isinstance(c, torch.Tensor):
            with untraced():
                if c.device.type != "cpu":
                    layer.cumulative_length = c = c.to("cpu")
                c.fill_(past_len)
        else:
            layer.cumulative_length = past_len

    def wrapped(*args, **kwargs):
        reset()
        out = update(*args, **kwargs)
        reset()
        return out

    return wrapped


def measured_call(gen, cache, call, past_len):
    """The function a measuring window repeats: the prepared call (a DynamicCache is cropped back first)."""
    args, kwargs = call
    if isinstance(cache, DynamicCacheAt):
        ids = kwargs["input_ids"]

        def step():
            a, k = gen.call_args(ids, cache, past_len)
            return gen.model(*a, **k)

        return step
    if isinstance(gen, TransformersGenerator):
        pin_cache_length(cache, past_len)
    return lambda: gen.model(*args, **kwargs)


def hoist_base_model(root, model):
    """A causal LM's tree rooted at its base model: `root.transformer.h.0` becomes `root.h.0`, the
    head (`root.lm_head`) a child of the new root, the root's class the base model's (GPT2Model),
    as the engine's generation trees are. Returns the new root (the same one when there is no base model)."""
    prefix = getattr(model, "base_model_prefix", None)
    base = next((c for c in root.children_modules if prefix and c.scope == "root." + prefix), None)
    if base is None:
        return root
    old = base.scope

    def rename(node):
        if node.scope == old or node.scope.startswith(old + "."):
            node.scope = "root" + node.scope[len(old):]
        for c in node.children_modules + node.children_functional:
            rename(c)

    rename(base)
    others = [c for c in root.children_modules if c is not base]
    for c in others:
        c.parent = base
    base.children_modules = base.children_modules + others
    base.children_functional = base.children_functional + root.children_functional
    for f in root.children_functional:
        f.parent = base
    base.parent = None
    base.type = "model"
    base.num_parameters = root.num_parameters
    base.flops = sum(c.flops * c.calls / base.calls for c in base.children_modules + base.children_functional)
    base.mem_bytes = sum(c.mem_bytes * c.calls / base.calls for c in base.children_modules + base.children_functional)
    return base
