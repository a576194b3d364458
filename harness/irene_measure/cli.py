"""The command line: `python3 harness/irene_measure.py ...` or `python3 -m irene_measure ...`.

parse_args() is the interface the TypeScript side builds
(src/engine/calibrate/harnessCommand.ts); run() ties the pieces together:
models.py builds each model, trace.py records its tree, replay.py measures
it with an energy source from sources/, tree_json.py writes it.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

from . import HARNESS_VERSION
from .configs import BUILTIN_ARCHITECTURES, BUILTIN_CONFIGS, load_model_spec
from .messages import HarnessError, emit, progress, warn
from .sources import OPENERS, RAPL_GLOB, open_energy_source, probe_sources
from .torch_runtime import DTYPES, import_torch, transformers_version


def parse_int_list(s):
    try:
        vals = [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a comma-separated list of integers" % s)
    if not vals or any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError("%r must list positive integers" % s)
    return vals


def parse_shapes(s):
    out = []
    for part in s.split(","):
        part = part.strip().lower()
        if not part:
            continue
        try:
            b, q = part.split("x")
            b, q = int(b), int(q)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a list of BATCHxSEQ pairs such as 1x128,8x256" % s)
        if b < 1 or q < 1:
            raise argparse.ArgumentTypeError("%r must list positive sizes" % s)
        out.append((b, q))
    if not out:
        raise argparse.ArgumentTypeError("%r lists no shapes" % s)
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="irene_measure.py",
        description="Measure the energy of Transformer models on this machine and write IrEne JSONL trees.",
    )
    p.add_argument("--check", action="store_true", help="print what this Python can do (JSON) and exit")
    p.add_argument("--model", action="append", default=[],
                   help="built-in name (%s) or path to a Hugging Face config.json; repeat for several"
                   % ", ".join(sorted(BUILTIN_CONFIGS)))
    p.add_argument("--batch-sizes", type=parse_int_list, default=[1, 8])
    p.add_argument("--seq-lens", type=parse_int_list, default=[128, 256])
    p.add_argument("--shapes", type=parse_shapes, default=None,
                   help="explicit BxS pairs, e.g. 1x128,8x256 (instead of the batch x seq grid)")
    p.add_argument("--phase", choices=["forward", "prefill", "decode", "generate"], default="forward",
                   help="forward: the AutoModel's forward pass (no cache); prefill: the prompt (--shapes or the "
                   "batch x seq grid) into a KV cache, LM head on the last position; decode: one token per sequence "
                   "at each of --contexts; generate: prefill and decode")
    p.add_argument("--contexts", type=parse_int_list, default=None,
                   help="decode: positions each step attends over, the new token included (default: the --seq-lens)")
    p.add_argument("--attn", choices=["eager", "sdpa"], default="eager",
                   help="attention implementation (sdpa needs PyTorch 2.0; the built-in BERT is eager only)")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="fp32")
    p.add_argument("--device", default="auto",
                   help="auto (cuda with nvml, or with meter-csv when a GPU is there; else cpu), cpu, cuda, cuda:N")
    p.add_argument("--energy-source", choices=list(OPENERS), default=None)
    p.add_argument("--meter-csv", help="CSV of an external power meter: a time column (Unix s or ISO 8601) and watts")
    p.add_argument("--meter-wait-s", type=float, default=10.0, help="how long to wait for the meter log to catch up")
    p.add_argument("--gpu-index", type=int, default=None, help="NVML index of the GPU (default: the CUDA device's)")
    p.add_argument("--nvml-backend", choices=["auto", "pynvml", "ctypes"], default="auto")
    p.add_argument("--rapl-glob", default=RAPL_GLOB, help=argparse.SUPPRESS)
    p.add_argument("--window-s", type=float, default=1.2, help="model-level measuring window (s); NVML needs >= 1")
    p.add_argument("--node-window-s", type=float, default=0.25, help="window for each module/primitive (s)")
    p.add_argument("--repeats", type=int, default=3, help="windows per node; the median is reported")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls before measuring a node")
    p.add_argument("--idle-s", type=float, default=2.0, help="seconds of idle power measurement before starting")
    p.add_argument("--model-only", action="store_true", help="measure the whole model only, not each node")
    p.add_argument("--structure-only", action="store_true", help="record the trees without measuring energy")
    p.add_argument("--builtin", action="store_true", help="use the built-in PyTorch definitions even if transformers is installed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="JSONL file to write (trees, with a leading meta line)")
    a = p.parse_args(argv)
    if a.check:
        return a
    if not a.model:
        p.error("give at least one --model")
    if not a.out:
        p.error("give --out PATH")
    if not a.structure_only and a.energy_source is None:
        p.error("give --energy-source (nvml, rapl, meter-csv or fake) or --structure-only")
    if a.contexts and a.phase not in ("decode", "generate"):
        p.error("--contexts are the decode steps' contexts: give --phase decode or generate")
    if a.repeats < 1 or a.window_s <= 0 or a.node_window_s <= 0:
        p.error("--repeats must be >= 1 and windows > 0")
    return a


def check_report():
    report = {
        "harness_version": HARNESS_VERSION,
        "python": sys.executable,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "torch": None,
        "torch_error": None,
        "transformers": transformers_version(),
        "cuda": False,
        "devices": [],
        "function_mode": False,
        "builtin_architectures": list(BUILTIN_ARCHITECTURES),
        "builtin_models": sorted(BUILTIN_CONFIGS),
    }
    try:
        torch = import_torch()
        report["torch"] = torch.__version__
        report["cuda"] = bool(torch.cuda.is_available())
        if report["cuda"]:
            report["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        try:
            from torch.overrides import TorchFunctionMode  # noqa: F401, PLC0415

            report["function_mode"] = True
        except ImportError:
            pass
    except HarnessError as e:
        report["torch_error"] = str(e)
    report["energy_sources"] = probe_sources()
    return report


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def choose_device(args, torch):
    """The torch.device to measure on."""
    # auto: the GPU when its counter is the source, or when a wall meter measures a machine that has one
    # (as in the IrEne paper); the CPU for RAPL, the fake source and structure-only runs.
    want_cuda = args.device.startswith("cuda") or (
        args.device == "auto"
        and (args.energy_source == "nvml" or (args.energy_source == "meter-csv" and torch.cuda.is_available()))
    )
    if want_cuda and not torch.cuda.is_available():
        raise HarnessError("NO_CUDA", "CUDA is not available to PyTorch %s here; use --device cpu" % torch.__version__)
    device = torch.device(args.device if args.device not in ("auto",) else ("cuda" if want_cuda else "cpu"))
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return device


def measure_nodes(measurer, args, root, replays, model_fn, label, base, span, spreads, model_only=False):
    """Measures the whole model, then each distinct node; copies get their original's measurement."""
    from .replay import make_replay  # noqa: PLC0415
    from .trace import walk  # noqa: PLC0415

    distinct = [n for n in walk(root) if not n.cached and n is not root] if not (args.model_only or model_only) else []
    total = len(distinct) + 1
    progress(base + 0.05 * span, "%s: whole model, %d x %.1f s" % (label, args.repeats, args.window_s))
    model_run = measurer.measure(model_fn, root, args.window_s)
    model_run["gpu_only"] = args.energy_source == "nvml"
    root.measurement = model_run
    by_key = {}
    for i, node in enumerate(distinct):
        progress(base + span * (0.05 + 0.95 * (i + 1) / total), "%s: %s (%d/%d)" % (label, node.scope, i + 1, len(distinct)))
        try:
            m = measurer.measure(make_replay(replays[node.key]), node, args.node_window_s)
            m["gpu_only"] = args.energy_source == "nvml"
            spreads.append(m["spread"])
        except HarnessError:
            raise
        except Exception as e:  # a module that cannot be replayed alone: keep its structure
            m = {"error": "%s: %s" % (type(e).__name__, e)}
            warn("%s: not measured (%s)" % (node.scope, m["error"]))
        node.measurement = m
        by_key[node.key] = m
    for node in walk(root):
        if node.cached and node is not root:
            node.measurement = by_key.get(node.key)
    return model_run


