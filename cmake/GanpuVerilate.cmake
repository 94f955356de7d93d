# Helpers that turn the RTL into Verilated C++ models.
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

# ganpu_verilate(<target> <prefix> <top> [TRACE] [PARAMS -GName=Value ...])
# Verilates <top> with -Wall (warnings are errors) into class <prefix>, adding it to <target>.
function(ganpu_verilate target prefix top)
  cmake_parse_arguments(ARG "TRACE" "" "PARAMS" ${ARGN})
  set(_trace "")
  if(ARG_TRACE)
    set(_trace TRACE_FST TRACE_STRUCTS)
  endif()
  verilate(${target} ${_trace}
    SOURCES ${GANPU_VLT_WAIVER} ${GANPU_RTL_SOURCES} ${GANPU_TB_RTL_SOURCES}
    TOP_MODULE ${top}
    PREFIX ${prefix}
    DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/verilated/${target}/${prefix}"
    VERILATOR_ARGS -Wall --assert --x-assign unique --x-initial unique ${ARG_PARAMS})
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

# Re-run CMake when the source lists or configurations change.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${PROJECT_SOURCE_DIR}/rtl/rtl_files.f" "${PROJECT_SOURCE_DIR}/rtl/configs.txt"
             "${PROJECT_SOURCE_DIR}/tb/rtl/tb_files.f")
