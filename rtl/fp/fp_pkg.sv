// Shared constants and types of the floating-point library.
package fp_pkg;

  // IEEE binary16, bfloat16 and binary32: exponent and stored-mantissa widths.
  localparam int unsigned Fp16ExpW = 5;
  localparam int unsigned Fp16ManW = 10;
  localparam int unsigned Bf16ExpW = 8;
  localparam int unsigned Bf16ManW = 7;
  localparam int unsigned Fp32ExpW = 8;
  localparam int unsigned Fp32ManW = 23;

  // Width of the signed, unbiased exponents carried between the units. 12 bits hold every
  // exponent the datapath meets, the smallest being a BF16 subnormal squared (2^-266).
  localparam int unsigned ExpIntW = 12;

  // Pipeline depth of fp_mac (operands in -> sum out), the one figure the accumulator
  // interleave (ganpu_core_pkg::Slots) and every drain count derive from.
  localparam int unsigned MacLatency = 3;

  // Activation applied by fp_act.
  typedef enum logic [1:0] {
    ActNone      = 2'd0,
    ActRelu      = 2'd1,
    ActLeakyRelu = 2'd2
  } act_mode_e;

endpackage
