// Leading-zero counter: cnt_o = number of zeros above the highest set bit, Width if none.
module fp_lzc #(
  parameter int unsigned Width = 24,
  localparam int unsigned CntW = $clog2(Width + 1)
) (
  input  logic [Width-1:0] in_i,
  output logic [CntW-1:0]  cnt_o
);

  always_comb begin
    cnt_o = CntW'(Width);
    // Scan upwards so the highest set bit is the last to write cnt_o.
    for (int unsigned i = 0; i < Width; i++) begin
      if (in_i[i]) begin
        cnt_o = CntW'(Width - 1 - i);
      end
    end
  end

endmodule
