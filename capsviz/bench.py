"""``python -m capsviz.bench``: capsviz's CapsNet against a tutorial-style one, side by side.

Every case runs both implementations from the same weights with the same
thread count, interleaved (ours, reference, reference, ours, ...) so that a
busy machine slows both alike, and reports medians and their ratio. Absolute
times only mean something on an idle machine; the ratios hold up under load.
``--quick`` (small batches, few repeats) is what the test-suite runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch

from capsviz.bench_qt import run_app, run_drawing
from capsviz.bench_reference import TutorialCapsNet, tutorial_loss
from capsviz.model.capsnet import CapsNet
from capsviz.model.device import describe_device, resolve_device
from capsviz.model.losses import capsule_loss
from capsviz.model.pretrained import load_pretrained
from capsviz.model.weights import WeightsError, load_weights
from capsviz.training.kernels import channels_last_convolutions


@dataclass
class Case:
    """One comparison: two callables doing the same work on ``images`` images."""

    name: str
    ours: Callable[[], object]
    reference: Callable[[], object]
    images: int
    repeats: int
    training: bool = False
    baseline: str = "tutorial-style"


def machine_info(threads: int, device: torch.device) -> dict:
    """What the numbers were measured on."""
    cpu, family, model = platform.processor() or platform.machine(), "", ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            first = fh.read().split("\n\n")[0].splitlines()
        fields = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in first)}
        cpu = fields.get("model name", cpu)
        family, model = fields.get("cpu family", ""), fields.get("model", "")
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu + (f" (family {family}, model {model})" if family else ""),
        "logical_cores": os.cpu_count(),
        "usable_cores": usable,
        "threads": threads,
        "bf16_native": bf16_supported(device),
        "device": describe_device(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def bf16_supported(device: torch.device) -> bool:
    """Whether bfloat16 arithmetic is native here (not emulated, which would only be slower)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    cpu = getattr(torch, "cpu", None)
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _sample(fn: Callable[[], object], inner: int, device: torch.device) -> tuple[float, float]:
    """Wall-clock and process CPU seconds per call, averaged over ``inner`` calls."""
    _sync(device)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(inner):
        fn()
    _sync(device)
    return (time.perf_counter() - start) / inner, (time.process_time() - cpu) / inner


def measure(case: Case, device: torch.device, min_sample_s: float) -> list[list[tuple[float, float]]]:
    """(wall, CPU) seconds per call for ours and the reference, interleaved, after a warm-up each.

    With one thread the CPU time is close to what an idle core would take even
    when other processes compete for the machine.
    """
    fns = (case.ours, case.reference)
    inner = []
    for fn in fns:
        fn()
        first, _ = _sample(fn, 1, device)
        inner.append(max(1, math.ceil(min_sample_s / max(first, 1e-7))))
    samples: list[list[tuple[float, float]]] = [[], []]
    for r in range(case.repeats):
        for k in (0, 1) if r % 2 == 0 else (1, 0):
            samples[k].append(_sample(fns[k], inner[k], device))
    return samples


def load_model(weights: str | None, device: torch.device) -> tuple[CapsNet, str]:
    """The weights to benchmark: a given file, else the shipped ones, else a seeded random init."""
    if weights:
        return load_weights(weights, device), weights
    try:
        return load_pretrained(device), "shipped weights"
    except WeightsError:
        torch.manual_seed(0)
        return CapsNet().to(device).eval(), "random initialisation (no shipped weights found)"


def _autocast(device: torch.device, bf16: bool) -> AbstractContextManager:
    return torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else nullcontext()


