// One accelerator core: runs the job described by desc_i (a generalized convolution,
// docs/architecture.md) on three units that work at the same time:
//   load  (ganpu_load_ctrl):  A box, then B rows and bias of channel block k + 1 while block
//                             k computes (two B banks), and per-tile reads;
//   exec  (ganpu_exec_ctrl):  tile setup and issue on the engine (two slot tables and
//                             accumulator banks: tile t + 1 is set up while tile t issues);
//   store (ganpu_store_ctrl): writes tile t - 1 through the output path while tile t issues.
// They synchronize by counters (blocks loaded / consumed, tiles issued / stored) and a queue of
// issued tiles. This module checks the descriptor, starts the units, waits for the last write
// response, reports errors and keeps the performance counters.
module ganpu_core #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  parameter int unsigned ADepth = 8192,
  parameter int unsigned BDepth = 2048,
  parameter int unsigned GmDepth = 2048,
  parameter bit          SkipWalk = 1'b1,  // build the zero-skipping walk (OP.SKIP)
  localparam int unsigned W     = ExpW + ManW + 1,
  localparam int unsigned T     = PeCols * ganpu_core_pkg::Slots,
  localparam int unsigned KW    = $clog2(T),
  localparam int unsigned RowW  = $clog2(PeRows + 1)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  ganpu_reg_pkg::desc_t   desc_i,
  input  logic                   start_i,
  // The host or other cores may have written memory since the last job: A_KEEP and B_KEEP
  // then find no buffer to keep (a pulse while idle, e.g. at a queue program's start).
  input  logic                   forget_i,
  output logic                   busy_o,
  output logic                   done_o,        // pulse
  output logic                   error_o,       // pulse, with error_code_o
  output logic [7:0]             error_code_o,
  output ganpu_core_pkg::perf_t  perf_o,
  // Read DMA.
  output logic                   rd_cmd_valid_o,
  input  logic                   rd_cmd_ready_i,
  output logic [31:0]            rd_cmd_addr_o,
  output logic [23:0]            rd_cmd_len_o,
  output logic [1:0]             rd_cmd_esize_o,
  output logic                   rd_cmd_wide_o,
  input  logic                   rd_elem_valid_i,
  output logic                   rd_elem_ready_o,
  input  logic [31:0]            rd_elem_data_i,
  input  logic [8*ganpu_core_pkg::BusBytes-1:0] rd_elem_vec_i,
  input  logic [$clog2(ganpu_core_pkg::BusBytes+1)-1:0] rd_elem_count_i,
  input  logic                   rd_beat_i,
  input  logic                   rd_busy_i,
  input  logic                   rd_err_i,
  // Write DMA.
  output logic                   wr_cmd_valid_o,
  input  logic                   wr_cmd_ready_i,
  output logic [31:0]            wr_cmd_addr_o,
  output logic [23:0]            wr_cmd_len_o,
  output logic [1:0]             wr_cmd_esize_o,
  output logic [1:0]             wr_cmd_step_o,   // log2 of the element step (strided runs)
  output logic                   wr_elem_valid_o,
  input  logic                   wr_elem_ready_i,
  output logic [ganpu_core_pkg::BusBytes*8-1:0] wr_elem_data_o,  // wr_elem_count_o elements
  output logic [$clog2(ganpu_core_pkg::BusBytes+1)-1:0] wr_elem_count_o,
  input  logic                   wr_busy_i,
  input  logic                   wr_beat_i,
  input  logic                   wr_err_i,
  output logic                   clear_err_o,
  // The units were stopped (each job's end, a bus error): commands they offered the read DMA
  // and it has not started are dropped with them. (The output path always finishes its tile.)
  output logic                   rd_flush_o
);

  localparam int unsigned AAddrW = $clog2(ADepth);
  localparam int unsigned BAddrW = $clog2(BDepth);
  localparam int unsigned DataBeatBytes = ganpu_core_pkg::BusBytes;

  // Error codes (STATUS.ERROR_CODE) come from the register map (rtl/regs/registers.json).
  localparam logic [7:0] ErrFormat   = ganpu_reg_pkg::ErrorCodeFormat;
  localparam logic [7:0] ErrBTooLong = ganpu_reg_pkg::ErrorCodeBTooLong;
  localparam logic [7:0] ErrABox     = ganpu_reg_pkg::ErrorCodeABox;
  localparam logic [7:0] ErrOpcode   = ganpu_reg_pkg::ErrorCodeOpcode;
  localparam logic [7:0] ErrSize     = ganpu_reg_pkg::ErrorCodeSize;
  localparam logic [7:0] ErrBus      = ganpu_reg_pkg::ErrorCodeBus;
  localparam logic [7:0] ErrSpan     = ganpu_reg_pkg::ErrorCodeSpan;
  localparam logic [7:0] ErrChunk    = ganpu_reg_pkg::ErrorCodeChunk;

  typedef enum logic [2:0] {JobIdle, JobCheck, JobRun, JobFlush, JobFinish} job_state_e;
  job_state_e state_q, state_d;

  ganpu_reg_pkg::desc_t d;
  logic                 mg;  // a MASK_GRAD job
  assign d  = desc_i;
  assign mg = (d.op.opcode == ganpu_reg_pkg::OpcodeMaskGrad);

  // --- Sizes -----------------------------------------------------------------------------------
  logic [47:0] b_total, a_total;
  logic        sizes_zero;
  assign b_total = ganpu_core_pkg::b_terms(ganpu_core_pkg::b_loops(
      d.op.b_map, {d.r_2, d.r_1, d.r_0}, {d.b_l2, d.b_l1, d.b_l0}));
  assign a_total = 48'(d.a_d0) * 48'(d.a_d1) * 48'(d.a_d2) * 48'(d.a_d3);
  assign sizes_zero = (d.q_count == 0) || (d.p_n == 0) || (d.p_h == 0) || (d.p_w == 0) ||
                      (d.r_0 == 0) || (d.r_1 == 0) || (d.r_2 == 0) || (b_total == 0) ||
                      (!d.op.a_one && a_total == 0);

  // Mask bytes per plane of the p loops (P_H x P_W positions, byte-padded). A tile that spans
  // planes writes its mask per plane, so with MASK_EN whole bytes must fill each plane.
  logic [31:0] m_plane_bytes;
  logic [2:0]  plane_mod8;
  logic        span_bad;
  assign m_plane_bytes = (32'(d.p_h[15:0]) * 32'(d.p_w[15:0]) + 32'd7) >> 3;
  assign plane_mod8    = 3'(d.p_h[2:0] * d.p_w[2:0]);
  assign span_bad      = d.op.span && (mg || (d.op.mask_en && plane_mod8 != 3'd0));

  // OP.B_STREAM is possible for this form of B rows (ganpu_core_pkg::b_stream_ok).
  logic b_stream_ok;
  assign b_stream_ok = ganpu_core_pkg::b_stream_ok(
      d.op.gate != ganpu_reg_pkg::ActNone && d.op.gate_b, d.b_qs, d.b_r0s, d.b_r1s, d.b_r2s,
      ganpu_core_pkg::b_loops(d.op.b_map, {d.r_2, d.r_1, d.r_0}, {d.b_l2, d.b_l1, d.b_l0}),
      d.op.b_chunk_log2);

  // Output runs along a row step by O_P2S elements where the write DMA takes that as a stride.
  logic [1:0] o_step;
  assign o_step = ganpu_core_pkg::out_step(d.o_p2s,
                                           ganpu_core_pkg::out_esize(d.op.out_fp32, mg));

  // --- Signals between the units ----------------------------------------------------------------
  logic               unit_start, abort;
  logic [31:0]        blocks_loaded, blocks_consumed, tiles_issued, tiles_stored;
  logic               exec_done, store_idle, staging;
  ganpu_core_pkg::stall_e exec_stall;
  // Engine: setup, issue, tables.
  logic               setup_start, setup_bank, setup_clear, setup_done, p_done;
  logic               go, go_ready, go_bank, go_bbank, go_first, go_last;
  logic [PeRows-1:0]  go_row_en;
  logic               block_done, tile_done, tile_done_bank;
  logic [KW:0]        tile_count [2];
  logic signed [31:0] tile_o_off [2][T];
  logic [T-1:0]       tile_contig [2];
  logic [15:0]        tile_pn [2];
  logic [31:0]        tile_pos [2];
  logic [PeRows*32-1:0] bias [2];
  logic [ganpu_core_pkg::Slots*32-1:0] acc;
  logic               eng_issue, eng_hold;
  logic               b_stream, b_stream_bank;
  logic [$clog2(BDepth):0] b_stream_terms;
  logic [15:0]        eng_macs;
  logic [15:0]        eng_a_reads, eng_b_reads, eng_nz_reads, eng_buf_writes;
  // Buffer writes (up to StageLanes elements per cycle) and partial-sum loads.
  localparam int unsigned L = ganpu_core_pkg::StageLanes;
  logic [L-1:0]       a_we, b_we;
  logic               b_bank, ld, ld_bank;
  logic [AAddrW-1:0]  a_waddr [L];
  logic [RowW-1:0]    b_row [L];
  logic [BAddrW-1:0]  b_waddr [L];
  logic [W-1:0]       ld_wdata [L];
  logic [$clog2(PeRows)-1:0] ld_row;
  logic [KW-1:0]      ld_k;
  logic [31:0]        ld_data;
  // Partial sums and MASK_GRAD reads.
  logic               ps_req, ps_bank, ps_done;
  logic [RowW-1:0]    ps_rows;
  logic signed [31:0] ps_q_off;
  logic               mg_req, mg_done;
  logic [W-1:0]       mg_dy [T];
  logic [T-1:0]       mg_keep;
  // Issued tiles, exec -> store.
  logic               st_valid, st_ready, st_bank;
  logic [RowW-1:0]    st_rows;
  logic signed [31:0] st_q_off;
  logic [31:0]        st_m_q;
  // Output path.
  logic               out_start, out_done, out_bank;
  logic [RowW-1:0]    out_rows;
  logic signed [31:0] out_q_off;
  logic [31:0]        out_m_addr, out_m_left;
  logic [$clog2(PeRows)-1:0] rd_row;
  logic [$clog2(PeCols)-1:0] rd_col;

  // --- Load -------------------------------------------------------------------------------------
  ganpu_load_ctrl #(
    .PeRows(PeRows),
    .PeCols(PeCols),
    .ExpW  (ExpW),
    .ManW  (ManW),
    .ADepth (ADepth),
    .BDepth (BDepth),
    .GmDepth(GmDepth)
  ) u_load (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .desc_i           (d),
    .start_i          (unit_start),
    .forget_i         (forget_i),
    .abort_i          (abort),
    // Block k + 1 is staged while block k issues. A tile's partial-sum read waits for the B
    // step in progress (the load unit runs one step at a time) and goes before the next one.
    .prefetch_i       (1'b1),
    .blocks_consumed_i(blocks_consumed),
    .blocks_loaded_o  (blocks_loaded),
    .b_stream_o       (b_stream),
    .b_stream_bank_o  (b_stream_bank),
    .b_stream_terms_o (b_stream_terms),
    .staging_o        (staging),
    .ps_req_i         (ps_req),
    .ps_bank_i        (ps_bank),
    .ps_rows_i        (ps_rows),
    .ps_q_off_i       (ps_q_off),
    .ps_done_o        (ps_done),
    .mg_req_i         (mg_req),
    .mg_bank_i        (out_bank),
    .mg_q_off_i       (out_q_off),
    .mg_m_addr_i      (out_m_addr),
    .mg_done_o        (mg_done),
    .mg_dy_o          (mg_dy),
    .mg_keep_o        (mg_keep),
    .tile_count_i     (tile_count),
    .tile_o_off_i     (tile_o_off),
    .a_we_o           (a_we),
    .a_waddr_o        (a_waddr),
    .b_we_o           (b_we),
    .b_bank_o         (b_bank),
    .b_row_o          (b_row),
    .b_waddr_o        (b_waddr),
    .wdata_o          (ld_wdata),
    .bias_o           (bias),
    .ld_o             (ld),
    .ld_bank_o        (ld_bank),
    .ld_row_o         (ld_row),
    .ld_k_o           (ld_k),
    .ld_data_o        (ld_data),
    .rd_cmd_valid_o   (rd_cmd_valid_o),
    .rd_cmd_ready_i   (rd_cmd_ready_i),
    .rd_cmd_addr_o    (rd_cmd_addr_o),
    .rd_cmd_len_o     (rd_cmd_len_o),
    .rd_cmd_esize_o   (rd_cmd_esize_o),
    .rd_cmd_wide_o    (rd_cmd_wide_o),
    .rd_elem_valid_i  (rd_elem_valid_i),
    .rd_elem_data_i   (rd_elem_data_i),
    .rd_elem_vec_i    (rd_elem_vec_i),
    .rd_elem_count_i  (rd_elem_count_i)
  );
  assign rd_elem_ready_o = 1'b1;

  // --- Execute ----------------------------------------------------------------------------------
  ganpu_exec_ctrl #(
    .PeRows(PeRows)
  ) u_exec (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .desc_i           (d),
    .start_i          (unit_start),
    .abort_i          (abort),
    .done_o           (exec_done),
    .tiles_issued_o   (tiles_issued),
    .tiles_stored_i   (tiles_stored),
    .blocks_loaded_i  (blocks_loaded),
    .b_stream_i       (b_stream),
    .blocks_consumed_o(blocks_consumed),
    .setup_start_o    (setup_start),
    .setup_bank_o     (setup_bank),
    .setup_clear_o    (setup_clear),
    .setup_done_i     (setup_done),
    .p_done_i         (p_done),
    .go_o             (go),
    .go_ready_i       (go_ready),
    .go_bank_o        (go_bank),
    .go_bbank_o       (go_bbank),
    .go_first_o       (go_first),
    .go_last_o        (go_last),
    .go_row_en_o      (go_row_en),
    .block_done_i     (block_done),
    .ps_req_o         (ps_req),
    .ps_bank_o        (ps_bank),
    .ps_rows_o        (ps_rows),
    .ps_q_off_o       (ps_q_off),
    .ps_done_i        (ps_done),
    .st_valid_o       (st_valid),
    .st_ready_i       (st_ready),
    .st_bank_o        (st_bank),
    .st_rows_o        (st_rows),
    .st_q_off_o       (st_q_off),
    .st_m_q_o         (st_m_q),
    .stall_o          (exec_stall)
  );

  ganpu_engine #(
    .PeRows(PeRows),
    .PeCols(PeCols),
    .ExpW  (ExpW),
    .ManW  (ManW),
    .ADepth(ADepth),
    .BDepth(BDepth),
    .SkipWalk(SkipWalk)
  ) u_engine (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .p_n_i           ('{16'(d.p_n), 16'(d.p_h), 16'(d.p_w)}),
    .r_n_i           ('{16'(d.r_0), 16'(d.r_1), 16'(d.r_2)}),
    .b_map_i         (d.op.b_map),
    .b_off_i         (d.b_off),
    .b_a_i           ('{d.b_a0, d.b_a1, d.b_a2}),
    .a_off_i         (d.a_off),
    .a_p_i           ('{d.a_p0, d.a_p1, d.a_p2}),
    .a_r_i           ('{d.a_r0, d.a_r1, d.a_r2}),
    .y_off_i         (d.y_off),
    .y_p_i           ('{d.y_p0, d.y_p1, d.y_p2}),
    .y_r_i           ('{d.y_r0, d.y_r1, d.y_r2}),
    .x_off_i         (d.x_off),
    .x_p_i           ('{d.x_p0, d.x_p1, d.x_p2}),
    .x_r_i           ('{d.x_r0, d.x_r1, d.x_r2}),
    .y_lim_i         ($signed(d.y_lim)),
    .x_lim_i         ($signed(d.x_lim)),
    .o_p_i           ('{d.o_p0s, d.o_p1s, d.o_p2s}),
    .o_step_i        (o_step),
    .a_one_i         (d.op.a_one),
    .span_i          (d.op.span),
    .skip_i          (d.op.skip),
    .setup_start_i   (setup_start),
    .setup_bank_i    (setup_bank),
    .setup_clear_i   (setup_clear),
    .setup_done_o    (setup_done),
    .p_done_o        (p_done),
    .go_ready_o      (go_ready),
    .go_i            (go),
    .go_bank_i       (go_bank),
    .go_bbank_i      (go_bbank),
    .go_first_i      (go_first),
    .go_last_i       (go_last),
    .go_row_en_i     (go_row_en),
    .init_i          (bias),
    .block_done_o    (block_done),
    .b_stream_i      (b_stream),
    .b_stream_bank_i (b_stream_bank),
    .b_stream_terms_i(b_stream_terms),
    .hold_o          (eng_hold),
    .tile_done_o     (tile_done),
    .tile_done_bank_o(tile_done_bank),
    .tile_count_o    (tile_count),
    .tile_o_off_o    (tile_o_off),
    .tile_contig_o   (tile_contig),
    .tile_pn_o       (tile_pn),
    .tile_pos_o      (tile_pos),
    .a_we_i          (a_we),
    .a_waddr_i       (a_waddr),
    .b_we_i          (b_we),
    .b_bank_i        (b_bank),
    .b_row_i         (b_row),
    .b_waddr_i       (b_waddr),
    .wdata_i         (ld_wdata),
    .rd_bank_i       (out_bank),
    .rd_row_i        (rd_row),
    .rd_col_i        (rd_col),
    .acc_o           (acc),
    .issue_o         (eng_issue),
    .macs_o          (eng_macs),
    .a_reads_o       (eng_a_reads),
    .b_reads_o       (eng_b_reads),
    .nz_reads_o      (eng_nz_reads),
    .buf_writes_o    (eng_buf_writes),
    .ld_i            (ld),
    .ld_bank_i       (ld_bank),
    .ld_row_i        (ld_row),
    .ld_k_i          (ld_k),
    .ld_data_i       (ld_data)
  );

  // --- Store ------------------------------------------------------------------------------------
  ganpu_store_ctrl #(
    .PeRows(PeRows)
  ) u_store (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .desc_i        (d),
    .start_i       (unit_start),
    .abort_i       (abort),
    .tiles_stored_o(tiles_stored),
    .idle_o        (store_idle),
    .st_valid_i    (st_valid),
    .st_ready_o    (st_ready),
    .st_bank_i     (st_bank),
    .st_rows_i     (st_rows),
    .st_q_off_i    (st_q_off),
    .st_m_q_i      (st_m_q),
    .tile_done_i   (tile_done),
    .tile_pn_i     (tile_pn),
    .tile_pos_i     (tile_pos),
    .m_plane_bytes_i(m_plane_bytes),
    .out_start_o    (out_start),
    .out_done_i    (out_done),
    .out_bank_o    (out_bank),
    .out_rows_o    (out_rows),
    .out_q_off_o   (out_q_off),
    .out_m_addr_o  (out_m_addr),
    .out_m_left_o  (out_m_left),
    .mg_req_o      (mg_req),
    .mg_done_i     (mg_done)
  );

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
    .rows_i      (out_rows),
    .q_off_i     (out_q_off),
    .o_qs_i      (d.o_qs),
    .o_dst_i     (d.o_dst),
    .out_fp32_i  (d.op.out_fp32),
    .act_i       (fp_pkg::act_mode_e'(d.op.act)),
    .slope_i     (d.slope[W-1:0]),
    .mask_en_i   (d.op.mask_en),
    .m_row_addr_i(out_m_addr),
    .m_qs_i      ($signed(d.m_qs)),
    .m_left_i    (out_m_left),
    .m_plane_bytes_i(m_plane_bytes),
    .m_p0s_i     (d.m_p0s),
    .count_i     (tile_count[out_bank]),
    .o_off_i     (tile_o_off[out_bank]),
    .contig_i    (tile_contig[out_bank]),
    .o_step_i    (o_step),
    .mg_i        (mg),
    .mg_dy_i     (mg_dy),
    .mg_keep_i   (mg_keep),
    .rd_row_o    (rd_row),
    .rd_col_o    (rd_col),
    .acc_i       (acc),
    .cmd_valid_o (wr_cmd_valid_o),
    .cmd_ready_i (wr_cmd_ready_i),
    .cmd_addr_o  (wr_cmd_addr_o),
    .cmd_len_o   (wr_cmd_len_o),
    .cmd_esize_o (wr_cmd_esize_o),
    .cmd_step_o  (wr_cmd_step_o),
    .elem_valid_o(wr_elem_valid_o),
    .elem_ready_i(wr_elem_ready_i),
    .elem_data_o (wr_elem_data_o),
    .elem_count_o(wr_elem_count_o)
  );

  // --- Job sequencing -----------------------------------------------------------------------------
  logic       err_set;
  logic [7:0] err_code_d, err_code_q;
  logic       all_stored;
  assign all_stored = exec_done && store_idle && (tiles_stored == tiles_issued);

  always_comb begin
    state_d     = state_q;
    unit_start  = 1'b0;
    abort       = 1'b0;
    err_set     = 1'b0;
    err_code_d  = err_code_q;
    done_o      = 1'b0;
    clear_err_o = 1'b0;
    unique case (state_q)
      JobIdle: begin
        if (start_i) begin
          state_d     = JobCheck;
          clear_err_o = 1'b1;
        end
      end
      JobCheck: begin
        if (d.op.format != ganpu_reg_pkg::num_format_e'(ExpW == fp_pkg::Bf16ExpW)) begin
          err_set = 1'b1;  err_code_d = ErrFormat;
        end else if (d.op.opcode != ganpu_reg_pkg::OpcodeGconv && !mg) begin
          err_set = 1'b1;  err_code_d = ErrOpcode;
        end else if (sizes_zero) begin
          err_set = 1'b1;  err_code_d = ErrSize;
        end else if (b_total > 48'(BDepth)) begin
          err_set = 1'b1;  err_code_d = ErrBTooLong;
        end else if (!d.op.a_one && a_total > 48'(ADepth)) begin
          err_set = 1'b1;  err_code_d = ErrABox;
        end else if (span_bad) begin
          err_set = 1'b1;  err_code_d = ErrSpan;
        end else if (d.op.b_stream && !mg && !b_stream_ok) begin
          err_set = 1'b1;  err_code_d = ErrChunk;
        end
        if (err_set) begin
          state_d = JobFinish;
        end else begin
          state_d    = JobRun;
          unit_start = 1'b1;
        end
      end
      JobRun: begin
        if (all_stored) state_d = JobFlush;
      end
      JobFlush: begin
        // The last write responses (and, after a bus error, the reads still in flight).
        if (!wr_busy_i && !wr_cmd_valid_o && !wr_elem_valid_o && !rd_busy_i) begin
          state_d = JobFinish;
        end
      end
      JobFinish: begin
        done_o  = 1'b1;
        abort   = 1'b1;  // every unit back to idle for the next job
        state_d = JobIdle;
      end
      default: state_d = JobIdle;
    endcase
    if ((rd_err_i || wr_err_i) && state_q != JobIdle && state_q != JobFinish &&
        err_code_q == 8'd0) begin
      // A bus error stops every unit; the job ends once the DMAs have drained.
      err_code_d = ErrBus;
      abort      = 1'b1;
      state_d    = JobFlush;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= JobIdle;
      err_code_q <= '0;
    end else begin
      state_q <= state_d;
      if (start_i && state_q == JobIdle) begin
        err_code_q <= '0;
      end else begin
        err_code_q <= err_code_d;
      end
    end
  end

  assign busy_o       = (state_q != JobIdle);
  assign rd_flush_o   = abort;
  assign error_o      = done_o && (err_code_q != 8'd0);
  assign error_code_o = err_code_q;
  logic unused;
  assign unused = ^{tile_done_bank, staging};

  // --- Performance counters (cleared at start) -----------------------------------------------
  // Stall: cycles of a running job in which the PE array issues nothing, split by what the
  // execute unit waits for.
  ganpu_core_pkg::perf_t perf_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      perf_q <= '0;
    end else if (start_i && state_q == JobIdle) begin
      perf_q <= '0;
    end else if (busy_o) begin
      perf_q.cycles   <= perf_q.cycles + 64'd1;
      perf_q.busy     <= perf_q.busy + 64'(eng_issue);
      perf_q.stall    <= perf_q.stall + 64'(!eng_issue);
      perf_q.macs     <= perf_q.macs + 64'(eng_macs);
      perf_q.a_reads    <= perf_q.a_reads + 64'(eng_a_reads);
      perf_q.b_reads    <= perf_q.b_reads + 64'(eng_b_reads);
      perf_q.nz_reads   <= perf_q.nz_reads + 64'(eng_nz_reads);
      perf_q.buf_writes <= perf_q.buf_writes + 64'(eng_buf_writes);
      perf_q.rd_bytes <= perf_q.rd_bytes + (rd_beat_i ? 64'(DataBeatBytes) : 64'd0);
      perf_q.wr_bytes <= perf_q.wr_bytes + (wr_beat_i ? 64'(DataBeatBytes) : 64'd0);
      if (!eng_issue && eng_hold) begin
        perf_q.stall_load <= perf_q.stall_load + 64'd1;  // a streamed B term not there yet
      end else if (!eng_issue) begin
        unique case (exec_stall)
          ganpu_core_pkg::StallLoad:  perf_q.stall_load  <= perf_q.stall_load + 64'd1;
          ganpu_core_pkg::StallStore: perf_q.stall_store <= perf_q.stall_store + 64'd1;
          ganpu_core_pkg::StallSetup: perf_q.stall_setup <= perf_q.stall_setup + 64'd1;
          ganpu_core_pkg::StallDrain: perf_q.stall_drain <= perf_q.stall_drain + 64'd1;
          default: ;
        endcase
      end
    end
  end
  assign perf_o = perf_q;

endmodule
