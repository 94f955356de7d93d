// Load unit: everything the core reads from memory, through the read DMA.
//   - Staging, driven by the job: the A box once, then for each block of PeRows output
//     channels its B rows (and bias) into B bank k mod 2, as soon as that bank is free
//     (block k - 2 has finished issuing; k - 1 when prefetch_i is low). blocks_loaded_o counts
//     the blocks staged.
//     With OP.GATE the gated operand (dz = dy gated by the forward ReLU mask, for EP and WG)
//     is made as it streams in: its box's mask bytes are read first into a small buffer, then
//     every element of the box is gated by its bit (ganpu_mask_walker) on its way to A or B.
//   - Tile reads, on request while no staging step runs: the FP32 partial sums of a set-up
//     tile (PSUM_IN jobs) into its accumulator bank, and for MASK_GRAD jobs the mask bytes and
//     dy values of one row of a tile.
// Data returns in command order, so each step waits for its last element before the next.
module ganpu_load_ctrl #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  parameter int unsigned ADepth = 8192,
  parameter int unsigned BDepth = 2048,
  parameter int unsigned GmDepth = 2048,  // bytes of the gating-mask buffer
  localparam int unsigned W      = ExpW + ManW + 1,
  localparam int unsigned T      = PeCols * ganpu_core_pkg::Slots,
  localparam int unsigned KW     = $clog2(T),
  localparam int unsigned RowW   = $clog2(PeRows + 1),
  localparam int unsigned AAddrW = $clog2(ADepth),
  localparam int unsigned BAddrW = $clog2(BDepth),
  localparam int unsigned L      = ganpu_core_pkg::StageLanes,
  localparam int unsigned CntW   = $clog2(ganpu_core_pkg::BusBytes + 1)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  ganpu_reg_pkg::desc_t  desc_i,
  input  logic                  start_i,        // pulse: a checked job starts
  input  logic                  abort_i,        // back to idle (bus error, job end)
  input  logic                  forget_i,       // memory may have changed: keep no buffer
  input  logic                  prefetch_i,     // stage block k + 1 while block k issues
  input  logic [31:0]           blocks_consumed_i,
  output logic [31:0]           blocks_loaded_o,
  // OP.B_STREAM: block blocks_loaded_o is being staged into B bank b_stream_bank_o, and every
  // row holds its terms below b_stream_terms_o.
  output logic                  b_stream_o,
  output logic                  b_stream_bank_o,
  output logic [BAddrW:0]        b_stream_terms_o,
  output logic                  staging_o,      // a staging step is running
  // Tile reads.
  input  logic                  ps_req_i,       // level until ps_done_o
  input  logic                  ps_bank_i,
  input  logic [RowW-1:0]       ps_rows_i,
  input  logic signed [31:0]    ps_q_off_i,
  output logic                  ps_done_o,      // pulse
  input  logic                  mg_req_i,       // level until mg_done_o
  input  logic                  mg_bank_i,
  input  logic signed [31:0]    mg_q_off_i,     // dy offset of the row's channel
  input  logic [31:0]           mg_m_addr_i,    // byte address of the row's mask bytes
  output logic                  mg_done_o,      // pulse
  output logic [W-1:0]          mg_dy_o [T],
  output logic [T-1:0]          mg_keep_o,
  // The tiles of the engine's slot tables.
  input  logic [KW:0]           tile_count_i [2],
  input  logic signed [31:0]    tile_o_off_i [2][T],
  // Buffer writes, up to L elements per cycle (lane k: the k-th element of a delivery).
  output logic [L-1:0]          a_we_o,
  output logic [AAddrW-1:0]     a_waddr_o [L],
  output logic [L-1:0]          b_we_o,
  output logic                  b_bank_o,
  output logic [RowW-1:0]       b_row_o [L],
  output logic [BAddrW-1:0]     b_waddr_o [L],
  output logic [W-1:0]          wdata_o [L],
  output logic [PeRows*32-1:0]  bias_o [2],     // FP32 bias per bank and row
  output logic                  ld_o,           // partial sum into the accumulators
  output logic                  ld_bank_o,
  output logic [$clog2(PeRows)-1:0] ld_row_o,
  output logic [KW-1:0]         ld_k_o,
  output logic [31:0]           ld_data_o,
  // Read DMA.
  output logic                  rd_cmd_valid_o,
  input  logic                  rd_cmd_ready_i,
  output logic [31:0]           rd_cmd_addr_o,
  output logic [23:0]           rd_cmd_len_o,
  output logic [1:0]            rd_cmd_esize_o,
  output logic                  rd_cmd_wide_o,
  input  logic                  rd_elem_valid_i,
  input  logic [31:0]           rd_elem_data_i,
  input  logic [8*ganpu_core_pkg::BusBytes-1:0] rd_elem_vec_i,
  input  logic [CntW-1:0]       rd_elem_count_i
);

  typedef enum logic [3:0] {
    LdIdle, LdMaskA, LdStageA, LdMaskB, LdStageB, LdStageBias, LdWait, LdPsRead, LdMgMask, LdMgDy
  } ld_state_e;
  ld_state_e state_q, state_d;

  ganpu_reg_pkg::desc_t d;
  assign d = desc_i;

  localparam int unsigned GmAddrW = $clog2(GmDepth);

  logic gate_a, gate_b;  // the A box / the B rows are gated by the mask
  logic gate_wide;       // a beat's gated elements take their bits in one delivery:
  logic gate_pairs;      // consecutive along dim 3, or in two such runs (period 2)
  assign gate_a    = (d.op.gate != ganpu_reg_pkg::ActNone) && !d.op.gate_b;
  assign gate_b    = (d.op.gate != ganpu_reg_pkg::ActNone) && d.op.gate_b;
  assign gate_pairs = (d.gm_p3 == 32'd2);
  assign gate_wide  = (d.gm_p3 == 32'd1 || gate_pairs) && (d.gm_q3 == 32'd1);

  // --- The A box in the buffer (OP.A_KEEP) ------------------------------------------------------
  localparam int unsigned AKeyW = 10 * 32 + 3;
  logic [AKeyW-1:0] a_key, a_key_q;
  logic             a_held_q, a_reuse;
  assign a_key   = {d.a_src, d.a_d0, d.a_d1, d.a_d2, d.a_d3, d.a_s0, d.a_s1, d.a_s2, d.gm_src,
                    d.gm_pb, d.op.gate, gate_a};
  assign a_reuse = d.op.a_keep && a_held_q && (a_key_q == a_key);

  // --- Block being staged -------------------------------------------------------------------
  logic [31:0]     kb_q, kb_d;        // block index
  logic [31:0]     qb_q, qb_d;        // its first output channel
  logic [31:0]     nblocks;
  logic [RowW-1:0] rows;
  logic [31:0]     q_left;
  logic [47:0]     r_total, a_total;
  ganpu_core_pkg::loops_t bl;        // B's staging loops (OP.B_MAP: B_L*, else R_*)
  assign q_left  = d.q_count - qb_q;
  assign rows    = (q_left >= PeRows) ? RowW'(PeRows) : RowW'(q_left);
  assign nblocks = (d.q_count + PeRows - 1) / PeRows;
  assign bl      = ganpu_core_pkg::b_loops(d.op.b_map, {d.r_2, d.r_1, d.r_0},
                                           {d.b_l2, d.b_l1, d.b_l0});
  assign r_total = ganpu_core_pkg::b_terms(bl);
  assign a_total = 48'(d.a_d0) * 48'(d.a_d1) * 48'(d.a_d2) * 48'(d.a_d3);

  // --- The B rows in the buffer (OP.B_KEEP) ----------------------------------------------------
  // Held after a one-block job staged its rows (and bias) into bank 0; any B staging ends it.
  localparam int unsigned BKeyW = 10 * 32 + 1;
  logic [BKeyW-1:0] b_key, b_key_q;
  logic             b_held_q, b_reuse, b_one_block;
  assign b_key       = {d.b_src, d.b_qs, d.b_r0s, d.b_r1s, d.b_r2s, bl[0], bl[1], bl[2],
                        d.bias_src, d.q_count, d.op.bias_en};
  assign b_one_block = (d.q_count <= PeRows) && !gate_b;
  assign b_reuse     = d.op.b_keep && b_held_q && b_one_block && (b_key_q == b_key);

  // B rows staged across their channels (ganpu_core_pkg::b_across), or, streamed
  // (OP.B_STREAM) with rows that are runs, a chunk of every row at a time.
  logic b_across, b_chunked, b_runs;
  assign b_across  = ganpu_core_pkg::b_across(gate_b, d.b_qs, d.b_r2s);
  assign b_chunked = d.op.b_stream && !b_across;
  assign b_runs    = ganpu_core_pkg::b_rows_are_runs(d.b_r0s, d.b_r1s, d.b_r2s, bl[1], bl[2]);

  logic bank_free;
  assign bank_free = (kb_q - blocks_consumed_i) < (prefetch_i ? 32'd2 : 32'd1);

  // --- Box reader: A box, B rows, bias, mask bytes --------------------------------------------
  logic               br_start, br_done;
  logic [31:0]        br_base;
  logic [15:0]        br_n [3];
  logic [23:0]        br_n3;
  logic signed [31:0] br_s [3];
  logic signed [31:0] br_s3;
  logic [1:0]         br_esize;
  logic [31:0]        sink_cnt_q;   // elements received in this step
  logic [31:0]        sink_total;
  logic [KW:0]        mg_count;

  assign mg_count = tile_count_i[mg_bank_i];

  always_comb begin
    br_base    = d.a_src;
    br_n       = '{16'(d.a_d0), 16'(d.a_d1), 16'(d.a_d2)};
    br_n3      = 24'(d.a_d3);
    br_s       = '{$signed(d.a_s0), $signed(d.a_s1), $signed(d.a_s2)};
    br_s3      = 32'sd1;
    br_esize   = ganpu_core_pkg::Esize16;
    sink_total = 32'(a_total);
    unique case (state_q)
      LdStageB: begin
        br_base    = d.b_src + 32'(unsigned'($signed(qb_q) * d.b_qs) << 1);
        br_n       = '{16'(rows), 16'(bl[0]), 16'(bl[1])};
        br_n3      = 24'(bl[2]);
        br_s       = '{d.b_qs, d.b_r0s, d.b_r1s};
        br_s3      = d.b_r2s;
        if (b_across) begin
          // The block's channels lie side by side: read across them, one run per r.
          br_n  = '{16'(bl[0]), 16'(bl[1]), 16'(bl[2])};
          br_n3 = 24'(rows);
          br_s  = '{d.b_r0s, d.b_r1s, d.b_r2s};
          br_s3 = d.b_qs;
        end else if (b_chunked && b_runs) begin
          // Each row is one run: a chunk of it from every row, then the next chunk.
          br_n  = '{16'(r_total >> d.op.b_chunk_log2), 16'(rows), 16'd1};
          br_n3 = 24'd1 << d.op.b_chunk_log2;
          br_s  = '{32'sd1 <<< d.op.b_chunk_log2, d.b_qs, 32'sd0};
          br_s3 = 32'sd1;
        end else if (b_chunked) begin
          // One pass of the innermost loop from every row, then the next pass.
          br_n  = '{16'(bl[0]), 16'(bl[1]), 16'(rows)};
          br_n3 = 24'(bl[2]);
          br_s  = '{d.b_r0s, d.b_r1s, d.b_qs};
          br_s3 = 32'sd1;
        end
        sink_total = 32'(rows) * 32'(r_total);
      end
      LdStageBias: begin
        br_base    = d.bias_src + (qb_q << 1);
        br_n       = '{16'd1, 16'd1, 16'd1};
        br_n3      = 24'(rows);
        br_s       = '{32'sd0, 32'sd0, 32'sd0};
        sink_total = 32'(rows);
      end
      LdMaskA: begin
        br_base    = d.gm_src;
        br_n       = '{16'(d.a_d0), 16'(d.a_d1), 16'd1};
        br_n3      = 24'(d.gm_pb);
        br_s       = '{$signed(d.gm_s0), $signed(d.gm_s1), 32'sd0};
        br_esize   = ganpu_core_pkg::Esize8;
        sink_total = d.a_d0 * d.a_d1 * d.gm_pb;
      end
      LdMaskB: begin
        br_base    = d.gm_src + qb_q * d.gm_s0;
        br_n       = '{16'(rows), 16'(bl[0]), 16'd1};
        br_n3      = 24'(d.gm_pb);
        br_s       = '{$signed(d.gm_s0), $signed(d.gm_s1), 32'sd0};
        br_esize   = ganpu_core_pkg::Esize8;
        sink_total = 32'(rows) * bl[0] * d.gm_pb;
      end
      LdMgMask: begin
        br_base    = mg_m_addr_i;
        br_n       = '{16'd1, 16'd1, 16'd1};
        br_n3      = 24'((32'(mg_count) + 32'd7) >> 3);
        br_s       = '{32'sd0, 32'sd0, 32'sd0};
        br_esize   = ganpu_core_pkg::Esize8;
        sink_total = (32'(mg_count) + 32'd7) >> 3;
      end
      default: ;
    endcase
  end

  logic        br_valid;
  logic [31:0] br_addr;
  logic [23:0] br_len;

  ganpu_box_reader u_box (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .start_i    (br_start),
    .abort_i    (abort_i),
    // Gated elements take their mask bits per run of the box (ganpu_mask_walker).
    .merge_i    (!((state_q == LdStageA && gate_a) || (state_q == LdStageB && gate_b))),
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

  // --- Element reads at a tile's output offsets (partial sums, dy) --------------------------
  logic               ps_read, mg_dy;
  logic [RowW-1:0]    row_q, row_d;
  logic [KW:0]        k_q, k_d;
  logic signed [31:0] row_off, tbl_off;
  logic               el_bank;
  logic [KW:0]        el_count;
  logic               el_cmd_valid;
  assign ps_read      = (state_q == LdPsRead);
  assign mg_dy        = (state_q == LdMgDy);
  assign el_bank      = ps_read ? ps_bank_i : mg_bank_i;
  assign el_count     = tile_count_i[el_bank];
  assign row_off      = ps_read ? ps_q_off_i + $signed({1'b0, row_q}) * d.o_qs : mg_q_off_i;
  assign tbl_off      = row_off + tile_o_off_i[el_bank][k_q[KW-1:0]];
  assign el_cmd_valid = (ps_read || mg_dy) && (k_q < el_count);

  assign rd_cmd_valid_o = br_valid | el_cmd_valid;
  assign rd_cmd_addr_o  = !el_cmd_valid ? br_addr :
                          ps_read ? d.ps_src + 32'(unsigned'(tbl_off) << 2) :
                                    d.g_src + 32'(unsigned'(tbl_off) << 1);
  assign rd_cmd_len_o   = el_cmd_valid ? 24'd1 : br_len;
  // Plain A and B data arrive a beat at a time, and so do gated data whose consecutive
  // elements have consecutive mask bits (period 1, bit stride 1 along dim 3: a conv2d's or a
  // linear layer's dy rows) or alternate between two such runs (period 2: a transposed map's
  // dy rows at stride 2, phase-blocked); other gated data, masks, bias and tile reads one
  // element a cycle.
  assign rd_cmd_wide_o  = !el_cmd_valid && ((state_q == LdStageA && (!gate_a || gate_wide)) ||
                                            (state_q == LdStageB && (!gate_b || gate_wide)));
  assign rd_cmd_esize_o = !el_cmd_valid ? br_esize : ps_read ? ganpu_core_pkg::Esize32 : ganpu_core_pkg::Esize16;

  // --- Sink: elements into the buffers, registers and accumulators -------------------------
  logic         sink;
  logic [W-1:0] sink_data;
  logic         sink_clear;
  assign sink      = rd_elem_valid_i;
  assign sink_data = rd_elem_data_i[W-1:0];

  // Elements of this delivery (1 unless the command is wide) and where each lane's element
  // goes: A at sink_cnt + k; B row by row, R elements each.
  logic [31:0]       n_sink;
  logic [RowW-1:0]   b_row_q, lane_row [L], b_row_next;
  logic [BAddrW-1:0] b_addr_q, lane_addr [L], b_addr_next;
  logic [BAddrW-1:0] b_in_q, b_in_next;  // chunked: the element's term within its chunk
  logic [BAddrW-1:0] chunk_last;         // streamed: terms per chunk - 1
  assign chunk_last = (b_chunked && !b_runs) ? BAddrW'(bl[2] - 32'd1) :
                                               BAddrW'((32'd1 << d.op.b_chunk_log2) - 32'd1);
  logic [L-1:0]      lane_on;
  assign n_sink = 32'(rd_elem_count_i);
  always_comb begin
    logic [RowW-1:0]   row;
    logic [BAddrW-1:0] addr;
    logic [BAddrW-1:0] in_chunk;
    row      = b_row_q;
    addr     = b_addr_q;
    in_chunk = b_in_q;
    for (int unsigned k = 0; k < L; k++) begin
      lane_on[k]   = sink && (32'(k) < n_sink);
      lane_row[k]  = row;
      lane_addr[k] = addr;
      if (32'(k) < n_sink) begin
        if (b_across) begin
          // Channel (row) fastest, then the reduction.
          if (row == rows - RowW'(1)) begin
            row  = '0;
            addr = addr + BAddrW'(1);
          end else begin
            row = row + RowW'(1);
          end
        end else if (b_chunked) begin
          // A chunk of each row in turn, then the next chunk of the first row.
          if (in_chunk == chunk_last) begin
            in_chunk = '0;
            if (row == rows - RowW'(1)) begin
              row  = '0;
              addr = addr + BAddrW'(1);
            end else begin
              row  = row + RowW'(1);
              addr = addr - chunk_last;
            end
          end else begin
            in_chunk = in_chunk + BAddrW'(1);
            addr     = addr + BAddrW'(1);
          end
        end else if (48'(addr) == r_total - 48'd1) begin
          addr = '0;
          row  = row + RowW'(1);
        end else begin
          addr = addr + BAddrW'(1);
        end
      end
    end
    b_row_next  = row;
    b_addr_next = addr;
    b_in_next   = in_chunk;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sink_cnt_q <= '0;
      b_row_q    <= '0;
      b_addr_q   <= '0;
      b_in_q     <= '0;
    end else if (br_start || sink_clear || abort_i) begin
      sink_cnt_q <= '0;
      b_row_q    <= '0;
      b_addr_q   <= '0;
      b_in_q     <= '0;
    end else if (sink) begin
      sink_cnt_q <= sink_cnt_q + n_sink;
      if (state_q == LdStageB) begin
        b_row_q  <= b_row_next;
        b_addr_q <= b_addr_next;
        b_in_q   <= b_in_next;
      end
    end
  end

  // --- Gating mask: the box's mask bytes, then one bit per element ---------------------------
  logic               gating;     // a gated A or B step is running
  logic [31:0]        gm_bit, gm_bit1;  // mask bits of the delivery's first two elements
  logic               gm_we;
  assign gating = (state_q == LdStageA && gate_a) || (state_q == LdStageB && gate_b);
  assign gm_we  = sink && (state_q == LdMaskA || state_q == LdMaskB);

  ganpu_mask_walker u_walker (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .n2_i        (state_q == LdStageB ? bl[1] : d.a_d2),
    .n3_i        (state_q == LdStageB ? bl[2] : d.a_d3),
    .plane_bits_i(d.gm_pb << 3),
    .off_i       (d.gm_off),
    .q2_i        (d.gm_q2),
    .r2_i        (d.gm_r2),
    .p2_i        (d.gm_p2),
    .q3_i        (d.gm_q3),
    .r3_i        (d.gm_r3),
    .p3_i        (d.gm_p3),
    .clear_i     (br_start),
    .step_i      (sink && gating),
    .count_i     (3'(rd_elem_count_i)),
    .bit_o       (gm_bit),
    .bit1_o      (gm_bit1)
  );

  // The mask buffer, twice: a delivery's elements take their bits from one run of
  // consecutive bits (period 1: bits b .. b + L - 1), or, with period 2 (a transposed map's
  // x phases), from two: even lanes from element 0's run, odd lanes from element 1's.
  logic [7:0]   gm_run [2];
  logic [L-1:0] gm_keep;
  for (genvar c = 0; c < 2; c++) begin : g_gm_copy
    ganpu_mask_window #(
      .Depth(GmDepth)
    ) u_window (
      .clk_i      (clk_i),
      .we_i       (gm_we),
      .waddr_i    (sink_cnt_q[GmAddrW-1:0]),
      .wdata_i    (rd_elem_data_i[7:0]),
      .raddr_bit_i(c == 0 ? gm_bit[GmAddrW+2:0] : gm_bit1[GmAddrW+2:0]),
      .bits_o     (gm_run[c])
    );
  end
  always_comb begin
    for (int unsigned k = 0; k < L; k++) begin
      gm_keep[k] = gate_pairs ? gm_run[k % 2][k / 2] : gm_run[0][k];
    end
  end

  // Elements reach the buffers one cycle after they arrive, when their mask bit has been read.
  logic               s1_valid_q, s1_a_q, s1_b_q, s1_gate_q, s1_bank_q;
  logic [L-1:0]       s1_on_q;
  logic [W-1:0]       s1_data_q [L];
  logic [AAddrW-1:0]  s1_a_addr_q [L];
  logic [RowW-1:0]    s1_b_row_q [L];
  logic [BAddrW-1:0]  s1_b_addr_q [L];
  logic [W-1:0]       gated [L];
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_valid_q <= 1'b0;
    end else begin
      s1_valid_q <= sink && (state_q == LdStageA || state_q == LdStageB) && !abort_i;
    end
  end
  always_ff @(posedge clk_i) begin
    s1_a_q    <= (state_q == LdStageA);
    s1_b_q    <= (state_q == LdStageB);
    s1_gate_q <= gating;
    s1_bank_q <= kb_q[0];
    s1_on_q   <= lane_on;
    for (int unsigned k = 0; k < L; k++) begin
      s1_data_q[k]   <= rd_elem_vec_i[16*k +: W];
      s1_a_addr_q[k] <= sink_cnt_q[AAddrW-1:0] + AAddrW'(k);
      s1_b_row_q[k]  <= lane_row[k];
      s1_b_addr_q[k] <= lane_addr[k];
    end
  end

  for (genvar k = 0; k < L; k++) begin : g_lane
    fp_masked_grad #(
      .ExpW(ExpW),
      .ManW(ManW)
    ) u_gate (
      .mode_i (fp_pkg::act_mode_e'(d.op.gate)),
      .keep_i (gm_keep[k]),
      .dy_i   (s1_data_q[k]),
      .slope_i(d.slope[W-1:0]),
      .dz_o   (gated[k])
    );
    assign a_we_o[k]    = s1_valid_q && s1_a_q && s1_on_q[k];
    assign a_waddr_o[k] = s1_a_addr_q[k];
    assign b_we_o[k]    = s1_valid_q && s1_b_q && s1_on_q[k];
    assign b_row_o[k]   = s1_b_row_q[k];
    assign b_waddr_o[k] = s1_b_addr_q[k];
    assign wdata_o[k]   = s1_gate_q ? gated[k] : s1_data_q[k];
  end
  assign b_bank_o = s1_bank_q;

  // OP.B_STREAM: the terms that every row of the block being staged holds, counted from the
  // buffer writes (a whole chunk of every row at a time; across the channels a chunk is
  // 2^B_CHUNK_LOG2 terms of all rows). The engine issues the block's terms below it.
  logic [31:0]     chunk_elems, wm_cnt_q, wm_cnt_add;
  logic [BAddrW:0] wm_q;
  logic [$clog2(L+1)-1:0] b_written;
  always_comb begin
    b_written = '0;
    for (int unsigned k = 0; k < L; k++) b_written += ($clog2(L+1))'(b_we_o[k]);
  end
  assign chunk_elems = 32'(rows) * (32'(chunk_last) + 32'd1);
  assign wm_cnt_add  = wm_cnt_q + 32'(b_written);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wm_cnt_q <= '0;
      wm_q     <= '0;
    end else if (br_start || abort_i) begin
      wm_cnt_q <= '0;
      wm_q     <= '0;
    end else if (wm_cnt_add >= chunk_elems) begin
      // At most one chunk a cycle: a chunk is at least a beat (the compiler's choice).
      wm_cnt_q <= wm_cnt_add - chunk_elems;
      wm_q     <= wm_q + (BAddrW+1)'(chunk_last) + (BAddrW+1)'(1);
    end else begin
      wm_cnt_q <= wm_cnt_add;
    end
  end
  assign b_stream_o       = d.op.b_stream && (state_q == LdStageB);
  assign b_stream_bank_o  = kb_q[0];
  assign b_stream_terms_o = wm_q;

  assign ld_o      = sink && ps_read;
  assign ld_bank_o = ps_bank_i;
  assign ld_row_o  = row_q[$clog2(PeRows)-1:0];
  assign ld_k_o    = sink_cnt_q[KW-1:0];
  assign ld_data_o = rd_elem_data_i;

  // MASK_GRAD: mask bytes, then dy values, land in the row's registers.
  always_ff @(posedge clk_i) begin
    if (sink && state_q == LdMgMask) begin
      for (int unsigned b = 0; b < 8; b++) begin
        if (sink_cnt_q * 8 + b < T) mg_keep_o[sink_cnt_q * 8 + b] <= rd_elem_data_i[b];
      end
    end
    if (sink && mg_dy) mg_dy_o[sink_cnt_q[KW-1:0]] <= sink_data;
  end

  // Bias: widened to FP32 (exact) on the way into the registers of its bank.
  logic [31:0]     bias_q [2][PeRows];
  logic [31:0]     bias_wide;
  logic            bias_wide_valid;
  logic [RowW-1:0] bias_row_q;
  logic            bias_done;
  fp_convert #(
    .InExpW (ExpW),
    .InManW (ManW),
    .OutExpW(fp_pkg::Fp32ExpW),
    .OutManW(fp_pkg::Fp32ManW)
  ) u_bias_widen (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(sink && state_q == LdStageBias),
    .x_i    (sink_data),
    .valid_o(bias_wide_valid),
    .x_o    (bias_wide)
  );
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bias_row_q <= '0;
    end else if (br_start || abort_i) begin
      bias_row_q <= '0;
    end else if (bias_wide_valid) begin
      bias_row_q <= bias_row_q + RowW'(1);
    end
  end
  always_ff @(posedge clk_i) begin
    if (bias_wide_valid) bias_q[kb_q[0]][bias_row_q[$clog2(PeRows)-1:0]] <= bias_wide;
  end
  assign bias_done = (bias_row_q == rows);
  for (genvar b = 0; b < 2; b++) begin : g_bias
    for (genvar j = 0; j < PeRows; j++) begin : g_row
      assign bias_o[b][j*32 +: 32] = d.op.bias_en ? bias_q[b][j] : 32'd0;
    end
  end

  // --- Sequencing ---------------------------------------------------------------------------------
  logic step_done;
  assign step_done = br_done && (sink_cnt_q == sink_total) && !s1_valid_q;

  // A block's staging: its bias first (a streamed block's first tile needs it at its first
  // issue), then its mask bytes if B is gated, then its rows.
  ld_state_e b_first;
  assign b_first = d.op.bias_en ? LdStageBias : gate_b ? LdMaskB : LdStageB;

  always_comb begin
    state_d    = state_q;
    kb_d       = kb_q;
    qb_d       = qb_q;
    row_d      = row_q;
    k_d        = k_q;
    br_start   = 1'b0;
    sink_clear = 1'b0;
    ps_done_o  = 1'b0;
    mg_done_o  = 1'b0;
    unique case (state_q)
      LdIdle: begin
        if (start_i) begin
          kb_d = '0;
          qb_d = '0;
          if (d.op.opcode == ganpu_reg_pkg::OpcodeMaskGrad) begin
            state_d = LdWait;
          end else if ((d.op.a_one || a_reuse) && b_reuse) begin
            state_d = LdWait;
            kb_d    = 32'd1;
            qb_d    = PeRows;
          end else if (d.op.a_one || a_reuse) begin
            state_d  = b_first;
            br_start = 1'b1;
          end else begin
            state_d  = gate_a ? LdMaskA : LdStageA;
            br_start = 1'b1;
          end
        end
      end
      LdMaskA: begin
        if (step_done) begin
          state_d  = LdStageA;
          br_start = 1'b1;
        end
      end
      LdStageA: begin
        if (step_done && b_reuse) begin
          state_d = LdWait;
          kb_d    = 32'd1;
          qb_d    = PeRows;
        end else if (step_done) begin
          state_d  = b_first;
          br_start = 1'b1;
        end
      end
      LdMaskB: begin
        if (step_done) begin
          state_d  = LdStageB;
          br_start = 1'b1;
        end
      end
      LdStageBias: begin
        if (br_done && bias_done) begin
          state_d  = gate_b ? LdMaskB : LdStageB;
          br_start = 1'b1;
        end
      end
      LdStageB: begin
        if (step_done) begin
          state_d = LdWait;
          kb_d    = kb_q + 32'd1;
          qb_d    = qb_q + PeRows;
        end
      end
      LdWait: begin
        // Tile reads first: they hold up a tile that is ready to issue.
        if (ps_req_i) begin
          state_d    = LdPsRead;
          row_d      = '0;
          k_d        = '0;
          sink_clear = 1'b1;
        end else if (mg_req_i) begin
          state_d  = LdMgMask;
          br_start = 1'b1;
        end else if (d.op.opcode != ganpu_reg_pkg::OpcodeMaskGrad && kb_q < nblocks &&
                     bank_free) begin
          state_d  = b_first;
          br_start = 1'b1;
        end
      end
      LdPsRead: begin
        // Row by row, the tile's partial sums go into the accumulators.
        if (el_cmd_valid && rd_cmd_ready_i) k_d = k_q + (KW+1)'(1);
        if (k_q == el_count && sink_cnt_q == 32'(el_count)) begin
          k_d        = '0;
          sink_clear = 1'b1;
          if (row_q + RowW'(1) < ps_rows_i) begin
            row_d = row_q + RowW'(1);
          end else begin
            state_d   = LdWait;
            ps_done_o = 1'b1;
          end
        end
      end
      LdMgMask: begin
        if (step_done) begin
          state_d    = LdMgDy;
          k_d        = '0;
          sink_clear = 1'b1;
        end
      end
      LdMgDy: begin
        if (el_cmd_valid && rd_cmd_ready_i) k_d = k_q + (KW+1)'(1);
        if (k_q == el_count && sink_cnt_q == 32'(el_count)) begin
          state_d   = LdWait;
          mg_done_o = 1'b1;
        end
      end
      default: state_d = LdIdle;
    endcase
    if (abort_i) state_d = LdIdle;
  end

  // The A buffer holds a box from the end of its staging step until the next one starts.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_held_q <= 1'b0;
    end else if (state_q == LdStageA && step_done) begin
      a_held_q <= 1'b1;
    end else if (forget_i || (br_start && (state_d == LdStageA || state_d == LdMaskA))) begin
      a_held_q <= 1'b0;
    end
  end
  always_ff @(posedge clk_i) begin
    if (br_start && (state_d == LdStageA || state_d == LdMaskA)) a_key_q <= a_key;
  end

  // The B buffer holds a one-block job's rows and bias from the end of their staging (the
  // rows are staged last) until any B staging starts again.
  logic b_staged;
  assign b_staged = (state_q == LdStageB && step_done);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      b_held_q <= 1'b0;
    end else if (forget_i || (br_start && (state_d == LdStageB || state_d == LdMaskB ||
                                           state_d == LdStageBias))) begin
      // (Not at abort: the core aborts every unit at each job's end. A staging cut short by
      // a bus error cleared this flag when it started.)
      b_held_q <= 1'b0;
    end else if (b_staged) begin
      b_held_q <= b_one_block;
    end
  end
  always_ff @(posedge clk_i) begin
    if (br_start && (state_d == LdStageB || state_d == LdMaskB || state_d == LdStageBias)) begin
      b_key_q <= b_key;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= LdIdle;
      kb_q    <= '0;
      qb_q    <= '0;
      row_q   <= '0;
      k_q     <= '0;
    end else begin
      state_q <= state_d;
      kb_q    <= kb_d;
      qb_q    <= qb_d;
      row_q   <= row_d;
      k_q     <= k_d;
    end
  end

  assign blocks_loaded_o = kb_q;
  assign staging_o = (state_q == LdMaskA) || (state_q == LdStageA) || (state_q == LdMaskB) ||
                     (state_q == LdStageB) || (state_q == LdStageBias);

  // The unit reads only its own fields of the descriptor.
  logic unused_desc;
  assign unused_desc = ^{d, a_total[47:32]};
  logic unused;
  assign unused = ^{rd_elem_data_i[31:W], mg_m_addr_i[0], gm_bit[31:GmAddrW+3], rd_elem_vec_i,
                   gm_bit1[31:GmAddrW+3], gm_run[1][7:L/2], gm_run[0][7:L]};

`ifndef SYNTHESIS
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(br_valid && el_cmd_valid))
        else $error("ganpu_load_ctrl: box and element commands at once");
      assert (!(ps_req_i && mg_req_i))
        else $error("ganpu_load_ctrl: partial-sum and MASK_GRAD reads requested together");
    end
  end
`endif

endmodule
