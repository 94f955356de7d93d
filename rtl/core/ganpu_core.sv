// One accelerator core: runs the job described by desc_i (a generalized convolution,
// docs/architecture.md) through the stagers, the compute engine and the output path,
// reading and writing memory through the read and write DMAs. A job:
//   stage the A box -> for each block of PeRows output channels: stage B (and bias), then
//   for each tile of positions: compute, write. Then wait for the last write response.
module ganpu_core #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  parameter int unsigned ADepth = 8192,
  parameter int unsigned BDepth = 2048,
  localparam int unsigned W     = ExpW + ManW + 1,
  localparam int unsigned T     = PeCols * 4,
  localparam int unsigned KW    = $clog2(T),
  localparam int unsigned RowW  = $clog2(PeRows + 1)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  ganpu_reg_pkg::desc_t   desc_i,
  input  logic                   start_i,
  output logic                   busy_o,
  output logic                   done_o,        // pulse
  output logic                   error_o,       // pulse, with error_code_o
  output logic [7:0]             error_code_o,
  output logic [63:0]            cnt_cycles_o,
  output logic [63:0]            cnt_busy_o,
  output logic [63:0]            cnt_stall_o,
  output logic [63:0]            cnt_macs_o,
  output logic [63:0]            cnt_rd_bytes_o,
  output logic [63:0]            cnt_wr_bytes_o,
  // Read DMA.
  output logic                   rd_cmd_valid_o,
  input  logic                   rd_cmd_ready_i,
  output logic [31:0]            rd_cmd_addr_o,
  output logic [23:0]            rd_cmd_len_o,
  output logic [1:0]             rd_cmd_esize_o,
  input  logic                   rd_elem_valid_i,
  output logic                   rd_elem_ready_o,
  input  logic [31:0]            rd_elem_data_i,
  input  logic                   rd_beat_i,
  input  logic                   rd_err_i,
  // Write DMA.
  output logic                   wr_cmd_valid_o,
  input  logic                   wr_cmd_ready_i,
  output logic [31:0]            wr_cmd_addr_o,
  output logic [23:0]            wr_cmd_len_o,
  output logic [1:0]             wr_cmd_esize_o,
  output logic                   wr_elem_valid_o,
  input  logic                   wr_elem_ready_i,
  output logic [31:0]            wr_elem_data_o,
  input  logic                   wr_busy_i,
  input  logic                   wr_beat_i,
  input  logic                   wr_err_i,
  output logic                   clear_err_o
);

  localparam int unsigned AAddrW = $clog2(ADepth);
  localparam int unsigned BAddrW = $clog2(BDepth);
  localparam int unsigned DataBeatBytes = 8;

  // Error codes (STATUS.ERROR_CODE) come from the register map (rtl/regs/registers.json).
  localparam logic [7:0] ErrFormat   = ganpu_reg_pkg::ErrorCodeFormat;
  localparam logic [7:0] ErrBTooLong = ganpu_reg_pkg::ErrorCodeBTooLong;
  localparam logic [7:0] ErrABox     = ganpu_reg_pkg::ErrorCodeABox;
  localparam logic [7:0] ErrOpcode   = ganpu_reg_pkg::ErrorCodeOpcode;
  localparam logic [7:0] ErrSize     = ganpu_reg_pkg::ErrorCodeSize;
  localparam logic [7:0] ErrBus      = ganpu_reg_pkg::ErrorCodeBus;

  typedef enum logic [3:0] {
    StIdle, StCheck, StStageA, StStageB, StStageBias, StTile, StTileWait, StOutWait,
    StMgMask, StMgDy, StMgOut, StSetupWait, StPsRead, StFlush, StFinish
  } state_e;
  state_e state_q, state_d;

  ganpu_reg_pkg::desc_t d;
  logic                 mg;  // a MASK_GRAD job
  assign d  = desc_i;
  assign mg = (d.op.opcode == ganpu_reg_pkg::OpcodeMaskGrad);

  // MASK_GRAD: the row of the block being gated, the next dy element to request, and the
  // tile's dy values and mask bits.
  logic [RowW-1:0]    mg_row_q, mg_row_d;
  logic [KW:0]        mg_k_q, mg_k_d;
  logic [W-1:0]       mg_dy_q [T];
  logic [T-1:0]       mg_keep_q;
  logic               mg_cmd_valid;
  logic signed [31:0] mg_q_off;

  // Engine and output-path signals (declared first: the stagers use the tile's table too).
  logic                       p_clear, tile_start, tile_done, p_done, setup_done, go;
  logic [KW:0]                tile_count;
  logic signed [31:0]         tile_o_off [T];
  logic [T-1:0]               tile_contig;
  logic [15:0]                tile_pn;
  logic [31:0]                tile_pos;
  logic [1:0]                 rd_slot;
  logic [PeRows*PeCols*32-1:0] acc;
  logic                       eng_issue;
  logic [15:0]                eng_macs;
  logic        out_start, out_done;
  logic [31:0] m_row_addr;

  // --- Sizes -----------------------------------------------------------------------------------
  logic [47:0] r_total, a_total;
  logic        sizes_zero;
  assign r_total = 48'(d.r_0) * 48'(d.r_1) * 48'(d.r_2);
  assign a_total = 48'(d.a_d0) * 48'(d.a_d1) * 48'(d.a_d2) * 48'(d.a_d3);
  assign sizes_zero = (d.q_count == 0) || (d.p_n == 0) || (d.p_h == 0) || (d.p_w == 0) ||
                      (d.r_0 == 0) || (d.r_1 == 0) || (d.r_2 == 0) ||
                      (!d.op.a_one && a_total == 0);

  // --- Output-channel blocks ------------------------------------------------------------------
  logic [31:0]        qb_q, qb_d;           // first channel of the block
  logic [RowW-1:0]    rows;
  logic signed [31:0] q_off_q, q_off_d;     // qb * O_QS
  logic [31:0]        m_q_q, m_q_d;         // qb * M_QS
  logic [31:0]        q_left;
  assign q_left = d.q_count - qb_q;
  assign rows   = (q_left >= PeRows) ? RowW'(PeRows) : RowW'(q_left);

  logic [PeRows-1:0] row_en;
  for (genvar j = 0; j < PeRows; j++) begin : g_row_en
    assign row_en[j] = (RowW'(j) < rows) && !mg;
  end

  // --- Stagers: one box reader, its elements go to A, B or the bias registers --------------
  logic               br_start, br_done;
  logic [31:0]        br_base;
  logic [15:0]        br_n [3];
  logic [23:0]        br_n3;
  logic signed [31:0] br_s [3];
  logic signed [31:0] br_s3;
  logic [31:0]        sink_cnt_q;   // elements received in this staging step
  logic [31:0]        sink_total;

  always_comb begin
    br_base = d.a_src;
    br_n    = '{16'(d.a_d0), 16'(d.a_d1), 16'(d.a_d2)};
    br_n3   = 24'(d.a_d3);
    br_s    = '{$signed(d.a_s0), $signed(d.a_s1), $signed(d.a_s2)};
    br_s3   = 32'sd1;
    sink_total = 32'(a_total);
    if (state_q == StStageB) begin
      br_base = d.b_src + 32'(unsigned'($signed(qb_q) * d.b_qs) << 1);
      br_n    = '{16'(rows), 16'(d.r_0), 16'(d.r_1)};
      br_n3   = 24'(d.r_2);
      br_s    = '{d.b_qs, d.b_r0s, d.b_r1s};
      br_s3   = d.b_r2s;
      sink_total = 32'(rows) * 32'(r_total);
    end else if (state_q == StMgMask) begin
      br_base = m_row_addr + 32'(mg_row_q) * d.m_qs;
      br_n    = '{16'd1, 16'd1, 16'd1};
      br_n3   = 24'((32'(tile_count) + 32'd7) >> 3);
      br_s    = '{32'sd0, 32'sd0, 32'sd0};
      br_s3   = 32'sd1;
      sink_total = (32'(tile_count) + 32'd7) >> 3;
    end else if (state_q == StStageBias) begin
      br_base = d.bias_src + (qb_q << 1);
      br_n    = '{16'd1, 16'd1, 16'd1};
      br_n3   = 24'(rows);
      br_s    = '{32'sd0, 32'sd0, 32'sd0};
      br_s3   = 32'sd1;
      sink_total = 32'(rows);
    end
  end

  logic        br_valid;
  logic [31:0] br_addr;
  logic [23:0] br_len;
  logic [1:0]  br_esize;
  assign br_esize = (state_q == StMgMask) ? 2'd0 : 2'd1;  // mask bytes, else 16-bit elements

  ganpu_box_reader u_box (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .start_i    (br_start),
    .done_o     (br_done),
    .base_i     (br_base),
    .esize_i    (br_esize),
    .n_i        (br_n),
    .n3_i       (br_n3),
    .s_i        (br_s),
    .s3_i       (br_s3),
    .cmd_valid_o(br_valid),
    .cmd_ready_i(rd_cmd_ready_i),
    .cmd_addr_o (br_addr),
    .cmd_len_o  (br_len)
  );

  // MASK_GRAD's dy values and the partial sums of PSUM_IN are read one element per command
  // at the tile's output offsets (they need not be contiguous); the box reader is idle then.
  logic               ps_read;
  logic signed [31:0] tbl_off;
  assign ps_read      = (state_q == StPsRead);
  assign mg_q_off     = q_off_q + $signed({1'b0, mg_row_q}) * d.o_qs;
  assign tbl_off      = mg_q_off + tile_o_off[mg_k_q[KW-1:0]];
  assign mg_cmd_valid = (state_q == StMgDy || ps_read) && (mg_k_q < tile_count);
  assign rd_cmd_valid_o = br_valid | mg_cmd_valid;
  assign rd_cmd_addr_o  = !mg_cmd_valid ? br_addr :
                          ps_read ? d.ps_src + 32'(unsigned'(tbl_off) << 2) :
                                    d.g_src + 32'(unsigned'(tbl_off) << 1);
  assign rd_cmd_len_o   = mg_cmd_valid ? 24'd1 : br_len;
  assign rd_cmd_esize_o = !mg_cmd_valid ? br_esize : ps_read ? 2'd2 : 2'd1;
  assign rd_elem_ready_o = 1'b1;

  logic          sink;
  logic [W-1:0]  sink_data;
  assign sink      = rd_elem_valid_i;
  assign sink_data = rd_elem_data_i[W-1:0];

  // MASK_GRAD: mask bytes, then dy values, land in the tile's registers.
  logic sink_clear;
  assign sink_clear = ((state_q == StMgMask) && (state_d == StMgDy)) ||
                      ((state_q == StSetupWait) && (state_d == StPsRead)) ||
                      (ps_read && (mg_k_d == '0) && (mg_k_q != '0));
  always_ff @(posedge clk_i) begin
    if (sink && state_q == StMgMask) begin
      for (int unsigned b = 0; b < 8; b++) begin
        if (sink_cnt_q * 8 + b < T) mg_keep_q[sink_cnt_q * 8 + b] <= rd_elem_data_i[b];
      end
    end
    if (sink && state_q == StMgDy) mg_dy_q[sink_cnt_q[KW-1:0]] <= sink_data;
  end

  // B buffer write position: row and address within the row.
  logic [RowW-1:0]   b_row_q;
  logic [BAddrW-1:0] b_addr_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sink_cnt_q <= '0;
      b_row_q    <= '0;
      b_addr_q   <= '0;
    end else if (br_start || sink_clear) begin
      sink_cnt_q <= '0;
      b_row_q    <= '0;
      b_addr_q   <= '0;
    end else if (sink) begin
      sink_cnt_q <= sink_cnt_q + 32'd1;
      if (state_q == StStageB) begin
        if (48'(b_addr_q) == r_total - 48'd1) begin
          b_addr_q <= '0;
          b_row_q  <= b_row_q + RowW'(1);
        end else begin
          b_addr_q <= b_addr_q + BAddrW'(1);
        end
      end
    end
  end

  // Bias: widened to FP32 (exact) on the way into the per-row registers.
  logic [31:0] bias_q [PeRows];
  logic [31:0] bias_wide;
  logic        bias_wide_valid;
  logic [RowW-1:0] bias_row_q;
  fp_convert #(
    .InExpW (ExpW),
    .InManW (ManW),
    .OutExpW(fp_pkg::Fp32ExpW),
    .OutManW(fp_pkg::Fp32ManW)
  ) u_bias_widen (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(sink && state_q == StStageBias),
    .x_i    (sink_data),
    .valid_o(bias_wide_valid),
    .x_o    (bias_wide)
  );
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bias_row_q <= '0;
    end else if (br_start) begin
      bias_row_q <= '0;
    end else if (bias_wide_valid) begin
      bias_row_q <= bias_row_q + RowW'(1);
    end
  end
  always_ff @(posedge clk_i) begin
    if (bias_wide_valid) bias_q[bias_row_q[$clog2(PeRows)-1:0]] <= bias_wide;
  end
  logic [PeRows*32-1:0] init;
  for (genvar j = 0; j < PeRows; j++) begin : g_init
    assign init[j*32 +: 32] = d.op.bias_en ? bias_q[j] : 32'd0;
  end

  // --- Compute engine -------------------------------------------------------------------------

  ganpu_engine #(
    .PeRows(PeRows),
    .PeCols(PeCols),
    .ExpW  (ExpW),
    .ManW  (ManW),
    .ADepth(ADepth),
    .BDepth(BDepth)
  ) u_engine (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .p_n_i        ('{16'(d.p_n), 16'(d.p_h), 16'(d.p_w)}),
    .r_n_i        ('{16'(d.r_0), 16'(d.r_1), 16'(d.r_2)}),
    .a_off_i      (d.a_off),
    .a_p_i        ('{d.a_p0, d.a_p1, d.a_p2}),
    .a_r_i        ('{d.a_r0, d.a_r1, d.a_r2}),
    .y_off_i      (d.y_off),
    .y_p_i        ('{d.y_p0, d.y_p1, d.y_p2}),
    .y_r_i        ('{d.y_r0, d.y_r1, d.y_r2}),
    .x_off_i      (d.x_off),
    .x_p_i        ('{d.x_p0, d.x_p1, d.x_p2}),
    .x_r_i        ('{d.x_r0, d.x_r1, d.x_r2}),
    .y_lim_i      ($signed(d.y_lim)),
    .x_lim_i      ($signed(d.x_lim)),
    .o_p_i        ('{d.o_p0s, d.o_p1s, d.o_p2s}),
    .a_one_i      (d.op.a_one),
    .p_clear_i    (p_clear),
    .tile_start_i (tile_start),
    .setup_done_o (setup_done),
    .go_i         (go),
    .psum_i       (d.op.psum_in),
    .tile_done_o  (tile_done),
    .p_done_o     (p_done),
    .row_en_i     (row_en),
    .init_i       (init),
    .tile_count_o (tile_count),
    .tile_o_off_o (tile_o_off),
    .tile_contig_o(tile_contig),
    .tile_pn_o    (tile_pn),
    .tile_pos_o   (tile_pos),
    .a_we_i       (sink && state_q == StStageA),
    .a_waddr_i    (sink_cnt_q[AAddrW-1:0]),
    .a_wdata_i    (sink_data),
    .b_we_i       (sink && state_q == StStageB),
    .b_row_i      (b_row_q),
    .b_waddr_i    (b_addr_q),
    .b_wdata_i    (sink_data),
    .rd_slot_i    (rd_slot),
    .acc_o        (acc),
    .issue_o      (eng_issue),
    .macs_o       (eng_macs),
    .ld_i         (sink && ps_read),
    .ld_row_i     (mg_row_q[$clog2(PeRows)-1:0]),
    .ld_k_i       (sink_cnt_q[KW-1:0]),
    .ld_data_i    (rd_elem_data_i)
  );

  // --- Output path ------------------------------------------------------------------------------
  assign m_row_addr = d.m_dst + m_q_q + 32'(tile_pn) * d.m_p0s + (tile_pos >> 3);

  ganpu_out_path #(
    .PeRows(PeRows),
    .PeCols(PeCols),
    .ExpW  (ExpW),
    .ManW  (ManW)
  ) u_out (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .start_i     (out_start),
    .done_o      (out_done),
    .rows_i      (mg ? RowW'(1) : rows),
    .q_off_i     (mg ? mg_q_off : q_off_q),
    .o_qs_i      (d.o_qs),
    .o_dst_i     (d.o_dst),
    .out_fp32_i  (d.op.out_fp32),
    .act_i       (fp_pkg::act_mode_e'(d.op.act)),
    .slope_i     (d.slope[W-1:0]),
    .mask_en_i   (d.op.mask_en),
    .m_row_addr_i(m_row_addr),
    .m_qs_i      ($signed(d.m_qs)),
    .count_i     (tile_count),
    .o_off_i     (tile_o_off),
    .contig_i    (tile_contig),
    .mg_i        (mg),
    .mg_dy_i     (mg_dy_q),
    .mg_keep_i   (mg_keep_q),
    .rd_slot_o   (rd_slot),
    .acc_i       (acc),
    .cmd_valid_o (wr_cmd_valid_o),
    .cmd_ready_i (wr_cmd_ready_i),
    .cmd_addr_o  (wr_cmd_addr_o),
    .cmd_len_o   (wr_cmd_len_o),
    .cmd_esize_o (wr_cmd_esize_o),
    .elem_valid_o(wr_elem_valid_o),
    .elem_ready_i(wr_elem_ready_i),
    .elem_data_o (wr_elem_data_o)
  );

  // --- Sequencing ---------------------------------------------------------------------------------
  logic       err_set;
  logic [7:0] err_code_d, err_code_q;

  always_comb begin
    state_d     = state_q;
    qb_d        = qb_q;
    q_off_d     = q_off_q;
    m_q_d       = m_q_q;
    br_start    = 1'b0;
    p_clear     = 1'b0;
    tile_start  = 1'b0;
    out_start   = 1'b0;
    err_set     = 1'b0;
    err_code_d  = err_code_q;
    mg_row_d    = mg_row_q;
    mg_k_d      = mg_k_q;
    go          = 1'b0;
    done_o      = 1'b0;
    clear_err_o = 1'b0;
    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          state_d     = StCheck;
          clear_err_o = 1'b1;
        end
      end
      StCheck: begin
        qb_d    = '0;
        q_off_d = '0;
        m_q_d   = '0;
        if (d.op.format != ganpu_reg_pkg::num_format_e'(ExpW == fp_pkg::Bf16ExpW)) begin
          err_set = 1'b1;  err_code_d = ErrFormat;
        end else if (d.op.opcode != ganpu_reg_pkg::OpcodeGconv && !mg) begin
          err_set = 1'b1;  err_code_d = ErrOpcode;
        end else if (sizes_zero) begin
          err_set = 1'b1;  err_code_d = ErrSize;
        end else if (r_total > 48'(BDepth)) begin
          err_set = 1'b1;  err_code_d = ErrBTooLong;
        end else if (!d.op.a_one && a_total > 48'(ADepth)) begin
          err_set = 1'b1;  err_code_d = ErrABox;
        end
        if (err_set) begin
          state_d = StFinish;
        end else if (mg) begin
          // MASK_GRAD stages nothing: it reads dy and the mask per tile.
          state_d = StTile;
          p_clear = 1'b1;
        end else if (d.op.a_one) begin
          state_d  = StStageB;
          br_start = 1'b1;
        end else begin
          state_d  = StStageA;
          br_start = 1'b1;
        end
      end
      StStageA: begin
        if (br_done && sink_cnt_q == sink_total) begin
          state_d  = StStageB;
          br_start = 1'b1;
        end
      end
      StStageB: begin
        if (br_done && sink_cnt_q == sink_total) begin
          if (d.op.bias_en) begin
            state_d  = StStageBias;
            br_start = 1'b1;
          end else begin
            state_d = StTile;
            p_clear = 1'b1;
          end
        end
      end
      StStageBias: begin
        if (br_done && bias_row_q == rows) begin
          state_d = StTile;
          p_clear = 1'b1;
        end
      end
      StTile: begin
        tile_start = 1'b1;
        state_d    = StSetupWait;
      end
      StSetupWait: begin
        if (setup_done) begin
          if (d.op.psum_in && !mg) begin
            mg_row_d = '0;
            mg_k_d   = '0;
            state_d  = StPsRead;
          end else begin
            go      = 1'b1;
            state_d = StTileWait;
          end
        end
      end
      StPsRead: begin
        // Row by row, the tile's partial sums go into the accumulators; then issue.
        if (mg_cmd_valid && rd_cmd_ready_i) mg_k_d = mg_k_q + (KW+1)'(1);
        if (mg_k_q == tile_count && sink_cnt_q == 32'(tile_count)) begin
          mg_k_d = '0;
          if (mg_row_q + RowW'(1) < rows) begin
            mg_row_d = mg_row_q + RowW'(1);
          end else begin
            go      = 1'b1;
            state_d = StTileWait;
          end
        end
      end
      StTileWait: begin
        if (tile_done) begin
          if (mg) begin
            mg_row_d = '0;
            state_d  = StMgMask;
            br_start = 1'b1;
          end else begin
            out_start = 1'b1;
            state_d   = StOutWait;
          end
        end
      end
      StMgMask: begin
        if (br_done && sink_cnt_q == sink_total) begin
          state_d = StMgDy;
          mg_k_d  = '0;
        end
      end
      StMgDy: begin
        if (mg_cmd_valid && rd_cmd_ready_i) mg_k_d = mg_k_q + (KW+1)'(1);
        if (mg_k_q == tile_count && sink_cnt_q == 32'(tile_count)) begin
          state_d   = StMgOut;
          out_start = 1'b1;
        end
      end
      StMgOut: begin
        if (out_done) begin
          if (mg_row_q + RowW'(1) < rows) begin
            mg_row_d = mg_row_q + RowW'(1);
            state_d  = StMgMask;
            br_start = 1'b1;
          end else begin
            state_d = StOutWait;
          end
        end
      end
      StOutWait: begin
        if (out_done || mg) begin
          if (!p_done) begin
            state_d = StTile;
          end else if (qb_q + PeRows < d.q_count) begin
            qb_d     = qb_q + PeRows;
            q_off_d  = q_off_q + d.o_qs * PeRows;
            m_q_d    = m_q_q + d.m_qs * PeRows;
            if (mg) begin
              state_d = StTile;
              p_clear = 1'b1;
            end else begin
              state_d  = StStageB;
              br_start = 1'b1;
            end
          end else begin
            state_d = StFlush;
          end
        end
      end
      StFlush: begin
        if (!wr_busy_i && !wr_cmd_valid_o && !wr_elem_valid_o) state_d = StFinish;
      end
      StFinish: begin
        done_o  = 1'b1;
        state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
    if ((rd_err_i || wr_err_i) && state_q != StIdle && state_q != StFinish &&
        err_code_q == 8'd0) begin
      // A bus error ends the job once the writes in flight have drained.
      err_code_d = ErrBus;
      if (state_q != StFlush) state_d = StFlush;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= StIdle;
      mg_row_q   <= '0;
      mg_k_q     <= '0;
      qb_q       <= '0;
      q_off_q    <= '0;
      m_q_q      <= '0;
      err_code_q <= '0;
    end else begin
      state_q  <= state_d;
      mg_row_q <= mg_row_d;
      mg_k_q   <= mg_k_d;
      qb_q     <= qb_d;
      q_off_q <= q_off_d;
      m_q_q   <= m_q_d;
      if (start_i && state_q == StIdle) begin
        err_code_q <= '0;
      end else begin
        err_code_q <= err_code_d;
      end
    end
  end

  assign busy_o       = (state_q != StIdle);
  assign error_o      = done_o && (err_code_q != 8'd0);
  assign error_code_o = err_code_q;
  // G_SRC belongs to MASK_GRAD jobs; elements are at most 16 bits wide.
  logic unused_desc;
  assign unused_desc = ^{d.g_src, rd_elem_data_i[31:W]};

  // --- Performance counters (cleared at start) -----------------------------------------------
  // Stall: cycles the job waits for memory (staging operands, draining the last writes).
  logic staging;
  assign staging = (state_q == StStageA) || (state_q == StStageB) || (state_q == StStageBias) ||
                   (state_q == StFlush);
  logic [63:0] cyc_q, busy_cnt_q, stall_q, macs_q, rdb_q, wrb_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cyc_q      <= '0;
      busy_cnt_q <= '0;
      stall_q    <= '0;
      macs_q     <= '0;
      rdb_q      <= '0;
      wrb_q      <= '0;
    end else if (start_i && state_q == StIdle) begin
      cyc_q      <= '0;
      busy_cnt_q <= '0;
      stall_q    <= '0;
      macs_q     <= '0;
      rdb_q      <= '0;
      wrb_q      <= '0;
    end else if (busy_o) begin
      cyc_q      <= cyc_q + 64'd1;
      busy_cnt_q <= busy_cnt_q + 64'(eng_issue);
      stall_q    <= stall_q + 64'(staging);
      macs_q     <= macs_q + 64'(eng_macs);
      rdb_q      <= rdb_q + (rd_beat_i ? 64'(DataBeatBytes) : 64'd0);
      wrb_q      <= wrb_q + (wr_beat_i ? 64'(DataBeatBytes) : 64'd0);
    end
  end
  assign cnt_cycles_o   = cyc_q;
  assign cnt_busy_o     = busy_cnt_q;
  assign cnt_stall_o    = stall_q;
  assign cnt_macs_o     = macs_q;
  assign cnt_rd_bytes_o = rdb_q;
  assign cnt_wr_bytes_o = wrb_q;

endmodule