def inference_cases(
    model: CapsNet, fast: CapsNet | None, ref: TutorialCapsNet, batches: list[int], repeats: int
) -> list[Case]:
    """Full forward per batch size, the bf16 opt-in at batch 1, the routing trace and a decode."""
    device = model.device
    gen = torch.Generator().manual_seed(1)
    cases = []
    for batch in batches:
        x = torch.rand(batch, 1, 28, 28, generator=gen).to(device)
        reps = repeats if batch <= 32 else max(3, repeats // 3)
        cases.append(Case(f"forward B={batch}", lambda m=model, x=x: m(x), lambda x=x: ref(x), batch, reps))
        if batch == 1 and fast is not None:
            cases.append(Case("forward B=1, bf16 weights", lambda x=x: fast(x), lambda x=x: ref(x), 1, reps))
    one = torch.rand(1, 1, 28, 28, generator=gen).to(device)
    cases.append(Case("routing trace B=1", lambda: model.route(one), lambda: ref.trace(one), 1, repeats))
    cases.append(
        Case(
            "routing trace B=1",
            lambda: model.route(one),
            lambda: model(one),
            1,
            repeats,
            baseline="capsviz forward",
        )
    )
    pose = torch.rand(1, 16, generator=gen).to(device) * 0.3
    slots = torch.zeros(1, 10, 16, 1, device=device)
    slots[0, 3, :, 0] = pose[0]
    digit = torch.tensor([3], device=device)
    cases.append(
        Case("decode one pose", lambda: model.decode(pose, 3), lambda: ref.decode(slots, digit), 1, repeats)
    )
    return cases


def training_case(model: CapsNet, batch: int, bf16: bool, repeats: int, compile_model: bool = False) -> Case:
    """One Adam step (forward with labels, margin + reconstruction loss, backward) for each side."""
    device = model.device
    ours = CapsNet(model.iterations).to(device)
    ours.load_state_dict(model.state_dict())
    ref = TutorialCapsNet.from_capsnet(ours).train()
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        channels_last_convolutions(ours)
    net = torch.compile(ours) if compile_model else ours
    gen = torch.Generator().manual_seed(2)
    images = torch.rand(batch, 1, 28, 28, generator=gen).to(device)
    labels = torch.randint(0, 10, (batch,), generator=gen).to(device)
    opt_ours = torch.optim.Adam(ours.parameters(), lr=1e-4)
    opt_ref = torch.optim.Adam(ref.parameters(), lr=1e-4)

    def ours_step() -> None:
        with _autocast(device, bf16):
            out = net(images, labels)
        loss = capsule_loss(out.lengths, out.reconstruction.float(), images, labels)
        opt_ours.zero_grad(set_to_none=True)
        loss.backward()
        opt_ours.step()

    def reference_step() -> None:
        with _autocast(device, bf16):
            classes, _, reconstruction = ref(images, labels)
        loss = tutorial_loss(classes.float(), reconstruction, images, labels)
        opt_ref.zero_grad(set_to_none=True)
        loss.backward()
        opt_ref.step()

    name = f"train B={batch} {'bf16 autocast' if bf16 else 'fp32'}"
    return Case(name, ours_step, reference_step, batch, repeats, training=True)


def agreement(model: CapsNet, fast: CapsNet | None, ref: TutorialCapsNet) -> dict:
    """Largest difference in capsule lengths between the implementations on the same digits."""
    x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(3)).to(model.device)
    with torch.inference_mode():
        ours = model(x).lengths
        result = {"lengths_vs_reference": float((ours - ref(x)[0]).abs().max())}
        single = torch.cat([model(x[k : k + 1]).lengths for k in range(len(x))])
        result["lengths_batch_vs_single"] = float((ours - single).abs().max())
        if fast is not None:
            result["lengths_bf16_vs_fp32"] = float((fast(x[:1]).lengths - ours[:1]).abs().max())
    return result


