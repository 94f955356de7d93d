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
    .busy_i        (busy_i),
    .done_i        (done_i),
    .error_i       (error_i),
    .error_code_i  (error_code_i),
    .perf_i        (perf),
    .irq_o         (irq_o)
  );

  assign desc_o = desc;

endmodule
