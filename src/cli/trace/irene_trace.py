"""Trace one PyTorch model class with the user's own Python (IrEne "Trace with Python").

Builds the model on the `meta` device (no weights, no memory, no GPU, no
download: a TorchFunctionMode puts every tensor factory on `meta`), runs one
forward pass on (batch, seq) inputs and prints, as one JSON line on stdout,
every module of the model (scope, class, the constructor sizes torch keeps as
attributes, parameters owned) and the ordered events of the forward pass:
module calls with their input shapes and the torch functions called, with
shapes. IrEne replays the events through its own cost model, so the traced
tree and the static one differ only where the static reading was wrong.

Usage: python irene_trace.py FILE.py --class NAME --input-shape 8,256 [--float-input] [--config config.json]
A failure prints {"error": "..."} on stderr and exits 1.
"""
import argparse
import dataclasses
import importlib.util
import inspect
import json
import os
import sys
import types

CONFIG_NAMES = ("config", "cfg", "conf", "args", "hparams", "params", "model_args")
# Constructor sizes torch layers keep as attributes (what IrEne's layer handlers read).
LAYER_ATTRS = (
    "in_features", "out_features", "num_embeddings", "embedding_dim", "padding_idx", "normalized_shape", "eps",
    "elementwise_affine", "num_groups", "num_channels", "affine", "num_features", "p", "approximate", "dim",
    "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "embed_dim",
    "num_heads", "batch_first", "nf",
)
# torch functions whose calls are primitives of IrEne's trees (the rest only change views or metadata).
RECORDED = {
    "matmul", "bmm", "__matmul__", "__rmatmul__", "softmax", "log_softmax", "scaled_dot_product_attention",
    "gelu", "silu", "relu", "tanh", "sigmoid", "layer_norm", "rms_norm", "add", "__add__", "__radd__", "__iadd__",
    "sub", "__sub__", "__rsub__", "__isub__", "mul", "__mul__", "__rmul__", "__imul__", "div", "__truediv__",
    "__rtruediv__", "__itruediv__", "neg", "__neg__", "pow", "__pow__", "sqrt", "rsqrt", "exp", "mean", "where",
    "masked_fill", "cat", "concat", "contiguous", "einsum", "linear", "to", "float", "half", "bfloat16", "type_as",
}
CASTS = {"to", "float", "half", "bfloat16", "type_as"}


def fail(message):
    sys.stderr.write(json.dumps({"error": message}) + "\n")
    sys.exit(1)


def load_module(path):
    """Imports the file as a module of a package made of its folder, so that relative imports work."""
    folder = os.path.dirname(os.path.abspath(path))
    package = "irene_traced"
    pkg = types.ModuleType(package)
    pkg.__path__ = [folder]
    sys.modules[package] = pkg
    sys.path.insert(0, folder)
    name = package + "." + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = package
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def make_config(cls, param, values):
    if hasattr(cls, "get_default_config"):
        config = cls.get_default_config()
        for k, v in (values or {}).items():
            setattr(config, k, v)
        return config
    candidate = getattr(cls, "config_class", None)
    if not inspect.isclass(candidate) and inspect.isclass(param.annotation) and param.annotation is not param.empty:
        candidate = param.annotation
    if not inspect.isclass(candidate):
        # A config class of the file that the static analysis would pick: the only *Config class there.
        found = [c for c in vars(sys.modules[cls.__module__]).values()
                 if inspect.isclass(c) and c.__module__ == cls.__module__ and c.__name__.endswith(("Config", "Cfg", "Args", "Params", "HParams"))]
        if len(found) == 1:
            candidate = found[0]
    if inspect.isclass(candidate):
        if dataclasses.is_dataclass(candidate):
            names = {f.name for f in dataclasses.fields(candidate)}
            return candidate(**{k: v for k, v in (values or {}).items() if k in names})
        return candidate(**(values or {}))
    if values is not None:
        return types.SimpleNamespace(**values)
    fail("cannot build %s: its %s argument needs a config (put a config.json beside the file)" % (cls.__name__, param.name))