def build_meta(args, torch, device, device_name, source, idle, spreads, model_spreads, use_tf, started):
    """The leading `{"meta": true, ...}` line: the machine, the source, the noise seen."""
    meta = {
        "meta": True,
        "harness_version": HARNESS_VERSION,
        "device": device_name,
        "device_type": device.type,
        "energy_source": source.name if source else "none",
        "energy_source_detail": source.describe() if source else "structure only: no energy measured",
        "fake": bool(source and source.fake),
        "idle_power_w": statistics.mean(idle) if idle else None,
        "idle_power_runs_w": idle,
        "noise": {
            "model_spread_median": statistics.median(model_spreads) if model_spreads else None,
            "node_spread_median": statistics.median(spreads) if spreads else None,
            "node_spread_p90": sorted(spreads)[int(0.9 * (len(spreads) - 1))] if spreads else None,
            "idle_spread_w": (max(idle) - min(idle)) if idle else None,
        },
        "window_s": args.window_s,
        "node_window_s": args.node_window_s,
        "repeats": args.repeats,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers_version() if use_tf else None,
        "builder": "transformers" if use_tf else "built-in",
        "platform": platform.platform(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.time() - started, 3),
    }
    if source is not None and source.name == "nvml":
        meta["driver"] = source.driver()
        meta["cuda"] = torch.version.cuda
    return meta


