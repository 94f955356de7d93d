// Glitch-free clock gate: clk_o follows clk_i in the cycles whose enable en_i was high before
// the cycle's rising edge, and stays low otherwise. en_i is sampled on the falling edge, so it
// changes only while clk_i is low and the AND never glitches (a flip-flop instead of the usual
// transparent-low latch: the same timing for a registered en_i, and no latch to synthesize).
//
// Why the core gates clocks: an idle PE array then costs no dynamic power in silicon, and the
// Verilated model evaluates none of the array's logic in the cycles it is gated (most of a
// memory-bound layer's cycles on a wide array). A device port maps this module to its clock
// buffer with an enable (ECP5 DCCA, Xilinx BUFGCE); this generic form is for simulation, ASIC
// flows with a real clock-gating cell, and synthesis estimates.
module ganpu_clock_gate (
  input  logic clk_i,
  input  logic en_i,
  output logic clk_o
);

  logic en_q;

  always_ff @(negedge clk_i) begin
    en_q <= en_i;
  end

  assign clk_o = clk_i & en_q;

endmodule
