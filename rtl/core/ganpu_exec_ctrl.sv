// Execute unit: walks a job's channel blocks and position tiles and hands each tile to the
// engine: set it up in slot table t mod 2 once the store unit has written tile t - 2 from that
// bank, wait for the block's B rows, load its partial sums (PSUM_IN jobs), then issue it and
// pass its description to the store unit. Setup of tile t + 1 runs while tile t issues.
module ganpu_exec_ctrl #(
  parameter int unsigned PeRows = 4,
  localparam int unsigned RowW  = $clog2(PeRows + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  ganpu_reg_pkg::desc_t desc_i,
  input  logic                 start_i,         // pulse: a checked job starts
  input  logic                 abort_i,
  output logic                 done_o,          // level: every tile of the job has issued
  output logic [31:0]          tiles_issued_o,
  input  logic [31:0]          tiles_stored_i,
  input  logic [31:0]          blocks_loaded_i,
  input  logic                 b_stream_i,      // block blocks_loaded_i is being streamed in
  output logic [31:0]          blocks_consumed_o,
  // Engine: setup and issue.
  output logic                 setup_start_o,
  output logic                 setup_bank_o,
  output logic                 setup_clear_o,
  input  logic                 setup_done_i,
  input  logic                 p_done_i,
  output logic                 go_o,
  input  logic                 go_ready_i,
  output logic                 go_bank_o,
  output logic                 go_bbank_o,
  output logic                 go_first_o,
  output logic                 go_last_o,
  output logic [PeRows-1:0]    go_row_en_o,
  input  logic                 block_done_i,
  // Partial sums of the tile (load unit).
  output logic                 ps_req_o,
  output logic                 ps_bank_o,
  output logic [RowW-1:0]      ps_rows_o,
  output logic signed [31:0]   ps_q_off_o,
  input  logic                 ps_done_i,
  // Issued tiles, to the store unit.
  output logic                 st_valid_o,
  input  logic                 st_ready_i,
  output logic                 st_bank_o,
  output logic [RowW-1:0]      st_rows_o,
  output logic signed [31:0]   st_q_off_o,
  output logic [31:0]          st_m_q_o,
  // What the unit waits for, in a cycle the engine issues nothing (performance counters).
  output ganpu_core_pkg::stall_e stall_o
);

  typedef enum logic [2:0] {ExIdle, ExSetup, ExSetupWait, ExWaitB, ExPsum, ExGo, ExDone} ex_state_e;
  ex_state_e state_q, state_d;

  ganpu_reg_pkg::desc_t d;
  // The unit reads only its own fields of the descriptor.
  logic unused_desc;
  assign unused_desc = ^{d};
  logic                 mg;
  assign d  = desc_i;
  assign mg = (d.op.opcode == ganpu_reg_pkg::OpcodeMaskGrad);

  logic [31:0]        t_q, t_d;          // tile index in the job
  logic [31:0]        kb_q, kb_d;        // channel block
  logic [31:0]        qb_q, qb_d;        // its first channel
  logic signed [31:0] q_off_q, q_off_d;  // qb * O_QS
  logic [31:0]        m_q_q, m_q_d;      // qb * M_QS
  logic               first_q, first_d;  // the next setup is the block's first tile
  logic               last_q, last_d;    // the tile set up is the block's last
  logic [31:0]        consumed_q;
  logic [31:0]        nblocks, q_left;
  logic [RowW-1:0]    rows;

  assign nblocks = (d.q_count + PeRows - 1) / PeRows;
  assign q_left  = d.q_count - qb_q;
  assign rows    = (q_left >= PeRows) ? RowW'(PeRows) : RowW'(q_left);
  for (genvar j = 0; j < PeRows; j++) begin : g_row_en
    assign go_row_en_o[j] = (RowW'(j) < rows) && !mg;
  end

  assign setup_bank_o  = t_q[0];
  assign setup_clear_o = first_q;
  assign go_bank_o     = t_q[0];
  assign go_bbank_o    = kb_q[0];
  assign go_first_o    = !d.op.psum_in;
  assign go_last_o     = last_q;
  assign ps_bank_o     = t_q[0];
  assign ps_rows_o     = rows;
  assign ps_q_off_o    = q_off_q;
  assign st_bank_o     = t_q[0];
  assign st_rows_o     = rows;
  assign st_q_off_o    = q_off_q;
  assign st_m_q_o      = m_q_q;

  logic fire;
  assign fire = go_o && go_ready_i && st_ready_i;

  always_comb begin
    state_d       = state_q;
    t_d           = t_q;
    kb_d          = kb_q;
    qb_d          = qb_q;
    q_off_d       = q_off_q;
    m_q_d         = m_q_q;
    first_d       = first_q;
    last_d        = last_q;
    setup_start_o = 1'b0;
    go_o          = 1'b0;
    st_valid_o    = 1'b0;
    ps_req_o      = 1'b0;
    unique case (state_q)
      ExIdle: begin
        if (start_i) begin
          state_d = ExSetup;
          t_d     = '0;
          kb_d    = '0;
          qb_d    = '0;
          q_off_d = '0;
          m_q_d   = '0;
          first_d = 1'b1;
        end
      end
      ExSetup: begin
        // Table and accumulator bank t mod 2 are free once tile t - 2 is written.
        if (t_q - tiles_stored_i < 32'd2) begin
          setup_start_o = 1'b1;
          state_d       = ExSetupWait;
        end
      end
      ExSetupWait: begin
        if (setup_done_i) begin
          last_d  = p_done_i;
          first_d = 1'b0;
          state_d = ExWaitB;
        end
      end
      ExWaitB: begin
        // A streamed block (OP.B_STREAM) issues while it is staged; the engine holds each
        // term until every row has it.
        if (mg || blocks_loaded_i > kb_q || (b_stream_i && blocks_loaded_i == kb_q)) begin
          state_d = d.op.psum_in ? ExPsum : ExGo;
        end
      end
      ExPsum: begin
        ps_req_o = 1'b1;
        if (ps_done_i) state_d = ExGo;
      end
      ExGo: begin
        go_o       = go_ready_i && st_ready_i;
        st_valid_o = go_ready_i && st_ready_i;
        if (fire) begin
          t_d = t_q + 32'd1;
          if (last_q) begin
            kb_d    = kb_q + 32'd1;
            qb_d    = qb_q + PeRows;
            q_off_d = q_off_q + d.o_qs * PeRows;
            m_q_d   = m_q_q + d.m_qs * PeRows;
            first_d = 1'b1;
            state_d = (kb_q + 32'd1 < nblocks) ? ExSetup : ExDone;
          end else begin
            state_d = ExSetup;
          end
        end
      end
      ExDone: ;
      default: state_d = ExIdle;
    endcase
    if (abort_i) state_d = ExIdle;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= ExIdle;
      t_q        <= '0;
      kb_q       <= '0;
      qb_q       <= '0;
      q_off_q    <= '0;
      m_q_q      <= '0;
      first_q    <= 1'b0;
      last_q     <= 1'b0;
      consumed_q <= '0;
    end else begin
      state_q <= state_d;
      t_q     <= t_d;
      kb_q    <= kb_d;
      qb_q    <= qb_d;
      q_off_q <= q_off_d;
      m_q_q   <= m_q_d;
      first_q <= first_d;
      last_q  <= last_d;
      if (start_i && state_q == ExIdle) begin
        consumed_q <= '0;
      end else if (block_done_i) begin
        consumed_q <= consumed_q + 32'd1;
      end
    end
  end

  // A tile that cannot be set up waits for its bank (store); one set up but not issued waits
  // for its B block or partial sums (load), or for the store queue; the go cycle itself and
  // the setup walk are setup; before the first setup and after the last issue, the job
  // starts (load) or drains.
  always_comb begin
    unique case (state_q)
      ExSetup:     stall_o = ganpu_core_pkg::StallStore;
      ExSetupWait: stall_o = ganpu_core_pkg::StallSetup;
      ExWaitB,
      ExPsum:      stall_o = ganpu_core_pkg::StallLoad;
      ExGo:        stall_o = st_ready_i ? ganpu_core_pkg::StallSetup : ganpu_core_pkg::StallStore;
      ExIdle:      stall_o = ganpu_core_pkg::StallLoad;
      ExDone:      stall_o = ganpu_core_pkg::StallDrain;
      default:     stall_o = ganpu_core_pkg::StallDrain;
    endcase
  end

  assign done_o            = (state_q == ExDone);
  assign tiles_issued_o    = t_q;
  assign blocks_consumed_o = consumed_q;

endmodule
