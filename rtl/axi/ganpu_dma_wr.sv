// AXI4 write DMA: packs an element stream into full-width beats and writes them with INCR
// bursts, one command after another (no merging across commands). A command's elements are
// consecutive, or every 2^cmd_step_i-th element (a strided run: the bursts cover its span
// and strobe only its elements), as long as a beat holds at least one of them.
//
// Each command goes to two queues: the burst splitter (ganpu_dma_burst) and the packer, which
// places elements little-endian into a beat, strobing only the bytes written, and pushes the
// beat into the W buffer when it is full or the command's last element arrives (so a partial
// last beat never waits for a later command). A delivery carries 1 to elem_count_i elements
// at once (a bus-wide store path): they must all lie in the current beat and the current
// command. An AW is issued only when all beats of its burst
// are in the W buffer, so W then streams without gaps; up to MaxOutstanding bursts await B.
// cmd_len_i = 0 commands are dropped; cmd_esize_i = 3 is treated as 2 (32-bit).
module ganpu_dma_wr #(
  parameter int unsigned AddrW          = 32,
  parameter int unsigned DataW          = 64,  // power of two, >= 32
  parameter int unsigned IdW            = 4,
  parameter int unsigned MaxBurstBeats  = 16,  // 1..256, at most a 4 KB page
  parameter int unsigned MaxOutstanding = 4,
  parameter int unsigned CmdDepth       = 2,
  localparam int unsigned StrbW         = DataW / 8,
  localparam int unsigned CountW        = $clog2(StrbW + 1)  // 1..StrbW elements a delivery
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  // Command: write cmd_len_i elements of 2^cmd_esize_i bytes, element i to
  // cmd_addr_i + (i << (cmd_esize_i + cmd_step_i)) (element aligned; 2^(esize + step) <= a beat).
  input  logic             cmd_valid_i,
  output logic             cmd_ready_o,
  input  logic [AddrW-1:0] cmd_addr_i,
  input  logic [23:0]      cmd_len_i,
  input  logic [1:0]       cmd_esize_i,
  input  logic [1:0]       cmd_step_i,
  // Element stream, in command order: elem_count_i elements of 2^esize bytes each, packed
  // from bit 0 of elem_data_i; they never cross the end of a beat or of their command.
  input  logic             elem_valid_i,
  output logic             elem_ready_o,
  input  logic [DataW-1:0] elem_data_i,
  input  logic [CountW-1:0] elem_count_i,
  // AXI4 write master.
  output logic             m_axi_awvalid,
  input  logic             m_axi_awready,
  output logic [IdW-1:0]   m_axi_awid,
  output logic [AddrW-1:0] m_axi_awaddr,
  output logic [7:0]       m_axi_awlen,
  output logic [2:0]       m_axi_awsize,
  output logic [1:0]       m_axi_awburst,
  output logic             m_axi_wvalid,
  input  logic             m_axi_wready,
  output logic [DataW-1:0] m_axi_wdata,
  output logic [StrbW-1:0] m_axi_wstrb,
  output logic             m_axi_wlast,
  input  logic             m_axi_bvalid,
  output logic             m_axi_bready,
  input  logic [IdW-1:0]   m_axi_bid,
  input  logic [1:0]       m_axi_bresp,
  // Status.
  output logic             busy_o,  // anything queued, being packed or awaiting B
  output logic             err_o,   // sticky: a B response had SLVERR or DECERR
  input  logic             clear_err_i,
  output logic             beat_o   // one pulse per accepted W beat, a cycle after it
);

  localparam int unsigned LenW     = 24;
  localparam int unsigned OffW     = $clog2(StrbW);
  localparam int unsigned BurstW   = $clog2(MaxBurstBeats + 1);
  // Two bursts: one being packed while the previous one is sent.
  localparam int unsigned BufBeats = 2 * MaxBurstBeats;
  // The buffer holds BufBeats + 1 beats (RAM plus head).
  localparam int unsigned AvailW   = $clog2(BufBeats + 2);
  localparam int unsigned OutW     = $clog2(MaxOutstanding + 1);
  localparam int unsigned CmdW     = AddrW + LenW + 2;
  localparam int unsigned PackW    = OffW + LenW + 4;  // the packer needs only the start lane

  // --- Command queues: one for the burst splitter, one for the packer ----------------------------
  logic             sq_in_valid, sq_in_ready, pq_in_valid, pq_in_ready;
  logic             sq_valid, sq_ready, sq_empty;
  logic [AddrW-1:0] sq_addr;
  logic [LenW-1:0]  sq_len;
  logic [1:0]       sq_esize_raw, sq_esize;
  logic             pq_valid, pq_ready, pq_empty;
  logic [OffW-1:0]  pq_off;
  logic [LenW-1:0]  pq_len;
  logic [1:0]       pq_esize_raw, pq_esize, pq_step;
  logic [LenW-1:0]  span_len;  // elements from the first to the last, gaps included

  // A strided command's bursts cover its span: ((len - 1) << step) + 1 elements.
  assign span_len = (cmd_len_i == '0) ? '0 : ((cmd_len_i - LenW'(1)) << cmd_step_i) + LenW'(1);

  // A command enters both queues in the same cycle.
  assign cmd_ready_o = sq_in_ready && pq_in_ready;
  assign sq_in_valid = cmd_valid_i && pq_in_ready;
  assign pq_in_valid = cmd_valid_i && sq_in_ready;

  ganpu_fifo #(
    .Width(CmdW),
    .Depth(CmdDepth)
  ) u_split_fifo (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (1'b0),
    .in_valid_i (sq_in_valid),
    .in_ready_o (sq_in_ready),
    .in_data_i  ({cmd_addr_i, span_len, cmd_esize_i}),
    .out_valid_o(sq_valid),
    .out_ready_i(sq_ready),
    .out_data_o ({sq_addr, sq_len, sq_esize_raw})
  );

  ganpu_fifo #(
    .Width(PackW),
    .Depth(CmdDepth)
  ) u_pack_fifo (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (1'b0),
    .in_valid_i (pq_in_valid),
    .in_ready_o (pq_in_ready),
    .in_data_i  ({cmd_addr_i[OffW-1:0], cmd_len_i, cmd_esize_i, cmd_step_i}),
    .out_valid_o(pq_valid),
    .out_ready_i(pq_ready),
    .out_data_o ({pq_off, pq_len, pq_esize_raw, pq_step})
  );

  assign sq_esize = (sq_esize_raw == 2'd3) ? 2'd2 : sq_esize_raw;
  assign pq_esize = (pq_esize_raw == 2'd3) ? 2'd2 : pq_esize_raw;
  assign sq_empty = (sq_len == '0);
  assign pq_empty = (pq_len == '0);

  // --- Burst splitter ----------------------------------------------------------------------------
  logic              bs_cmd_valid, bs_cmd_ready, bs_valid, bs_ready, bs_busy;
  logic [AddrW-1:0]  bs_addr;
  logic [BurstW-1:0] bs_beats;

  assign bs_cmd_valid = sq_valid && !sq_empty;
  assign sq_ready     = sq_empty || bs_cmd_ready;

  ganpu_dma_burst #(
    .AddrW        (AddrW),
    .DataW        (DataW),
    .MaxBurstBeats(MaxBurstBeats)
  ) u_burst (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .cmd_valid_i  (bs_cmd_valid),
    .cmd_ready_o  (bs_cmd_ready),
    .cmd_addr_i   (sq_addr),
    .cmd_len_i    (sq_len),
    .cmd_esize_i  (sq_esize),
    .burst_valid_o(bs_valid),
    .burst_ready_i(bs_ready),
    .burst_addr_o (bs_addr),
    .burst_beats_o(bs_beats),
    .busy_o       (bs_busy)
  );

  // --- Packer ------------------------------------------------------------------------------------
  // started_q: the head command has taken elements; off_q and left_q then hold its position,
  // else it starts from the queue entry (so commands follow each other without a gap).
  logic             started_q;
  logic [OffW-1:0]  off_q, cur_off;
  logic [LenW-1:0]  left_q, cur_left;
  logic [OffW:0]    next_off;
  logic [OffW+1:0]  bytes;     // the delivery's advance: count elements, gaps included
  logic [2:0]       gap_log2;  // log2 of the bytes from one element to the next
  logic             last_elem, take, push, wb_in_ready;
  logic [DataW-1:0] lane_data, beat_data_q, beat_data;
  logic [StrbW-1:0] lane_strb, beat_strb_q, beat_strb;

  assign cur_off      = started_q ? off_q : pq_off;
  assign cur_left     = started_q ? left_q : pq_len;
  assign gap_log2     = 3'(pq_esize) + 3'(pq_step);
  assign bytes        = (OffW + 2)'(elem_count_i) << gap_log2;
  assign next_off     = (OffW + 1)'({2'b00, cur_off} + bytes);
  assign last_elem    = (cur_left == LenW'(elem_count_i));
  assign elem_ready_o = pq_valid && !pq_empty && wb_in_ready;
  assign take         = elem_valid_i && elem_ready_o;
  // The beat is complete when the delivery ends it (carry out) or ends the command.
  assign push         = take && (next_off[OffW] || last_elem);
  assign pq_ready     = pq_empty || (take && last_elem);

  // The delivery's elements, spread to their places in the beat: byte b holds byte j of
  // element i where b - cur_off = (i << gap_log2) + j and j < 2^esize.
  always_comb begin
    lane_data = '0;
    lane_strb = '0;
    for (int unsigned b = 0; b < StrbW; b++) begin
      int unsigned d, i, j, src;
      d   = b - 32'(cur_off);
      i   = d >> gap_log2;
      j   = d & ((32'd1 << gap_log2) - 1);
      src = ((i << pq_esize) + j) % StrbW;  // < StrbW whenever the byte is strobed
      if (b >= 32'(cur_off) && i < 32'(elem_count_i) && j < (32'd1 << pq_esize)) begin
        lane_strb[b]        = 1'b1;
        lane_data[8*b +: 8] = elem_data_i[8*src +: 8];
      end
    end
  end

  // Bytes not strobed keep whatever they held: their value does not matter.
  always_comb begin
    for (int unsigned i = 0; i < StrbW; i++) begin
      beat_data[8*i+:8] = lane_strb[i] ? lane_data[8*i+:8] : beat_data_q[8*i+:8];
    end
    beat_strb = beat_strb_q | lane_strb;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      started_q   <= 1'b0;
      beat_strb_q <= '0;
    end else if (take) begin
      started_q   <= !last_elem;
      beat_strb_q <= push ? '0 : beat_strb;
    end
  end

  // No reset: only used while started_q, and data bytes only where strobed.
  always_ff @(posedge clk_i) begin
    if (take) begin
      off_q       <= next_off[OffW-1:0];
      left_q      <= cur_left - LenW'(elem_count_i);
      beat_data_q <= beat_data;
    end
  end

  // --- W buffer ----------------------------------------------------------------------------------
  logic             wb_valid, w_hs;
  logic [DataW-1:0] wb_data;
  logic [StrbW-1:0] wb_strb;

  ganpu_fifo_ram #(
    .Width(DataW + StrbW),
    .Depth(BufBeats)
  ) u_beat_fifo (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .in_valid_i (push),
    .in_ready_o (wb_in_ready),
    .in_data_i  ({beat_data, beat_strb}),
    .out_valid_o(wb_valid),
    .out_ready_i(w_hs),
    .out_data_o ({wb_data, wb_strb})
  );

  // --- AW channel --------------------------------------------------------------------------------
  // avail_q counts buffered beats not yet claimed by an AW; a burst is issued once all its beats
  // are buffered. Its length goes to the W side, which marks wlast.
  logic              awvalid_q;
  logic [AddrW-1:0]  awaddr_q;
  logic [7:0]        awlen_q;
  logic [AvailW-1:0] avail_q;
  logic [OutW-1:0]   out_q;
  logic              aw_load, b_hs;
  logic              wl_in_ready, wl_valid, wl_ready;
  logic [BurstW-1:0] wl_beats;

  assign aw_load  = bs_valid && (avail_q >= AvailW'(bs_beats)) &&
                    (out_q != OutW'(MaxOutstanding)) && wl_in_ready &&
                    (!awvalid_q || m_axi_awready);
  assign bs_ready = aw_load;
  assign b_hs     = m_axi_bvalid && m_axi_bready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      awvalid_q <= 1'b0;
      avail_q   <= '0;
      out_q     <= '0;
    end else begin
      if (aw_load) begin
        awvalid_q <= 1'b1;
      end else if (m_axi_awready) begin
        awvalid_q <= 1'b0;
      end
      avail_q <= avail_q + AvailW'(push) - (aw_load ? AvailW'(bs_beats) : '0);
      out_q   <= out_q + OutW'(aw_load) - OutW'(b_hs);
    end
  end

  always_ff @(posedge clk_i) begin
    if (aw_load) begin
      awaddr_q <= bs_addr;
      awlen_q  <= 8'(bs_beats) - 8'd1;
    end
  end

  assign m_axi_awvalid = awvalid_q;
  assign m_axi_awid    = '0;
  assign m_axi_awaddr  = awaddr_q;
  assign m_axi_awlen   = awlen_q;
  assign m_axi_awsize  = 3'(OffW);
  assign m_axi_awburst = 2'b01;  // INCR

  // Lengths of the issued bursts whose W beats are not all sent; never fuller than out_q.
  ganpu_fifo #(
    .Width(BurstW),
    .Depth(MaxOutstanding)
  ) u_wlen_fifo (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (1'b0),
    .in_valid_i (aw_load),
    .in_ready_o (wl_in_ready),
    .in_data_i  (bs_beats),
    .out_valid_o(wl_valid),
    .out_ready_i(wl_ready),
    .out_data_o (wl_beats)
  );

  // --- W channel ---------------------------------------------------------------------------------
  logic [BurstW-1:0] wcnt_q;

  assign m_axi_wvalid = wb_valid && wl_valid;
  assign m_axi_wdata  = wb_data;
  assign m_axi_wstrb  = wb_strb;
  assign m_axi_wlast  = (wcnt_q == wl_beats - 1'b1);
  assign w_hs         = m_axi_wvalid && m_axi_wready;
  assign wl_ready     = w_hs && m_axi_wlast;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wcnt_q <= '0;
    end else if (w_hs) begin
      wcnt_q <= m_axi_wlast ? '0 : wcnt_q + 1'b1;
    end
  end

  // --- B channel and status ----------------------------------------------------------------------
  logic err_q, beat_q;

  assign m_axi_bready = 1'b1;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      err_q  <= 1'b0;
      beat_q <= 1'b0;
    end else begin
      // A new error wins over a clear in the same cycle.
      if (b_hs && m_axi_bresp[1]) begin
        err_q <= 1'b1;
      end else if (clear_err_i) begin
        err_q <= 1'b0;
      end
      beat_q <= w_hs;
    end
  end

`ifndef SYNTHESIS
  // A delivery holds at least one element, stays inside its beat and its command; its last
  // element ends in the beat.
  always_ff @(posedge clk_i) begin
    if (rst_ni && take) begin
      assert (elem_count_i != '0 && 32'(elem_count_i) <= 32'(cur_left) &&
              32'(cur_off) + 32'(bytes) - (32'd1 << gap_log2) + (32'd1 << pq_esize) <= StrbW)
        else $error("ganpu_dma_wr: delivery of %0d elements at byte %0d with %0d left",
                    elem_count_i, cur_off, cur_left);
    end
  end
  // A beat holds at least one element of a strided command (so every beat of its span is
  // written), and the span fits the splitter's length.
  always_ff @(posedge clk_i) begin
    if (rst_ni && cmd_valid_i && cmd_ready_o && cmd_len_i != '0) begin
      assert ((32'd1 << (32'(cmd_esize_i) + 32'(cmd_step_i))) <= StrbW &&
              (64'(cmd_len_i) - 64'd1) << cmd_step_i < 64'(1 << LenW) - 64'd1)
        else $error("ganpu_dma_wr: command of %0d elements with step 2^%0d of size 2^%0d",
                    cmd_len_i, cmd_step_i, cmd_esize_i);
    end
  end
`endif

  assign err_o  = err_q;
  assign beat_o = beat_q;
  assign busy_o = sq_valid || pq_valid || bs_busy || started_q || (avail_q != '0) ||
                  awvalid_q || wl_valid || (out_q != '0);

  // All bursts use ID 0; OKAY and EXOKAY both mean success.
  logic unused_wr;
  assign unused_wr = ^{m_axi_bid, m_axi_bresp[0]};

endmodule
