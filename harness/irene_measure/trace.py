"""Recording the module tree of one forward pass.

Forward hooks record the nn.Modules; a TorchFunctionMode records the
functional primitives (matmul, softmax, add ...) called directly in a module's
forward, with input shapes and call counts. Nodes with the same class, input
shapes and parameter shapes share a key: replay.py measures the first and the
others are marked `cached`.
"""

import contextlib
import json

import torch

from .flops import FUNCTIONAL_KINDS, functional_bytes, functional_flops, functional_name, module_flops
from .messages import EXIT_MEASURE, HarnessError, warn
from .tensors import describe, dtype_name, nbytes, tensors_in

# Leaf modules that do nothing in eval mode: not nodes, as in the measured trees.
SKIPPED_MODULE_CLASSES = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "Identity")


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
            node.mem_bytes = functional_bytes(kind, list(args), ins, outputs)
            node.key = "fn|%s|%s|%s" % (name, shape_key(list(args)), shape_key(dict(kwargs)))
            if node.key not in self.replays:
                self.replays[node.key] = (func, tuple(args), dict(kwargs))
            parent.children_functional.append(node)
        finally:
            self.busy = False


_UNTRACED = [0]


@contextlib.contextmanager
def untraced():
    """Torch calls made inside run but are not recorded: the harness's own bookkeeping inside a
    model's call (generation.pinned_update) is not part of the model."""
    _UNTRACED[0] += 1
    try:
        yield
    finally:
        _UNTRACED[0] -= 1


def make_function_mode(tracer):
    from torch.overrides import TorchFunctionMode  # noqa: PLC0415

    class RecordFunctions(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            result = func(*args, **kwargs)
            if _UNTRACED[0] == 0:
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
    finish_node(root, model, parameter_owners(model))
    mark_cached(root)
    return root, tracer.replays


def parameter_owners(model):
    """id(parameter) -> the scope of the module that owns it first. A tied parameter (an LM head
    sharing the token embedding's matrix) counts once, in its first owner, as the engine counts it."""
    owners = {}
    for name, p in model.named_parameters():  # named_parameters lists a shared tensor once, by its first name
        owners[id(p)] = "root" + ("." + name.rsplit(".", 1)[0] if "." in name else "")
    return owners


def owns(scope, owner):
    return scope == "root" or owner == scope or owner.startswith(scope + ".")


def finish_node(node, model, owners):
    """Types, per-call FLOPs/bytes (rolled up for modules) and parameter counts, bottom-up."""
    node.children_modules.sort(key=lambda n: n.order)
    for c in node.children_modules:
        finish_node(c, model, owners)
    if node.module is not None:
        node.num_parameters = sum(p.numel() for p in node.module.parameters() if owns(node.scope, owners.get(id(p), node.scope)))
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
