// The bias of an EORS decision (combinational): an FP32 value in units of 2^lsb_i, truncated
// toward zero, its magnitude clamped to 2^BiasClampLog2 (infinities and NaNs clamp; zeros
// and subnormals are 0).
module ganpu_eors_bias (
  input  logic [31:0]                 b_i,
  input  ganpu_eors_pkg::lsb_t        lsb_i,
  output ganpu_eors_pkg::bias_t       units_o
);

  localparam int unsigned ClampLog2 = ganpu_eors_pkg::BiasClampLog2;
  localparam int unsigned BiasW = ganpu_eors_pkg::BiasW;
  localparam int unsigned SW = ganpu_eors_pkg::LsbW + 2;

  logic [7:0]           e;
  logic [23:0]          sig;
  logic signed [SW-1:0] shift;  // value = sig * 2^shift units
  logic [BiasW-1:0]     mag;
  assign e     = b_i[30:23];
  assign sig   = {1'b1, b_i[22:0]};
  assign shift = SW'($signed({1'b0, e})) - SW'(150) - SW'(lsb_i);

  always_comb begin
    if (e == 8'hFF || (e != 8'h00 && shift >= SW'(17))) begin
      mag = BiasW'(1) << ClampLog2;  // sig << 17 is above 2^40 already
    end else if (e == 8'h00 || shift <= -SW'(24)) begin
      mag = '0;
    end else if (shift >= 0) begin
      mag = BiasW'(sig) << shift[4:0];
      if (mag > (BiasW'(1) << ClampLog2)) mag = BiasW'(1) << ClampLog2;
    end else begin
      mag = BiasW'(sig) >> (-shift);
    end
  end
  assign units_o = b_i[31] ? -$signed(mag) : $signed(mag);

endmodule