def bf16_prediction_check(model: CapsNet, fast: CapsNet) -> dict:
    """fp32 against bf16-weights predictions over the shipped MNIST test set, one image at a time."""
    from capsviz.data.mnist import load_shipped_test_set
    from capsviz.training.augment import to_float
    from capsviz.training.evaluate import predict_all

    images, labels = load_shipped_test_set()
    reference = predict_all(model, images)
    data = to_float(torch.as_tensor(images)).to(fast.device)
    with torch.inference_mode():
        fast_preds = torch.cat([fast(data[k : k + 1]).lengths.argmax(1).cpu() for k in range(len(data))])
    truth = torch.as_tensor(labels)
    return {
        "images": len(truth),
        "differing_predictions": int((fast_preds != reference).sum()),
        "fp32_accuracy": float((reference == truth).float().mean()),
        "bf16_accuracy": float((fast_preds == truth).float().mean()),
    }


def run(args: argparse.Namespace) -> dict:
    """Build the models and cases, measure them and return the report."""
    device = resolve_device(args.device)
    model, source = load_model(args.weights, device)
    model.eval()
    ref = TutorialCapsNet.from_capsnet(model).eval()
    native_bf16 = bf16_supported(device)
    fast = None
    if native_bf16:
        fast = CapsNet(model.iterations).to(device)
        fast.load_state_dict(model.state_dict())
        fast.optimize_for_inference()
    quick = args.quick
    batches = [1, 4] if quick else [1, 32, 256]
    repeats = args.repeats or (3 if quick else 15)
    train_batch = 4 if quick else 64
    cases = inference_cases(model, fast, ref, batches, repeats)
    train_repeats = args.repeats or (2 if quick else 5)
    cases.append(training_case(model, train_batch, False, train_repeats, args.compile))
    if native_bf16:
        cases.append(training_case(model, train_batch, True, train_repeats, args.compile))
    report = {
        "machine": machine_info(torch.get_num_threads(), device),
        "weights": source,
        "quick": quick,
        "agreement": agreement(model, fast, ref),
        "results": [],
    }
    min_sample = 0.0 if quick else 0.02
    for case in cases:
        with torch.inference_mode(not case.training):
            timed = measure(case, device, min_sample)
        (ours, ours_cpu), (reference, reference_cpu) = (list(zip(*side, strict=True)) for side in timed)
        entry = {
            "case": case.name,
            "baseline": case.baseline,
            "images": case.images,
            "ours_ms": 1e3 * statistics.median(ours),
            "reference_ms": 1e3 * statistics.median(reference),
            "ours_cpu_ms": 1e3 * statistics.median(ours_cpu),
            "reference_cpu_ms": 1e3 * statistics.median(reference_cpu),
            "ours_samples_ms": [round(1e3 * s, 4) for s in ours],
            "reference_samples_ms": [round(1e3 * s, 4) for s in reference],
        }
        entry["ratio"] = entry["ours_ms"] / entry["reference_ms"]
        entry["cpu_ratio"] = entry["ours_cpu_ms"] / entry["reference_cpu_ms"]
        if case.training:
            entry["ours_images_per_second"] = case.images / statistics.median(ours)
            entry["reference_images_per_second"] = case.images / statistics.median(reference)
            entry["ours_seconds_per_mnist_epoch"] = 60000 / entry["ours_images_per_second"]
        report["results"].append(entry)
        if args.progress:
            print(f"  measured {case.name}", file=sys.stderr, flush=True)
    if args.accuracy and fast is not None:
        report["bf16_predictions"] = bf16_prediction_check(model, fast)
    report["machine"]["load_average_after"] = report["machine"]["load_average"] and [
        round(x, 2) for x in os.getloadavg()
    ]
    return report


def _cells(entry: dict) -> tuple[str, str, str]:
    if "ours_images_per_second" in entry:
        ours, ref = entry["ours_images_per_second"], entry["reference_images_per_second"]
        note = f"{entry['ours_seconds_per_mnist_epoch']:.0f} s per MNIST epoch"
        return f"{ours:.1f} img/s", f"{ref:.1f} img/s", note
    note = "" if entry["baseline"] == "tutorial-style" else f"against {entry['baseline']} B=1"
    return f"{entry['ours_ms']:.3f} ms", f"{entry['reference_ms']:.3f} ms", note


