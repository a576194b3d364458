"""Sizes and descriptions of the tensors a module or primitive is called with."""

import math

import torch


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
