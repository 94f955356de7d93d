// Writes a finished tile: for each active row (output channel) the tile's accumulators in
// position order, as runs of addresses 2^o_step_i elements apart (consecutive, or one output
// phase of a transposed map, which the DMA writes with strobes), either raw FP32 (partial
// results and weight gradients) or narrowed to the 16-bit format with the activation
// applied; then, if asked, the row's ReLU mask bits (1 = the FP32 sum was > 0), packed
// LSB-first into bytes, one write per plane the tile covers (a tile that spans planes,
// OP.SPAN, starts and ends on plane boundaries of whole mask bytes; its bytes of each plane
// are consecutive).
// The path is as wide as a bus beat: each cycle it takes up to BusBytes / 2 16-bit values
// (BusBytes / 4 FP32 values, BusBytes mask bytes; fewer in a strided run) that lie in one
// beat, one run and one PE (a PE holds Slots consecutive positions), and hands them to the
// write DMA as one delivery.
// MASK_GRAD tiles (dy gated by the mask) go one value a cycle.
module ganpu_out_path #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  localparam int unsigned Slots = ganpu_core_pkg::Slots,
  localparam int unsigned T     = PeCols * Slots,
  localparam int unsigned KW    = $clog2(T),
  localparam int unsigned RowW  = $clog2(PeRows + 1),
  localparam int unsigned W     = ExpW + ManW + 1,
  localparam int unsigned BusBytes = ganpu_core_pkg::BusBytes,
  localparam int unsigned CountW   = $clog2(BusBytes + 1)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  start_i,
  output logic                  done_o,       // pulse: every element and mask byte is sent
  // Job and tile parameters.
  input  logic [RowW-1:0]       rows_i,       // active rows
  input  logic signed [31:0]    q_off_i,      // output element offset of row 0's channel
  input  logic signed [31:0]    o_qs_i,       // output element stride per channel
  input  logic [31:0]           o_dst_i,
  input  logic                  out_fp32_i,
  input  fp_pkg::act_mode_e     act_i,
  input  logic [W-1:0]          slope_i,
  input  logic                  mask_en_i,
  input  logic [31:0]           m_row_addr_i, // mask byte address of row 0 for this tile's plane
  input  logic signed [31:0]    m_qs_i,       // mask bytes per channel
  input  logic [31:0]           m_left_i,     // mask bytes from the tile's start to its plane's end
  input  logic [31:0]           m_plane_bytes_i, // mask bytes per plane
  input  logic [31:0]           m_p0s_i,      // mask bytes from one plane to the next
  input  logic [KW:0]           count_i,      // valid positions in the tile
  input  logic signed [31:0]    o_off_i [T],
  input  logic [T-1:0]          contig_i,     // position k+1's output is 2^o_step_i after k's
  input  logic [1:0]            o_step_i,
  // MASK_GRAD: the values are dy (staged by the core) gated by the mask bits, not the PEs'.
  input  logic                  mg_i,
  input  logic [W-1:0]          mg_dy_i [T],
  input  logic [T-1:0]          mg_keep_i,
  // Accumulators: all Slots of PE (rd_row_o, rd_col_o), slot s at [s*32 +: 32].
  output logic [$clog2(PeRows)-1:0] rd_row_o,
  output logic [$clog2(PeCols)-1:0] rd_col_o,
  input  logic [Slots*32-1:0]   acc_i,
  // Write DMA: elem_count_o elements (or mask bytes) of one beat, packed from bit 0.
  output logic                  cmd_valid_o,
  input  logic                  cmd_ready_i,
  output logic [31:0]           cmd_addr_o,
  output logic [23:0]           cmd_len_o,
  output logic [1:0]            cmd_esize_o,
  output logic [1:0]            cmd_step_o,   // log2 of the element step of the command
  output logic                  elem_valid_o,
  input  logic                  elem_ready_i,
  output logic [BusBytes*8-1:0] elem_data_o,
  output logic [CountW-1:0]     elem_count_o
);

  localparam int unsigned FifoDepth = 4;
  localparam int unsigned Lanes     = BusBytes / 2;   // 16-bit values per beat
  localparam int unsigned OffW      = $clog2(BusBytes);
  localparam int unsigned LaneCntW  = $clog2(Lanes + 1);

  typedef enum logic [2:0] {StIdle, StRunCmd, StRunData, StMaskCmd, StMaskData, StFlush} state_e;
  state_e state_q, state_d;

  logic [RowW-1:0]    row_q, row_d;
  logic [KW:0]        k_q, k_d, run_end_q, run_end_d;
  logic [KW:0]        mbyte_q, mbyte_d;
  logic [KW:0]        seg_end_q, seg_end_d;     // tile byte where this plane's bytes end
  logic [31:0]        seg_addr_q, seg_addr_d;   // address of this plane's first tile byte
  logic               seg_first_q, seg_first_d; // the row's first plane
  logic signed [31:0] q_off_q, q_off_d;
  logic [31:0]        m_addr_q, m_addr_d;
  logic [OffW-1:0]    boff_q, boff_d;     // byte offset in the beat of the next delivery
  logic [T-1:0]       mask_bits_q;

  // --- Run length: 1 + the number of positions that follow k in the run ------------------
  logic [T-1:0]  contig_from_k;
  logic [KW:0]   ones_run;
  logic [KW:0]   run_len;
  always_comb begin
    contig_from_k = contig_i >> k_q[KW-1:0];
    ones_run = '0;
    begin : count_ones
      logic still;
      still = 1'b1;
      for (int unsigned i = 0; i < T; i++) begin
        still = still & contig_from_k[i];
        if (still) ones_run = (KW+1)'(i + 1);
      end
    end
    run_len = ones_run + (KW+1)'(1);
    if (k_q + run_len > count_i) run_len = count_i - k_q;
  end

  // --- The positions of this cycle: k .. k + n - 1, all in one PE, run and beat ----------------
  logic [1:0]        esize;
  logic [KW-1:0]     kk;
  logic [31:0]       k_slot;
  logic [LaneCntW-1:0] n_elem;
  assign esize = ganpu_core_pkg::out_esize(out_fp32_i, mg_i);
  assign kk     = k_q[KW-1:0];
  assign k_slot = 32'(kk) % Slots;
  assign rd_col_o = ($clog2(PeCols))'(32'(kk) / Slots);
  assign rd_row_o = ($clog2(PeRows))'(row_q);
  logic [KW:0] run_left;
  assign run_left = run_end_q - k_q;
  // The elements left in the beat: the last one must end in it.
  logic [2:0] gap_log2;
  assign gap_log2 = 3'(esize) + 3'(o_step_i);
  always_comb begin
    int unsigned n;
    n = mg_i ? 1 : ((BusBytes - 32'(boff_q) - (32'd1 << esize)) >> gap_log2) + 1;
    if (n > 32'(run_left)) n = 32'(run_left);
    if (n > Slots - k_slot) n = Slots - k_slot;
    if (n > Lanes) n = Lanes;
    n_elem = LaneCntW'(n);
  end

  // Lane l's accumulator: slot k_slot + l of the PE.
  logic [31:0] acc_lane [Lanes];
  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      acc_lane[l] = '0;
      for (int unsigned sl = 0; sl < Slots; sl++) begin
        if (k_slot + l == sl) acc_lane[l] = acc_i[sl*32 +: 32];
      end
    end
  end

  // --- Mask bytes of this cycle: mbyte .. mbyte + nb - 1 --------------------------------------
  localparam int unsigned MaskBytes = (T + 7) / 8;
  logic [CountW-1:0]     n_byte;
  logic [BusBytes*8-1:0] mask_vec;
  always_comb begin
    int unsigned nb;
    nb = BusBytes - 32'(boff_q);
    if (nb > MaskBytes - 32'(mbyte_q)) nb = MaskBytes - 32'(mbyte_q);
    if (nb > (32'(count_i) + 7) / 8 - 32'(mbyte_q)) nb = (32'(count_i) + 7) / 8 - 32'(mbyte_q);
    if (nb > 32'(seg_end_q) - 32'(mbyte_q)) nb = 32'(seg_end_q) - 32'(mbyte_q);
    n_byte = CountW'(nb);
    mask_vec = '0;
    for (int unsigned i = 0; i < BusBytes * 8; i++) begin
      if (32'(mbyte_q) * 8 + i < T && i < nb * 8) mask_vec[i] = mask_bits_q[32'(mbyte_q) * 8 + i];
    end
  end

  // --- Post-processing pipe (2 stages, one narrowing and activation per lane) and the FIFO ---
  logic              push_elem, push_byte, pipe_in, pipe_raw;
  logic [31:0]       pipe_val [Lanes];
  logic [CountW-1:0] pipe_cnt;
  logic [1:0]        v_q, raw_q;
  logic [31:0]       val_q [2][Lanes];
  logic [CountW-1:0] cnt_q [2];
  logic [1:0]        es_q [2];
  logic [W-1:0]      narrowed [Lanes];
  logic [W-1:0]      activated [Lanes];
  logic [W-1:0]      gated;

  fp_masked_grad #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_gate (
    .mode_i (act_i),
    .keep_i (mg_keep_i[kk]),
    .dy_i   (mg_dy_i[kk]),
    .slope_i(slope_i),
    .dz_o   (gated)
  );

  assign pipe_in  = push_elem | push_byte;
  assign pipe_raw = push_byte | out_fp32_i | mg_i;
  assign pipe_cnt = push_byte ? n_byte : CountW'(n_elem);
  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      if (push_byte) begin
        pipe_val[l] = (l < BusBytes / 4) ? mask_vec[l*32 +: 32] : '0;
      end else if (mg_i) begin
        pipe_val[l] = (l == 0) ? {{(32 - W){1'b0}}, gated} : '0;
      end else begin
        pipe_val[l] = acc_lane[l];
      end
    end
  end

  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    logic unused_cv, unused_av;
    fp_convert #(
      .InExpW (fp_pkg::Fp32ExpW),
      .InManW (fp_pkg::Fp32ManW),
      .OutExpW(ExpW),
      .OutManW(ManW)
    ) u_narrow (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .valid_i(pipe_in),
      .x_i    (pipe_val[l]),
      .valid_o(unused_cv),
      .x_o    (narrowed[l])
    );

    fp_act #(
      .ExpW(ExpW),
      .ManW(ManW)
    ) u_act (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .valid_i(v_q[0]),
      .mode_i (act_i),
      .x_i    (narrowed[l]),
      .slope_i(slope_i),
      .valid_o(unused_av),
      .y_o    (activated[l])
    );
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v_q <= '0;
    end else begin
      v_q <= {v_q[0], pipe_in};
    end
  end
  always_ff @(posedge clk_i) begin
    raw_q    <= {raw_q[0], pipe_raw};
    val_q[0] <= pipe_val;
    val_q[1] <= val_q[0];
    cnt_q[0] <= pipe_cnt;
    cnt_q[1] <= cnt_q[0];
    es_q[0]  <= push_byte ? ganpu_core_pkg::Esize8 : esize;
    es_q[1]  <= es_q[0];
  end

  // The delivery: raw 32-bit lanes (FP32 values, mask bytes), one raw 16-bit value (MASK_GRAD),
  // or the narrowed and activated 16-bit lanes.
  logic [BusBytes*8-1:0] fifo_in;
  always_comb begin
    fifo_in = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      if (!raw_q[1]) begin
        fifo_in[l*16 +: 16] = 16'(activated[l]);
      end else if (es_q[1] == ganpu_core_pkg::Esize16) begin
        if (l == 0) fifo_in[15:0] = val_q[1][0][15:0];
      end else if (l < BusBytes / 4) begin
        fifo_in[l*32 +: 32] = val_q[1][l];
      end
    end
  end

  typedef struct packed {
    logic [CountW-1:0]     count;
    logic [BusBytes*8-1:0] data;
  } delivery_t;
  delivery_t fifo_q [FifoDepth];
  logic [$clog2(FifoDepth+1)-1:0] fifo_cnt_q;
  logic [$clog2(FifoDepth)-1:0]   fifo_rd_q, fifo_wr_q;
  logic        fifo_push, fifo_pop, room;

  assign fifo_push = v_q[1];
  assign fifo_pop  = elem_valid_o && elem_ready_i;
  // Credits: what is in the FIFO plus what is still in the pipe must fit.
  assign room = (32'(fifo_cnt_q) + 32'(v_q[0]) + 32'(v_q[1])) < FifoDepth;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fifo_cnt_q <= '0;
      fifo_rd_q  <= '0;
      fifo_wr_q  <= '0;
    end else begin
      fifo_cnt_q <= fifo_cnt_q + ($clog2(FifoDepth+1))'(fifo_push) -
                    ($clog2(FifoDepth+1))'(fifo_pop);
      if (fifo_push) fifo_wr_q <= fifo_wr_q + 1'b1;
      if (fifo_pop) fifo_rd_q <= fifo_rd_q + 1'b1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (fifo_push) fifo_q[fifo_wr_q] <= '{count: cnt_q[1], data: fifo_in};
  end
  assign elem_valid_o = (fifo_cnt_q != '0);
  assign elem_data_o  = fifo_q[fifo_rd_q].data;
  assign elem_count_o = fifo_q[fifo_rd_q].count;

  // --- Mask bits of the current row ---------------------------------------------------------
  function automatic logic positive(logic [31:0] v);
    return !v[31] && (v[30:0] != '0) && !((v[30:23] == 8'hFF) && (v[22:0] != '0));
  endfunction
  always_ff @(posedge clk_i) begin
    if (push_elem) begin
      for (int unsigned l = 0; l < Lanes; l++) begin
        if (l < 32'(n_elem)) mask_bits_q[kk + KW'(l)] <= positive(acc_lane[l]);
      end
    end
  end

  // --- Mask bytes of the tile and of the plane the next write starts in ---------------------
  logic [31:0] tile_bytes, seg_len;
  always_comb begin
    tile_bytes = (32'(count_i) + 32'd7) >> 3;
    seg_len    = tile_bytes - 32'(mbyte_q);
    if (seg_first_q && m_left_i < seg_len) seg_len = m_left_i;
    if (!seg_first_q && m_plane_bytes_i < seg_len) seg_len = m_plane_bytes_i;
  end

  // --- Sequencing --------------------------------------------------------------------------------
  always_comb begin
    state_d     = state_q;
    row_d       = row_q;
    k_d         = k_q;
    run_end_d   = run_end_q;
    mbyte_d     = mbyte_q;
    seg_end_d   = seg_end_q;
    seg_addr_d  = seg_addr_q;
    seg_first_d = seg_first_q;
    q_off_d     = q_off_q;
    m_addr_d    = m_addr_q;
    boff_d      = boff_q;
    cmd_valid_o = 1'b0;
    cmd_addr_o  = '0;
    cmd_len_o   = '0;
    cmd_esize_o = esize;
    cmd_step_o  = o_step_i;
    push_elem   = 1'b0;
    push_byte   = 1'b0;
    done_o      = 1'b0;
    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          row_d    = '0;
          k_d      = '0;
          q_off_d  = q_off_i;
          m_addr_d = m_row_addr_i;
          state_d  = (rows_i == '0 || count_i == '0) ? StFlush : StRunCmd;
        end
      end
      StRunCmd: begin
        cmd_valid_o = 1'b1;
        cmd_addr_o  = o_dst_i + 32'(unsigned'(q_off_q + o_off_i[kk]) << cmd_esize_o);
        cmd_len_o   = 24'(run_len);
        if (cmd_ready_i) begin
          run_end_d = k_q + run_len;
          boff_d    = cmd_addr_o[OffW-1:0];
          state_d   = StRunData;
        end
      end
      StRunData: begin
        if (room) begin
          push_elem = 1'b1;
          k_d    = k_q + (KW+1)'(n_elem);
          boff_d = boff_q + OffW'(32'(n_elem) << (32'(cmd_esize_o) + 32'(o_step_i)));
          if (k_d == run_end_q) begin
            if (k_d != count_i) begin
              state_d = StRunCmd;
            end else if (mask_en_i) begin
              mbyte_d     = '0;
              seg_addr_d  = m_addr_q;
              seg_first_d = 1'b1;
              state_d     = StMaskCmd;
            end else begin
              state_d = StFlush;
            end
          end
        end
      end
      StMaskCmd: begin
        cmd_valid_o = 1'b1;
        cmd_addr_o  = seg_addr_q;
        cmd_len_o   = 24'(seg_len);
        cmd_esize_o = ganpu_core_pkg::Esize8;
        cmd_step_o  = 2'd0;
        if (cmd_ready_i) begin
          seg_end_d = mbyte_q + (KW+1)'(seg_len);
          boff_d    = seg_addr_q[OffW-1:0];
          state_d   = StMaskData;
        end
      end
      StMaskData: begin
        if (room) begin
          push_byte = 1'b1;
          mbyte_d   = mbyte_q + (KW+1)'(n_byte);
          boff_d    = boff_q + OffW'(n_byte);
          if (32'(mbyte_d) * 8 >= 32'(count_i)) begin
            state_d = StFlush;
          end else if (mbyte_d == seg_end_q) begin
            // The next plane's bytes: from its start (m_p0s on from the last plane's start).
            seg_addr_d  = seg_addr_q + m_p0s_i -
                          (seg_first_q ? m_plane_bytes_i - m_left_i : 32'd0);
            seg_first_d = 1'b0;
            state_d     = StMaskCmd;
          end
        end
      end
      StFlush: begin
        // Next row, or wait until the last values have left the pipe and the FIFO.
        if (row_q + RowW'(1) < rows_i && count_i != '0) begin
          row_d    = row_q + RowW'(1);
          k_d      = '0;
          q_off_d  = q_off_q + o_qs_i;
          m_addr_d = m_addr_q + 32'(m_qs_i);
          state_d  = StRunCmd;
        end else if (v_q == '0 && fifo_cnt_q == '0) begin
          done_o  = 1'b1;
          state_d = StIdle;
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      row_q       <= '0;
      k_q         <= '0;
      run_end_q   <= '0;
      mbyte_q     <= '0;
      seg_end_q   <= '0;
      seg_addr_q  <= '0;
      seg_first_q <= 1'b0;
      q_off_q     <= '0;
      m_addr_q    <= '0;
      boff_q      <= '0;
    end else begin
      state_q     <= state_d;
      row_q       <= row_d;
      k_q         <= k_d;
      run_end_q   <= run_end_d;
      mbyte_q     <= mbyte_d;
      seg_end_q   <= seg_end_d;
      seg_addr_q  <= seg_addr_d;
      seg_first_q <= seg_first_d;
      q_off_q     <= q_off_d;
      m_addr_q    <= m_addr_d;
      boff_q      <= boff_d;
    end
  end

endmodule
