// Bit address, in the gating-mask buffer, of the next element of a staged box (dims 0..3,
// dim 3 innermost), stepped once per element as the elements arrive. The buffer holds the mask
// bytes of the box's planes (one step of dims 0 and 1 each), plane after plane, plane_bits_i
// apart. Inside a plane, dims 2 and 3 may be split by a period (a transposed map's stride):
//   bit = plane * plane_bits + off + (i2 / p2) * q2 + (i2 % p2) * r2 + (i3 / p3) * q3 + (i3 % p3) * r3
// kept with additions only. A step may take `count_i` elements at once (a wide delivery) when
// p3 is 1 or 2; they never run past the end of dim 3 (a delivery lies inside one run of
// dim 3). bit1_o is the bit of the element after the current one along dim 3 (if it is in
// the run): with p3 = 2 the delivery's odd elements follow it as its even ones follow bit_o.
module ganpu_mask_walker (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [31:0] n2_i,          // sizes of dims 2 and 3 (>= 1)
  input  logic [31:0] n3_i,
  input  logic [31:0] plane_bits_i,
  input  logic [31:0] off_i,
  input  logic [31:0] q2_i,
  input  logic [31:0] r2_i,
  input  logic [31:0] p2_i,          // >= 1
  input  logic [31:0] q3_i,
  input  logic [31:0] r3_i,
  input  logic [31:0] p3_i,          // >= 1
  input  logic        clear_i,       // back to element 0
  input  logic        step_i,        // count_i elements have arrived
  input  logic [2:0]  count_i,       // 1, or up to 4 with p3_i <= 2
  output logic [31:0] bit_o,
  output logic [31:0] bit1_o
);

  logic [31:0] i2_q, i3_q, m2_q, m3_q;     // counters and their remainders mod p
  logic [31:0] plane_q, row_q, rowq_q, col_q, colq_q;

  // A wide step: periods advanced and the new phase (p3 = 1: count, 0; p3 = 2: halves).
  logic [31:0] multi_sum, multi_adv;
  logic        multi_m3;
  assign multi_sum = m3_q + 32'(count_i);
  assign multi_adv = (p3_i == 32'd1) ? 32'(count_i) : multi_sum >> 1;
  assign multi_m3  = (p3_i != 32'd1) && multi_sum[0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      i2_q    <= '0;
      i3_q    <= '0;
      m2_q    <= '0;
      m3_q    <= '0;
      plane_q <= '0;
      row_q   <= '0;
      rowq_q  <= '0;
      col_q   <= '0;
      colq_q  <= '0;
    end else if (clear_i) begin
      i2_q    <= '0;
      i3_q    <= '0;
      m2_q    <= '0;
      m3_q    <= '0;
      plane_q <= '0;
      row_q   <= '0;
      rowq_q  <= '0;
      col_q   <= '0;
      colq_q  <= '0;
    end else if (step_i) begin
      if (i3_q + 32'(count_i) != n3_i && count_i != 3'd1) begin
        // Several elements along dim 3, period p3 <= 2: (m3 + count) / p3 periods on, then
        // the remainder's phase.
        i3_q   <= i3_q + 32'(count_i);
        colq_q <= colq_q + multi_adv * q3_i;
        col_q  <= colq_q + multi_adv * q3_i + (multi_m3 ? r3_i : 32'd0);
        m3_q   <= {31'd0, multi_m3};
      end else if (i3_q + 32'(count_i) != n3_i) begin
        i3_q <= i3_q + 32'd1;
        if (m3_q == p3_i - 32'd1) begin
          m3_q   <= '0;
          colq_q <= colq_q + q3_i;
          col_q  <= colq_q + q3_i;
        end else begin
          m3_q  <= m3_q + 32'd1;
          col_q <= col_q + r3_i;
        end
      end else begin
        i3_q   <= '0;
        m3_q   <= '0;
        colq_q <= '0;
        col_q  <= '0;
        if (i2_q != n2_i - 32'd1) begin
          i2_q <= i2_q + 32'd1;
          if (m2_q == p2_i - 32'd1) begin
            m2_q   <= '0;
            rowq_q <= rowq_q + q2_i;
            row_q  <= rowq_q + q2_i;
          end else begin
            m2_q  <= m2_q + 32'd1;
            row_q <= row_q + r2_i;
          end
        end else begin
          i2_q    <= '0;
          m2_q    <= '0;
          rowq_q  <= '0;
          row_q   <= '0;
          plane_q <= plane_q + plane_bits_i;
        end
      end
    end
  end

  assign bit_o  = plane_q + off_i + row_q + col_q;
  assign bit1_o = plane_q + off_i + row_q +
                  ((m3_q == p3_i - 32'd1) ? colq_q + q3_i : col_q + r3_i);

endmodule