def plan_jobs(args, specs):
    """(name, config, phase, batch size, length) per measurement, model by model: length is the
    sequence length of a forward pass or a prefill, the context of a decode step."""
    shapes = args.shapes or [(b, q) for b in args.batch_sizes for q in args.seq_lens]
    batches = sorted(set(b for b, _ in shapes))
    contexts = args.contexts or sorted(set(q for _, q in shapes))
    jobs = []
    for name, cfg in specs:
        if args.phase == "forward":
            jobs += [(name, cfg, "forward", b, q) for b, q in shapes]
        if args.phase in ("prefill", "generate"):
            jobs += [(name, cfg, "prefill", b, q) for b, q in shapes]
        if args.phase in ("decode", "generate"):
            jobs += [(name, cfg, "decode", b, c) for b in batches for c in contexts]
    return jobs


def measure_job(args, torch, job, ctx):
    """Builds, traces and (with a source) measures one job; returns (JSONL tree, summary entry)."""
    from .models import build_model, make_inputs  # noqa: PLC0415
    from .trace import trace_model, walk  # noqa: PLC0415
    from .tree_json import count_nodes, node_json  # noqa: PLC0415

    name, cfg, phase, bsz, length = job
    base, span = ctx["base"], ctx["span"]
    what = "%dx%d" % (bsz, length) if phase != "decode" else "%dx1 at context %d" % (bsz, length)
    label = "%s %s %s%s" % (name, what, args.dtype, "" if phase == "forward" else " " + phase)
    max_pos = cfg.get("max_position_embeddings") or cfg.get("n_positions")
    if isinstance(max_pos, int) and length > max_pos:
        raise HarnessError("BAD_SHAPE", "%s: %s %d is longer than its %d positions"
                           % (name, "context" if phase == "decode" else "sequence length", length, max_pos))
    progress(base, "%s: building the model" % label)
    extra = {}
    model_only = False
    if phase == "forward":
        model, builder = build_model(name, cfg, args.dtype, ctx["device"], ctx["use_tf"], args.seed, args.attn)
        margs, mkwargs = make_inputs(cfg, bsz, length, ctx["device"], ctx["use_tf"])
        model_fn = lambda: model(*margs, **mkwargs)  # noqa: E731
    else:
        from .generation import build_generator, hoist_base_model, measured_call, prepare  # noqa: PLC0415

        gen = build_generator(name, cfg, args.dtype, ctx["device"], ctx["use_tf"], args.seed, args.attn)
        model, builder = gen.model, gen.builder
        if phase == "decode":
            progress(base + 0.01 * span, "%s: prefilling %d tokens into the cache (not measured)" % (label, length - 1))
        (margs, mkwargs), cache = prepare(gen, phase, bsz, length, int(cfg.get("vocab_size", 1000)), ctx["device"])
        model_fn = measured_call(gen, cache, (margs, mkwargs), 0 if phase == "prefill" else length - 1)
        model_only = not gen.replayable
        extra["kv_cache"] = "static" if gen.replayable else "dynamic (cropped after each step)"
        if hasattr(cache, "nbytes"):
            extra["kv_cache_bytes"] = cache.nbytes()
    progress(base + 0.02 * span, "%s: tracing one %s" % (label, "forward pass" if phase == "forward" else phase + " call"))
    root, replays = trace_model(model, margs, mkwargs)
    if phase != "forward":
        root = hoist_base_model(root, model)
    model_run = None
    if ctx["measurer"] is not None:
        model_run = measure_nodes(ctx["measurer"], args, root, replays, model_fn, label, base, span, ctx["spreads"], model_only)
        ctx["model_spreads"].append(model_run["spread"])
    source = ctx["source"]
    tree = {
        "model_name": name,
        "dtype": DTYPES[args.dtype],
        "batch_size": bsz,
        "seq_len": 1 if phase == "decode" else length,
        # The pass and the tokens in the KV cache once it has appended its own: for a decode step the
        # positions it attends over (the engine's context), for a prefill its prompt, 0 without a cache.
        "phase": phase,
        "context": 0 if phase == "forward" else length,
        "device": ctx["device_name"],
        "attn_implementation": args.attn,
        "energy_source": source.name if source else "none",
        "builder": builder,
        "frontend_tree": node_json(root, "", 0),
        "model_runs": model_run["runs"] if model_run else [],
        "unattached_modules": [],
        "functional_ops_captured": True,
        "config": cfg,
    }
    tree.update(extra)
    key = {"model_name": name, "dtype": DTYPES[args.dtype], "batch_size": bsz, "seq_len": tree["seq_len"],
           "phase": phase, "context": tree["context"]}
    if model_run:
        result = dict(key, energy_j=model_run["energy"], energies_j=model_run["energies"], spread=model_run["spread"],
                      time_s=model_run["times_mean"], power_w=model_run["power_w"], nodes=count_nodes(root),
                      measured_nodes=1 + sum(1 for n in walk(root) if n.measurement and not n.cached and n is not root))
    else:
        result = dict(key, nodes=count_nodes(root), flops=root.flops)
    del model, replays, root
    return tree, result


