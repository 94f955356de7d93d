#!/usr/bin/env python3
"""Draws the speedup curves of `ganpu-sim bench-sparse` (build/reports/bench_sparse.json).

    scripts/plot_sparse.py REPORT.json OUT.png

One panel per phase; in each, one line per (configuration, layer) of the measured speedup of
sparse mode over dense mode, against the ideal 1 / (d_in * d_out) (dashed), on the cases
with equal input and output sparsity and, where the report has them, the cases with input
sparsity only (output sparsity 0). Exits 1 with a message naming the problem on a bad report.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(msg):
    print(f"plot_sparse: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 3:
        fail("usage: plot_sparse.py REPORT.json OUT.png")
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        report = json.loads(src.read_text())
        records = report["records"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        fail(f"{src}: not a bench-sparse report ({e})")
    if not records:
        fail(f"{src}: no records")
    phases = [p for p in ("fp", "ep", "wg") if any(r["phase"] == p for r in records)]
    fig, axes = plt.subplots(1, len(phases), figsize=(5.5 * len(phases), 4.5), squeeze=False)
    for ax, phase in zip(axes[0], phases):
        keys = sorted({(r["config"], r["layer"]) for r in records if r["phase"] == phase})
        for i, (config, layer) in enumerate(keys):
            colour = f"C{i % 10}"
            rows = [r for r in records
                    if r["phase"] == phase and r["config"] == config and r["layer"] == layer]
            for label, pick, marker in (
                ("in = out", lambda r: abs(r["in_sparsity_pct"] - r["out_sparsity_pct"]) < 1.5, "o"),
                ("input only", lambda r: r["out_sparsity_pct"] < 1.0 and r["in_sparsity_pct"] > 1.0, "s"),
            ):
                sel = sorted((r for r in rows if pick(r)), key=lambda r: r["in_sparsity_pct"])
                if len(sel) < 1:
                    continue
                xs = [r["in_sparsity_pct"] for r in sel]
                ax.plot(xs, [r["speedup"] for r in sel], marker=marker, color=colour,
                        linestyle="-" if label == "in = out" else ":",
                        label=f"{config} {layer} ({label})")
                ax.plot(xs, [r["ideal_speedup"] for r in sel], color=colour, linestyle="--",
                        alpha=0.4)
        ax.set_yscale("log")
        ax.set_xlabel("input sparsity %")
        ax.set_ylabel("speedup over dense mode (dashed: ideal)")
        ax.set_title(f"{phase.upper()}, commit {report.get('git_commit', '?')[:7]}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    dst.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(dst, dpi=110)
    print(f"plot: {dst}")


if __name__ == "__main__":
    main()
