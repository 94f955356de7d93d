// Command fetcher of one queue: reads count_i records of ganpu_astm_pkg::RecWords words from
// base_i (8-byte aligned: the low three address bits are ignored) and presents them one at a
// time. One read command per record, so the DMA prefetches the next record's beats while the
// current one waits at the head; a record is assembled two words per beat.
module ganpu_cmd_fetch #(
  localparam int unsigned RecWords = ganpu_astm_pkg::RecWords
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  input  logic                       start_i,     // pulse: fetch a new queue (drops an old one)
  input  logic                       abort_i,     // level: stop fetching, drop what arrives
  input  logic [31:0]                base_i,      // sampled at start_i
  input  logic [23:0]                count_i,     // records, sampled at start_i
  output logic                       rec_valid_o,
  input  logic                       rec_ready_i,
  output logic [RecWords-1:0][31:0]  rec_o,
  output logic                       empty_o,     // every record was taken (or aborted)
  output logic                       err_o,       // a descriptor read failed; held to start_i
  output logic                       busy_o,      // reads are in flight
  output ganpu_axi_pkg::req_t        axi_req_o,
  input  ganpu_axi_pkg::resp_t       axi_resp_i
);

  localparam int unsigned MstIdW = ganpu_axi_pkg::MstIdW;
  localparam int unsigned WordIdxW = $clog2(RecWords + 1);
  localparam logic [31:0] RecBytes = 32'(ganpu_astm_pkg::RecBytes);

  if (RecWords % 2 != 0) begin : gen_bad_rec
    $error("ganpu_cmd_fetch: records must be whole 64-bit beats");
  end

  // --- Read commands: one per record -------------------------------------------------------------
  logic [23:0] cmds_left_q, recs_left_q;
  logic [31:0] addr_q;
  logic        cmd_valid, cmd_ready;
  assign cmd_valid = (cmds_left_q != '0);

  // --- Assembly ----------------------------------------------------------------------------------
  logic                      elem_valid, elem_ready, rd_err, rd_busy, rd_beat, elem_last;
  logic [31:0]               elem_data;
  logic [63:0]               elem_vec;
  logic [3:0]                elem_count;
  logic [RecWords-1:0][31:0] rec_q;
  logic [WordIdxW-1:0]       widx_q;
  logic                      full_q, err_q;
  logic                      take_elem, pop;

  // An aborted queue's reads still in flight are taken and dropped, so that none of their
  // beats is mistaken for the next program's.
  assign elem_ready = !full_q || abort_i;
  assign take_elem  = elem_valid && !full_q && !abort_i;
  assign pop        = full_q && rec_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cmds_left_q <= '0;
      recs_left_q <= '0;
      addr_q      <= '0;
      widx_q      <= '0;
      full_q      <= 1'b0;
      err_q       <= 1'b0;
    end else if (start_i) begin
      cmds_left_q <= count_i;
      recs_left_q <= count_i;
      addr_q      <= {base_i[31:3], 3'b000};
      widx_q      <= '0;
      full_q      <= 1'b0;
      err_q       <= 1'b0;
    end else if (abort_i) begin
      cmds_left_q <= '0;
      recs_left_q <= '0;
      widx_q      <= '0;
      full_q      <= 1'b0;
    end else begin
      if (cmd_valid && cmd_ready) begin
        cmds_left_q <= cmds_left_q - 24'd1;
        addr_q      <= addr_q + RecBytes;
      end
      if (rd_err) err_q <= 1'b1;
      if (take_elem) begin
        if (widx_q + WordIdxW'(elem_count) == WordIdxW'(RecWords)) begin
          widx_q <= '0;
          full_q <= 1'b1;
        end else begin
          widx_q <= widx_q + WordIdxW'(elem_count);
        end
      end
      if (pop) begin
        full_q      <= 1'b0;
        recs_left_q <= recs_left_q - 24'd1;
      end
    end
  end

  // Storage without reset: only assembled records are presented.
  always_ff @(posedge clk_i) begin
    for (int unsigned i = 0; i < RecWords; i++) begin
      if (take_elem && widx_q == WordIdxW'(i)) rec_q[i] <= elem_vec[31:0];
      if (take_elem && elem_count == 4'd2 && widx_q + 1'b1 == WordIdxW'(i)) begin
        rec_q[i] <= elem_vec[63:32];
      end
    end
  end

  assign rec_valid_o = full_q;
  assign rec_o       = rec_q;
  assign empty_o     = (recs_left_q == '0) && !full_q;
  assign err_o       = err_q;
  assign busy_o      = rd_busy;

  logic [MstIdW-1:0] arid;

  ganpu_dma_rd #(
    .IdW           (MstIdW),
    .MaxBurstBeats (ganpu_cfg_pkg::DmaMaxBurstBeats),
    .MaxOutstanding(2)
  ) u_dma_rd (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .cmd_valid_i  (cmd_valid),
    .cmd_ready_o  (cmd_ready),
    .cmd_addr_i   (addr_q),
    .cmd_len_i    (24'(RecWords)),
    .cmd_esize_i  (2'd2),
    .cmd_wide_i   (1'b1),
    .elem_valid_o (elem_valid),
    .elem_ready_i (elem_ready),
    .elem_data_o  (elem_data),
    .elem_vec_o   (elem_vec),
    .elem_count_o (elem_count),
    .elem_last_o  (elem_last),
    .m_axi_arvalid(axi_req_o.ar_valid),
    .m_axi_arready(axi_resp_i.ar_ready),
    .m_axi_arid   (arid),
    .m_axi_araddr (axi_req_o.ar.addr),
    .m_axi_arlen  (axi_req_o.ar.len),
    .m_axi_arsize (axi_req_o.ar.size),
    .m_axi_arburst(axi_req_o.ar.burst),
    .m_axi_rvalid (axi_resp_i.r_valid),
    .m_axi_rready (axi_req_o.r_ready),
    .m_axi_rid    (axi_resp_i.r.id[MstIdW-1:0]),
    .m_axi_rdata  (axi_resp_i.r.data),
    .m_axi_rresp  (axi_resp_i.r.resp),
    .m_axi_rlast  (axi_resp_i.r.last),
    .busy_o       (rd_busy),
    .err_o        (rd_err),
    .clear_err_i  (start_i),
    .flush_i      (abort_i),
    .beat_o       (rd_beat)
  );

  // A fetcher only reads.
  assign axi_req_o.ar.id  = ganpu_axi_pkg::IdW'(arid);
  assign axi_req_o.aw     = '0;
  assign axi_req_o.aw_valid = 1'b0;
  assign axi_req_o.w      = '0;
  assign axi_req_o.w_valid = 1'b0;
  assign axi_req_o.b_ready = 1'b1;

  logic unused;
  assign unused = ^{base_i[2:0], elem_data, elem_last, rd_beat, axi_resp_i.aw_ready,
                    axi_resp_i.w_ready, axi_resp_i.b, axi_resp_i.b_valid,
                    axi_resp_i.r.id[ganpu_axi_pkg::IdW-1:MstIdW]};

endmodule