def run(args):
    """Builds, traces and measures every model and shape, then writes the JSONL and the summary."""
    torch = import_torch()
    try:
        from torch.overrides import TorchFunctionMode  # noqa: F401, PLC0415
    except ImportError:
        raise HarnessError("OLD_TORCH", "PyTorch %s has no TorchFunctionMode: the harness needs PyTorch 1.13 or newer" % torch.__version__)
    # Imported only now (here and in measure_job): these modules import torch at the top.
    from .replay import Measurer  # noqa: PLC0415

    specs = [load_model_spec(m) for m in args.model]
    use_tf = transformers_version() is not None and not args.builtin

    device = choose_device(args, torch)

    source = None
    if not args.structure_only:
        if args.energy_source == "nvml" and args.gpu_index is None:
            args.gpu_index = device.index if device.type == "cuda" else 0
        source = open_energy_source(args)
    progress(0.0, "starting: %s on %s" % (source.describe() if source else "structure only", device))

    if device.type == "cuda":
        device_name = torch.cuda.get_device_name(device)
    else:
        device_name = cpu_name()
    if source is not None and source.fake:
        device_name += " [FAKE ENERGY: synthetic numbers for tests, not a measurement]"

    measurer = None
    idle = None
    if source is not None:
        measurer = Measurer(source, device, args.window_s, args.node_window_s, args.repeats, args.warmup)
        progress(0.0, "measuring idle power for %.1f s" % args.idle_s)
        idle = measurer.idle_power(args.idle_s)

    jobs = plan_jobs(args, specs)
    lines = []
    summary = []
    spreads = []
    model_spreads = []
    started = time.time()
    for ji, job in enumerate(jobs):
        ctx = {"base": ji / len(jobs), "span": 1.0 / len(jobs), "spreads": spreads, "model_spreads": model_spreads,
               "measurer": measurer, "source": source, "device": device, "device_name": device_name, "use_tf": use_tf}
        tree, result = measure_job(args, torch, job, ctx)
        lines.append(tree)
        summary.append(result)
        if device.type == "cuda":
            torch.cuda.empty_cache()

    meta = build_meta(args, torch, device, device_name, source, idle, spreads, model_spreads, use_tf, started)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.out + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta) + "\n")
        for line in lines:
            f.write(json.dumps(line) + "\n")
    os.replace(tmp, args.out)
    progress(1.0, "wrote %d trees to %s" % (len(lines), args.out))
    print(json.dumps({"out": os.path.abspath(args.out), "meta": meta, "results": summary}))
    sys.stdout.flush()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.check:
            print(json.dumps(check_report()))
            return 0
        run(args)
        return 0
    except HarnessError as e:
        emit({"error": str(e), "code": e.code})
        return e.exit_code
    except KeyboardInterrupt:
        emit({"error": "interrupted", "code": "INTERRUPTED"})
        return 130
