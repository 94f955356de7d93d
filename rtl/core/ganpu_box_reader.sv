// Issues the read-DMA commands that fetch a 4-D box of elements, dims 0..2 outer (strides
// s0..s2 in elements) and dim 3 innermost: one command per contiguous run when s3 == 1,
// else one single-element command per element. The data comes back in box order.
// With merge_i, outer dims that continue the run (dim 2, then 1, then 0: a dim whose stride
// is the run's length) join it, so a box that lies contiguously in memory is one command
// (the DMA cuts it into full bursts) rather than one per row: rows of a few beats would be
// bursts of a few beats, and the DMA's bursts in flight, not the bus, would set the pace.
// The inputs describe the step from the cycle after start_i on; deciding the merge takes a
// cycle per outer dim of more than one value it considers (one at least) before the first
// command.
module ganpu_box_reader (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               start_i,
  input  logic               abort_i,     // stop issuing commands
  input  logic               merge_i,     // contiguous outer dims may join the run
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
  logic               prep_q;        // deciding the merge
  logic               prep_first_q;  // its first cycle: the run is n3_i
  logic [1:0]         prep_k_q;      // outer dims 0..prep_k_q are still to consider
  logic [2:0]         merged_q;      // outer dims that joined the run
  logic [23:0]        run_q;         // elements per command of a contiguous box
  logic [23:0]        run_cur;
  logic [15:0]        n_eff [3];
  logic [2:0]         trivial;       // dims of one value on top of the one considered
  logic               found;         // an outer dim of more than one value is left
  logic [1:0]         j;             // the first of them
  logic [39:0]        run_x;         // the run with dim j joined
  logic               can_join;
  logic [23:0]        i3_q;
  logic signed [31:0] off3_q, outer_off;
  logic               step, fire, outer_last, inner_last;
  logic [1:0]         carry;
  logic [15:0]        i0;
  logic               last12;

  assign runs       = (s3_i == 32'sd1);
  for (genvar k = 0; k < 3; k++) begin : g_n_eff
    assign n_eff[k] = merged_q[k] ? 16'd1 : n_i[k];
  end
  // Dims of one value join trivially; the first dim of more than one value joins if its
  // stride is the run's length and the longer run still fits (an empty box never merges).
  assign run_cur = prep_first_q ? n3_i : run_q;
  always_comb begin
    found   = 1'b0;
    j       = '0;
    trivial = '0;
    for (int k = 2; k >= 0; k--) begin
      if (!found && 2'(k) <= prep_k_q) begin
        if (n_i[k] == 16'd1) begin
          trivial[k] = 1'b1;
        end else begin
          found = 1'b1;
          j     = 2'(k);
        end
      end
    end
  end
  assign run_x    = 40'(run_cur) * 40'(n_i[j]);
  assign can_join = found && n_i[j] != 16'd0 && run_cur != 24'd0 &&
                    s_i[j] == $signed({8'd0, run_cur}) && run_x[39:24] == '0;
  assign fire       = cmd_valid_o && cmd_ready_i;
  assign inner_last = runs || (i3_q == n3_i - 24'd1);
  assign step       = fire && inner_last;

  ganpu_loop_nest u_loops (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .n0_i    (n_eff[0]),
    .n1_i    (n_eff[1]),
    .n2_i    (n_eff[2]),
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
      busy_q       <= 1'b0;
      prep_q       <= 1'b0;
      prep_first_q <= 1'b0;
      prep_k_q     <= '0;
      merged_q     <= '0;
      run_q        <= '0;
      i3_q         <= '0;
      off3_q       <= '0;
    end else if (abort_i) begin
      busy_q <= 1'b0;
      prep_q <= 1'b0;
    end else if (start_i) begin
      busy_q       <= 1'b0;
      prep_q       <= 1'b1;
      prep_first_q <= 1'b1;
      prep_k_q     <= 2'd2;
      merged_q     <= '0;
      i3_q         <= '0;
      off3_q       <= '0;
    end else if (prep_q) begin
      prep_first_q <= 1'b0;
      run_q <= run_cur;
      if (!merge_i || !runs) begin
        prep_q <= 1'b0;
        busy_q <= 1'b1;
      end else begin
        merged_q <= merged_q | trivial | (can_join ? 3'(1) << j : 3'd0);
        if (can_join) run_q <= run_x[23:0];
        if (can_join && j != 2'd0) begin
          prep_k_q <= j - 2'd1;
        end else begin
          prep_q <= 1'b0;
          busy_q <= 1'b1;
        end
      end
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
  assign cmd_len_o   = runs ? run_q : 24'd1;
  assign done_o      = !busy_q && !prep_q;

endmodule
