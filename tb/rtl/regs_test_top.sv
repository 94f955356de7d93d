// Test wrapper of ganpu_regs for Verilator: the same ports, with desc_o flattened to a plain
// vector (the first descriptor register in the most significant bits, as in desc_t).
module regs_test_top #(
  parameter int unsigned PeRows     = 4,
  parameter int unsigned PeCols     = 4,
  parameter int unsigned FormatBf16 = 0,
  parameter int unsigned ADepthLog2 = 13,
  parameter int unsigned BDepthLog2 = 11,
  parameter int unsigned GmDepthLog2 = 11,
  localparam int unsigned DescW     = $bits(ganpu_reg_pkg::desc_t)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             s_axil_awvalid,
  output logic             s_axil_awready,
  input  logic [11:0]      s_axil_awaddr,
  input  logic             s_axil_wvalid,
  output logic             s_axil_wready,
  input  logic [31:0]      s_axil_wdata,
  input  logic [3:0]       s_axil_wstrb,
  output logic             s_axil_bvalid,
  input  logic             s_axil_bready,
  output logic [1:0]       s_axil_bresp,
  input  logic             s_axil_arvalid,
  output logic             s_axil_arready,
  input  logic [11:0]      s_axil_araddr,
  output logic             s_axil_rvalid,
  input  logic             s_axil_rready,
  output logic [31:0]      s_axil_rdata,
  output logic [1:0]       s_axil_rresp,
  output logic [DescW-1:0] desc_o,
  output logic             start_o,
  output logic             run_queues_o,
  input  logic             busy_i,
  input  logic             done_i,
  input  logic             error_i,
  input  logic [7:0]       error_code_i,
  input  logic [63:0]      cnt_cycles_i,
  input  logic [63:0]      cnt_busy_i,
  input  logic [63:0]      cnt_stall_i,
  input  logic [63:0]      cnt_macs_i,
  input  logic [63:0]      cnt_rd_bytes_i,
  input  logic [63:0]      cnt_wr_bytes_i,
  input  logic [63:0]      cnt_stall_load_i,
  input  logic [63:0]      cnt_stall_store_i,
  input  logic [63:0]      cnt_stall_setup_i,
  input  logic [63:0]      cnt_stall_drain_i,
  input  logic [63:0]      cnt_a_reads_i,
  input  logic [63:0]      cnt_b_reads_i,
  input  logic [63:0]      cnt_nz_reads_i,
  input  logic [63:0]      cnt_buf_writes_i,
  output logic             irq_o
);

  ganpu_reg_pkg::desc_t desc;
  ganpu_core_pkg::perf_t perf;

  // Flat ports for the C++ test; the block takes the struct.
  assign perf = '{
    cycles:      cnt_cycles_i,
    busy:        cnt_busy_i,
    stall:       cnt_stall_i,
    stall_load:  cnt_stall_load_i,
    stall_store: cnt_stall_store_i,
    stall_setup: cnt_stall_setup_i,
    stall_drain: cnt_stall_drain_i,
    macs:        cnt_macs_i,
    rd_bytes:    cnt_rd_bytes_i,
    wr_bytes:    cnt_wr_bytes_i,
    a_reads:     cnt_a_reads_i,
    b_reads:     cnt_b_reads_i,
    nz_reads:    cnt_nz_reads_i,
    buf_writes:  cnt_buf_writes_i
  };

  ganpu_regs #(
    .PeRows    (PeRows),
    .PeCols    (PeCols),
    .FormatBf16(FormatBf16),
    .ADepthLog2(ADepthLog2),
    .BDepthLog2(BDepthLog2),
    .GmDepthLog2(GmDepthLog2)
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
    .start_o       (start_o),
    .run_queues_o  (run_queues_o),
    .busy_i        (busy_i),
    .done_i        (done_i),
    .error_i       (error_i),
    .error_code_i  (error_code_i),
    .perf_i        (perf),
    .irq_o         (irq_o),
    .ext_we_o      (ext_we),
    .ext_waddr_o   (ext_waddr),
    .ext_wdata_o   (ext_wdata),
    .ext_wstrb_o   (ext_wstrb),
    .ext_wr_hit_i  (ext_wr_hit),
    .ext_wr_rw_i   (ext_wr_rw),
    .ext_raddr_o   (ext_raddr),
    .ext_rd_hit_i  (ext_rd_hit),
    .ext_rdata_i   (ext_rdata)
  );

  // The queue registers as in ganpu_top (2 cores), with their status inputs at 0, so that the
  // whole map answers here.
  logic        ext_we, ext_wr_hit, ext_wr_rw, ext_rd_hit;
  logic [11:0] ext_waddr, ext_raddr;
  logic [31:0] ext_wdata, ext_rdata;
  logic [3:0]  ext_wstrb;
  ganpu_reg_pkg::astm_mode_e mode;
  logic [1:0]                split;
  logic [1:0][3:0]           shares;
  logic [1:0][31:0]          q_base;
  logic [1:0][23:0]          q_count;
  logic [7:0]                perf_sel;

  ganpu_astm_regs #(
    .NCores(2)
  ) u_astm_regs (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .we_i         (ext_we),
    .waddr_i      (ext_waddr),
    .wdata_i      (ext_wdata),
    .wstrb_i      (ext_wstrb),
    .wr_hit_o     (ext_wr_hit),
    .wr_rw_o      (ext_wr_rw),
    .raddr_i      (ext_raddr),
    .rd_hit_o     (ext_rd_hit),
    .rdata_o      (ext_rdata),
    .mode_o       (mode),
    .split_o      (split),
    .shares_o     (shares),
    .q_base_o     (q_base),
    .q_count_o    (q_count),
    .perf_sel_o   (perf_sel),
    .q_done_i     ('0),
    .err_queue_i  (1'b0),
    .err_index_i  ('0),
    .prog_cycles_i('0),
    .perf_i       ('0)
  );

  logic unused;
  assign unused = ^{mode, split, shares, q_base, q_count, perf_sel};

  assign desc_o = desc;

endmodule
