"""Generation phases: what one measured call is for a prefill or a decode step.

A forward pass (the default) calls the bare model on B x S tokens, no cache.
Generation uses the causal LM, its language-model head included:

- prefill at P tokens: one call on B x P tokens that fills the KV cache (the
  cache writes are part of the call), the head on the last position only, as
  generate() asks for it;
- decode at context C: one call on B x 1 new tokens at position C - 1 of a
  cache already holding C - 1 positions, so that the step attends over C.
  The cache is filled once by an unmeasured prefill of C - 1 tokens.

Every repeat of a decode step must see the same cache. A static cache (the
built-in GPT-2's, and transformers' StaticCache where the installed version
has it, sized to the context) is written in place at the step's position, so
repeats rewrite the same slot. A growing cache (transformers' DynamicCache)
gains a position per call and is cropped back after each call (`crop`, a view
per layer: its small cost is inside the measured window).
"""

import inspect

import torch

from .messages import HarnessError

PHASES = ("forward", "prefill", "decode")


class Step:
    """One measured call: positional and keyword inputs, and the cache to put back after it."""

    def __init__(self, args, kwargs, cache=None, keep=None, cache_kind="none"):
        self.args = args
        self.kwargs = kwargs
        self.cache = cache
        self.keep = keep
        # "static", "dynamic" or "none": written into the tree's record.
        self.cache_kind = cache_kind

    def after(self):
        """Puts a growing cache back to the positions the step started from (no-op for a static one)."""
        if self.keep is not None and hasattr(self.cache, "crop"):
            self.cache.crop(self.keep)


def _ids(config, batch, length, device, seed):
    vocab = int(config.get("vocab_size", 1000))
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (batch, length), generator=gen).to(device)


def _last_logits_only(model):
    """The keyword that makes a call compute the head's logits for the last position only, as
    generate() does (transformers 4.45+: logits_to_keep, 4.40-4.44: num_logits_to_keep); {} where the
    model has neither."""
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return {}
    for name in ("logits_to_keep", "num_logits_to_keep"):
        if name in params:
            return {name: 1}
    return {}


def _builtin_step(model, config, phase, batch, tokens, device):
    from .models import StaticKV  # noqa: PLC0415

    dtype = next(model.parameters()).dtype
    if phase == "prefill":
        cache = StaticKV(config, batch, tokens, dtype, device)
        kwargs = {"past_key_values": cache, "past_length": 0, "logits_to_keep": 1}
        return Step((_ids(config, batch, tokens, device, 1234),), kwargs, cache, None, "static")
    cache = StaticKV(config, batch, tokens, dtype, device)
    with torch.no_grad():
        model(_ids(config, batch, tokens - 1, device, 1234), past_key_values=cache, past_length=0, logits_to_keep=1)
    kwargs = {"past_key_values": cache, "past_length": tokens - 1}
    return Step((_ids(config, batch, 1, device, 4321),), kwargs, cache, None, "static")


def _static_cache(model, batch, length, device):
    """transformers' StaticCache of `length` positions, or None where this version has none."""
    try:
        from transformers import StaticCache  # noqa: PLC0415
    except ImportError:
        return None
    dtype = next(model.parameters()).dtype
    # Its constructor changed across versions: newest first.
    for kwargs in (
        {"config": model.config, "max_cache_len": length},
        {"config": model.config, "max_batch_size": batch, "max_cache_len": length, "device": device, "dtype": dtype},
        {"config": model.config, "batch_size": batch, "max_cache_len": length, "device": device, "dtype": dtype},
    ):
        try:
            return StaticCache(**kwargs)
        except (TypeError, ValueError):
            continue
    return None


def _transformers_step(model, config, phase, batch, tokens, device):
    last = _last_logits_only(model)
    if phase == "prefill":
        # generate()'s default cache: created by the call, filled with the prompt's keys and values.
        kwargs = {"input_ids": _ids(config, batch, tokens, device, 1234), "use_cache": True, **last}
        return Step((), kwargs, None, None, "dynamic")
    prefix = _ids(config, batch, tokens - 1, device, 1234)
    step_ids = _ids(config, batch, 1, device, 4321)
    cache = _static_cache(model, batch, tokens, device)
    with torch.no_grad():
        if cache is not None:
            positions = torch.arange(tokens - 1, device=device)
            model(input_ids=prefix, past_key_values=cache, cache_position=positions, use_cache=True, **last)
            kwargs = {"input_ids": step_ids, "past_key_values": cache, "cache_position": torch.tensor([tokens - 1], device=device), "use_cache": True}
            return Step((), kwargs, cache, None, "static")
        out = model(input_ids=prefix, use_cache=True, **last)
    cache = getattr(out, "past_key_values", None)
    if cache is None:
        raise HarnessError("NO_CACHE", "the model returned no past_key_values: it cannot be measured in decode")
    if not hasattr(cache, "crop") and not isinstance(cache, tuple):
        raise HarnessError("NO_CACHE", "the model's cache (%s) can be neither cropped nor reused: decode steps would grow it" % type(cache).__name__)
    kwargs = {"input_ids": step_ids, "past_key_values": cache, "use_cache": True}
    return Step((), kwargs, cache, tokens - 1, "dynamic")


def make_step(model, config, phase, batch, tokens, device, use_transformers):
    """The Step of a prefill over `tokens` tokens, or of a decode step at context `tokens`."""
    if phase not in ("prefill", "decode"):
        raise HarnessError("BAD_PHASE", "phase %r is not prefill or decode" % phase)
    if phase == "decode" and tokens < 2:
        raise HarnessError("BAD_SHAPE", "a decode context must be at least 2 (one cached position and the new token), not %d" % tokens)
    if use_transformers:
        return _transformers_step(model, config, phase, batch, tokens, device)
    return _builtin_step(model, config, phase, batch, tokens, device)
