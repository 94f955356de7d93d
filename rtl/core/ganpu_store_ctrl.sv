// Store unit: takes the issued tiles in order from the execute unit and, once the engine
// reports a tile's accumulators written, has the output path write it (values and ReLU mask)
// from its accumulator bank and slot table, while the next tile computes in the other bank.
// MASK_GRAD tiles are written row by row, each after the load unit has read the row's mask
// bytes and dy values.
module ganpu_store_ctrl #(
  parameter int unsigned PeRows = 4,
  localparam int unsigned RowW  = $clog2(PeRows + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  ganpu_reg_pkg::desc_t desc_i,
  input  logic                 start_i,
  input  logic                 abort_i,
  output logic [31:0]          tiles_stored_o,
  output logic                 idle_o,          // no tile being written
  // Issued tiles.
  input  logic                 st_valid_i,
  output logic                 st_ready_o,
  input  logic                 st_bank_i,
  input  logic [RowW-1:0]      st_rows_i,
  input  logic signed [31:0]   st_q_off_i,
  input  logic [31:0]          st_m_q_i,
  input  logic                 tile_done_i,     // engine: a tile's accumulators are written
  // Where the tiles of the slot tables sit (mask addresses).
  input  logic [15:0]          tile_pn_i [2],
  input  logic [31:0]          tile_pos_i [2],
  input  logic [31:0]          m_plane_bytes_i, // mask bytes per plane of the p loops
  // Output path.
  output logic                 out_start_o,
  input  logic                 out_done_i,
  output logic                 out_bank_o,
  output logic [RowW-1:0]      out_rows_o,
  output logic signed [31:0]   out_q_off_o,
  output logic [31:0]          out_m_addr_o,    // mask byte address of the first row
  output logic [31:0]          out_m_left_o,    // its mask bytes to the end of the first plane
  // MASK_GRAD rows (load unit).
  output logic                 mg_req_o,
  input  logic                 mg_done_i
);

  localparam int unsigned QDepth = ganpu_core_pkg::NumBanks;
  localparam int unsigned QW     = 1 + RowW + 32 + 32;

  typedef enum logic [1:0] {StIdle, StOut, StMgRead, StMgOut} st_state_e;
  st_state_e state_q, state_d;

  ganpu_reg_pkg::desc_t d;
  // The unit reads only its own fields of the descriptor.
  logic unused_desc;
  assign unused_desc = ^{d};
  logic                 mg;
  assign d  = desc_i;
  assign mg = (d.op.opcode == ganpu_reg_pkg::OpcodeMaskGrad);

  // Issued tiles wait here until they are drained and written (at most one per bank).
  logic               q_valid, q_ready, q_bank;
  logic [RowW-1:0]    q_rows;
  logic signed [31:0] q_q_off;
  logic [31:0]        q_m_q;
  ganpu_fifo #(
    .Width(QW),
    .Depth(QDepth)
  ) u_queue (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (abort_i),
    .in_valid_i (st_valid_i),
    .in_ready_o (st_ready_o),
    .in_data_i  ({st_bank_i, st_rows_i, st_q_off_i, st_m_q_i}),
    .out_valid_o(q_valid),
    .out_ready_i(q_ready),
    .out_data_o ({q_bank, q_rows, q_q_off, q_m_q})
  );

  logic [31:0]     drained_q, stored_q;
  logic [RowW-1:0] row_q, row_d;
  logic            ready_tile;
  assign ready_tile = q_valid && (drained_q != stored_q);

  logic [31:0] m_addr;
  assign m_addr = d.m_dst + q_m_q + 32'(tile_pn_i[q_bank]) * d.m_p0s + (tile_pos_i[q_bank] >> 3);

  assign out_bank_o   = q_bank;
  assign out_rows_o   = mg ? RowW'(1) : q_rows;
  assign out_q_off_o  = mg ? q_q_off + $signed({1'b0, row_q}) * d.o_qs : q_q_off;
  assign out_m_addr_o = mg ? m_addr + 32'(row_q) * d.m_qs : m_addr;
  assign out_m_left_o = m_plane_bytes_i - (tile_pos_i[q_bank] >> 3);

  always_comb begin
    state_d     = state_q;
    row_d       = row_q;
    out_start_o = 1'b0;
    mg_req_o    = 1'b0;
    q_ready     = 1'b0;
    unique case (state_q)
      StIdle: begin
        if (ready_tile) begin
          row_d = '0;
          if (mg) begin
            state_d = StMgRead;
          end else begin
            out_start_o = 1'b1;
            state_d     = StOut;
          end
        end
      end
      StOut: begin
        if (out_done_i) begin
          q_ready = 1'b1;
          state_d = StIdle;
        end
      end
      StMgRead: begin
        mg_req_o = 1'b1;
        if (mg_done_i) begin
          out_start_o = 1'b1;
          state_d     = StMgOut;
        end
      end
      StMgOut: begin
        if (out_done_i) begin
          if (row_q + RowW'(1) < q_rows) begin
            row_d   = row_q + RowW'(1);
            state_d = StMgRead;
          end else begin
            q_ready = 1'b1;
            state_d = StIdle;
          end
        end
      end
      default: state_d = StIdle;
    endcase
    if (abort_i) state_d = StIdle;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= StIdle;
      row_q     <= '0;
      drained_q <= '0;
      stored_q  <= '0;
    end else begin
      state_q <= state_d;
      row_q   <= row_d;
      if ((start_i && state_q == StIdle) || abort_i) begin
        drained_q <= '0;
        stored_q  <= '0;
      end else begin
        if (tile_done_i) drained_q <= drained_q + 32'd1;
        if (q_ready) stored_q <= stored_q + 32'd1;
      end
    end
  end

  assign tiles_stored_o = stored_q;
  assign idle_o         = (state_q == StIdle) && !q_valid;

endmodule
