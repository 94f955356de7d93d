// The compute engine: operand buffers, PE array and the issue logic of one tile.
//
// A job computes out[q][p] = sum over r of A(p, r) * B(q, r) for a block of PeRows output
// channels q and, per tile, PeCols * Slots consecutive output positions p. Position p reads
// the A buffer at  a(p) + a(r)  if its coordinates y(p) + y(r) and x(p) + x(r) fall inside
// [0, y_lim) x [0, x_lim) (else the tap has no real product and is passed over); every term
// of B(q, r) comes from row q's B buffer at address r. a(), y(), x() are affine in the loop
// counters (ganpu_walker). The A buffer is replicated once per PE column so every column
// reads its own position in the same cycle; stagers write all copies at once.
//
// Tile flow: tile_start_i -> setup (one cycle per slot: record the next positions' a/y/x
// and output offsets) -> issue R * Slots cycles -> wait for the MAC pipeline -> tile_done_o.
module ganpu_engine #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  parameter int unsigned ADepth = 8192,
  parameter int unsigned BDepth = 2048,
  localparam int unsigned Slots = 4,
  localparam int unsigned SlotW = 2,
  localparam int unsigned T     = PeCols * Slots,  // positions per tile
  localparam int unsigned KW    = $clog2(T),
  localparam int unsigned W     = ExpW + ManW + 1,
  localparam int unsigned AAddrW = $clog2(ADepth),
  localparam int unsigned BAddrW = $clog2(BDepth)
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  // Loop sizes and affine maps (from the descriptor).
  input  logic [15:0]              p_n_i [3],
  input  logic [15:0]              r_n_i [3],
  input  logic signed [31:0]       a_off_i,
  input  logic signed [31:0]       a_p_i [3],
  input  logic signed [31:0]       a_r_i [3],
  input  logic signed [31:0]       y_off_i,
  input  logic signed [31:0]       y_p_i [3],
  input  logic signed [31:0]       y_r_i [3],
  input  logic signed [31:0]       x_off_i,
  input  logic signed [31:0]       x_p_i [3],
  input  logic signed [31:0]       x_r_i [3],
  input  logic signed [31:0]       y_lim_i,
  input  logic signed [31:0]       x_lim_i,
  input  logic signed [31:0]       o_p_i [3],   // output element offset per p loop
  input  logic                     a_one_i,     // A operand is the constant 1.0
  // Control.
  input  logic                     p_clear_i,   // restart the positions at p = 0
  input  logic                     tile_start_i,
  output logic                     setup_done_o,  // level: the tile is set up, waiting for go_i
  input  logic                     go_i,          // start issuing (after partial sums are loaded)
  input  logic                     psum_i,        // sums start from the loaded accumulators
  output logic                     tile_done_o,
  output logic                     p_done_o,    // the last tile of the positions has been set up
  input  logic [PeRows-1:0]        row_en_i,    // rows with a real output channel
  input  logic [PeRows*32-1:0]     init_i,      // FP32 start value per row (bias or +0)
  // The tile that was set up: valid positions, their output offsets, where the tile sits.
  output logic [KW:0]              tile_count_o,
  output logic signed [31:0]       tile_o_off_o [T],
  output logic [T-1:0]             tile_contig_o, // position k+1's output follows k's
  output logic [15:0]              tile_pn_o,     // plane (p loop 0) of the tile
  output logic [31:0]              tile_pos_o,    // first position's index within its plane
  // Buffer writes from the stagers.
  input  logic                     a_we_i,
  input  logic [AAddrW-1:0]        a_waddr_i,
  input  logic [W-1:0]             a_wdata_i,
  input  logic                     b_we_i,
  input  logic [$clog2(PeRows+1)-1:0] b_row_i,
  input  logic [BAddrW-1:0]        b_waddr_i,
  input  logic [W-1:0]             b_wdata_i,
  // Drain: accumulator of slot k of PE (row, k / Slots).
  input  logic [SlotW-1:0]         rd_slot_i,
  output logic [PeRows*PeCols*32-1:0] acc_o,
  // Activity, for the performance counters.
  output logic                     issue_o,     // MACs issued this cycle
  output logic [15:0]              macs_o,      // real products issued this cycle
  // Partial-sum loads into the accumulators (while waiting for go_i).
  input  logic                     ld_i,
  input  logic [$clog2(PeRows)-1:0] ld_row_i,
  input  logic [KW-1:0]            ld_k_i,      // position in the tile
  input  logic [31:0]              ld_data_i
);

  localparam logic [W-1:0] One = {2'b00, {(ExpW - 1){1'b1}}, {ManW{1'b0}}};
  localparam int unsigned MacDrain = 3 + 2;  // MAC latency + issue stage + write-back

  typedef enum logic [2:0] {StIdle, StSetup, StWait, StIssue, StDrain} state_e;
  state_e state_q, state_d;

  // --- Position walkers: a, y, x of p, and the output offset -----------------------------
  logic                 p_step;
  logic signed [31:0]   pa, py, px, po;
  logic                 p_last, p_last12;
  logic [1:0]           p_carry;
  logic [15:0]          p_i0;

  ganpu_loop_nest u_p_loops (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .n0_i    (p_n_i[0]),
    .n1_i    (p_n_i[1]),
    .n2_i    (p_n_i[2]),
    .clear_i (p_clear_i),
    .step_i  (p_step),
    .carry_o (p_carry),
    .i0_o    (p_i0),
    .last12_o(p_last12),
    .last_o  (p_last)
  );

  logic signed [31:0] p_off [4];
  logic signed [31:0] p_s0 [4];
  logic signed [31:0] p_s1 [4];
  logic signed [31:0] p_s2 [4];
  logic signed [31:0] p_sum [4];
  assign p_off = '{a_off_i, y_off_i, x_off_i, 32'sd0};
  assign p_s0  = '{a_p_i[0], y_p_i[0], x_p_i[0], o_p_i[0]};
  assign p_s1  = '{a_p_i[1], y_p_i[1], x_p_i[1], o_p_i[1]};
  assign p_s2  = '{a_p_i[2], y_p_i[2], x_p_i[2], o_p_i[2]};
  for (genvar f = 0; f < 4; f++) begin : g_p_sum
    ganpu_affine_sum u_sum (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .off_i  (p_off[f]),
      .s0_i   (p_s0[f]),
      .s1_i   (p_s1[f]),
      .s2_i   (p_s2[f]),
      .clear_i(p_clear_i),
      .step_i (p_step),
      .carry_i(p_carry),
      .sum_o  (p_sum[f])
    );
  end
  assign {pa, py, px, po} = {p_sum[0], p_sum[1], p_sum[2], p_sum[3]};

  // Position of the walker within its plane (counts up, restarts with each plane).
  logic [31:0] plane_pos_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      plane_pos_q <= '0;
    end else if (p_clear_i || (p_step && p_last12)) begin
      plane_pos_q <= '0;
    end else if (p_step) begin
      plane_pos_q <= plane_pos_q + 32'd1;
    end
  end

  // --- Slot table of the current tile ----------------------------------------------------
  logic signed [31:0] slot_a_q [T];
  logic signed [31:0] slot_y_q [T];
  logic signed [31:0] slot_x_q [T];
  logic signed [31:0] slot_o_q [T];
  logic [T-1:0]       slot_v_q;
  logic [KW:0]        setup_k_q, setup_k_d;
  logic               tile_open_q, tile_open_d;  // still taking positions into this tile
  logic               p_done_q, p_done_d;
  logic [15:0]        tile_pn_q;
  logic [31:0]        tile_pos_q;

  // A position is taken while the tile is open; the tile closes after the last position of
  // a plane, so tiles never straddle planes (the mask is laid out per plane).
  logic take;
  assign take   = (state_q == StSetup) && tile_open_q && (setup_k_q < (KW+1)'(T)) && !p_done_q;
  assign p_step = take;

  always_ff @(posedge clk_i) begin
    if (take) begin
      slot_a_q[setup_k_q[KW-1:0]] <= pa;
      slot_y_q[setup_k_q[KW-1:0]] <= py;
      slot_x_q[setup_k_q[KW-1:0]] <= px;
      slot_o_q[setup_k_q[KW-1:0]] <= po;
    end
    if (take && setup_k_q == '0) begin
      tile_pn_q  <= p_i0;
      tile_pos_q <= plane_pos_q;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      slot_v_q <= '0;
    end else if (tile_start_i) begin
      slot_v_q <= '0;
    end else if (take) begin
      slot_v_q[setup_k_q[KW-1:0]] <= 1'b1;
    end
  end


  // --- Reduction walkers: a, y, x of r, and the B address ---------------------------------
  logic               r_step, r_clear;
  logic signed [31:0] ra, ry, rx;
  logic               r_last;
  logic [1:0]         r_carry;
  logic [15:0]        r_i0;
  logic               r_last12;
  logic [BAddrW-1:0]  r_lin_q;

  ganpu_loop_nest u_r_loops (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .n0_i    (r_n_i[0]),
    .n1_i    (r_n_i[1]),
    .n2_i    (r_n_i[2]),
    .clear_i (r_clear),
    .step_i  (r_step),
    .carry_o (r_carry),
    .i0_o    (r_i0),
    .last12_o(r_last12),
    .last_o  (r_last)
  );
  // Only the end of the whole reduction matters here.
  logic unused_r;
  assign unused_r = ^{r_i0, r_last12};

  logic signed [31:0] r_s0 [3];
  logic signed [31:0] r_s1 [3];
  logic signed [31:0] r_s2 [3];
  logic signed [31:0] r_sum [3];
  assign r_s0 = '{a_r_i[0], y_r_i[0], x_r_i[0]};
  assign r_s1 = '{a_r_i[1], y_r_i[1], x_r_i[1]};
  assign r_s2 = '{a_r_i[2], y_r_i[2], x_r_i[2]};
  for (genvar f = 0; f < 3; f++) begin : g_r_sum
    ganpu_affine_sum u_sum (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .off_i  (32'sd0),
      .s0_i   (r_s0[f]),
      .s1_i   (r_s1[f]),
      .s2_i   (r_s2[f]),
      .clear_i(r_clear),
      .step_i (r_step),
      .carry_i(r_carry),
      .sum_o  (r_sum[f])
    );
  end
  assign {ra, ry, rx} = {r_sum[0], r_sum[1], r_sum[2]};

  // --- State machine ------------------------------------------------------------------------
  logic [SlotW-1:0] slot_q, slot_d;
  logic [3:0]       drain_q, drain_d;
  logic             issuing;

  assign issuing = (state_q == StIssue);
  assign r_clear = tile_start_i;
  assign r_step  = issuing && (slot_q == SlotW'(Slots - 1));

  always_comb begin
    state_d     = state_q;
    setup_k_d   = setup_k_q;
    tile_open_d = tile_open_q;
    p_done_d    = p_done_q;
    slot_d      = slot_q;
    drain_d     = drain_q;
    tile_done_o = 1'b0;
    if (p_clear_i) begin
      p_done_d = 1'b0;
    end
    unique case (state_q)
      StIdle: begin
        if (tile_start_i) begin
          state_d     = StSetup;
          setup_k_d   = '0;
          tile_open_d = 1'b1;
        end
      end
      StSetup: begin
        if (take) begin
          setup_k_d = setup_k_q + (KW+1)'(1);
          if (p_last12) begin
            tile_open_d = 1'b0;
          end
          if (p_last) begin
            p_done_d = 1'b1;
          end
        end else begin
          state_d = StWait;
        end
      end
      StWait: begin
        if (go_i) begin
          state_d = StIssue;
          slot_d  = '0;
        end
      end
      StIssue: begin
        slot_d = slot_q + SlotW'(1);
        if (r_step && r_last) begin
          state_d = StDrain;
          drain_d = 4'(MacDrain);
        end
      end
      StDrain: begin
        drain_d = drain_q - 4'd1;
        if (drain_q == 4'd1) begin
          state_d     = StIdle;
          tile_done_o = 1'b1;
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      setup_k_q   <= '0;
      tile_open_q <= 1'b0;
      p_done_q    <= 1'b0;
      slot_q      <= '0;
      drain_q     <= '0;
      r_lin_q     <= '0;
    end else begin
      state_q     <= state_d;
      setup_k_q   <= setup_k_d;
      tile_open_q <= tile_open_d;
      p_done_q    <= p_done_d;
      slot_q      <= slot_d;
      drain_q     <= drain_d;
      if (r_clear) begin
        r_lin_q <= '0;
      end else if (r_step) begin
        r_lin_q <= r_lin_q + BAddrW'(1);
      end
    end
  end

  // --- Issue stage 0: addresses and tap validity per column --------------------------------
  logic [PeCols-1:0]      col_valid;
  logic [AAddrW-1:0]      col_addr [PeCols];
  for (genvar c = 0; c < PeCols; c++) begin : g_col_addr
    logic [KW-1:0]      k;
    logic signed [31:0] y, x, a;
    assign k = KW'(c * Slots) + KW'(slot_q);
    assign a = slot_a_q[k] + ra;
    assign y = slot_y_q[k] + ry;
    assign x = slot_x_q[k] + rx;
    assign col_valid[c] = slot_v_q[k] &&
        (a_one_i || ((y >= 0) && (y < y_lim_i) && (x >= 0) && (x < x_lim_i)));
    assign col_addr[c] = a[AAddrW-1:0];
    logic unused_a;
    assign unused_a = ^a[31:AAddrW];
  end

  // --- Buffers ---------------------------------------------------------------------------------
  logic [W-1:0] a_rdata [PeCols];
  logic [W-1:0] b_rdata [PeRows];
  for (genvar c = 0; c < PeCols; c++) begin : g_abuf
    ganpu_ram_1w1r #(
      .Width(W),
      .Depth(ADepth)
    ) u_abuf (
      .clk_i  (clk_i),
      .we_i   (a_we_i),
      .waddr_i(a_waddr_i),
      .wdata_i(a_wdata_i),
      .re_i   (issuing),
      .raddr_i(col_addr[c]),
      .rdata_o(a_rdata[c])
    );
  end
  for (genvar j = 0; j < PeRows; j++) begin : g_bbuf
    ganpu_ram_1w1r #(
      .Width(W),
      .Depth(BDepth)
    ) u_bbuf (
      .clk_i  (clk_i),
      .we_i   (b_we_i && (b_row_i == ($clog2(PeRows+1))'(j))),
      .waddr_i(b_waddr_i),
      .wdata_i(b_wdata_i),
      .re_i   (issuing && (slot_q == '0)),
      .raddr_i(r_lin_q),
      .rdata_o(b_rdata[j])
    );
  end

  // --- Issue stage 1: operands into the PE array --------------------------------------------
  logic              i1_issue_q, i1_first_q;
  logic [SlotW-1:0]  i1_slot_q;
  logic [PeCols-1:0] i1_valid_q;
  logic [W-1:0]      b_hold_q [PeRows];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      i1_issue_q <= 1'b0;
    end else begin
      i1_issue_q <= issuing;
    end
  end
  always_ff @(posedge clk_i) begin
    i1_slot_q  <= slot_q;
    i1_first_q <= (r_lin_q == '0) && !psum_i;
    i1_valid_q <= col_valid;
  end

  logic [PeCols*W-1:0] a_ops;
  logic [PeRows*W-1:0] b_ops;
  for (genvar c = 0; c < PeCols; c++) begin : g_aops
    assign a_ops[c*W +: W] = a_one_i ? One : a_rdata[c];
  end
  for (genvar j = 0; j < PeRows; j++) begin : g_bops
    // B is read once per reduction step, in slot 0, and held for the other slots.
    assign b_ops[j*W +: W] = (i1_slot_q == '0) ? b_rdata[j] : b_hold_q[j];
    always_ff @(posedge clk_i) begin
      if (i1_issue_q && (i1_slot_q == '0)) begin
        b_hold_q[j] <= b_rdata[j];
      end
    end
  end

  ganpu_pe_array #(
    .PeRows(PeRows),
    .PeCols(PeCols),
    .ExpW  (ExpW),
    .ManW  (ManW),
    .Slots (Slots)
  ) u_array (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .issue_i  (i1_issue_q),
    .slot_i   (i1_slot_q),
    .first_i  (i1_first_q),
    .init_i   (init_i),
    .row_en_i (row_en_i),
    .col_mac_i(i1_valid_q),
    .a_i      (a_ops),
    .b_i      (b_ops),
    .rd_slot_i(rd_slot_i),
    .acc_o    (acc_o),
    .ld_i     (ld_i),
    .ld_row_i (ld_row_i),
    .ld_col_i (ld_k_i[KW-1:SlotW]),
    .ld_slot_i(ld_k_i[SlotW-1:0]),
    .ld_data_i(ld_data_i)
  );

  // --- Outputs ---------------------------------------------------------------------------------
  logic [$clog2(PeRows+1)-1:0] rows_on;
  logic [$clog2(PeCols+1)-1:0] cols_on;
  always_comb begin
    rows_on = '0;
    cols_on = '0;
    for (int unsigned j = 0; j < PeRows; j++) rows_on += ($clog2(PeRows+1))'(row_en_i[j]);
    for (int unsigned c = 0; c < PeCols; c++) cols_on += ($clog2(PeCols+1))'(i1_valid_q[c]);
  end
  assign issue_o = i1_issue_q;
  assign macs_o  = i1_issue_q ? 16'(rows_on) * 16'(cols_on) : 16'd0;

  assign tile_count_o = setup_k_q;
  assign setup_done_o = (state_q == StWait);
  assign p_done_o     = p_done_q;
  assign tile_pn_o    = tile_pn_q;
  assign tile_pos_o   = tile_pos_q;
  for (genvar k = 0; k < T; k++) begin : g_tile_out
    assign tile_o_off_o[k] = slot_o_q[k];
    if (k + 1 < T) begin : g_next
      assign tile_contig_o[k] = slot_v_q[k+1] && (slot_o_q[k+1] == slot_o_q[k] + 32'sd1);
    end else begin : g_end
      assign tile_contig_o[k] = 1'b0;
    end
  end

endmodule