def build(cls, values):
    kwargs = {}
    for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        is_config = p.name in CONFIG_NAMES or (p.annotation is not p.empty and "config" in str(p.annotation).lower())
        if is_config and (values is not None or p.default is p.empty):
            kwargs[p.name] = make_config(cls, p, values)
        elif values and p.name in values:
            kwargs[p.name] = values[p.name]
        elif p.default is p.empty:
            fail("cannot build %s: argument %s has no default" % (cls.__name__, p.name))
    return cls(**kwargs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--class", dest="cls", required=True)
    ap.add_argument("--input-shape", required=True)
    ap.add_argument("--float-input", action="store_true")
    ap.add_argument("--config")
    a = ap.parse_args()
    try:
        import torch
        from torch.overrides import TorchFunctionMode
    except Exception as e:  # noqa: BLE001 - any import failure means the same thing to the user
        fail("PyTorch is not importable by this Python (%s)" % e)

    factories = set()
    for n in ("empty", "zeros", "ones", "full", "arange", "randn", "rand", "randint", "tensor", "eye", "linspace"):
        if hasattr(torch, n):
            factories.add(getattr(torch, n))
    state = {"events": None}
    stack = []

    def encode(v):
        if isinstance(v, torch.Tensor):
            return {"t": "tensor", "shape": list(v.shape), "int": not (v.is_floating_point() or v.is_complex())}
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, float)):
            return v if v == v and abs(v) != float("inf") else None
        if isinstance(v, (list, tuple)) and len(v) <= 64:
            return [encode(x) for x in v]
        if isinstance(v, torch.dtype):
            return {"t": "dtype", "name": str(v)}
        return {"t": "other"}

    class MetaMode(TorchFunctionMode):
        def __torch_function__(self, func, types_, args=(), kwargs=None):
            kwargs = dict(kwargs or {})
            if func in factories:
                kwargs["device"] = "meta"
            out = func(*args, **kwargs)
            name = getattr(func, "__name__", "")
            events = state["events"]
            if events is not None and name in RECORDED and len(events) < 2000000:
                if name in CASTS:
                    src = args[0] if args else None
                    if not (isinstance(src, torch.Tensor) and isinstance(out, torch.Tensor) and src.dtype != out.dtype):
                        return out
                frame = sys._getframe(1)
                while frame is not None and not frame.f_code.co_filename.startswith(os.path.dirname(os.path.abspath(a.file))):
                    frame = frame.f_back
                events.append({
                    "ev": "op", "name": name, "args": [encode(x) for x in args],
                    "kwargs": {k: encode(v) for k, v in kwargs.items() if k != "device"},
                    "out": encode(out if isinstance(out, torch.Tensor) else (out[0] if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor) else None)),
                    "line": frame.f_lineno if frame is not None else None,
                })
            return out

    # The user's code may print: keep stdout for the one JSON line of the result.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        module = load_module(a.file)
    except Exception as e:  # noqa: BLE001 - reported to the user as one line
        fail("importing %s failed: %s: %s" % (os.path.basename(a.file), type(e).__name__, e))
    cls = getattr(module, a.cls, None)
    if cls is None:
        fail("%s defines no class %s" % (a.file, a.cls))
    values = None
    if a.config:
        with open(a.config) as f:
            values = json.load(f)
    try:
        with MetaMode():
            model = build(cls, values)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - reported to the user as one line
        fail("building %s failed: %s: %s" % (a.cls, type(e).__name__, e))
    model.eval()

    names = {}
    modules = []
    seen = set()
    for name, m in model.named_modules(remove_duplicate=False):
        if id(m) in names:
            continue
        scope = "root" + ("." + name if name else "")
        names[id(m)] = scope
        own = 0
        for p in m.parameters(recurse=False):
            if id(p) not in seen:
                seen.add(id(p))
                own += p.numel()
        attrs = {}
        for k in LAYER_ATTRS:
            if k in m.__dict__ or (hasattr(type(m), k) is False and hasattr(m, k)):
                v = getattr(m, k, None)
                if isinstance(v, (bool, int, float, str)) or (isinstance(v, tuple) and all(isinstance(x, int) for x in v)):
                    attrs[k] = list(v) if isinstance(v, tuple) else v
        bias = getattr(m, "bias", "missing")
        if bias is None or isinstance(bias, torch.Tensor):
            attrs["bias"] = bias is not None
        weight = getattr(m, "weight", None)
        if type(m).__name__ == "Conv1D" and isinstance(weight, torch.Tensor):
            attrs["nx"] = weight.shape[0]
        modules.append({"scope": scope, "cls": type(m).__name__, "attrs": attrs, "ownParameters": own})

    orig_call = torch.nn.Module.__call__

    def traced_call(self, *args, **kwargs):
        events = state["events"]
        if events is None:
            return orig_call(self, *args, **kwargs)
        events.append({"ev": "enter", "scope": names.get(id(self)), "cls": type(self).__name__,
                       "args": [encode(x) for x in args], "kwargs": {k: encode(v) for k, v in kwargs.items()}})
        stack.append(self)
        try:
            out = orig_call(self, *args, **kwargs)
        finally:
            stack.pop()
        first = out
        if isinstance(out, (tuple, list)) and out:
            first = out[0]
        elif hasattr(out, "to_tuple"):
            first = out.to_tuple()[0]
        events.append({"ev": "exit", "out": encode(first) if isinstance(first, torch.Tensor) else None})
        return out

    shape = [int(x) for x in a.input_shape.split(",")]
    torch.nn.Module.__call__ = traced_call
    state["events"] = []
    try:
        with torch.no_grad(), MetaMode():
            x = torch.zeros(*shape, dtype=torch.float32 if a.float_input else torch.long)
            model(x)
    except Exception as e:  # noqa: BLE001 - reported to the user as one line
        fail("the forward pass failed: %s: %s" % (type(e).__name__, e))
    finally:
        torch.nn.Module.__call__ = orig_call
    sys.stdout = real_stdout
    print(json.dumps({"torch": torch.__version__, "class": a.cls, "modules": modules, "events": state["events"]}))


if __name__ == "__main__":
    main()
