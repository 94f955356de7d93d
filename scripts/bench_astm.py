#!/usr/bin/env python3
"""make bench-astm: the GAN training step in each multiplexing mode, on each configuration and
at each memory bandwidth, written to one JSON report (docs/astm.md).

usage: bench_astm.py SIM OUT.json --configs A,B --bandwidths 8,4 --modes adaptive,... --steps N

Every run is `ganpu-sim train` with the same seed: the same step, bit-exact against the golden
model in every run (a run with mismatches fails the benchmark). The report's rows have mode,
config, bandwidth_bytes_per_cycle, cycles_per_step, core_utilization_pct (the cores' issue
cycles over cores x cycles) and dram_utilization_pct (bytes moved over bandwidth x cycles), and
the speedup of each mode over temporal-only multiplexing of the same configuration and
bandwidth.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def fail(msg):
    print(f"bench-astm: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sim")
    ap.add_argument("out")
    ap.add_argument("--configs", default="4x4_fp16")
    ap.add_argument("--bandwidths", default="8,4")
    ap.add_argument("--modes", default="temporal,spatial,adaptive,direct")
    ap.add_argument("--steps", type=int, default=2)
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in a.configs.split(","):
            for bw in a.bandwidths.split(","):
                for mode in a.modes.split(","):
                    report = os.path.join(tmp, "r.json")
                    cmd = [a.sim, "train", "--config", config, "--astm", mode, "--steps",
                           str(a.steps), "--mem-bandwidth", bw, "--json", report]
                    print(f"bench-astm: {config}, {bw} bytes/cycle, {mode}", flush=True)
                    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True)
                    if done.returncode != 0:
                        fail(f"{' '.join(cmd)} failed:\n{done.stdout}")
                    r = json.load(open(report))
                    if r["mismatches"] != 0:
                        fail(f"{config} {mode}: {r['mismatches']} mismatches")
                    steps = r["per_step"]
                    n = len(steps)
                    rows.append({
                        "mode": mode,
                        "config": config,
                        "cores": r["cores"],
                        "bandwidth_bytes_per_cycle": float(bw),
                        "steps": n,
                        "cycles_per_step": r["total_cycles"] / n,
                        "core_utilization_pct": sum(s["core_utilization_pct"] for s in steps) / n,
                        "dram_utilization_pct": sum(s["dram_utilization_pct"] for s in steps) / n,
                        "mac_utilization_pct": sum(s["utilization_pct"] for s in steps) / n,
                        "d_loss": r["d_loss"][-1],
                        "g_loss": r["g_loss"][-1],
                        "mismatches": r["mismatches"],
                    })
    for row in rows:
        base = [x for x in rows if x["mode"] == "temporal" and x["config"] == row["config"]
                and x["bandwidth_bytes_per_cycle"] == row["bandwidth_bytes_per_cycle"]]
        row["speedup_vs_temporal"] = (base[0]["cycles_per_step"] / row["cycles_per_step"]
                                      if base else None)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".tmp", "w") as f:
        json.dump({"benchmark": "astm", "rows": rows}, f, indent=1)
    os.replace(a.out + ".tmp", a.out)
    print(f"{'config':12} {'B/cyc':>5} {'mode':9} {'cycles/step':>12} {'vs temporal':>11} "
          f"{'core util %':>11} {'DRAM util %':>11}")
    for r in rows:
        sp = f"{r['speedup_vs_temporal']:.2f}x" if r["speedup_vs_temporal"] else "-"
        print(f"{r['config']:12} {r['bandwidth_bytes_per_cycle']:5.0f} {r['mode']:9} "
              f"{r['cycles_per_step']:12.0f} {sp:>11} {r['core_utilization_pct']:11.1f} "
              f"{r['dram_utilization_pct']:11.1f}")
    print(f"wrote: {a.out}")


if __name__ == "__main__":
    main()
