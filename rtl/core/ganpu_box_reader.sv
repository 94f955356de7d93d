// Issues the read-DMA commands that fetch a 4-D box of elements, dims 0..2 outer (strides
// s0..s2 in elements) and dim 3 innermost: one command per contiguous run when s3 == 1,
// else one single-element command per element. The data comes back in box order.
module ganpu_box_reader (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               start_i,
  input  logic               abort_i,     // stop issuing commands
  output logic               done_o,      // level: every command has been issued
  input  logic [31:0]        base_i,      // byte address of element (0, 0, 0, 0)
  input  logic [1:0]         esize_i,     // log2 bytes per element
  input  logic [15:0]        n_i [3],
  input  logic [23:0]        n3_i,
  input  logic signed [31:0] s_i [3],
  input  logic signed [31:0] s3_i,
  output logic               cmd_valid_o,
  input  logic               cmd_ready_i,
  output logic [31:0]        cmd_addr_o,
  output logic [23:0]        cmd_len_o
);

  logic               busy_q;
  logic               runs;          // the innermost dim is contiguous
  logic [23:0]        i3_q;
  logic signed [31:0] off3_q, outer_off;
  logic               step, fire, outer_last, inner_last;
  logic [1:0]         carry;
  logic [15:0]        i0;
  logic               last12;

  assign runs       = (s3_i == 32'sd1);
  assign fire       = cmd_valid_o && cmd_ready_i;
  assign inner_last = runs || (i3_q == n3_i - 24'd1);
  assign step       = fire && inner_last;

  ganpu_loop_nest u_loops (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .n0_i    (n_i[0]),
    .n1_i    (n_i[1]),
    .n2_i    (n_i[2]),
    .clear_i (start_i),
    .step_i  (step),
    .carry_o (carry),
    .i0_o    (i0),
    .last12_o(last12),
    .last_o  (outer_last)
  );
  logic unused_loops;
  assign unused_loops = ^{i0, last12};

  ganpu_affine_sum u_off (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .off_i  (32'sd0),
    .s0_i   (s_i[0]),
    .s1_i   (s_i[1]),
    .s2_i   (s_i[2]),
    .clear_i(start_i),
    .step_i (step),
    .carry_i(carry),
    .sum_o  (outer_off)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      i3_q   <= '0;
      off3_q <= '0;
    end else if (abort_i) begin
      busy_q <= 1'b0;
    end else if (start_i) begin
      busy_q <= 1'b1;
      i3_q   <= '0;
      off3_q <= '0;
    end else if (fire) begin
      if (inner_last) begin
        i3_q   <= '0;
        off3_q <= '0;
        if (outer_last) busy_q <= 1'b0;
      end else begin
        i3_q   <= i3_q + 24'd1;
        off3_q <= off3_q + s3_i;
      end
    end
  end

  assign cmd_valid_o = busy_q;
  assign cmd_addr_o  = base_i + 32'(unsigned'(outer_off + off3_q) << esize_i);
  assign cmd_len_o   = runs ? n3_i : 24'd1;
  assign done_o      = !busy_q;

endmodule
