#!/usr/bin/env python3
"""Markdown tables of a `ganpu-sim bench-dense` report, for docs/performance.md.

    scripts/bench_tables.py build/reports/bench_dense.json [more.json ...] [--before OLD.json ...]

One table per configuration and layer list: layer, phase, MACs, ideal and roofline cycles,
cycles (and, with --before, the cycles of the same record in an older report: same
configuration, batch, layer and phase), % of the roofline; then the totals and the record
furthest from its roofline. Older reports may lack the roofline fields; only their cycles
are used. Last, where the cycles go per configuration and list: the ideal, the idle issue
slots (issue cycles beyond the ideal) and the stall cycles by reason.
"""
import argparse
import json
import sys
from collections import OrderedDict


def records(path):
    with open(path) as f:
        rep = json.load(f)
    out = []
    for r in rep.get("records", []):
        batch = r.get("batch")
        if batch is None:  # older reports name the batch once, at the top
            batch = rep.get("batch")
        out.append((r["config"], batch, r["layer"], r["phase"], r))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("after", nargs="+")
    ap.add_argument("--before", action="append", default=[])
    a = ap.parse_args()

    before = {}
    for p in a.before:
        for cfg, batch, layer, phase, r in records(p):
            before[(cfg, batch, layer, phase)] = "refused" if r.get("error") else r["cycles"]

    groups = OrderedDict()
    for path in a.after:
        for cfg, batch, layer, phase, r in records(path):
            groups.setdefault((cfg, r.get("layer_list", "?"), batch), []).append(r)

    for (cfg, lst, batch), rs in groups.items():
        print(f"#### {cfg}, {lst} (batch {batch})\n")
        head = "| layer | phase | MACs | ideal | roofline |"
        if before:
            head += " cycles before |"
        head += " cycles | % of roofline |"
        print(head)
        print("|---|---|" + "--:|" * (head.count("|") - 3))
        tot = {"macs": 0, "ideal": 0, "roof": 0, "cyc": 0, "old": 0}
        worst = None
        for r in rs:
            if r.get("error"):
                print(f"| {r['layer']} | {r['phase']} | | | | could not run: {r['error']} |")
                continue
            old = before.get((cfg, batch, r["layer"], r["phase"]))
            row = (f"| {r['layer']} | {r['phase']} | {r['macs']:,} | {r['ideal_cycles']:,} | "
                   f"{r['roofline_cycles']:,} |")
            if before:
                row += f" {old:,} |" if isinstance(old, int) else f" {old or '-'} |"
            row += f" {r['cycles']:,} | {r['roofline_pct']:.1f} |"
            print(row)
            tot["macs"] += r["macs"]
            tot["ideal"] += r["ideal_cycles"]
            tot["roof"] += r["roofline_cycles"]
            tot["cyc"] += r["cycles"]
            tot["old"] += old if isinstance(old, int) else 0
            if worst is None or r["roofline_pct"] < worst["roofline_pct"]:
                worst = r
        pct = 100.0 * tot["roof"] / tot["cyc"] if tot["cyc"] else 0.0
        row = (f"| **all** | | {tot['macs']:,} | {tot['ideal']:,} | {tot['roof']:,} |")
        if before:
            row += f" {tot['old']:,} |"
        row += f" {tot['cyc']:,} | **{pct:.1f}** |"
        print(row)
        if worst:
            print(f"\nFurthest from its roofline: {worst['layer']} {worst['phase']} "
                  f"({worst['roofline_pct']:.1f}%).\n")
    where_cycles_go(groups)
    return 0


def where_cycles_go(groups):
    keys = ["stall_load_cycles", "stall_store_cycles", "stall_setup_cycles", "stall_drain_cycles"]
    print("| configuration | list | cycles | ideal | idle issue slots | stall: load | store |"
          " setup | drain |")
    print("|---|---|" + "--:|" * 7)
    for (cfg, lst, _), rs in groups.items():
        rs = [r for r in rs if not r.get("error")]
        if not rs or any(k not in r for r in rs for k in keys):
            continue
        cyc = sum(r["cycles"] for r in rs)
        ideal = sum(r["ideal_cycles"] for r in rs)
        idle = sum(r["busy_cycles"] for r in rs) - ideal
        cells = [ideal, idle] + [sum(r[k] for r in rs) for k in keys]
        print(f"| {cfg} | {lst} | {cyc:,} | " +
              " | ".join(f"{v:,} ({100.0 * v / cyc:.1f}%)" for v in cells) + " |")
    print()


if __name__ == "__main__":
    sys.exit(main())
