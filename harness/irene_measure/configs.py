"""Built-in model configs and reading a model argument (no PyTorch needed).

The public Hugging Face configs, trimmed to what the architectures read.
Building from them downloads nothing.
"""

import json
import os

from .messages import HarnessError

# The model types models.py can build without the transformers package.
BUILTIN_ARCHITECTURES = ("bert", "gpt2")

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