BASELINE = (
    "Baseline: the tutorial-style CapsNet in capsviz/bench_reference.py unless the note says otherwise; "
    "ratio = capsviz time / baseline time (below 1: capsviz is faster); medians of interleaved repeats."
)


def format_report(report: dict, markdown: bool = False) -> str:
    """The human-readable table (plain text, or Markdown for docs)."""
    m = report["machine"]
    head = (
        f"{m['cpu']}, {m['usable_cores']} cores, {m['threads']} threads, device {m['device']}, "
        f"torch {m['torch']}, bf16 native: {'yes' if m['bf16_native'] else 'no'}, "
        f"load average {m['load_average']} → {m['load_average_after']}"
    )
    rows = [
        (e["case"], *_cells(e)[:2], f"{e['ratio']:.2f}", f"{e['cpu_ratio']:.2f}", _cells(e)[2])
        for e in report["results"]
    ]
    header = ("case", "capsviz", "baseline", "time ratio", "CPU-time ratio", "note")
    agree = ", ".join(f"{k} {v:.1e}" for k, v in report["agreement"].items())
    lines = []
    if markdown:
        lines += [
            f"Machine: {head}.",
            f"Weights: {report['weights']}. Largest differences: {agree}.",
            BASELINE,
            "",
        ]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        widths = [max(len(str(r[k])) for r in [header, *rows]) for k in range(len(header))]
        lines += [
            f"capsviz benchmark on {head}",
            f"weights: {report['weights']}; differences: {agree}",
            BASELINE,
            "",
        ]
        for row in [header, *rows]:
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if "bf16_predictions" in report:
        p = report["bf16_predictions"]
        lines += [
            "",
            f"bf16 weights: {p['differing_predictions']} of {p['images']} test predictions differ "
            f"from fp32 (accuracy {p['fp32_accuracy']:.2%} → {p['bf16_accuracy']:.2%})",
        ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m capsviz.bench",
        description="Time capsviz against a tutorial-style CapsNet (time ratio < 1: capsviz is faster).",
    )
    p.add_argument("--quick", action="store_true", help="small batches and few repeats (seconds, for CI)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument(
        "--threads",
        type=int,
        help="torch threads (default: 2 for the timings; with --app, what the app itself takes: cores − 1)",
    )
    p.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto (default cpu)")
    p.add_argument("--weights", help="weights file (default: the shipped ones)")
    p.add_argument("--repeats", type=int, help="timed repeats per case (medians are reported)")
    p.add_argument("--compile", action="store_true", help="torch.compile capsviz's training step")
    p.add_argument(
        "--accuracy", action="store_true", help="also count bf16 vs fp32 test-set prediction changes"
    )
    p.add_argument("--progress", action="store_true", help="name each case on stderr as it finishes")
    p.add_argument(
        "--drawing",
        action="store_true",
        help="instead of timings: accuracy on MNIST test digits replayed as drawings on the real canvas",
    )
    p.add_argument("--count", type=int, default=200, help="test digits per drawing cell (with --drawing)")
    p.add_argument(
        "--app",
        action="store_true",
        help="instead of timings: drawing latency in the whole window with each tab on show",
    )
    p.add_argument("--seconds", type=float, default=6.0, help="seconds of drawing per tab (with --app)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.threads is not None and args.threads < 1:
        print("error: --threads must be at least 1", file=sys.stderr)
        return 2
    if args.threads is not None or not args.app:  # the app section otherwise takes the app's own share
        torch.set_num_threads(args.threads or min(2, os.cpu_count() or 1))
    if args.drawing or args.app:
        try:
            print(run_drawing(args) if args.drawing else run_app(args))  # Qt: capsviz/bench_qt.py
        except (WeightsError, RuntimeError, OSError) as exc:
            print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
        return 0
    try:
        report = run(args)
    except (WeightsError, RuntimeError) as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else format_report(report, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
