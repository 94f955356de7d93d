// Test-only top: the AXI4 interconnect (rtl/astm/ganpu_axi_mux.sv) with three masters, each a
// ganpu_dma_rd (its AR/R) and a ganpu_dma_wr (its AW/W/B) packed into one req_t/resp_t, as
// dma_test_top instantiates them (ganpu_top's bursts in flight, MstIdW-bit IDs). The mux's
// memory port is flat m_axi_* (IDs of ganpu_axi_pkg::IdW bits), which the C++ memory model
// serves; the shares are inputs. Per master: dma_test_top's command and element ports, prefixed
// rd<m>_ / wr<m>_, and rd<m>_beat_o / wr<m>_beat_o (a pulse per R / W beat, a cycle after it).
module axi_mux_test_top #(
  parameter int unsigned MaxBurstBeats    = 16,
  parameter int unsigned RdMaxOutstanding = ganpu_cfg_pkg::DmaRdMaxOutstanding,
  parameter int unsigned WrMaxOutstanding = ganpu_cfg_pkg::DmaWrMaxOutstanding,
  parameter int unsigned CmdDepth         = 2,
  parameter int unsigned ShareW           = 4,
  parameter int unsigned MaxWrBursts      = 16,
  localparam int unsigned AddrW           = ganpu_axi_pkg::AddrW,
  localparam int unsigned DataW           = ganpu_axi_pkg::DataW,
  localparam int unsigned StrbW           = ganpu_axi_pkg::StrbW,
  localparam int unsigned IdW             = ganpu_axi_pkg::IdW,
  localparam int unsigned MstIdW          = ganpu_axi_pkg::MstIdW,
  localparam int unsigned CntW            = $clog2(DataW / 8 + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic [ShareW-1:0] share0_i,
  input  logic [ShareW-1:0] share1_i,
  input  logic [ShareW-1:0] share2_i,
  // Master 0: reader.
  input  logic             rd0_cmd_valid_i,
  output logic             rd0_cmd_ready_o,
  input  logic [AddrW-1:0] rd0_cmd_addr_i,
  input  logic [23:0]      rd0_cmd_len_i,
  input  logic [1:0]       rd0_cmd_esize_i,
  input  logic             rd0_cmd_wide_i,
  output logic             rd0_elem_valid_o,
  input  logic             rd0_elem_ready_i,
  output logic [31:0]      rd0_elem_data_o,
  output logic [DataW-1:0] rd0_elem_vec_o,
  output logic [CntW-1:0]  rd0_elem_count_o,
  output logic             rd0_elem_last_o,
  output logic             rd0_busy_o,
  output logic             rd0_err_o,
  output logic             rd0_beat_o,
  // Master 0: writer.
  input  logic             wr0_cmd_valid_i,
  output logic             wr0_cmd_ready_o,
  input  logic [AddrW-1:0] wr0_cmd_addr_i,
  input  logic [23:0]      wr0_cmd_len_i,
  input  logic [1:0]       wr0_cmd_esize_i,
  input  logic [1:0]       wr0_cmd_step_i,
  input  logic             wr0_elem_valid_i,
  output logic             wr0_elem_ready_o,
  input  logic [DataW-1:0] wr0_elem_data_i,
  input  logic [CntW-1:0]  wr0_elem_count_i,
  output logic             wr0_busy_o,
  output logic             wr0_err_o,
  output logic             wr0_beat_o,
  // Master 1: reader.
  input  logic             rd1_cmd_valid_i,
  output logic             rd1_cmd_ready_o,
  input  logic [AddrW-1:0] rd1_cmd_addr_i,
  input  logic [23:0]      rd1_cmd_len_i,
  input  logic [1:0]       rd1_cmd_esize_i,
  input  logic             rd1_cmd_wide_i,
  output logic             rd1_elem_valid_o,
  input  logic             rd1_elem_ready_i,
  output logic [31:0]      rd1_elem_data_o,
  output logic [DataW-1:0] rd1_elem_vec_o,
  output logic [CntW-1:0]  rd1_elem_count_o,
  output logic             rd1_elem_last_o,
  output logic             rd1_busy_o,
  output logic             rd1_err_o,
  output logic             rd1_beat_o,
  // Master 1: writer.
  input  logic             wr1_cmd_valid_i,
  output logic             wr1_cmd_ready_o,
  input  logic [AddrW-1:0] wr1_cmd_addr_i,
  input  logic [23:0]      wr1_cmd_len_i,
  input  logic [1:0]       wr1_cmd_esize_i,
  input  logic [1:0]       wr1_cmd_step_i,
  input  logic             wr1_elem_valid_i,
  output logic             wr1_elem_ready_o,
  input  logic [DataW-1:0] wr1_elem_data_i,
  input  logic [CntW-1:0]  wr1_elem_count_i,
  output logic             wr1_busy_o,
  output logic             wr1_err_o,
  output logic             wr1_beat_o,
  // Master 2: reader.
  input  logic             rd2_cmd_valid_i,
  output logic             rd2_cmd_ready_o,
  input  logic [AddrW-1:0] rd2_cmd_addr_i,
  input  logic [23:0]      rd2_cmd_len_i,
  input  logic [1:0]       rd2_cmd_esize_i,
  input  logic             rd2_cmd_wide_i,
  output logic             rd2_elem_valid_o,
  input  logic             rd2_elem_ready_i,
  output logic [31:0]      rd2_elem_data_o,
  output logic [DataW-1:0] rd2_elem_vec_o,
  output logic [CntW-1:0]  rd2_elem_count_o,
  output logic             rd2_elem_last_o,
  output logic             rd2_busy_o,
  output logic             rd2_err_o,
  output logic             rd2_beat_o,
  // Master 2: writer.
  input  logic             wr2_cmd_valid_i,
  output logic             wr2_cmd_ready_o,
  input  logic [AddrW-1:0] wr2_cmd_addr_i,
  input  logic [23:0]      wr2_cmd_len_i,
  input  logic [1:0]       wr2_cmd_esize_i,
  input  logic [1:0]       wr2_cmd_step_i,
  input  logic             wr2_elem_valid_i,
  output logic             wr2_elem_ready_o,
  input  logic [DataW-1:0] wr2_elem_data_i,
  input  logic [CntW-1:0]  wr2_elem_count_i,
  output logic             wr2_busy_o,
  output logic             wr2_err_o,
  output logic             wr2_beat_o,
  // AXI4 master: the memory port.
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
  input  logic [1:0]       m_axi_bresp
);

  localparam int unsigned NumMasters = 3;

  ganpu_axi_pkg::req_t  [NumMasters-1:0] dma_req;
  ganpu_axi_pkg::resp_t [NumMasters-1:0] dma_resp;
  ganpu_axi_pkg::req_t                   mem_req;
  ganpu_axi_pkg::resp_t                  mem_resp;

  // The per-master ports as arrays.
  logic [NumMasters-1:0]            rd_cmd_valid, rd_cmd_ready, rd_cmd_wide, rd_elem_valid;
  logic [NumMasters-1:0]            rd_elem_ready, rd_elem_last, rd_busy, rd_err, rd_beat;
  logic [NumMasters-1:0][AddrW-1:0] rd_cmd_addr, wr_cmd_addr;
  logic [NumMasters-1:0][23:0]      rd_cmd_len, wr_cmd_len;
  logic [NumMasters-1:0][1:0]       rd_cmd_esize, wr_cmd_esize, wr_cmd_step;
  logic [NumMasters-1:0][31:0]      rd_elem_data;
  logic [NumMasters-1:0][DataW-1:0] rd_elem_vec, wr_elem_data;
  logic [NumMasters-1:0][CntW-1:0]  rd_elem_count, wr_elem_count;
  logic [NumMasters-1:0]            wr_cmd_valid, wr_cmd_ready, wr_elem_valid, wr_elem_ready;
  logic [NumMasters-1:0]            wr_busy, wr_err, wr_beat;

  assign rd_cmd_valid[0] = rd0_cmd_valid_i;
  assign rd_cmd_addr[0]  = rd0_cmd_addr_i;
  assign rd_cmd_len[0]   = rd0_cmd_len_i;
  assign rd_cmd_esize[0] = rd0_cmd_esize_i;
  assign rd_cmd_wide[0]  = rd0_cmd_wide_i;
  assign rd_elem_ready[0] = rd0_elem_ready_i;
  assign rd0_cmd_ready_o  = rd_cmd_ready[0];
  assign rd0_elem_valid_o = rd_elem_valid[0];
  assign rd0_elem_data_o  = rd_elem_data[0];
  assign rd0_elem_vec_o   = rd_elem_vec[0];
  assign rd0_elem_count_o = rd_elem_count[0];
  assign rd0_elem_last_o  = rd_elem_last[0];
  assign rd0_busy_o       = rd_busy[0];
  assign rd0_err_o        = rd_err[0];
  assign rd0_beat_o       = rd_beat[0];
  assign wr_cmd_valid[0] = wr0_cmd_valid_i;
  assign wr_cmd_addr[0]  = wr0_cmd_addr_i;
  assign wr_cmd_len[0]   = wr0_cmd_len_i;
  assign wr_cmd_esize[0] = wr0_cmd_esize_i;
  assign wr_cmd_step[0]  = wr0_cmd_step_i;
  assign wr_elem_valid[0] = wr0_elem_valid_i;
  assign wr_elem_data[0]  = wr0_elem_data_i;
  assign wr_elem_count[0] = wr0_elem_count_i;
  assign wr0_cmd_ready_o  = wr_cmd_ready[0];
  assign wr0_elem_ready_o = wr_elem_ready[0];
  assign wr0_busy_o       = wr_busy[0];
  assign wr0_err_o        = wr_err[0];
  assign wr0_beat_o       = wr_beat[0];

  assign rd_cmd_valid[1] = rd1_cmd_valid_i;
  assign rd_cmd_addr[1]  = rd1_cmd_addr_i;
  assign rd_cmd_len[1]   = rd1_cmd_len_i;
  assign rd_cmd_esize[1] = rd1_cmd_esize_i;
  assign rd_cmd_wide[1]  = rd1_cmd_wide_i;
  assign rd_elem_ready[1] = rd1_elem_ready_i;
  assign rd1_cmd_ready_o  = rd_cmd_ready[1];
  assign rd1_elem_valid_o = rd_elem_valid[1];
  assign rd1_elem_data_o  = rd_elem_data[1];
  assign rd1_elem_vec_o   = rd_elem_vec[1];
  assign rd1_elem_count_o = rd_elem_count[1];
  assign rd1_elem_last_o  = rd_elem_last[1];
  assign rd1_busy_o       = rd_busy[1];
  assign rd1_err_o        = rd_err[1];
  assign rd1_beat_o       = rd_beat[1];
  assign wr_cmd_valid[1] = wr1_cmd_valid_i;
  assign wr_cmd_addr[1]  = wr1_cmd_addr_i;
  assign wr_cmd_len[1]   = wr1_cmd_len_i;
  assign wr_cmd_esize[1] = wr1_cmd_esize_i;
  assign wr_cmd_step[1]  = wr1_cmd_step_i;
  assign wr_elem_valid[1] = wr1_elem_valid_i;
  assign wr_elem_data[1]  = wr1_elem_data_i;
  assign wr_elem_count[1] = wr1_elem_count_i;
  assign wr1_cmd_ready_o  = wr_cmd_ready[1];
  assign wr1_elem_ready_o = wr_elem_ready[1];
  assign wr1_busy_o       = wr_busy[1];
  assign wr1_err_o        = wr_err[1];
  assign wr1_beat_o       = wr_beat[1];

  assign rd_cmd_valid[2] = rd2_cmd_valid_i;
  assign rd_cmd_addr[2]  = rd2_cmd_addr_i;
  assign rd_cmd_len[2]   = rd2_cmd_len_i;
  assign rd_cmd_esize[2] = rd2_cmd_esize_i;
  assign rd_cmd_wide[2]  = rd2_cmd_wide_i;
  assign rd_elem_ready[2] = rd2_elem_ready_i;
  assign rd2_cmd_ready_o  = rd_cmd_ready[2];
  assign rd2_elem_valid_o = rd_elem_valid[2];
  assign rd2_elem_data_o  = rd_elem_data[2];
  assign rd2_elem_vec_o   = rd_elem_vec[2];
  assign rd2_elem_count_o = rd_elem_count[2];
  assign rd2_elem_last_o  = rd_elem_last[2];
  assign rd2_busy_o       = rd_busy[2];
  assign rd2_err_o        = rd_err[2];
  assign rd2_beat_o       = rd_beat[2];
  assign wr_cmd_valid[2] = wr2_cmd_valid_i;
  assign wr_cmd_addr[2]  = wr2_cmd_addr_i;
  assign wr_cmd_len[2]   = wr2_cmd_len_i;
  assign wr_cmd_esize[2] = wr2_cmd_esize_i;
  assign wr_cmd_step[2]  = wr2_cmd_step_i;
  assign wr_elem_valid[2] = wr2_elem_valid_i;
  assign wr_elem_data[2]  = wr2_elem_data_i;
  assign wr_elem_count[2] = wr2_elem_count_i;
  assign wr2_cmd_ready_o  = wr_cmd_ready[2];
  assign wr2_elem_ready_o = wr_elem_ready[2];
  assign wr2_busy_o       = wr_busy[2];
  assign wr2_err_o        = wr_err[2];
  assign wr2_beat_o       = wr_beat[2];

  for (genvar m = 0; m < NumMasters; m++) begin : gen_master
    logic [MstIdW-1:0] arid, awid;

    ganpu_dma_rd #(
      .AddrW         (AddrW),
      .DataW         (DataW),
      .IdW           (MstIdW),
      .MaxBurstBeats (MaxBurstBeats),
      .MaxOutstanding(RdMaxOutstanding),
      .CmdDepth      (CmdDepth)
    ) u_rd (
      .clk_i        (clk_i),
      .rst_ni       (rst_ni),
      .cmd_valid_i  (rd_cmd_valid[m]),
      .cmd_ready_o  (rd_cmd_ready[m]),
      .cmd_addr_i   (rd_cmd_addr[m]),
      .cmd_len_i    (rd_cmd_len[m]),
      .cmd_esize_i  (rd_cmd_esize[m]),
      .cmd_wide_i   (rd_cmd_wide[m]),
      .elem_valid_o (rd_elem_valid[m]),
      .elem_ready_i (rd_elem_ready[m]),
      .elem_data_o  (rd_elem_data[m]),
      .elem_vec_o   (rd_elem_vec[m]),
      .elem_count_o (rd_elem_count[m]),
      .elem_last_o  (rd_elem_last[m]),
      .m_axi_arvalid(dma_req[m].ar_valid),
      .m_axi_arready(dma_resp[m].ar_ready),
      .m_axi_arid   (arid),
      .m_axi_araddr (dma_req[m].ar.addr),
      .m_axi_arlen  (dma_req[m].ar.len),
      .m_axi_arsize (dma_req[m].ar.size),
      .m_axi_arburst(dma_req[m].ar.burst),
      .m_axi_rvalid (dma_resp[m].r_valid),
      .m_axi_rready (dma_req[m].r_ready),
      .m_axi_rid    (dma_resp[m].r.id[MstIdW-1:0]),
      .m_axi_rdata  (dma_resp[m].r.data),
      .m_axi_rresp  (dma_resp[m].r.resp),
      .m_axi_rlast  (dma_resp[m].r.last),
      .busy_o       (rd_busy[m]),
      .err_o        (rd_err[m]),
      .clear_err_i  (1'b0),
      .flush_i      (1'b0),
      .beat_o       (rd_beat[m])
    );

    ganpu_dma_wr #(
      .AddrW         (AddrW),
      .DataW         (DataW),
      .IdW           (MstIdW),
      .MaxBurstBeats (MaxBurstBeats),
      .MaxOutstanding(WrMaxOutstanding),
      .CmdDepth      (CmdDepth)
    ) u_wr (
      .clk_i        (clk_i),
      .rst_ni       (rst_ni),
      .cmd_valid_i  (wr_cmd_valid[m]),
      .cmd_ready_o  (wr_cmd_ready[m]),
      .cmd_addr_i   (wr_cmd_addr[m]),
      .cmd_len_i    (wr_cmd_len[m]),
      .cmd_esize_i  (wr_cmd_esize[m]),
      .cmd_step_i   (wr_cmd_step[m]),
      .elem_valid_i (wr_elem_valid[m]),
      .elem_ready_o (wr_elem_ready[m]),
      .elem_data_i  (wr_elem_data[m]),
      .elem_count_i (wr_elem_count[m]),
      .m_axi_awvalid(dma_req[m].aw_valid),
      .m_axi_awready(dma_resp[m].aw_ready),
      .m_axi_awid   (awid),
      .m_axi_awaddr (dma_req[m].aw.addr),
      .m_axi_awlen  (dma_req[m].aw.len),
      .m_axi_awsize (dma_req[m].aw.size),
      .m_axi_awburst(dma_req[m].aw.burst),
      .m_axi_wvalid (dma_req[m].w_valid),
      .m_axi_wready (dma_resp[m].w_ready),
      .m_axi_wdata  (dma_req[m].w.data),
      .m_axi_wstrb  (dma_req[m].w.strb),
      .m_axi_wlast  (dma_req[m].w.last),
      .m_axi_bvalid (dma_resp[m].b_valid),
      .m_axi_bready (dma_req[m].b_ready),
      .m_axi_bid    (dma_resp[m].b.id[MstIdW-1:0]),
      .m_axi_bresp  (dma_resp[m].b.resp),
      .busy_o       (wr_busy[m]),
      .err_o        (wr_err[m]),
      .clear_err_i  (1'b0),
      .beat_o       (wr_beat[m])
    );

    assign dma_req[m].ar.id = IdW'(arid);
    assign dma_req[m].aw.id = IdW'(awid);

    // The mux gives a master zeros above its own ID bits.
    logic unused_id;
    assign unused_id = ^{dma_resp[m].r.id[IdW-1:MstIdW], dma_resp[m].b.id[IdW-1:MstIdW]};
  end

  ganpu_axi_mux #(
    .NumMasters (NumMasters),
    .ShareW     (ShareW),
    .MaxWrBursts(MaxWrBursts)
  ) u_mux (
    .clk_i     (clk_i),
    .rst_ni    (rst_ni),
    .shares_i  ({share2_i, share1_i, share0_i}),
    .slv_req_i (dma_req),
    .slv_resp_o(dma_resp),
    .mst_req_o (mem_req),
    .mst_resp_i(mem_resp)
  );

  // The memory port, flat.
  ganpu_axi_ports u_ports (
    .req_i        (mem_req),
    .resp_o       (mem_resp),
    .m_axi_arvalid(m_axi_arvalid),
    .m_axi_arready(m_axi_arready),
    .m_axi_arid   (m_axi_arid),
    .m_axi_araddr (m_axi_araddr),
    .m_axi_arlen  (m_axi_arlen),
    .m_axi_arsize (m_axi_arsize),
    .m_axi_arburst(m_axi_arburst),
    .m_axi_rvalid (m_axi_rvalid),
    .m_axi_rready (m_axi_rready),
    .m_axi_rid    (m_axi_rid),
    .m_axi_rdata  (m_axi_rdata),
    .m_axi_rresp  (m_axi_rresp),
    .m_axi_rlast  (m_axi_rlast),
    .m_axi_awvalid(m_axi_awvalid),
    .m_axi_awready(m_axi_awready),
    .m_axi_awid   (m_axi_awid),
    .m_axi_awaddr (m_axi_awaddr),
    .m_axi_awlen  (m_axi_awlen),
    .m_axi_awsize (m_axi_awsize),
    .m_axi_awburst(m_axi_awburst),
    .m_axi_wvalid (m_axi_wvalid),
    .m_axi_wready (m_axi_wready),
    .m_axi_wdata  (m_axi_wdata),
    .m_axi_wstrb  (m_axi_wstrb),
    .m_axi_wlast  (m_axi_wlast),
    .m_axi_bvalid (m_axi_bvalid),
    .m_axi_bready (m_axi_bready),
    .m_axi_bid    (m_axi_bid),
    .m_axi_bresp  (m_axi_bresp)
  );

endmodule
