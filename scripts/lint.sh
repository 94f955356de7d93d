#!/usr/bin/env bash
# make lint: verilator --lint-only -Wall on every module of rtl/ as a top (default parameters)
# and on every named configuration of rtl/configs.txt. Zero warnings; waivers live only in
# lint/verilator_waiver.vlt, each with its reason.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mapfile -t files < <(grep -v '^#' rtl/rtl_files.f | sed '/^$/d')
mapfile -t tb_files < <(grep -v '^#' tb/rtl/tb_files.f | sed '/^$/d')
lint() {  # <label> <top> [params...]
  local label="$1" top="$2"
  shift 2
  if out="$(verilator --lint-only -Wall --assert lint/verilator_waiver.vlt "${files[@]}" "${tb_files[@]}" \
              --top-module "$top" "$@" 2>&1)"; then
    printf '  ok    %s\n' "$label"
  else
    printf '  FAIL  %s\n%s\n' "$label" "$out"
    failed=$((failed + 1))
  fi
  checked=$((checked + 1))
}

failed=0
checked=0
echo "lint: verilator $(verilator --version | cut -d' ' -f2) --lint-only -Wall --assert"
for f in "${files[@]}" "${tb_files[@]}"; do
  mod="$(basename "$f" .sv)"
  [[ "$mod" == *_pkg ]] && continue
  lint "$mod" "$mod"
done
while read -r name top params; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  # shellcheck disable=SC2086  # params is a list of -G options
  lint "$name" "$top" $params
done < rtl/configs.txt

echo "lint: $checked tops, $failed with warnings"
((failed == 0))
