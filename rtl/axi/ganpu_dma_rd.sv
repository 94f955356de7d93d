// AXI4 read DMA: turns commands (byte address, element count, element size) into one in-order
// stream of zero-extended elements, at most one per cycle.
//
// Commands are split into INCR bursts of full-width beats (ganpu_dma_burst). An AR is issued
// only when the beat buffer has room for the whole burst, so R is never refused for lack of
// space and rready stays high; up to MaxOutstanding bursts are in flight, all with ID 0 so R
// returns in order. A descriptor queue tells the element side where each command starts in
// its first beat; elements are taken from the beats little-endian, first and last beat partly.
// cmd_len_i = 0 commands are dropped; cmd_esize_i = 3 is treated as 2 (32-bit).
// A wide command (cmd_wide_i) delivers all of its elements that a beat holds in one cycle:
// elem_vec_o holds elem_count_o of them from bit 0 up; a narrow one delivers one per cycle.
module ganpu_dma_rd #(
  parameter int unsigned AddrW          = 32,
  parameter int unsigned DataW          = 64,  // power of two, >= 32
  parameter int unsigned IdW            = 4,
  parameter int unsigned MaxBurstBeats  = 16,  // 1..256, at most a 4 KB page
  parameter int unsigned MaxOutstanding = 4,
  parameter int unsigned CmdDepth       = 2
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  // Command: read cmd_len_i elements of 2^cmd_esize_i bytes from cmd_addr_i (element aligned).
  input  logic             cmd_valid_i,
  output logic             cmd_ready_o,
  input  logic [AddrW-1:0] cmd_addr_i,
  input  logic [23:0]      cmd_len_i,
  input  logic [1:0]       cmd_esize_i,
  input  logic             cmd_wide_i,
  // Element stream, in command order.
  output logic             elem_valid_o,
  input  logic             elem_ready_i,
  output logic [31:0]      elem_data_o,  // the first element, zero-extended
  output logic [DataW-1:0] elem_vec_o,   // elem_count_o elements, the first in the low bits
  output logic [$clog2(DataW/8+1)-1:0] elem_count_o,
  output logic             elem_last_o,  // the delivery ends its command
  // AXI4 read master.
  output logic             m_axi_arvalid,
  input  logic             m_axi_arready,
  output logic [IdW-1:0]   m_axi_arid,
  output logic [AddrW-1:0] m_axi_araddr,
  output logic [7:0]       m_axi_arlen,
  output logic [2:0]       m_axi_arsize,
  output logic [1:0]       m_axi_arburst,
  input  logic             m_axi_rvalid,
  output logic             m_axi_rready,
  input  logic [IdW-1:0]   m_axi_rid,
  input  logic [DataW-1:0] m_axi_rdata,
  input  logic [1:0]       m_axi_rresp,
  input  logic             m_axi_rlast,
  // Status.
  output logic             busy_o,  // commands queued or in progress, or elements undelivered
  output logic             err_o,   // sticky: an R beat had SLVERR or DECERR
  input  logic             clear_err_i,
  input  logic             flush_i, // drop the queued commands (the job was stopped)
  output logic             beat_o   // one pulse per accepted R beat, a cycle after it
);

  localparam int unsigned LenW      = 24;
  localparam int unsigned BeatBytes = DataW / 8;
  localparam int unsigned OffW      = $clog2(BeatBytes);
  localparam int unsigned BurstW    = $clog2(MaxBurstBeats + 1);
  localparam int unsigned BufBeats  = MaxOutstanding * MaxBurstBeats;
  localparam int unsigned BufW      = $clog2(BufBeats + 1);
  localparam int unsigned OutW      = $clog2(MaxOutstanding + 1);
  localparam int unsigned CmdW      = AddrW + LenW + 3;
  localparam int unsigned DescW     = OffW + 3 + LenW;
  localparam int unsigned CntW      = $clog2(BeatBytes + 1);

  // --- Command queue -----------------------------------------------------------------------------
  logic             cq_valid, cq_ready, cq_empty;
  logic [AddrW-1:0] cq_addr;
  logic [LenW-1:0]  cq_len;
  logic [1:0]       cq_esize_raw, cq_esize;
  logic             cq_wide;

  ganpu_fifo #(
    .Width(CmdW),
    .Depth(CmdDepth)
  ) u_cmd_fifo (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (flush_i),
    .in_valid_i (cmd_valid_i),
    .in_ready_o (cmd_ready_o),
    .in_data_i  ({cmd_addr_i, cmd_len_i, cmd_esize_i, cmd_wide_i}),
    .out_valid_o(cq_valid),
    .out_ready_i(cq_ready),
    .out_data_o ({cq_addr, cq_len, cq_esize_raw, cq_wide})
  );

  assign cq_esize = (cq_esize_raw == 2'd3) ? 2'd2 : cq_esize_raw;
  assign cq_empty = (cq_len == '0);

  // The burst splitter and the descriptor queue take a command in the same cycle. Each is
  // offered it only in a cycle both can take it, so no offer is left outstanding when a
  // flush empties the command queue.
  logic              bs_cmd_valid, bs_cmd_ready, bs_valid, bs_ready, bs_busy;
  logic [AddrW-1:0]  bs_addr;
  logic [BurstW-1:0] bs_beats;
  logic              dq_in_valid, dq_in_ready, cmd_take;

  assign cmd_take     = cq_valid && !cq_empty && bs_cmd_ready && dq_in_ready;
  assign bs_cmd_valid = cmd_take;
  assign dq_in_valid  = cmd_take;
  assign cq_ready     = cq_empty || (bs_cmd_ready && dq_in_ready);

  ganpu_dma_burst #(
    .AddrW        (AddrW),
    .DataW        (DataW),
    .MaxBurstBeats(MaxBurstBeats)
  ) u_burst (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .cmd_valid_i  (bs_cmd_valid),
    .cmd_ready_o  (bs_cmd_ready),
    .cmd_addr_i   (cq_addr),
    .cmd_len_i    (cq_len),
    .cmd_esize_i  (cq_esize),
    .burst_valid_o(bs_valid),
    .burst_ready_i(bs_ready),
    .burst_addr_o (bs_addr),
    .burst_beats_o(bs_beats),
    .busy_o       (bs_busy)
  );

  // Element side's view of a command: start offset in the first beat, size, count. Deep
  // enough for one command per burst in flight.
  logic             dq_valid, dq_ready;
  logic [OffW-1:0]  dq_off;
  logic [1:0]       dq_esize;
  logic             dq_wide;
  logic [LenW-1:0]  dq_len;

  ganpu_fifo #(
    .Width(DescW),
    .Depth(MaxOutstanding)
  ) u_desc_fifo (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (1'b0),
    .in_valid_i (dq_in_valid),
    .in_ready_o (dq_in_ready),
    .in_data_i  ({cq_addr[OffW-1:0], cq_esize, cq_wide, cq_len}),
    .out_valid_o(dq_valid),
    .out_ready_i(dq_ready),
    .out_data_o ({dq_off, dq_esize, dq_wide, dq_len})
  );

  // --- AR channel --------------------------------------------------------------------------------
  // reserved_q counts beats in flight or buffered; a burst is issued only if all its beats fit.
  logic             arvalid_q;
  logic [AddrW-1:0] araddr_q;
  logic [7:0]       arlen_q;
  logic [OutW-1:0]  out_q;
  logic [BufW-1:0]  reserved_q;
  logic             fits, ar_load, r_hs, beat_pop;

  assign fits     = ((BufW + 1)'(reserved_q) + (BufW + 1)'(bs_beats)) <= (BufW + 1)'(BufBeats);
  assign ar_load  = bs_valid && fits && (out_q != OutW'(MaxOutstanding)) &&
                    (!arvalid_q || m_axi_arready);
  assign bs_ready = ar_load;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      arvalid_q  <= 1'b0;
      out_q      <= '0;
      reserved_q <= '0;
    end else begin
      if (ar_load) begin
        arvalid_q <= 1'b1;
      end else if (m_axi_arready) begin
        arvalid_q <= 1'b0;
      end
      out_q      <= out_q + OutW'(ar_load) - OutW'(r_hs && m_axi_rlast);
      reserved_q <= reserved_q + (ar_load ? BufW'(bs_beats) : '0) - BufW'(beat_pop);
    end
  end

  always_ff @(posedge clk_i) begin
    if (ar_load) begin
      araddr_q <= bs_addr;
      arlen_q  <= 8'(bs_beats) - 8'd1;
    end
  end

  assign m_axi_arvalid = arvalid_q;
  assign m_axi_arid    = '0;
  assign m_axi_araddr  = araddr_q;
  assign m_axi_arlen   = arlen_q;
  assign m_axi_arsize  = 3'(OffW);
  assign m_axi_arburst = 2'b01;  // INCR

  // --- R channel: beat buffer --------------------------------------------------------------------
  logic             rb_valid;
  logic [DataW-1:0] rb_data;

  ganpu_fifo_ram #(
    .Width(DataW),
    .Depth(BufBeats)
  ) u_beat_fifo (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .in_valid_i (m_axi_rvalid),
    .in_ready_o (m_axi_rready),
    .in_data_i  (m_axi_rdata),
    .out_valid_o(rb_valid),
    .out_ready_i(beat_pop),
    .out_data_o (rb_data)
  );

  assign r_hs = m_axi_rvalid && m_axi_rready;

  // --- Element extraction ------------------------------------------------------------------------
  // started_q: the head command has delivered elements; off_q and left_q then hold its position,
  // else it starts from its descriptor (so commands follow each other without a gap).
  logic            started_q;
  logic [OffW-1:0] off_q, cur_off;
  logic [LenW-1:0] left_q, cur_left;
  logic [OffW:0]   next_off, in_beat;
  logic [LenW-1:0] n;              // elements delivered by this emit
  logic            last_elem, emit;
  logic [DataW-1:0] vec;
  logic [31:0]     lane, elem;
  logic            ev_q, el_q;
  logic [31:0]     ed_q;
  logic [DataW-1:0] evec_q;
  logic [CntW-1:0] ecnt_q;

  assign cur_off   = started_q ? off_q : dq_off;
  assign cur_left  = started_q ? left_q : dq_len;
  // Elements left in the beat from cur_off; a wide command takes them all (or its last ones).
  assign in_beat   = ((OffW + 1)'(BeatBytes) - {1'b0, cur_off}) >> dq_esize;
  assign n         = !dq_wide ? LenW'(1) :
                     (LenW'(in_beat) < cur_left) ? LenW'(in_beat) : cur_left;
  assign next_off  = {1'b0, cur_off} + (OffW + 1)'(n << dq_esize);
  assign last_elem = (cur_left == n);
  assign emit      = dq_valid && rb_valid && (!ev_q || elem_ready_i);
  // The beat is done when the delivery ends it (carry out of the offset) or ends the command.
  assign beat_pop  = emit && (next_off[OffW] || last_elem);
  assign dq_ready  = emit && last_elem;

  assign vec  = rb_data >> {cur_off, 3'b000};
  assign lane = vec[31:0];
  always_comb begin
    unique case (dq_esize)
      2'd0:    elem = {24'b0, lane[7:0]};
      2'd1:    elem = {16'b0, lane[15:0]};
      default: elem = lane;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      started_q <= 1'b0;
      ev_q      <= 1'b0;
    end else begin
      if (emit) begin
        started_q <= !last_elem;
        ev_q      <= 1'b1;
      end else if (elem_ready_i) begin
        ev_q <= 1'b0;
      end
    end
  end

  // No reset: position and payload are only used while started_q / ev_q.
  always_ff @(posedge clk_i) begin
    if (emit) begin
      off_q  <= next_off[OffW-1:0];
      left_q <= cur_left - n;
      ed_q   <= elem;
      evec_q <= vec;
      ecnt_q <= CntW'(n);
      el_q   <= last_elem;
    end
  end

  assign elem_valid_o = ev_q;
  assign elem_data_o  = ed_q;
  assign elem_vec_o   = evec_q;
  assign elem_count_o = ecnt_q;
  assign elem_last_o  = el_q;

  // --- Status ------------------------------------------------------------------------------------
  logic err_q, beat_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      err_q  <= 1'b0;
      beat_q <= 1'b0;
    end else begin
      // A new error wins over a clear in the same cycle.
      if (r_hs && m_axi_rresp[1]) begin
        err_q <= 1'b1;
      end else if (clear_err_i) begin
        err_q <= 1'b0;
      end
      beat_q <= r_hs;
    end
  end

  assign err_o  = err_q;
  assign beat_o = beat_q;
  assign busy_o = cq_valid || bs_busy || arvalid_q || (out_q != '0) || (reserved_q != '0) ||
                  dq_valid || ev_q;

  // All bursts use ID 0, so R returns in order; OKAY and EXOKAY both mean success.
  logic unused_r;
  assign unused_r = ^{m_axi_rid, m_axi_rresp[0]};

endmodule
