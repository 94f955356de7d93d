// OpenGANPU accelerator top: AXI4-Lite control registers (ganpu_regs), one core, and an
// AXI4 master (64-bit data) for memory. Plain ports only, so Verilator can drive them.
module ganpu_top #(
  parameter int unsigned PeRows     = 4,
  parameter int unsigned PeCols     = 4,
  parameter int unsigned FormatBf16 = 0,     // 0: FP16 operands, 1: BF16
  parameter int unsigned ADepth     = 8192,  // elements per A buffer copy
  parameter int unsigned BDepth     = 2048,  // elements per B buffer row
  parameter int unsigned SkipWalk   = 1,     // build the zero-skipping walk (OP.SKIP)
  localparam int unsigned ExpW      = (FormatBf16 != 0) ? fp_pkg::Bf16ExpW : fp_pkg::Fp16ExpW,
  localparam int unsigned ManW      = (FormatBf16 != 0) ? fp_pkg::Bf16ManW : fp_pkg::Fp16ManW,
  // Gating-mask buffer: the mask bytes of one staged box (an A box or a block of B rows),
  // with room for the byte padding of each plane.
  localparam int unsigned GmBits    = 2 * ((ADepth > PeRows * BDepth) ? ADepth : PeRows * BDepth),
  localparam int unsigned GmDepth   = 2 ** $clog2(GmBits / 8),
  localparam int unsigned IdW       = 4
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  output logic           irq_o,
  // AXI4-Lite slave: control and status.
  input  logic           s_axil_awvalid,
  output logic           s_axil_awready,
  input  logic [11:0]    s_axil_awaddr,
  input  logic           s_axil_wvalid,
  output logic           s_axil_wready,
  input  logic [31:0]    s_axil_wdata,
  input  logic [3:0]     s_axil_wstrb,
  output logic           s_axil_bvalid,
  input  logic           s_axil_bready,
  output logic [1:0]     s_axil_bresp,
  input  logic           s_axil_arvalid,
  output logic           s_axil_arready,
  input  logic [11:0]    s_axil_araddr,
  output logic           s_axil_rvalid,
  input  logic           s_axil_rready,
  output logic [31:0]    s_axil_rdata,
  output logic [1:0]     s_axil_rresp,
  // AXI4 master: memory.
  output logic           m_axi_arvalid,
  input  logic           m_axi_arready,
  output logic [IdW-1:0] m_axi_arid,
  output logic [31:0]    m_axi_araddr,
  output logic [7:0]     m_axi_arlen,
  output logic [2:0]     m_axi_arsize,
  output logic [1:0]     m_axi_arburst,
  input  logic           m_axi_rvalid,
  output logic           m_axi_rready,
  input  logic [IdW-1:0] m_axi_rid,
  input  logic [63:0]    m_axi_rdata,
  input  logic [1:0]     m_axi_rresp,
  input  logic           m_axi_rlast,
  output logic           m_axi_awvalid,
  input  logic           m_axi_awready,
  output logic [IdW-1:0] m_axi_awid,
  output logic [31:0]    m_axi_awaddr,
  output logic [7:0]     m_axi_awlen,
  output logic [2:0]     m_axi_awsize,
  output logic [1:0]     m_axi_awburst,
  output logic           m_axi_wvalid,
  input  logic           m_axi_wready,
  output logic [63:0]    m_axi_wdata,
  output logic [7:0]     m_axi_wstrb,
  output logic           m_axi_wlast,
  input  logic           m_axi_bvalid,
  output logic           m_axi_bready,
  input  logic [IdW-1:0] m_axi_bid,
  input  logic [1:0]     m_axi_bresp
);

  // The core's stagers take a beat's 16-bit elements at once (ganpu_core_pkg::BusBytes).
  if ($bits(m_axi_rdata) != 8 * ganpu_core_pkg::BusBytes) begin : gen_bad_bus
    $error("ganpu_top: the AXI data width differs from ganpu_core_pkg::BusBytes");
  end

  ganpu_reg_pkg::desc_t desc;
  logic        start, busy, done, error;
  logic [7:0]  error_code;
  ganpu_core_pkg::perf_t perf;

  ganpu_regs #(
    .PeRows    (PeRows),
    .PeCols    (PeCols),
    .FormatBf16(FormatBf16),
    .ADepthLog2($clog2(ADepth)),
    .BDepthLog2($clog2(BDepth)),
    .GmDepthLog2($clog2(GmDepth)),
    .SkipWalk  (SkipWalk)
  ) u_regs (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .s_axil_awvalid(s_axil_awvalid),
    .s_axil_awready(s_axil_awready),
    .s_axil_awaddr (s_axil_awaddr),
    .s_axil_wvalid (s_axil_wvalid),
    .s_axil_wready (s_axil_wready),
    .s_axil_wdata  (s_axil_wdata),
    .s_axil_wstrb  (s_axil_wstrb),
    .s_axil_bvalid (s_axil_bvalid),
    .s_axil_bready (s_axil_bready),
    .s_axil_bresp  (s_axil_bresp),
    .s_axil_arvalid(s_axil_arvalid),
    .s_axil_arready(s_axil_arready),
    .s_axil_araddr (s_axil_araddr),
    .s_axil_rvalid (s_axil_rvalid),
    .s_axil_rready (s_axil_rready),
    .s_axil_rdata  (s_axil_rdata),
    .s_axil_rresp  (s_axil_rresp),
    .desc_o        (desc),
    .start_o       (start),
    .busy_i        (busy),
    .done_i        (done),
    .error_i       (error),
    .error_code_i  (error_code),
    .perf_i        (perf),
    .irq_o         (irq_o)
  );

  logic        rd_cmd_valid, rd_cmd_ready, rd_elem_valid, rd_elem_ready, rd_beat, rd_err;
  logic [31:0] rd_cmd_addr, rd_elem_data;
  logic [23:0] rd_cmd_len;
  logic [1:0]  rd_cmd_esize;
  logic        rd_elem_last, rd_busy, rd_cmd_wide;
  logic [63:0] rd_elem_vec;
  logic [3:0]  rd_elem_count;
  logic        wr_cmd_valid, wr_cmd_ready, wr_elem_valid, wr_elem_ready, wr_beat, wr_err, wr_busy;
  logic [31:0] wr_cmd_addr;
  logic [63:0] wr_elem_data;
  logic [3:0]  wr_elem_count;
  logic [23:0] wr_cmd_len;
  logic [1:0]  wr_cmd_esize, wr_cmd_step;
  logic        clear_err, rd_flush;

  ganpu_core #(
    .PeRows(PeRows),
    .PeCols(PeCols),
    .ExpW  (ExpW),
    .ManW  (ManW),
    .ADepth(ADepth),
    .BDepth(BDepth),
    .GmDepth(GmDepth),
    .SkipWalk(SkipWalk != 0)
  ) u_core (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .desc_i         (desc),
    .start_i        (start),
    .busy_o         (busy),
    .done_o         (done),
    .error_o        (error),
    .error_code_o   (error_code),
    .perf_o         (perf),
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

  // Many bursts in flight (ganpu_cfg_pkg): staging reads single elements where the operand is
  // not contiguous, and each such read is a burst of its own.
  ganpu_dma_rd #(
    .IdW           (IdW),
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
    .busy_o       (rd_busy),
    .err_o        (rd_err),
    .clear_err_i  (clear_err),
    .flush_i      (rd_flush),
    .beat_o       (rd_beat)
  );

  // Many writes in flight too: outputs with strided addresses are written in short bursts.
  ganpu_dma_wr #(
    .IdW           (IdW),
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
    .m_axi_bresp  (m_axi_bresp),
    .busy_o       (wr_busy),
    .err_o        (wr_err),
    .clear_err_i  (clear_err),
    .beat_o       (wr_beat)
  );

  // The core tracks its own elements; the read DMA's framing bits are not needed.
  logic unused_rd;
  assign unused_rd = rd_elem_last;

endmodule
