"""Finding PyTorch and transformers without importing them at start-up.

`--check` and argument errors must work in a Python without PyTorch, so only
this module is imported before `import_torch()` has said PyTorch is there;
the modules that need it (models, flops, trace, replay) import it at the top
and are themselves imported by cli.run() after the check.
"""

import sys

from .messages import HarnessError

DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "float32": "float32",
          "float16": "float16", "bfloat16": "bfloat16"}


def import_torch():
    """The torch module, or a HarnessError saying how to install it."""
    try:
        import torch  # noqa: PLC0415
        import torch.nn  # noqa: F401, PLC0415
        import torch.nn.functional  # noqa: F401, PLC0415
    except Exception as e:  # ImportError, or a broken install
        raise HarnessError(
            "NO_TORCH",
            "PyTorch is not importable from %s (%s): install it for this interpreter "
            "(pip install torch, or apt-get install python3-torch for /usr/bin/python3) "
            "or choose another Python" % (sys.executable, e),
        )
    return torch


def transformers_version():
    try:
        import transformers  # noqa: PLC0415

        return transformers.__version__
    except Exception:
        return None
