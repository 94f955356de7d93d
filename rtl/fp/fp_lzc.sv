// Leading-zero counter: cnt_o = number of zeros above the highest set bit, Width if none.
// Binary search from the top, one level per count bit: level l tests whether the upper 2^l bits
// of what is left are all zero, and if so sets bit l of the count and shifts them out. The
// input is padded below with a one, so the search always ends on a set bit and an all-zero
// input counts Width.
module fp_lzc #(
  parameter int unsigned Width = 24,
  localparam int unsigned CntW = $clog2(Width + 1)
) (
  input  logic [Width-1:0] in_i,
  output logic [CntW-1:0]  cnt_o
);

  localparam int unsigned PadW = 1 << CntW;  // > Width

  logic [PadW-1:0] x;

  always_comb begin
    x     = PadW'({in_i, 1'b1}) << (PadW - Width - 1);
    cnt_o = '0;
    for (int l = CntW - 1; l >= 0; l--) begin
      // The upper 2^l bits: a mask, since a part select needs a constant width.
      if ((x & ({PadW{1'b1}} << (PadW - (1 << l)))) == '0) begin
        cnt_o[l] = 1'b1;
        x        = x << (1 << l);
      end
    end
  end

endmodule
