#!/usr/bin/env bash
# The FuseSoC package (ctest fusesoc:core): ganpu.core is what scripts/gen_core.py writes from
# the RTL file list, FuseSoC parses it, and its lint target passes (verilator --lint-only
# -Wall on ganpu_top in the board configuration).
#   scripts/check_core.sh BUILD_ROOT
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_root="$(realpath -m "${1:?usage: check_core.sh BUILD_ROOT}")"
fusesoc="$root/.venv/bin/fusesoc"
[[ -x "$fusesoc" ]] || { echo "check_core: $fusesoc missing; run scripts/bootstrap.sh"; exit 1; }
python3 scripts/gen_core.py --check
"$fusesoc" --cores-root . core-info openganpu:accel:ganpu
rm -rf "$build_root"
"$fusesoc" --cores-root . run --build-root "$build_root" --target lint openganpu:accel:ganpu
echo "check_core: ganpu.core parses and its lint target passes"
