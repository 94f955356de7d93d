// The compute engine: operand buffers, the PE array, the tile setup and the issue logic.
//
// A job computes out[q][p] = sum over r of A(p, r) * B(q, r) for blocks of PeRows output
// channels q and, per tile, PeCols * Slots consecutive output positions p. Position p reads
// the A buffer at  a(p) + a(r)  if its coordinates y(p) + y(r) and x(p) + x(r) fall inside
// [0, y_lim) x [0, x_lim) (else the tap has no real product and is passed over); every term
// of B(q, r) comes from row q's B buffer at address r. a(), y(), x() are affine in the loop
// counters (ganpu_loop_nest + ganpu_affine_sum). The A buffer is replicated once per PE
// column so every column reads its own position in the same cycle; stagers write all copies
// at once.
//
// Setup and issue are decoupled. Setup (one cycle per position) records the next tile's
// positions in one of two slot tables while the other table's tile issues; each slot table
// goes with one accumulator bank of the PEs, so the store unit reads tile t - 1 (its table
// and its bank) while tile t issues and tile t + 1 is set up. The B buffers and the bias have
// two banks, one per channel block in flight. The sequencer (ganpu_exec_ctrl) keeps the banks
// apart; assertions here check it.
//
// With OP.SKIP a tile whose walk allows it (walk_ok below) is issued by ganpu_skip_walk
// instead: each position issues only its non-zero A taps, at its own pace; every column then
// reads its own B copy. In every OP.SKIP tile a PE passes over a term with a zero operand.
//
//   setup_start_i (bank) -> one cycle per position -> setup_done_o
//   go_i (bank, B bank, rows) -> R * Slots issue cycles -> [block_done_o] ->
//     IssueToAcc cycles later tile_done_o (bank): every accumulator of the tile is written.
module ganpu_engine #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  parameter int unsigned ADepth = 8192,
  parameter int unsigned BDepth = 2048,
  parameter bit          SkipWalk = 1'b1,  // build the zero-skipping walk (OP.SKIP)
  localparam int unsigned Slots = ganpu_core_pkg::Slots,
  localparam int unsigned SlotW = ganpu_core_pkg::SlotW,
  localparam int unsigned T     = PeCols * Slots,  // positions per tile
  localparam int unsigned KW    = $clog2(T),
  localparam int unsigned W     = ExpW + ManW + 1,
  localparam int unsigned AAddrW = $clog2(ADepth),
  localparam int unsigned BAddrW = $clog2(BDepth),
  localparam int unsigned RowW   = $clog2(PeRows + 1),
  localparam int unsigned L      = ganpu_core_pkg::StageLanes
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  // Loop sizes and affine maps (from the descriptor).
  input  logic [15:0]              p_n_i [3],
  input  logic [15:0]              r_n_i [3],
  input  logic                     b_map_i,     // B address b_off + b_a . r, else r in order
  input  logic signed [31:0]       b_off_i,
  input  logic signed [31:0]       b_a_i [3],
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
  input  logic [1:0]               o_step_i,    // log2 of the element step of output runs
  input  logic                     a_one_i,     // A operand is the constant 1.0
  input  logic                     span_i,      // tiles may hold positions of several planes
  input  logic                     skip_i,      // OP.SKIP: terms with a zero operand are not
                                                // accumulated; walked tiles skip zero A taps
  // Setup of the next tile into slot table setup_bank_i.
  input  logic                     setup_start_i,
  input  logic                     setup_bank_i,
  input  logic                     setup_clear_i, // first tile of a block: restart at p = 0
  output logic                     setup_done_o,  // pulse: the table is filled
  output logic                     p_done_o,      // the last position has been set up
  // Issue of a set-up tile.
  output logic                     go_ready_o,    // go_i is taken this cycle
  input  logic                     go_i,
  input  logic                     go_bank_i,     // slot table and accumulator bank
  input  logic                     go_bbank_i,    // B buffer and bias bank
  input  logic                     go_first_i,    // sums start from init (0: from the loaded
                                                  // partial sums)
  input  logic                     go_last_i,     // last tile of its channel block
  input  logic [PeRows-1:0]        go_row_en_i,   // rows with a real output channel
  input  logic [PeRows*32-1:0]     init_i [2],    // FP32 start value per B bank and row
  output logic                     block_done_o,  // pulse: a go_last_i tile read B for the last time
  // OP.B_STREAM: B bank b_stream_bank_i is being staged; its rows hold the terms below
  // b_stream_terms_i.
  input  logic                     b_stream_i,
  input  logic                     b_stream_bank_i,
  input  logic [BAddrW:0]          b_stream_terms_i,
  output logic                     hold_o,        // the issue waits for a streamed B term
  output logic                     tile_done_o,   // pulse: the tile's accumulators are written
  output logic                     tile_done_bank_o,
  // The tiles in the slot tables: valid positions, their output offsets, where they sit.
  output logic [KW:0]              tile_count_o [2],
  output logic signed [31:0]       tile_o_off_o [2][T],
  output logic [T-1:0]             tile_contig_o [2], // position k+1's output is
                                                      // 2^o_step_i elements after k's
  output logic [15:0]              tile_pn_o [2],     // plane (p loop 0) of the first position
  output logic [31:0]              tile_pos_o [2],    // first position's index in its plane
  // Buffer writes from the stagers: up to L elements per cycle, at most one per bank of a
  // buffer (elements of one delivery have consecutive addresses).
  input  logic [L-1:0]             a_we_i,
  input  logic [AAddrW-1:0]        a_waddr_i [L],
  input  logic [L-1:0]             b_we_i,
  input  logic                     b_bank_i,
  input  logic [RowW-1:0]          b_row_i [L],
  input  logic [BAddrW-1:0]        b_waddr_i [L],
  input  logic [W-1:0]             wdata_i [L],
  // Drain: the Slots accumulators (positions) of PE (rd_row_i, rd_col_i) in bank rd_bank_i.
  input  logic                     rd_bank_i,
  input  logic [$clog2(PeRows)-1:0] rd_row_i,
  input  logic [$clog2(PeCols)-1:0] rd_col_i,
  output logic [Slots*32-1:0]      acc_o,
  // Activity, for the performance counters.
  output logic                     issue_o,     // MACs issued this cycle
  output logic [15:0]              macs_o,      // real products issued this cycle
  // Buffer accesses this cycle, for the energy counters (ganpu_core_pkg::perf_t).
  output logic [15:0]              a_reads_o,
  output logic [15:0]              b_reads_o,
  output logic [15:0]              nz_reads_o,
  output logic [15:0]              buf_writes_o,
  // Partial-sum loads into the accumulators of a set-up tile that has not gone yet.
  input  logic                     ld_i,
  input  logic                     ld_bank_i,
  input  logic [$clog2(PeRows)-1:0] ld_row_i,
  input  logic [KW-1:0]            ld_k_i,      // position in the tile
  input  logic [31:0]              ld_data_i
);

  localparam logic [W-1:0] One = {2'b00, {(ExpW - 1){1'b1}}, {ManW{1'b0}}};
  localparam int unsigned IssueToAcc = ganpu_core_pkg::IssueToAcc;

  // --- Position walkers: a, y, x of p, and the output offset -----------------------------
  logic                 p_step;
  logic signed [31:0]   pa, py, px, po;
  logic                 p_last, p_last12;
  logic [1:0]           p_carry;
  logic [15:0]          p_i0;
  logic                 p_clear;

  assign p_clear = setup_start_i && setup_clear_i;

  ganpu_loop_nest u_p_loops (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .n0_i    (p_n_i[0]),
    .n1_i    (p_n_i[1]),
    .n2_i    (p_n_i[2]),
    .clear_i (p_clear),
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
      .clear_i(p_clear),
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
    end else if (p_clear || (p_step && p_last12)) begin
      plane_pos_q <= '0;
    end else if (p_step) begin
      plane_pos_q <= plane_pos_q + 32'd1;
    end
  end

  // --- Slot tables and the setup walk ------------------------------------------------------
  logic signed [31:0] slot_a_q [2][T];
  logic signed [31:0] slot_y_q [2][T];
  logic signed [31:0] slot_x_q [2][T];
  logic signed [31:0] slot_o_q [2][T];
  logic [T-1:0]       slot_v_q [2];
  logic [KW:0]        count_q [2];
  logic [15:0]        tile_pn_q [2];
  logic [31:0]        tile_pos_q [2];

  logic               setup_q;        // filling table setup_bank_q
  logic               setup_bank_q;
  logic               tile_open_q;    // still taking positions into this tile
  logic [KW:0]        setup_k_q;
  logic               p_done_q;

  // A position is taken while the tile is open; the tile closes when it is full, after the
  // last position, and (unless span_i) after the last position of a plane, so that such
  // tiles never straddle planes.
  logic take, setup_end;
  assign take      = setup_q && tile_open_q && (setup_k_q < (KW+1)'(T)) && !p_done_q;
  assign setup_end = setup_q && !take;
  assign p_step    = take;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      setup_q      <= 1'b0;
      setup_bank_q <= 1'b0;
      tile_open_q  <= 1'b0;
      setup_k_q    <= '0;
      p_done_q     <= 1'b0;
    end else begin
      if (setup_start_i) begin
        setup_q      <= 1'b1;
        setup_bank_q <= setup_bank_i;
        tile_open_q  <= 1'b1;
        setup_k_q    <= '0;
        if (setup_clear_i) p_done_q <= 1'b0;
      end else if (take) begin
        setup_k_q <= setup_k_q + (KW+1)'(1);
        if (p_last12 && !span_i) tile_open_q <= 1'b0;
        if (p_last) p_done_q <= 1'b1;
      end else if (setup_end) begin
        setup_q <= 1'b0;
      end
    end
  end

  for (genvar b = 0; b < 2; b++) begin : g_table
    logic here;
    assign here = take && (setup_bank_q == 1'(b));
    always_ff @(posedge clk_i) begin
      if (here) begin
        slot_a_q[b][setup_k_q[KW-1:0]] <= pa;
        slot_y_q[b][setup_k_q[KW-1:0]] <= py;
        slot_x_q[b][setup_k_q[KW-1:0]] <= px;
        slot_o_q[b][setup_k_q[KW-1:0]] <= po;
      end
      if (here && setup_k_q == '0) begin
        tile_pn_q[b]  <= p_i0;
        tile_pos_q[b] <= plane_pos_q;
      end
    end
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        slot_v_q[b] <= '0;
        count_q[b]  <= '0;
      end else if (setup_start_i && setup_bank_i == 1'(b)) begin
        slot_v_q[b] <= '0;
        count_q[b]  <= '0;
      end else if (here) begin
        slot_v_q[b][setup_k_q[KW-1:0]] <= 1'b1;
        count_q[b] <= setup_k_q + (KW+1)'(1);
      end
    end
  end
  assign setup_done_o = setup_end;
  assign p_done_o     = p_done_q;

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

  // The B buffer address of the term (OP.B_MAP): the staged rows may hold every output
  // phase's taps, of which this walk reads its own.
  logic signed [31:0] b_map_sum;
  ganpu_affine_sum u_b_sum (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .off_i  (b_off_i),
    .s0_i   (b_a_i[0]),
    .s1_i   (b_a_i[1]),
    .s2_i   (b_a_i[2]),
    .clear_i(r_clear),
    .step_i (r_step),
    .carry_i(r_carry),
    .sum_o  (b_map_sum)
  );
  logic [BAddrW-1:0] b_raddr;
  assign b_raddr = b_map_i ? b_map_sum[BAddrW-1:0] : r_lin_q;
  logic unused_b_sum;
  assign unused_b_sum = ^b_map_sum[31:BAddrW];

  // --- Issue -------------------------------------------------------------------------------------
  // One tile issues R * Slots cycles; the next one may start in the cycle after its last.
  // A tile of a block still being streamed in (OP.B_STREAM) holds, before its slot 0 reads
  // B, any term the load unit has not yet written for every row.
  logic              issuing_q;
  logic [SlotW-1:0]  slot_q;
  logic              bank_q, bbank_q, first_q, last_q;
  logic [PeRows-1:0] row_en_q;
  logic              issue_end;
  logic              hold, adv;
  logic              skip_q;

  // The tile is walked by ganpu_skip_walk (walked_q) where the job skips zeros and the walk
  // can take the A taps (ganpu_core_pkg::skip_walk_ok).
  logic walk_ok, walked_q, walk_end, walk_hold, walk_start;
  assign walk_ok = SkipWalk && skip_i && !a_one_i &&
                   ganpu_core_pkg::skip_walk_ok(a_r_i[2], x_r_i[2], y_r_i[2]);

  assign hold       = issuing_q && !walked_q && (slot_q == '0) && b_stream_i &&
                      (bbank_q == b_stream_bank_i) && ({1'b0, b_raddr} >= b_stream_terms_i);
  assign adv        = issuing_q && !walked_q && !hold;
  assign r_step     = adv && (slot_q == SlotW'(Slots - 1));
  assign issue_end  = walked_q ? (issuing_q && walk_end) : (r_step && r_last);
  assign go_ready_o = !issuing_q || issue_end;
  assign r_clear    = go_i && go_ready_o;
  assign walk_start = r_clear && walk_ok;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      issuing_q <= 1'b0;
      slot_q    <= '0;
      bank_q    <= 1'b0;
      bbank_q   <= 1'b0;
      first_q   <= 1'b0;
      last_q    <= 1'b0;
      row_en_q  <= '0;
      r_lin_q   <= '0;
      walked_q  <= 1'b0;
      skip_q    <= 1'b0;
    end else begin
      if (go_i && go_ready_o) begin
        issuing_q <= 1'b1;
        walked_q  <= walk_ok;
        skip_q    <= skip_i;
        slot_q    <= '0;
        bank_q    <= go_bank_i;
        bbank_q   <= go_bbank_i;
        first_q   <= go_first_i;
        last_q    <= go_last_i;
        row_en_q  <= go_row_en_i;
      end else if (issue_end) begin
        issuing_q <= 1'b0;
      end else if (adv) begin
        slot_q <= (slot_q == SlotW'(Slots - 1)) ? '0 : slot_q + SlotW'(1);
      end
      if (r_clear) begin
        r_lin_q <= '0;
      end else if (r_step) begin
        r_lin_q <= r_lin_q + BAddrW'(1);
      end
    end
  end
  assign block_done_o = issue_end && last_q;

  // Tile completion: IssueToAcc cycles after its last issue, its last accumulator is written.
  logic [IssueToAcc-1:0] done_pipe_q, done_bank_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      done_pipe_q <= '0;
      done_bank_q <= '0;
    end else begin
      done_pipe_q <= IssueToAcc'({done_pipe_q, issue_end});
      done_bank_q <= IssueToAcc'({done_bank_q, bank_q});
    end
  end
  assign tile_done_o      = done_pipe_q[IssueToAcc-1];
  assign tile_done_bank_o = done_bank_q[IssueToAcc-1];

  // --- Issue stage 0: addresses and tap validity per column --------------------------------
  // Dense issue: every column reads its position of the slot at the common reduction step.
  logic [PeCols-1:0]      col_valid;
  logic [AAddrW-1:0]      col_addr [PeCols];
  for (genvar c = 0; c < PeCols; c++) begin : g_col_addr
    logic [KW-1:0]      k;
    logic signed [31:0] y, x, a;
    assign k = KW'(c * Slots) + KW'(slot_q);
    assign a = slot_a_q[bank_q][k] + ra;
    assign y = slot_y_q[bank_q][k] + ry;
    assign x = slot_x_q[bank_q][k] + rx;
    assign col_valid[c] = slot_v_q[bank_q][k] &&
        (a_one_i || ((y >= 0) && (y < y_lim_i) && (x >= 0) && (x < x_lim_i)));
    assign col_addr[c] = a[AAddrW-1:0];
    logic unused_a;
    assign unused_a = ^a[31:AAddrW];
  end

  // Walked issue: every column at its own taps.
  logic              walk_busy;
  logic [SlotW-1:0]  walk_slot;
  logic [PeCols-1:0] walk_mac, walk_first;
  logic [AAddrW-1:0] walk_a [PeCols];
  logic [BAddrW-1:0] walk_b [PeCols];
  logic [15:0]       walk_nz_writes;
  if (SkipWalk) begin : g_walk
    ganpu_skip_walk #(
      .PeCols(PeCols),
      .ADepth(ADepth),
      .BDepth(BDepth),
      .W     (W)
    ) u_walk (
      .clk_i    (clk_i),
      .rst_ni   (rst_ni),
      .r_n_i    (r_n_i),
      .a_r_i    (a_r_i),
      .y_r_i    (y_r_i),
      .x_r_i    (x_r_i),
      .b_map_i  (b_map_i),
      .b_off_i  (b_off_i),
      .b_a_i    (b_a_i),
      .y_lim_i  (y_lim_i),
      .x_lim_i  (x_lim_i),
      .start_i  (walk_start),
      .first_i  (go_first_i),
      .slot_a_i (slot_a_q[bank_q]),
      .slot_y_i (slot_y_q[bank_q]),
      .slot_x_i (slot_x_q[bank_q]),
      .slot_v_i (slot_v_q[bank_q]),
      .b_wait_i (b_stream_i && (bbank_q == b_stream_bank_i)),
      .b_terms_i(b_stream_terms_i),
      .hold_o   (walk_hold),
      .a_we_i   (a_we_i),
      .a_waddr_i(a_waddr_i),
      .wdata_i  (wdata_i),
      .busy_o   (walk_busy),
      .end_o    (walk_end),
      .slot_o   (walk_slot),
      .mac_o    (walk_mac),
      .first_o  (walk_first),
      .a_addr_o (walk_a),
      .b_addr_o (walk_b),
      .nz_reads_o (nz_reads_o),
      .nz_writes_o(walk_nz_writes)
    );
  end else begin : g_no_walk
    assign walk_hold  = 1'b0;
    assign walk_busy  = 1'b0;
    assign walk_end   = 1'b0;
    assign walk_slot  = '0;
    assign walk_mac   = '0;
    assign walk_first = '0;
    assign nz_reads_o     = '0;
    assign walk_nz_writes = '0;
    for (genvar c = 0; c < PeCols; c++) begin : g_col
      assign walk_a[c] = '0;
      assign walk_b[c] = '0;
    end
    logic unused_walk;
    assign unused_walk = ^{walk_start, go_first_i};
  end

  localparam int unsigned BCopies = SkipWalk ? PeCols : 1;

  // What stage 0 issues, from either walk.
  logic              s0_issue;
  logic [SlotW-1:0]  s0_slot;
  logic [PeCols-1:0] s0_mac, s0_first;
  logic [AAddrW-1:0] s0_a [PeCols];
  logic [BAddrW-1:0] s0_b [PeCols];
  assign s0_issue = walked_q ? (walk_busy && ((walk_mac | walk_first) != '0)) : adv;
  assign s0_slot  = walked_q ? walk_slot : slot_q;
  assign s0_mac   = walked_q ? walk_mac : col_valid;
  assign s0_first = walked_q ? walk_first : {PeCols{(r_lin_q == '0) && first_q}};
  // Reads: A for each column with a real tap. B: the dense issue reads copy 0 once per
  // reduction step (slot 0) and holds it for the other slots; the walk reads the copy of
  // each column that issues a term. Only rows with a real channel, only the bank addressed.
  logic [PeCols-1:0]  s0_a_re;
  logic [BCopies-1:0] s0_b_re;
  assign s0_a_re = s0_issue ? s0_mac : '0;
  for (genvar m = 0; m < BCopies; m++) begin : g_b_re
    if (m == 0) begin : g_first
      assign s0_b_re[m] = walked_q ? (s0_issue && s0_mac[m]) : (adv && (slot_q == '0));
    end else begin : g_other
      assign s0_b_re[m] = walked_q && s0_issue && s0_mac[m];
    end
  end
  for (genvar c = 0; c < PeCols; c++) begin : g_s0
    assign s0_a[c] = walked_q ? walk_a[c] : col_addr[c];
    assign s0_b[c] = walked_q ? walk_b[c] : b_raddr;
  end

  // --- Buffers ---------------------------------------------------------------------------------
  // Each buffer is L banks by element address mod L, so a delivery of up to L consecutive
  // elements is written in one cycle; a read takes one element from one bank. With the walk,
  // B has one copy per column (each column reads its own term); without, one copy.
  localparam int unsigned LaneW   = ganpu_core_pkg::LaneW;
  logic [W-1:0] a_rdata [PeCols];
  logic [W-1:0] b_rdata [BCopies][PeRows];

  // A: every column's copy gets the same writes. Per bank, the lane (if any) that writes it.
  logic [L-1:0]              a_bank_we;
  logic [AAddrW-LaneW-1:0]   a_bank_waddr [L];
  logic [W-1:0]              a_bank_wdata [L];
  always_comb begin
    for (int unsigned l = 0; l < L; l++) begin
      a_bank_we[l]    = 1'b0;
      a_bank_waddr[l] = '0;
      a_bank_wdata[l] = '0;
      for (int unsigned k = 0; k < L; k++) begin
        if (a_we_i[k] && a_waddr_i[k][LaneW-1:0] == LaneW'(l)) begin
          a_bank_we[l]    = 1'b1;
          a_bank_waddr[l] = a_waddr_i[k][AAddrW-1:LaneW];
          a_bank_wdata[l] = wdata_i[k];
        end
      end
    end
  end

  for (genvar c = 0; c < PeCols; c++) begin : g_abuf
    logic [W-1:0]     bank_rdata [L];
    logic [LaneW-1:0] sel_q;
    always_ff @(posedge clk_i) begin
      if (s0_a_re[c]) sel_q <= s0_a[c][LaneW-1:0];
    end
    for (genvar l = 0; l < L; l++) begin : g_bank
      ganpu_ram_1w1r #(
        .Width(W),
        .Depth(ADepth / L)
      ) u_abuf (
        .clk_i  (clk_i),
        .we_i   (a_bank_we[l]),
        .waddr_i(a_bank_waddr[l]),
        .wdata_i(a_bank_wdata[l]),
        .re_i   (s0_a_re[c] && (s0_a[c][LaneW-1:0] == LaneW'(l))),
        .raddr_i(s0_a[c][AAddrW-1:LaneW]),
        .rdata_o(bank_rdata[l])
      );
    end
    assign a_rdata[c] = bank_rdata[sel_q];
  end

  // B: per row and bank, the lane (if any) that writes it; every copy gets the same writes.
  logic                  b_bank_we [PeRows][L];
  logic [BAddrW-LaneW:0] b_bank_waddr [PeRows][L];
  logic [W-1:0]          b_bank_wdata [PeRows][L];
  always_comb begin
    for (int unsigned j = 0; j < PeRows; j++) begin
      for (int unsigned l = 0; l < L; l++) begin
        b_bank_we[j][l]    = 1'b0;
        b_bank_waddr[j][l] = '0;
        b_bank_wdata[j][l] = '0;
        for (int unsigned k = 0; k < L; k++) begin
          if (b_we_i[k] && b_row_i[k] == RowW'(j) && b_waddr_i[k][LaneW-1:0] == LaneW'(l)) begin
            b_bank_we[j][l]    = 1'b1;
            b_bank_waddr[j][l] = {b_bank_i, b_waddr_i[k][BAddrW-1:LaneW]};
            b_bank_wdata[j][l] = wdata_i[k];
          end
        end
      end
    end
  end

  for (genvar m = 0; m < BCopies; m++) begin : g_bcopy
    logic [LaneW-1:0] b_sel_q;
    always_ff @(posedge clk_i) begin
      if (s0_b_re[m]) b_sel_q <= s0_b[m][LaneW-1:0];
    end
    for (genvar j = 0; j < PeRows; j++) begin : g_bbuf
      logic [W-1:0] bank_rdata [L];
      for (genvar l = 0; l < L; l++) begin : g_bank
        ganpu_ram_1w1r #(
          .Width(W),
          .Depth(2 * BDepth / L)
        ) u_bbuf (
          .clk_i  (clk_i),
          .we_i   (b_bank_we[j][l]),
          .waddr_i(b_bank_waddr[j][l]),
          .wdata_i(b_bank_wdata[j][l]),
          .re_i   (s0_b_re[m] && row_en_q[j] && (s0_b[m][LaneW-1:0] == LaneW'(l))),
          .raddr_i({bbank_q, s0_b[m][BAddrW-1:LaneW]}),
          .rdata_o(bank_rdata[l])
        );
      end
      assign b_rdata[m][j] = bank_rdata[b_sel_q];
    end
  end

  // --- Issue stage 1: operands into the PE array --------------------------------------------
  logic              i1_issue_q, i1_bank_q, i1_bbank_q, i1_walked_q, i1_skip_q;
  logic [SlotW-1:0]  i1_slot_q;
  logic [PeCols-1:0] i1_valid_q, i1_first_q;
  logic [PeRows-1:0] i1_row_en_q;
  logic [W-1:0]      b_hold_q [PeRows];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      i1_issue_q <= 1'b0;
    end else begin
      i1_issue_q <= s0_issue;
    end
  end
  always_ff @(posedge clk_i) begin
    i1_slot_q   <= s0_slot;
    i1_first_q  <= s0_first;
    i1_valid_q  <= s0_mac;
    i1_bank_q   <= bank_q;
    i1_bbank_q  <= bbank_q;
    i1_row_en_q <= row_en_q;
    i1_walked_q <= walked_q;
    i1_skip_q   <= skip_q;
  end

  logic [PeCols*W-1:0]        a_ops;
  logic [PeRows*PeCols*W-1:0] b_ops;
  logic [PeRows*PeCols-1:0]   pe_mac;
  for (genvar c = 0; c < PeCols; c++) begin : g_aops
    assign a_ops[c*W +: W] = a_one_i ? One : a_rdata[c];
  end
  for (genvar j = 0; j < PeRows; j++) begin : g_bops
    // The dense issue reads B in slot 0 and holds it for the other slots.
    always_ff @(posedge clk_i) begin
      if (i1_issue_q && !i1_walked_q && (i1_slot_q == '0)) begin
        b_hold_q[j] <= b_rdata[0][j];
      end
    end
    for (genvar c = 0; c < PeCols; c++) begin : g_col
      localparam int unsigned M = SkipWalk ? c : 0;
      logic [W-1:0] b;
      assign b = i1_walked_q ? b_rdata[M][j] : (i1_slot_q == '0) ? b_rdata[0][j] : b_hold_q[j];
      assign b_ops[(j*PeCols + c)*W +: W] = b;
      // OP.SKIP: a term with a zero operand is passed over, as a padding tap is.
      assign pe_mac[j*PeCols + c] = i1_valid_q[c] && i1_row_en_q[j] &&
          (!i1_skip_q || ((|a_ops[c*W +: W-1]) && (|b[W-2:0])));
    end
  end

  ganpu_pe_array #(
    .PeRows(PeRows),
    .PeCols(PeCols),
    .ExpW  (ExpW),
    .ManW  (ManW)
  ) u_array (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .issue_i  (i1_issue_q),
    .bank_i   (i1_bank_q),
    .slot_i   (i1_slot_q),
    .first_i  (i1_first_q),
    .init_i   (init_i[i1_bbank_q]),
    .mac_i    (pe_mac),
    .a_i      (a_ops),
    .b_i      (b_ops),
    .rd_bank_i(rd_bank_i),
    .rd_row_i (rd_row_i),
    .rd_col_i (rd_col_i),
    .acc_o    (acc_o),
    .ld_i     (ld_i),
    .ld_bank_i(ld_bank_i),
    .ld_row_i (ld_row_i),
    .ld_col_i (($clog2(PeCols))'(32'(ld_k_i) / Slots)),
    .ld_slot_i(SlotW'(32'(ld_k_i) % Slots)),
    .ld_data_i(ld_data_i)
  );

  // --- Outputs ---------------------------------------------------------------------------------
  logic [15:0] macs;
  always_comb begin
    macs = '0;
    for (int unsigned i = 0; i < PeRows * PeCols; i++) macs += 16'(pe_mac[i]);
  end
  assign issue_o = i1_issue_q;
  // In step with issue_o: the cycle the array does not issue because of a hold.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hold_o <= 1'b0;
    end else begin
      hold_o <= hold || (walked_q && walk_hold);
    end
  end
  assign macs_o  = i1_issue_q ? macs : 16'd0;

  logic [15:0] rows_on, a_reads, b_reads, a_writes, b_writes;
  always_comb begin
    rows_on  = '0;
    a_reads  = '0;
    b_reads  = '0;
    a_writes = '0;
    b_writes = '0;
    for (int unsigned j = 0; j < PeRows; j++) rows_on += 16'(row_en_q[j]);
    for (int unsigned c = 0; c < PeCols; c++) a_reads += 16'(s0_a_re[c]);
    for (int unsigned m = 0; m < BCopies; m++) b_reads += s0_b_re[m] ? rows_on : 16'd0;
    for (int unsigned k = 0; k < L; k++) begin
      a_writes += 16'(a_we_i[k]);
      b_writes += 16'(b_we_i[k]);
    end
  end
  assign a_reads_o    = a_reads;
  assign b_reads_o    = b_reads;
  assign buf_writes_o = a_writes * 16'(PeCols) + b_writes * 16'(BCopies) + walk_nz_writes;

  logic signed [31:0] o_run_step;
  assign o_run_step = 32'sd1 <<< o_step_i;
  for (genvar b = 0; b < 2; b++) begin : g_tile_out
    assign tile_count_o[b] = count_q[b];
    assign tile_pn_o[b]    = tile_pn_q[b];
    assign tile_pos_o[b]   = tile_pos_q[b];
    for (genvar k = 0; k < T; k++) begin : g_pos
      assign tile_o_off_o[b][k] = slot_o_q[b][k];
      if (k + 1 < T) begin : g_next
        assign tile_contig_o[b][k] = slot_v_q[b][k+1] &&
                                     (slot_o_q[b][k+1] == slot_o_q[b][k] + o_run_step);
      end else begin : g_end
        assign tile_contig_o[b][k] = 1'b0;
      end
    end
  end

`ifndef SYNTHESIS
  // The sequencer keeps the banks apart: a table is never filled while its tile issues, and
  // a tile is never issued before its setup has ended.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(setup_q && issuing_q && setup_bank_q == bank_q))
        else $error("ganpu_engine: slot table %0d set up while it issues", bank_q);
      assert (!(go_i && go_ready_o && setup_q && setup_bank_q == go_bank_i))
        else $error("ganpu_engine: tile of table %0d issued before its setup ended", go_bank_i);
      assert (!(ld_i && issuing_q && ld_bank_i == bank_q))
        else $error("ganpu_engine: partial sums loaded into the issuing bank");
    end
  end
`endif

endmodule
