"""Writing a traced (and measured) node in the IrEne tree format (data/h100/trees.jsonl.gz)."""

import uuid

from .trace import children_of, walk


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
