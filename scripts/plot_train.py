#!/usr/bin/env python3
"""Draws a `ganpu-sim train` run (build/reports/gan_train.json and its samples).

    scripts/plot_train.py REPORT.json SAMPLES_DIR OUT_DIR

Writes OUT_DIR/gan_losses.png (D and G loss per step, with D's mean outputs on real and fake
images), OUT_DIR/gan_samples.png (the generator's images for fixed latent vectors before
the first step and after the last, SAMPLES_DIR/samples_{start,end}.npy) and
OUT_DIR/gan_timeline.png (what each core ran during one step: the last step that ran no
dense baseline, a bar per layer phase coloured by network and phase). Exits 1 with a
message naming the problem on a bad input.
"""

import json
import math
import sys
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(msg):
    print(f"plot_train: {msg}", file=sys.stderr)
    sys.exit(1)


def grid(images):
    """(N, 1, H, W) in [-1, 1] -> one image of sqrt(N) columns, 1-pixel gaps."""
    n, _, h, w = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + 1) + 1, cols * (w + 1) + 1), -1.0)
    for i in range(n):
        r, c = divmod(i, cols)
        out[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + c * (w + 1):1 + c * (w + 1) + w] = images[i, 0]
    return out


NET_COLOURS = {"G": ("#9ecae1", "#4292c6", "#08519c"), "D": ("#fdae6b", "#f16913", "#a63603")}
PHASES = ("fp", "ep", "wg")


def timeline(report, path):
    """A Gantt chart of cores x cycles for one step."""
    steps = report["per_step"]
    plain = [s["step"] for s in steps if s.get("dense_cycles") is None]
    step = plain[-1] if plain else steps[-1]["step"]
    recs = [r for r in report["records"] if r["step"] == step and r.get("end_cycle")]
    if not recs:
        return False
    # Each record's jobs as the cores ran them: [core, start, end] (older reports: "core").
    def spans(r):
        return r.get("spans") or [[r.get("core", 0), r["start_cycle"], r["end_cycle"]]]
    t0 = min(s[1] for r in recs for s in spans(r))
    cores = sorted({s[0] for r in recs for s in spans(r)})
    fig, ax = plt.subplots(figsize=(13, 1.8 + 0.7 * len(cores)))
    span = max(s[2] for r in recs for s in spans(r)) - t0
    for r in recs:
        net = r["layer"].split(".")[0]
        colour = NET_COLOURS.get(net, ("#cccccc",) * 3)[PHASES.index(r["phase"])]
        for core, start, end in spans(r):
            x, w = start - t0, end - start
            y = cores.index(core)
            ax.barh(y, w, left=x, height=0.6, color=colour, edgecolor="white", linewidth=0.3)
        # One label per record and core, over its first job there.
        for core in sorted({s[0] for s in spans(r)}):
            mine = [s for s in spans(r) if s[0] == core]
            x0, x1 = mine[0][1] - t0, mine[-1][2] - t0
            if x1 - x0 > span / 40:
                ax.text((x0 + x1) / 2, cores.index(core),
                        f"{r['layer'].split('.', 1)[1]}\n{r['phase']}", ha="center",
                        va="center", fontsize=6)
    ax.set_yticks(range(len(cores)), [f"core {c}" for c in cores])
    ax.set_xlabel(f"cycles from the start of step {step}")
    handles = [plt.Rectangle((0, 0), 1, 1, color=NET_COLOURS[n][i]) for n in ("G", "D")
               for i in range(3)]
    ax.legend(handles, [f"{n} {p.upper()}" for n in ("G", "D") for p in PHASES], ncol=2,
              loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.set_title(f"what each core ran in step {step} ({report.get('mode')})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    if len(sys.argv) != 4:
        fail("usage: plot_train.py REPORT.json SAMPLES_DIR OUT_DIR")
    src, samples, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    try:
        report = json.loads(src.read_text())
        steps = report["per_step"]
        start = np.load(samples / "samples_start.npy")
        end = np.load(samples / "samples_end.npy")
    except (OSError, ValueError, KeyError, TypeError) as e:
        fail(f"{src} / {samples}: not a train report with its samples ({e})")
    if not steps:
        fail(f"{src}: no steps")
    for name, a in (("samples_start", start), ("samples_end", end)):
        if a.ndim != 4 or a.shape[1] != 1:
            fail(f"{samples / name}.npy: shape {a.shape}, expected (N, 1, H, W)")
    out.mkdir(parents=True, exist_ok=True)

    x = [s["step"] for s in steps]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax.plot(x, [s["d_loss"] for s in steps], label="D loss")
    ax.plot(x, [s["g_loss"] for s in steps], label="G loss")
    ax.set_xlabel("step")
    ax.set_ylabel("BCE loss")
    ax.legend()
    ax.grid(alpha=0.3)
    ax2.plot(x, [s["d_real"] for s in steps], label="D(x), real")
    ax2.plot(x, [s["d_fake"] for s in steps], label="D(G(z)), fake")
    ax2.set_xlabel("step")
    ax2.set_ylabel("mean sigmoid output")
    ax2.set_ylim(0, 1)
    ax2.legend()
    ax2.grid(alpha=0.3)
    mode = "sparse" if report.get("sparse") else "dense"
    fig.suptitle(f"DCGAN on {report.get('config')} ({mode} mode), batch {report.get('batch')}, "
                 f"seed {report.get('seed')}")
    fig.tight_layout()
    fig.savefig(out / "gan_losses.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.8))
    for a, (title, img) in zip(axes, (("before step 1", start), (f"after step {x[-1]}", end))):
        a.imshow(grid(img), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        a.set_title(title)
        a.axis("off")
    fig.suptitle("generator samples, fixed latent vectors")
    fig.tight_layout()
    fig.savefig(out / "gan_samples.png", dpi=110)
    plt.close(fig)
    print(f"wrote: {out / 'gan_losses.png'}\nwrote: {out / 'gan_samples.png'}")
    try:
        drawn = timeline(report, out / "gan_timeline.png")
    except (KeyError, TypeError, ValueError) as e:
        fail(f"{src}: its records do not give a timeline ({e})")
    if drawn:
        print(f"wrote: {out / 'gan_timeline.png'}")


if __name__ == "__main__":
    main()
