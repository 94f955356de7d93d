// The zero-skipping walk of one tile (OP.SKIP): every position of the tile (column c, slot s)
// issues only its real taps whose A element is non-zero, at its own pace, instead of the
// whole reduction in lock step.
//
// Scan (lock step over the tile): the reduction is walked in steps, one per cycle, of up to
// Taps consecutive taps of the innermost r loop. For each position the step's taps lie in a
// window of SkipChunk consecutive A addresses (walk_ok: A_R2 = 1, -1 or 2, so Taps = SkipChunk,
// SkipChunk or SkipChunk / 2): its copy of the non-zero bitmap (ganpu_nz_window) gives the
// window's non-zero bits, which are put in tap order and ANDed with the taps that are real
// (inside the y / x limits, inside the loop). A non-empty mask is queued for the position with
// the step's first A and B addresses. The scan waits while any queue that takes an entry is
// full, and (OP.B_STREAM) while the step's B terms are not yet staged.
//
// Issue: the slots take turns as in the dense issue (slot s of every column in one cycle,
// each slot at most once per Slots cycles, so a sum never waits on the MAC). In its turn a
// position issues the lowest tap of its current mask; a position of a tile that starts from
// init and has nothing to issue yet issues an init pass instead (first, no product), so that
// its accumulator holds the init value even if every tap is zero. The walk ends when the
// scan is over and every queue and mask is empty.
//
//   start_i -> scan and issue -> end_o (pulse, in or after the cycle of the last issue)
module ganpu_skip_walk #(
  parameter int unsigned PeCols    = 4,
  parameter int unsigned ADepth    = 8192,
  parameter int unsigned BDepth    = 2048,
  parameter int unsigned W         = 16,  // element width of the buffers
  parameter int unsigned FifoDepth = ganpu_core_pkg::SkipFifoDepth,
  localparam int unsigned Slots  = ganpu_core_pkg::Slots,
  localparam int unsigned SlotW  = ganpu_core_pkg::SlotW,
  localparam int unsigned T      = PeCols * Slots,
  localparam int unsigned AAddrW = $clog2(ADepth),
  localparam int unsigned BAddrW = $clog2(BDepth),
  localparam int unsigned L      = ganpu_core_pkg::StageLanes,
  localparam int unsigned Chunk  = ganpu_core_pkg::SkipChunk,
  localparam int unsigned ChunkW = ganpu_core_pkg::SkipChunkW,
  localparam int unsigned BankAW = $clog2(ADepth / (2 * Chunk))
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  // The job's reduction loops and maps (descriptor).
  input  logic [15:0]              r_n_i [3],
  input  logic signed [31:0]       a_r_i [3],
  input  logic signed [31:0]       y_r_i [3],
  input  logic signed [31:0]       x_r_i [3],
  input  logic                     b_map_i,
  input  logic signed [31:0]       b_off_i,
  input  logic signed [31:0]       b_a_i [3],
  input  logic signed [31:0]       y_lim_i,
  input  logic signed [31:0]       x_lim_i,
  // The tile: its slot table, stable from the cycle after start_i to end_o.
  input  logic                     start_i,
  input  logic                     first_i,     // its sums start from init
  input  logic signed [31:0]       slot_a_i [T],
  input  logic signed [31:0]       slot_y_i [T],
  input  logic signed [31:0]       slot_x_i [T],
  input  logic [T-1:0]             slot_v_i,
  // OP.B_STREAM: the tile's B bank is being staged and holds the terms below b_terms_i.
  input  logic                     b_wait_i,
  input  logic [BAddrW:0]          b_terms_i,
  output logic                     hold_o,      // the scan waits for B terms
  // A buffer writes, mirrored into the bitmaps.
  input  logic [L-1:0]             a_we_i,
  input  logic [AAddrW-1:0]        a_waddr_i [L],
  input  logic [W-1:0]             wdata_i [L],
  // Issue stage 0.
  output logic                     busy_o,
  output logic                     end_o,
  output logic [SlotW-1:0]         slot_o,
  output logic [PeCols-1:0]        mac_o,       // column c issues a term
  output logic [PeCols-1:0]        first_o,     // column c's issue starts from init
  output logic [AAddrW-1:0]        a_addr_o [PeCols],
  output logic [BAddrW-1:0]        b_addr_o [PeCols],
  // Bitmap accesses this cycle (the energy counters): windows read, words written.
  output logic [15:0]              nz_reads_o,
  output logic [15:0]              nz_writes_o
);

  localparam int unsigned EntryW = AAddrW + BAddrW + Chunk;

  // k * x for a tap index k < Chunk, with shifts and adds (no multiplier).
  function automatic logic signed [31:0] times_tap(logic signed [31:0] x, logic [ChunkW-1:0] k);
    logic signed [31:0] sum;
    sum = '0;
    for (int unsigned i = 0; i < ChunkW; i++) begin
      if (k[i]) sum += x <<< i;
    end
    return sum;
  endfunction

  // Bits [0, n) set, n <= Chunk.
  function automatic logic [Chunk-1:0] below(logic [ChunkW:0] n);
    return Chunk'(((Chunk+1)'(1) << n) - (Chunk+1)'(1));
  endfunction

  // A count clamped to [0, Chunk].
  function automatic logic [ChunkW:0] clamp_taps(logic signed [31:0] v);
    return (v < 0) ? '0 : (v > 32'(Chunk)) ? (ChunkW+1)'(Chunk) : (ChunkW+1)'(v);
  endfunction

  // --- Bitmap writes ---------------------------------------------------------------------
  // The load unit stages the A box at consecutive, increasing addresses (a delivery: up to L
  // of them, lane k at the k-th), so the bitmap is written in whole words: the word being
  // filled is kept here and written again with every delivery that adds to it; a delivery
  // that reaches into the next word writes that one too (the other bank).
  logic [AAddrW-ChunkW-1:0] fill_word_q, lo_word;
  logic [Chunk-1:0]         fill_bits_q, lo_bits, hi_bits;
  logic                     fill_valid_q, any_we, hi_we;
  always_comb begin
    any_we  = 1'b0;
    lo_word = '0;
    for (int k = L - 1; k >= 0; k--) begin
      if (a_we_i[k]) begin
        any_we  = 1'b1;
        lo_word = a_waddr_i[k][AAddrW-1:ChunkW];
      end
    end
    lo_bits = (fill_valid_q && fill_word_q == lo_word) ? fill_bits_q : '0;
    hi_bits = '0;
    hi_we   = 1'b0;
    for (int unsigned k = 0; k < L; k++) begin
      if (a_we_i[k]) begin
        if (a_waddr_i[k][AAddrW-1:ChunkW] == lo_word) begin
          lo_bits[a_waddr_i[k][ChunkW-1:0]] = |wdata_i[k][W-2:0];
        end else begin
          hi_we = 1'b1;
          hi_bits[a_waddr_i[k][ChunkW-1:0]] = |wdata_i[k][W-2:0];
        end
      end
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fill_valid_q <= 1'b0;
      fill_word_q  <= '0;
      fill_bits_q  <= '0;
    end else if (any_we) begin
      fill_valid_q <= 1'b1;
      fill_word_q  <= hi_we ? lo_word + 1'b1 : lo_word;
      fill_bits_q  <= hi_we ? hi_bits : lo_bits;
    end
  end

  // Per bank (0: even words): the word written this cycle.
  logic              nz_we [2];
  logic [BankAW-1:0] nz_waddr [2];
  logic [Chunk-1:0]  nz_wdata [2];
  logic [AAddrW-ChunkW-1:0] hi_word;
  assign hi_word = lo_word + 1'b1;
  for (genvar b = 0; b < 2; b++) begin : g_nz_write
    logic lo_here;
    assign lo_here     = (lo_word[0] == 1'(b));
    assign nz_we[b]    = lo_here ? any_we : hi_we;
    assign nz_waddr[b] = BankAW'((lo_here ? lo_word : hi_word) >> 1);
    assign nz_wdata[b] = lo_here ? lo_bits : hi_bits;
  end

  // --- Scan: the step walker -------------------------------------------------------------
  logic        scanning_q, busy_q, first_q;
  logic        s0_valid, s0_fire, s1_go;
  logic [1:0]  s_carry;
  logic        s_last, s_last12;
  logic [15:0] s_i0;
  // Taps per step: the window holds Chunk A addresses, which are Chunk / 2 taps at A_R2 = 2.
  logic              half;
  logic [ChunkW-1:0] tshift;  // log2 of the taps per step
  logic [ChunkW:0]   taps;
  assign half   = (a_r_i[2] == 32'sd2);
  assign tshift = half ? ChunkW'(ChunkW - 1) : ChunkW'(ChunkW);
  assign taps   = (ChunkW+1)'(1) << tshift;
  logic [15:0] steps2;  // steps of the innermost loop: ceil(R_2 / taps)
  assign steps2 = 16'((17'(r_n_i[2]) + 17'(taps) - 17'd1) >> tshift);

  ganpu_loop_nest u_steps (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .n0_i    (r_n_i[0]),
    .n1_i    (r_n_i[1]),
    .n2_i    (steps2),
    .clear_i (start_i),
    .step_i  (s0_fire),
    .carry_o (s_carry),
    .i0_o    (s_i0),
    .last12_o(s_last12),
    .last_o  (s_last)
  );
  logic unused_steps;
  assign unused_steps = ^{s_i0, s_last12};

  // a, y, x and the mapped B address of the step's first tap.
  logic signed [31:0] st_off [4];
  logic signed [31:0] st_s0 [4];
  logic signed [31:0] st_s1 [4];
  logic signed [31:0] st_s2 [4];
  logic signed [31:0] st_sum [4];
  assign st_off = '{32'sd0, 32'sd0, 32'sd0, b_off_i};
  assign st_s0  = '{a_r_i[0], y_r_i[0], x_r_i[0], b_a_i[0]};
  assign st_s1  = '{a_r_i[1], y_r_i[1], x_r_i[1], b_a_i[1]};
  assign st_s2  = '{a_r_i[2] <<< tshift, y_r_i[2] <<< tshift, x_r_i[2] <<< tshift,
                    b_a_i[2] <<< tshift};
  for (genvar f = 0; f < 4; f++) begin : g_st_sum
    ganpu_affine_sum u_sum (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .off_i  (st_off[f]),
      .s0_i   (st_s0[f]),
      .s1_i   (st_s1[f]),
      .s2_i   (st_s2[f]),
      .clear_i(start_i),
      .step_i (s0_fire),
      .carry_i(s_carry),
      .sum_o  (st_sum[f])
    );
  end

  // Taps left in the innermost loop at this step, and the linear index of its first term.
  logic [15:0]       rem_q;
  logic [BAddrW-1:0] lin_q;
  logic [ChunkW:0]   len;
  assign len = (rem_q >= 16'(taps)) ? taps : (ChunkW+1)'(rem_q);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rem_q <= '0;
      lin_q <= '0;
    end else if (start_i) begin
      rem_q <= r_n_i[2];
      lin_q <= '0;
    end else if (s0_fire) begin
      rem_q <= (s_carry == 2'd0) ? rem_q - 16'(taps) : r_n_i[2];
      lin_q <= lin_q + BAddrW'(len);
    end
  end

  // B addresses of the step's taps: b0 + k * b_step.
  logic signed [31:0] b_step, b_first, b_last;
  assign b_step  = b_map_i ? b_a_i[2] : 32'sd1;
  assign b_first = b_map_i ? st_sum[3] : 32'(lin_q);
  assign b_last  = b_first + times_tap(b_step, ChunkW'(len - 1'b1));
  assign hold_o  = scanning_q && b_wait_i &&
                   (({1'b0, b_first[BAddrW-1:0]} >= b_terms_i) ||
                    ({1'b0, b_last[BAddrW-1:0]} >= b_terms_i));
  assign s0_valid = scanning_q && !hold_o;

  // --- Scan: per position, its window of taps -------------------------------------------
  logic               s1_q;
  logic [AAddrW-1:0]  s1_a_q [T];
  logic [Chunk-1:0]   s1_real_q [T];
  logic [BAddrW-1:0]  s1_b_q;
  logic [T-1:0]       want, fifo_ready, fifo_valid, fifo_pop;
  logic [EntryW-1:0]  fifo_head [T];

  assign s1_go   = s1_q && ((~want | fifo_ready) == '1);
  assign s0_fire = s0_valid && (!s1_q || s1_go);

  for (genvar w = 0; w < T; w++) begin : g_scan
    logic signed [31:0] a0, y, x0;
    logic               y_ok, x_ok;
    logic [ChunkW:0]    lo, hi;
    logic [Chunk-1:0]   real_taps, window, tap_nz, nz;
    assign a0   = slot_a_i[w] + st_sum[0];
    assign y    = slot_y_i[w] + st_sum[1];
    assign x0   = slot_x_i[w] + st_sum[2];
    assign y_ok = (y >= 0) && (y < y_lim_i);
    assign x_ok = (x0 >= 0) && (x0 < x_lim_i);
    // x steps by X_R2 (0, 1, -1 or 2) per tap: the taps inside [0, x_lim) are [lo, hi).
    always_comb begin
      unique case (x_r_i[2])
        -32'sd1: begin
          lo = clamp_taps(x0 - x_lim_i + 32'sd1);
          hi = clamp_taps(x0 + 32'sd1);
        end
        32'sd2: begin
          lo = clamp_taps((32'sd1 - x0) >>> 1);
          hi = clamp_taps((x_lim_i - x0 + 32'sd1) >>> 1);
        end
        default: begin
          lo = clamp_taps(-x0);
          hi = clamp_taps(x_lim_i - x0);
        end
      endcase
    end
    always_comb begin
      real_taps = '0;
      if (slot_v_i[w] && y_ok) begin
        real_taps = below(len);
        if (x_r_i[2] == 32'sd0) begin
          if (!x_ok) real_taps = '0;
        end else begin
          real_taps = real_taps & below(hi) & ~below(lo);
        end
      end
    end

    ganpu_nz_window #(
      .ADepth(ADepth),
      .Chunk (Chunk)
    ) u_nz (
      .clk_i   (clk_i),
      .we_i    (nz_we),
      .waddr_i (nz_waddr),
      .wdata_i (nz_wdata),
      .re_i    (s0_fire && slot_v_i[w]),
      .raddr_i (AAddrW'((a_r_i[2] < 0) ? a0 - 32'(Chunk - 1) : a0)),
      .window_o(window)
    );

    always_ff @(posedge clk_i) begin
      if (s0_fire) begin
        s1_a_q[w]    <= a0[AAddrW-1:0];
        s1_real_q[w] <= real_taps;
      end
    end
    logic unused_addr;
    assign unused_addr = ^{a0[31:AAddrW], y[31], x0[31]};

    // The window in tap order: tap k at bit k (A_R2 = 1), Chunk - 1 - k (-1), 2 k (2).
    always_comb begin
      tap_nz = window;
      if (a_r_i[2] < 0) begin
        for (int unsigned i = 0; i < Chunk; i++) tap_nz[i] = window[Chunk-1-i];
      end else if (half) begin
        tap_nz = '0;
        for (int unsigned i = 0; i < Chunk / 2; i++) tap_nz[i] = window[2*i];
      end
    end
    assign nz      = tap_nz & s1_real_q[w];
    assign want[w] = s1_q && (nz != '0);

    ganpu_fifo #(
      .Width(EntryW),
      .Depth(FifoDepth)
    ) u_queue (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .clear_i    (start_i),
      .in_valid_i (s1_go && want[w]),
      .in_ready_o (fifo_ready[w]),
      .in_data_i  ({s1_a_q[w], s1_b_q, nz}),
      .out_valid_o(fifo_valid[w]),
      .out_ready_i(fifo_pop[w]),
      .out_data_o (fifo_head[w])
    );
  end

  always_ff @(posedge clk_i) begin
    if (s0_fire) s1_b_q <= b_first[BAddrW-1:0];
  end
  logic unused_b;
  assign unused_b = ^{b_first[31:BAddrW], b_last[31:BAddrW]};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      scanning_q <= 1'b0;
      s1_q       <= 1'b0;
      busy_q     <= 1'b0;
      first_q    <= 1'b0;
    end else begin
      if (start_i) begin
        scanning_q <= 1'b1;
        busy_q     <= 1'b1;
        first_q    <= first_i;
      end else begin
        if (s0_fire && s_last) scanning_q <= 1'b0;
        if (end_o) busy_q <= 1'b0;
      end
      if (start_i) begin
        s1_q <= 1'b0;
      end else if (s0_fire) begin
        s1_q <= 1'b1;
      end else if (s1_go) begin
        s1_q <= 1'b0;
      end
    end
  end

  // --- Issue ---------------------------------------------------------------------------------
  logic [SlotW-1:0]  slot_q;
  logic [Chunk-1:0]  cur_mask_q [T];
  logic [AAddrW-1:0] cur_a_q [T];
  logic [BAddrW-1:0] cur_b_q [T];
  logic [T-1:0]      started_q, idle;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      slot_q <= '0;
    end else if (start_i) begin
      slot_q <= '0;
    end else if (busy_q) begin
      slot_q <= (slot_q == SlotW'(Slots - 1)) ? '0 : slot_q + SlotW'(1);
    end
  end

  logic [T-1:0]      w_take, w_first;
  logic [AAddrW-1:0] w_a [T];
  logic [BAddrW-1:0] w_b [T];

  for (genvar w = 0; w < T; w++) begin : g_pos
    localparam int unsigned S = w % Slots;
    logic              turn, has, init;
    logic [ChunkW-1:0] k;
    logic [Chunk-1:0]  next_mask;
    assign turn = busy_q && (slot_q == SlotW'(S));
    assign has  = cur_mask_q[w] != '0;
    assign init = first_q && slot_v_i[w] && !started_q[w];
    always_comb begin
      k = '0;
      for (int i = Chunk - 1; i >= 0; i--) begin
        if (cur_mask_q[w][i]) k = ChunkW'(i);
      end
    end
    assign w_take[w]   = turn && has;
    assign w_first[w]  = turn && init;
    assign w_a[w]      = cur_a_q[w] + AAddrW'(times_tap(a_r_i[2], k));
    assign w_b[w]      = cur_b_q[w] + BAddrW'(times_tap(b_step, k));
    assign next_mask   = w_take[w] ? (cur_mask_q[w] & ~(Chunk'(1) << k)) : cur_mask_q[w];
    assign fifo_pop[w] = busy_q && (next_mask == '0) && fifo_valid[w];
    assign idle[w]     = !has && !fifo_valid[w] && !init;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        cur_mask_q[w] <= '0;
        started_q[w]  <= 1'b0;
      end else if (start_i) begin
        cur_mask_q[w] <= '0;
        started_q[w]  <= 1'b0;
      end else begin
        cur_mask_q[w] <= fifo_pop[w] ? fifo_head[w][Chunk-1:0] : next_mask;
        if (turn && (has || init)) started_q[w] <= 1'b1;
      end
    end
    always_ff @(posedge clk_i) begin
      if (fifo_pop[w]) begin
        {cur_a_q[w], cur_b_q[w]} <= fifo_head[w][EntryW-1:Chunk];
      end
    end
  end

  // Each column shows its position of the slot whose turn it is.
  for (genvar c = 0; c < PeCols; c++) begin : g_col
    logic [$clog2(T)-1:0] w;
    assign w           = ($clog2(T))'(c * Slots) + ($clog2(T))'(slot_q);
    assign mac_o[c]    = w_take[w];
    assign first_o[c]  = w_first[w];
    assign a_addr_o[c] = w_a[w];
    assign b_addr_o[c] = w_b[w];
  end

  always_comb begin
    nz_reads_o = '0;
    for (int unsigned w = 0; w < T; w++) nz_reads_o += 16'(s0_fire && slot_v_i[w]);
  end
  assign nz_writes_o = (16'(any_we) + 16'(hi_we)) * 16'(T);

  assign busy_o = busy_q;
  assign slot_o = slot_q;
  assign end_o  = busy_q && !scanning_q && !s1_q && (idle == '1);

`ifndef SYNTHESIS
  // The bitmap's whole-word writes hold if a delivery's lanes are consecutive addresses and
  // each delivery continues where the last one ended (or starts a new box at a lower address).
  logic [AAddrW-1:0] next_addr_q;
  logic              next_valid_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      next_valid_q <= 1'b0;
      next_addr_q  <= '0;
    end else begin
      for (int unsigned k = 0; k < L; k++) begin
        if (a_we_i[k]) begin
          next_valid_q <= 1'b1;
          next_addr_q  <= a_waddr_i[k] + 1'b1;
        end
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      for (int unsigned k = 1; k < L; k++) begin
        assert (!(a_we_i[k] && !(a_we_i[k-1] && a_waddr_i[k] == a_waddr_i[k-1] + 1'b1)))
          else $error("ganpu_skip_walk: lane %0d of an A delivery does not follow lane %0d", k,
                      k - 1);
      end
      assert (!(a_we_i[0] && next_valid_q && a_waddr_i[0] > next_addr_q))
        else $error("ganpu_skip_walk: an A delivery skips addresses (the bitmap needs them all)");
      assert (!(start_i && busy_q && !end_o))
        else $error("ganpu_skip_walk: a tile started while the previous one is walked");
      assert (!(busy_q && !ganpu_core_pkg::skip_walk_ok(a_r_i[2], x_r_i[2], y_r_i[2])))
        else $error("ganpu_skip_walk: a tile walked whose A taps the walk cannot take");
    end
  end
`endif

endmodule
