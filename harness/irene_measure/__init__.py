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

`--phase prefill|decode|generate` measures a causal LM with a KV cache
instead of the forward pass: a prefill of the prompt, or one decode step at
each `--contexts` length (generation.py); each tree says its `phase` and
`context`.

Progress goes to stderr as JSON lines `{"progress": 0.42, "label": "..."}`;
a fatal error as `{"error": "...", "code": "..."}` with a non-zero exit code;
the final summary to stdout as one JSON line. `--check` prints what this
interpreter can do (PyTorch, transformers, devices, energy sources) and exits.

Units: flops in FLOPs (2 per multiply-add), mem_bytes in bytes,
ground_truth_energy in joules per call, times_mean in seconds per call,
power_w in watts.

The package, one module per concern:

    cli.py            the command line and the run that ties the rest together
    configs.py        built-in model configs, reading --model arguments
    models.py         building a model (transformers, or the built-in BERT / GPT-2)
    trace.py          recording the module tree of one forward pass
    flops.py          FLOPs per module and primitive (tensors.py: sizes, shapes)
    replay.py         replaying nodes and measuring energy per call
    generation.py     a causal LM with a static KV cache: prefill and decode steps (--phase)
    sources/          energy sources behind one interface (nvml, rapl, meter, fake)
    tree_json.py      the IrEne JSONL tree format
    messages.py       progress, warnings and errors on stderr
    torch_runtime.py  finding PyTorch without importing it at start-up
"""

HARNESS_VERSION = 1

# The sources need no PyTorch: importing the package must work without it (--check).
from .sources import EnergySource, FakeSource, MeterCsvSource, NvmlSource, RaplSource  # noqa: E402

__all__ = ["HARNESS_VERSION", "EnergySource", "FakeSource", "MeterCsvSource", "NvmlSource", "RaplSource", "main"]


def main(argv=None):
    """Runs the command line with argv (default: sys.argv[1:]); returns the exit code."""
    from .cli import main as cli_main  # noqa: PLC0415

    return cli_main(argv)
