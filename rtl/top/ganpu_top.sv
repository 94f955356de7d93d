// OpenGANPU accelerator top: AXI4-Lite control registers (ganpu_regs, ganpu_astm_regs), NCores
// cores with their DMAs (ganpu_core_tile), the workload multiplexer (ganpu_wl_mux) with one
// command fetcher per queue, and an interconnect (ganpu_axi_mux) onto one AXI4 master (64-bit
// data) for memory. A job written to the descriptor registers runs on core 0; a queue program
// (CTRL.RUN_QUEUES) runs on every core (docs/astm.md). Plain ports, so Verilator can drive them.
module ganpu_top #(
  parameter int unsigned PeRows     = 4,
  parameter int unsigned PeCols     = 4,
  parameter int unsigned FormatBf16 = 0,     // 0: FP16 operands, 1: BF16
  parameter int unsigned ADepth     = 8192,  // elements per A buffer copy
  parameter int unsigned BDepth     = 2048,  // elements per B buffer row
  parameter int unsigned SkipWalk   = 1,     // build the zero-skipping walk (OP.SKIP)
  parameter int unsigned NCores     = 2,     // cores sharing the memory port (1..8)
  localparam int unsigned ExpW      = (FormatBf16 != 0) ? fp_pkg::Bf16ExpW : fp_pkg::Fp16ExpW,
  localparam int unsigned ManW      = (FormatBf16 != 0) ? fp_pkg::Bf16ManW : fp_pkg::Fp16ManW,
  // Gating-mask buffer: the mask bytes of one staged box (an A box or a block of B rows),
  // with room for the byte padding of each plane.
  localparam int unsigned GmBits    = 2 * ((ADepth > PeRows * BDepth) ? ADepth : PeRows * BDepth),
  localparam int unsigned GmDepth   = 2 ** $clog2(GmBits / 8),
  localparam int unsigned IdW       = ganpu_axi_pkg::IdW
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
  input  logic [1:0]     m_axi_bresp,
  // Which job each core runs: bit 31 a queue program's job is on it, bit 30 its queue, bits
  // 23:0 its index there. For the runtime's per-core timeline and the waveforms; not a register.
  output logic [NCores-1:0][31:0] trace_o
);

  // The core's stagers take a beat's 16-bit elements at once (ganpu_core_pkg::BusBytes).
  if ($bits(m_axi_rdata) != 8 * ganpu_core_pkg::BusBytes) begin : gen_bad_bus
    $error("ganpu_top: the AXI data width differs from ganpu_core_pkg::BusBytes");
  end

  localparam int unsigned NQ       = ganpu_astm_pkg::NumQueues;
  localparam int unsigned NMasters = NCores + NQ;  // the cores, then the command fetchers

  // --- Registers ----------------------------------------------------------------------------------
  ganpu_reg_pkg::desc_t reg_desc;
  logic                 reg_start, run_queues, busy, done, error;
  logic [7:0]           error_code;
  logic                 ext_we, ext_wr_hit, ext_wr_rw, ext_rd_hit;
  logic [11:0]          ext_waddr, ext_raddr;
  logic [31:0]          ext_wdata, ext_rdata;
  logic [3:0]           ext_wstrb;

  ganpu_reg_pkg::astm_mode_e mode;
  logic [NCores-1:0]         split;
  logic [NCores-1:0][3:0]    core_shares;
  logic [NQ-1:0][31:0]       q_base, q_done;
  logic [NQ-1:0][23:0]       q_count;
  logic [7:0]                perf_sel;
  logic                      err_queue;
  logic [23:0]               err_index;
  logic [63:0]               prog_cycles;
  ganpu_astm_pkg::perf_t     mc_perf;

  // Per core.
  ganpu_reg_pkg::desc_t  [NCores-1:0] core_desc, mux_desc;
  logic                  [NCores-1:0] core_start, mux_start, core_busy, core_done, core_error;
  logic                  [NCores-1:0] core_run, core_queue;
  logic [NCores-1:0][23:0]            core_job;
  logic [NCores-1:0][7:0]             core_error_code;
  ganpu_core_pkg::perf_t [NCores-1:0] core_perf;

  // The program.
  logic                      prog_busy, prog_done, prog_error, prog_halt, fetch_err, fetch_busy;
  logic [7:0]                prog_error_code;
  logic [NQ-1:0]             rec_valid, rec_ready, q_empty, q_fetch_err, q_fetch_busy, q_blocked;
  logic [NQ-1:0][ganpu_astm_pkg::RecWords-1:0][31:0] rec;

  // A direct job is core 0's alone, and never overlaps a program (both are refused while busy).
  assign busy       = prog_busy || (core_busy != '0);
  assign done       = prog_done || (core_done[0] && !prog_busy);
  assign error      = prog_error || (core_error[0] && !prog_busy);
  assign error_code = prog_done ? prog_error_code : core_error_code[0];

  ganpu_regs #(
    .PeRows     (PeRows),
    .PeCols     (PeCols),
    .FormatBf16 (FormatBf16),
    .ADepthLog2 ($clog2(ADepth)),
    .BDepthLog2 ($clog2(BDepth)),
    .GmDepthLog2($clog2(GmDepth)),
    .SkipWalk   (SkipWalk)
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
    .desc_o        (reg_desc),
    .start_o       (reg_start),
    .run_queues_o  (run_queues),
    .busy_i        (busy),
    .done_i        (done),
    .error_i       (error),
    .error_code_i  (error_code),
    .perf_i        (core_perf[0]),
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

  ganpu_astm_regs #(
    .NCores(NCores)
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
    .shares_o     (core_shares),
    .q_base_o     (q_base),
    .q_count_o    (q_count),
    .perf_sel_o   (perf_sel),
    .q_done_i     (q_done),
    .err_queue_i  (err_queue),
    .err_index_i  (err_index),
    .prog_cycles_i(prog_cycles),
    .perf_i       (mc_perf)
  );

  // --- Command queues and the workload multiplexer ------------------------------------------------
  ganpu_axi_pkg::req_t  [NMasters-1:0] axi_req;
  ganpu_axi_pkg::resp_t [NMasters-1:0] axi_resp;

  for (genvar q = 0; q < NQ; q++) begin : gen_fetch
    ganpu_cmd_fetch u_fetch (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .start_i    (run_queues),
      .abort_i    (prog_halt),
      .base_i     (q_base[q]),
      .count_i    (q_count[q]),
      .rec_valid_o(rec_valid[q]),
      .rec_ready_i(rec_ready[q]),
      .rec_o      (rec[q]),
      .empty_o    (q_empty[q]),
      .err_o      (q_fetch_err[q]),
      .busy_o     (q_fetch_busy[q]),
      .axi_req_o  (axi_req[NCores + q]),
      .axi_resp_i (axi_resp[NCores + q])
    );
  end
  assign fetch_err  = (q_fetch_err != '0);
  assign fetch_busy = (q_fetch_busy != '0);

  ganpu_wl_mux #(
    .NCores(NCores)
  ) u_wl_mux (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .start_i          (run_queues),
    .mode_i           (mode),
    .split_i          (split),
    .rec_valid_i      (rec_valid),
    .rec_ready_o      (rec_ready),
    .rec_i            (rec),
    .q_empty_i        (q_empty),
    .fetch_err_i      (fetch_err),
    .fetch_busy_i     (fetch_busy),
    .core_start_o     (mux_start),
    .core_desc_o      (mux_desc),
    .core_run_o       (core_run),
    .core_queue_o     (core_queue),
    .core_job_o       (core_job),
    .core_done_i      (core_done & core_run),
    .core_error_i     (core_error & core_run),
    .core_error_code_i(core_error_code),
    .busy_o           (prog_busy),
    .halt_o           (prog_halt),
    .done_o           (prog_done),
    .error_o          (prog_error),
    .error_code_o     (prog_error_code),
    .err_queue_o      (err_queue),
    .err_index_o      (err_index),
    .q_done_o         (q_done),
    .q_blocked_o      (q_blocked)
  );

  ganpu_astm_perf #(
    .NCores(NCores)
  ) u_perf (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .start_i     (run_queues),
    .busy_i      (prog_busy),
    .core_run_i  (core_run),
    .core_queue_i(core_queue),
    .core_done_i (core_done),
    .core_perf_i (core_perf),
    .sel_i       (perf_sel),
    .perf_o      (mc_perf),
    .cycles_o    (prog_cycles)
  );

  // --- Cores --------------------------------------------------------------------------------------
  always_comb begin
    core_desc  = mux_desc;
    core_start = mux_start;
    if (!prog_busy) begin
      core_desc[0]  = reg_desc;
      core_start[0] = reg_start;
    end
  end

  for (genvar c = 0; c < NCores; c++) begin : gen_core
    ganpu_core_tile #(
      .PeRows  (PeRows),
      .PeCols  (PeCols),
      .ExpW    (ExpW),
      .ManW    (ManW),
      .ADepth  (ADepth),
      .BDepth  (BDepth),
      .GmDepth (GmDepth),
      .SkipWalk(SkipWalk != 0)
    ) u_tile (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .desc_i      (core_desc[c]),
      .start_i     (core_start[c]),
      .forget_i    (run_queues),
      .busy_o      (core_busy[c]),
      .done_o      (core_done[c]),
      .error_o     (core_error[c]),
      .error_code_o(core_error_code[c]),
      .perf_o      (core_perf[c]),
      .axi_req_o   (axi_req[c]),
      .axi_resp_i  (axi_resp[c])
    );
  end

  // --- Interconnect -------------------------------------------------------------------------------
  logic [NMasters-1:0][3:0] shares;
  always_comb begin
    for (int unsigned m = 0; m < NMasters; m++) begin
      shares[m] = (m < NCores) ? core_shares[m] : 4'd1;
    end
  end

  ganpu_axi_pkg::req_t  mem_req;
  ganpu_axi_pkg::resp_t mem_resp;

  ganpu_axi_mux #(
    .NumMasters   (NMasters),
    .ShareW       (4),
    .MaxBurstBeats(ganpu_cfg_pkg::DmaMaxBurstBeats)
  ) u_axi_mux (
    .clk_i     (clk_i),
    .rst_ni    (rst_ni),
    .shares_i  (shares),
    .slv_req_i (axi_req),
    .slv_resp_o(axi_resp),
    .mst_req_o (mem_req),
    .mst_resp_i(mem_resp)
  );

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

  for (genvar c = 0; c < NCores; c++) begin : gen_trace
    assign trace_o[c] = {core_run[c], core_queue[c], 6'd0, core_job[c]};
  end

  // The blocked flags are for waveforms (docs/debugging.md).
  logic unused;
  assign unused = ^q_blocked;

endmodule
