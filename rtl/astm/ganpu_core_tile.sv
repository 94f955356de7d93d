// One core with its read and write DMAs: the unit the multi-core top replicates. Its memory
// side is one AXI4 master port as a request/response struct pair (ganpu_axi_pkg): reads from
// ganpu_dma_rd, writes from ganpu_dma_wr, IDs in the low MstIdW bits.
module ganpu_core_tile #(
  parameter int unsigned PeRows   = 4,
  parameter int unsigned PeCols   = 4,
  parameter int unsigned ExpW     = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW     = fp_pkg::Fp16ManW,
  parameter int unsigned ADepth   = 8192,
  parameter int unsigned BDepth   = 2048,
  parameter int unsigned GmDepth  = 2048,
  parameter bit          SkipWalk = 1'b1
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  ganpu_reg_pkg::desc_t  desc_i,        // held from start_i to done_o
  input  logic                  start_i,
  input  logic                  forget_i,      // see ganpu_core
  output logic                  busy_o,
  output logic                  done_o,        // pulse
  output logic                  error_o,       // pulse, with error_code_o
  output logic [7:0]            error_code_o,
  output ganpu_core_pkg::perf_t perf_o,        // the last job's counters, held until start_i
  output ganpu_axi_pkg::req_t   axi_req_o,
  input  ganpu_axi_pkg::resp_t  axi_resp_i
);

  localparam int unsigned MstIdW = ganpu_axi_pkg::MstIdW;
  localparam int unsigned CountW = $clog2(ganpu_core_pkg::BusBytes + 1);

  if (ganpu_axi_pkg::DataW != 8 * ganpu_core_pkg::BusBytes) begin : gen_bad_bus
    $error("ganpu_core_tile: ganpu_axi_pkg::DataW differs from ganpu_core_pkg::BusBytes");
  end

  logic              rd_cmd_valid, rd_cmd_ready, rd_elem_valid, rd_elem_ready, rd_beat, rd_err;
  logic [31:0]       rd_cmd_addr, rd_elem_data;
  logic [23:0]       rd_cmd_len;
  logic [1:0]        rd_cmd_esize;
  logic              rd_elem_last, rd_busy, rd_cmd_wide;
  logic [63:0]       rd_elem_vec;
  logic [CountW-1:0] rd_elem_count;
  logic              wr_cmd_valid, wr_cmd_ready, wr_elem_valid, wr_elem_ready, wr_beat, wr_err;
  logic              wr_busy;
  logic [31:0]       wr_cmd_addr;
  logic [63:0]       wr_elem_data;
  logic [CountW-1:0] wr_elem_count;
  logic [23:0]       wr_cmd_len;
  logic [1:0]        wr_cmd_esize, wr_cmd_step;
  logic              clear_err, rd_flush;

  ganpu_core #(
    .PeRows  (PeRows),
    .PeCols  (PeCols),
    .ExpW    (ExpW),
    .ManW    (ManW),
    .ADepth  (ADepth),
    .BDepth  (BDepth),
    .GmDepth (GmDepth),
    .SkipWalk(SkipWalk)
  ) u_core (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .desc_i         (desc_i),
    .start_i        (start_i),
    .forget_i       (forget_i),
    .busy_o         (busy_o),
    .done_o         (done_o),
    .error_o        (error_o),
    .error_code_o   (error_code_o),
    .perf_o         (perf_o),
    .rd_cmd_valid_o (rd_cmd_valid),
    .rd_cmd_ready_i (rd_cmd_ready),
    .rd_cmd_addr_o  (rd_cmd_addr),
    .rd_cmd_len_o   (rd_cmd_len),
    .rd_cmd_esize_o (rd_cmd_esize),
    .rd_cmd_wide_o  (rd_cmd_wide),
    .rd_elem_valid_i(rd_elem_valid),
    .rd_elem_ready_o(rd_elem_ready),
    .rd_elem_data_i (rd_elem_data),
    .rd_elem_vec_i  (rd_elem_vec),
    .rd_elem_count_i(rd_elem_count),
    .rd_beat_i      (rd_beat),
    .rd_busy_i      (rd_busy),
    .rd_err_i       (rd_err),
    .wr_cmd_valid_o (wr_cmd_valid),
    .wr_cmd_ready_i (wr_cmd_ready),
    .wr_cmd_addr_o  (wr_cmd_addr),
    .wr_cmd_len_o   (wr_cmd_len),
    .wr_cmd_esize_o (wr_cmd_esize),
    .wr_cmd_step_o  (wr_cmd_step),
    .wr_elem_valid_o(wr_elem_valid),
    .wr_elem_ready_i(wr_elem_ready),
    .wr_elem_data_o (wr_elem_data),
    .wr_elem_count_o(wr_elem_count),
    .wr_busy_i      (wr_busy),
    .wr_beat_i      (wr_beat),
    .wr_err_i       (wr_err),
    .clear_err_o    (clear_err),
    .rd_flush_o     (rd_flush)
  );

  logic [MstIdW-1:0] arid, awid;

  // Many bursts in flight (ganpu_cfg_pkg): staging reads single elements where the operand is
  // not contiguous, and each such read is a burst of its own.
  ganpu_dma_rd #(
    .IdW           (MstIdW),
    .MaxBurstBeats (ganpu_cfg_pkg::DmaMaxBurstBeats),
    .MaxOutstanding(ganpu_cfg_pkg::DmaRdMaxOutstanding)
  ) u_dma_rd (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .cmd_valid_i  (rd_cmd_valid),
    .cmd_ready_o  (rd_cmd_ready),
    .cmd_addr_i   (rd_cmd_addr),
    .cmd_len_i    (rd_cmd_len),
    .cmd_esize_i  (rd_cmd_esize),
    .cmd_wide_i   (rd_cmd_wide),
    .elem_valid_o (rd_elem_valid),
    .elem_ready_i (rd_elem_ready),
    .elem_data_o  (rd_elem_data),
    .elem_vec_o   (rd_elem_vec),
    .elem_count_o (rd_elem_count),
    .elem_last_o  (rd_elem_last),
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
    .clear_err_i  (clear_err),
    .flush_i      (rd_flush),
    .beat_o       (rd_beat)
  );

  // Many writes in flight too: outputs with strided addresses are written in short bursts.
  ganpu_dma_wr #(
    .IdW           (MstIdW),
    .MaxBurstBeats (ganpu_cfg_pkg::DmaMaxBurstBeats),
    .MaxOutstanding(ganpu_cfg_pkg::DmaWrMaxOutstanding)
  ) u_dma_wr (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .cmd_valid_i  (wr_cmd_valid),
    .cmd_ready_o  (wr_cmd_ready),
    .cmd_addr_i   (wr_cmd_addr),
    .cmd_len_i    (wr_cmd_len),
    .cmd_esize_i  (wr_cmd_esize),
    .cmd_step_i   (wr_cmd_step),
    .elem_valid_i (wr_elem_valid),
    .elem_ready_o (wr_elem_ready),
    .elem_data_i  (wr_elem_data),
    .elem_count_i (wr_elem_count),
    .m_axi_awvalid(axi_req_o.aw_valid),
    .m_axi_awready(axi_resp_i.aw_ready),
    .m_axi_awid   (awid),
    .m_axi_awaddr (axi_req_o.aw.addr),
    .m_axi_awlen  (axi_req_o.aw.len),
    .m_axi_awsize (axi_req_o.aw.size),
    .m_axi_awburst(axi_req_o.aw.burst),
    .m_axi_wvalid (axi_req_o.w_valid),
    .m_axi_wready (axi_resp_i.w_ready),
    .m_axi_wdata  (axi_req_o.w.data),
    .m_axi_wstrb  (axi_req_o.w.strb),
    .m_axi_wlast  (axi_req_o.w.last),
    .m_axi_bvalid (axi_resp_i.b_valid),
    .m_axi_bready (axi_req_o.b_ready),
    .m_axi_bid    (axi_resp_i.b.id[MstIdW-1:0]),
    .m_axi_bresp  (axi_resp_i.b.resp),
    .busy_o       (wr_busy),
    .err_o        (wr_err),
    .clear_err_i  (clear_err),
    .beat_o       (wr_beat)
  );

  // The interconnect puts the master index above the DMAs' IDs.
  assign axi_req_o.ar.id = ganpu_axi_pkg::IdW'(arid);
  assign axi_req_o.aw.id = ganpu_axi_pkg::IdW'(awid);

  // The core tracks its own elements, and the interconnect routes by the upper ID bits: the
  // read DMA's framing bit and the upper response ID bits are not needed here.
  logic unused;
  assign unused = ^{rd_elem_last, axi_resp_i.r.id[ganpu_axi_pkg::IdW-1:MstIdW],
                    axi_resp_i.b.id[ganpu_axi_pkg::IdW-1:MstIdW]};

endmodule
