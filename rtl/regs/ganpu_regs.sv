// AXI4-Lite slave and register file of OpenGANPU (docs/registers.md): identification, job
// control and status, performance counters and the job descriptor. The map comes from
// ganpu_reg_pkg, generated from rtl/regs/registers.json by scripts/gen_regs.py.
// One write and one read in flight; AW and W are accepted independently, in either order.
// Responses are OKAY, or SLVERR (the access ignored) for an unmapped address and for a
// descriptor write or a START while busy. Reads take one cycle from the AR handshake.
module ganpu_regs #(
  parameter int unsigned PeRows     = 4,
  parameter int unsigned PeCols     = 4,
  parameter int unsigned FormatBf16 = 0,
  parameter int unsigned ADepthLog2 = 13,
  parameter int unsigned BDepthLog2 = 11,
  parameter int unsigned GmDepthLog2 = 11,
  parameter int unsigned SkipWalk   = 1
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // AXI4-Lite slave: 12-bit byte addresses, 32-bit data
  input  logic                 s_axil_awvalid,
  output logic                 s_axil_awready,
  input  logic [11:0]          s_axil_awaddr,
  input  logic                 s_axil_wvalid,
  output logic                 s_axil_wready,
  input  logic [31:0]          s_axil_wdata,
  input  logic [3:0]           s_axil_wstrb,
  output logic                 s_axil_bvalid,
  input  logic                 s_axil_bready,
  output logic [1:0]           s_axil_bresp,
  input  logic                 s_axil_arvalid,
  output logic                 s_axil_arready,
  input  logic [11:0]          s_axil_araddr,
  output logic                 s_axil_rvalid,
  input  logic                 s_axil_rready,
  output logic [31:0]          s_axil_rdata,
  output logic [1:0]           s_axil_rresp,
  // To and from the core
  output ganpu_reg_pkg::desc_t desc_o,        // held stable while busy
  output logic                 start_o,       // one-cycle pulse: CTRL.START written while idle
  output logic                 run_queues_o,  // one-cycle pulse: CTRL.RUN_QUEUES, while idle
  input  logic                 busy_i,        // the core is running a job
  input  logic                 done_i,        // one-cycle pulse: the job finished
  input  logic                 error_i,       // one-cycle pulse: the job failed
  input  logic [7:0]           error_code_i,  // why, with error_i
  input  ganpu_core_pkg::perf_t perf_i,        // the job's performance counters
  output logic                 irq_o,         // level: STATUS.DONE && IRQ_ENABLE.DONE
  // Registers decoded outside (ganpu_astm_regs): a write is passed on once AW and W are in,
  // a read answered from ext_rdata_i; ext_*_hit_i says the address is one of them. Their RW
  // registers, like the descriptor, take writes only while idle (SLVERR while busy).
  output logic                 ext_we_o,
  output logic [11:0]          ext_waddr_o,
  output logic [31:0]          ext_wdata_o,
  output logic [3:0]           ext_wstrb_o,
  input  logic                 ext_wr_hit_i,
  input  logic                 ext_wr_rw_i,   // ext_waddr_o is an RW register
  output logic [11:0]          ext_raddr_o,
  input  logic                 ext_rd_hit_i,
  input  logic [31:0]          ext_rdata_i
);

  localparam int unsigned AddrW    = ganpu_reg_pkg::AddrW;
  localparam int unsigned WordW    = AddrW - 2;
  localparam int unsigned NumDesc  = ganpu_reg_pkg::DescNumRegs;
  localparam int unsigned DescIdxW = $clog2(NumDesc);
  localparam logic [1:0]  RespOkay   = 2'b00;
  localparam logic [1:0]  RespSlvErr = 2'b10;

  localparam int unsigned Slots = ganpu_core_pkg::Slots;

  // Each CONFIG/CONFIG2 field must hold its parameter.
  if (PeRows >= 2 ** ganpu_reg_pkg::ConfigPeRowsWidth ||
      PeCols >= 2 ** ganpu_reg_pkg::ConfigPeColsWidth ||
      FormatBf16 >= 2 ** ganpu_reg_pkg::ConfigFormatWidth ||
      ADepthLog2 >= 2 ** ganpu_reg_pkg::Config2ADepthLog2Width ||
      BDepthLog2 >= 2 ** ganpu_reg_pkg::Config2BDepthLog2Width ||
      GmDepthLog2 >= 2 ** ganpu_reg_pkg::Config2GmDepthLog2Width ||
      Slots >= 2 ** ganpu_reg_pkg::ConfigSlotsWidth) begin : gen_bad_params
    $error("ganpu_regs: a parameter does not fit its CONFIG/CONFIG2 field");
  end

  // The word address is all that decodes: the two byte-address bits are ignored.
  logic unused_addr_lsbs;
  assign unused_addr_lsbs = ^{s_axil_awaddr[1:0], s_axil_araddr[1:0]};

  // ---------------------------------------------------------------------------------------------
  // Write channel. AW and W wait in these registers until both are there; the write then takes
  // effect and B is raised. Neither is accepted again until B is taken: one write in flight.
  logic             aw_full_q, w_full_q, b_valid_q;
  logic [WordW-1:0] aw_word_q;
  logic [31:0]      w_data_q;
  logic [3:0]       w_strb_q;
  logic [1:0]       b_resp_q;
  logic             wr_en;
  logic [1:0]       wr_resp;

  assign s_axil_awready = !aw_full_q && !b_valid_q;
  assign s_axil_wready  = !w_full_q && !b_valid_q;
  assign wr_en          = aw_full_q && w_full_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_full_q <= 1'b0;
      w_full_q  <= 1'b0;
      b_valid_q <= 1'b0;
      b_resp_q  <= RespOkay;
    end else begin
      if (s_axil_awvalid && s_axil_awready) begin
        aw_full_q <= 1'b1;
      end else if (wr_en) begin
        aw_full_q <= 1'b0;
      end
      if (s_axil_wvalid && s_axil_wready) begin
        w_full_q <= 1'b1;
      end else if (wr_en) begin
        w_full_q <= 1'b0;
      end
      if (wr_en) begin
        b_valid_q <= 1'b1;
        b_resp_q  <= wr_resp;
      end else if (s_axil_bready) begin
        b_valid_q <= 1'b0;
      end
    end
  end

  // Payload registers, loaded on their handshake; no reset needed.
  always_ff @(posedge clk_i) begin
    if (s_axil_awvalid && s_axil_awready) begin
      aw_word_q <= s_axil_awaddr[AddrW-1:2];
    end
    if (s_axil_wvalid && s_axil_wready) begin
      w_data_q <= s_axil_wdata;
      w_strb_q <= s_axil_wstrb;
    end
  end

  assign s_axil_bvalid = b_valid_q;
  assign s_axil_bresp  = b_resp_q;

  // ---------------------------------------------------------------------------------------------
  // Write decode. The descriptor is one array of words from DescBase on; index = word offset.
  logic                busy;
  logic                start_q, run_queues_q;
  logic [WordW-1:0]    wr_desc_off;
  logic                wr_desc;
  logic [DescIdxW-1:0] wr_desc_idx;
  logic                desc_we, start_we, run_queues_we, clear_we, irq_en_we, ext_we;

  // A START is busy from its pulse on, before the core can raise busy_i.
  assign busy = busy_i || start_q || run_queues_q;

  // Addresses below DescBase wrap to large offsets, so one comparison bounds both ends.
  assign wr_desc_off = aw_word_q - ganpu_reg_pkg::DescBase[AddrW-1:2];
  assign wr_desc     = wr_desc_off < WordW'(NumDesc);
  assign wr_desc_idx = wr_desc_off[DescIdxW-1:0];

  always_comb begin
    wr_resp   = RespOkay;
    desc_we   = 1'b0;
    start_we  = 1'b0;
    run_queues_we = 1'b0;
    clear_we  = 1'b0;
    irq_en_we = 1'b0;
    ext_we    = 1'b0;
    if (ext_wr_hit_i) begin
      if (ext_wr_rw_i && busy) begin
        wr_resp = RespSlvErr;
      end else begin
        ext_we = ext_wr_rw_i;
      end
    end else if (wr_desc) begin
      if (busy) begin
        wr_resp = RespSlvErr;
      end else begin
        desc_we = 1'b1;
      end
    end else begin
      unique case ({aw_word_q, 2'b00})
        ganpu_reg_pkg::RegCtrl: begin
          // Every CTRL bit is in byte 0; START and RUN_QUEUES together start nothing.
          if (w_strb_q[0] && (w_data_q[ganpu_reg_pkg::CtrlStartLsb] ||
                              w_data_q[ganpu_reg_pkg::CtrlRunQueuesLsb])) begin
            if (busy || (w_data_q[ganpu_reg_pkg::CtrlStartLsb] &&
                         w_data_q[ganpu_reg_pkg::CtrlRunQueuesLsb])) begin
              wr_resp = RespSlvErr;
            end else begin
              start_we      = w_data_q[ganpu_reg_pkg::CtrlStartLsb];
              run_queues_we = w_data_q[ganpu_reg_pkg::CtrlRunQueuesLsb];
            end
          end
          clear_we = w_strb_q[0] && w_data_q[ganpu_reg_pkg::CtrlClearLsb];
        end
        ganpu_reg_pkg::RegIrqEnable: begin
          irq_en_we = w_strb_q[0];
        end
        // Read-only registers: the write is ignored, the answer is OKAY.
        ganpu_reg_pkg::RegId,
        ganpu_reg_pkg::RegVersion,
        ganpu_reg_pkg::RegConfig,
        ganpu_reg_pkg::RegConfig2,
        ganpu_reg_pkg::RegStatus,
        ganpu_reg_pkg::RegCyclesLo,
        ganpu_reg_pkg::RegCyclesHi,
        ganpu_reg_pkg::RegBusyCyclesLo,
        ganpu_reg_pkg::RegBusyCyclesHi,
        ganpu_reg_pkg::RegStallCyclesLo,
        ganpu_reg_pkg::RegStallCyclesHi,
        ganpu_reg_pkg::RegMacsLo,
        ganpu_reg_pkg::RegMacsHi,
        ganpu_reg_pkg::RegRdBytesLo,
        ganpu_reg_pkg::RegRdBytesHi,
        ganpu_reg_pkg::RegWrBytesLo,
        ganpu_reg_pkg::RegWrBytesHi,
        ganpu_reg_pkg::RegStallLoadLo,
        ganpu_reg_pkg::RegStallLoadHi,
        ganpu_reg_pkg::RegStallStoreLo,
        ganpu_reg_pkg::RegStallStoreHi,
        ganpu_reg_pkg::RegStallSetupLo,
        ganpu_reg_pkg::RegStallSetupHi,
        ganpu_reg_pkg::RegStallDrainLo,
        ganpu_reg_pkg::RegStallDrainHi,
        ganpu_reg_pkg::RegAReadsLo,
        ganpu_reg_pkg::RegAReadsHi,
        ganpu_reg_pkg::RegBReadsLo,
        ganpu_reg_pkg::RegBReadsHi,
        ganpu_reg_pkg::RegNzReadsLo,
        ganpu_reg_pkg::RegNzReadsHi,
        ganpu_reg_pkg::RegBufWritesLo,
        ganpu_reg_pkg::RegBufWritesHi: ;
        default: wr_resp = RespSlvErr;
      endcase
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Descriptor registers, written byte by byte; bits outside DescMask stay 0 (and synthesize
  // to constants).
  logic [NumDesc-1:0][31:0] desc_d, desc_q;

  always_comb begin
    desc_d = desc_q;
    for (int unsigned i = 0; i < NumDesc; i++) begin
      for (int unsigned b = 0; b < 4; b++) begin
        if (wr_en && desc_we && wr_desc_idx == DescIdxW'(i) && w_strb_q[b]) begin
          desc_d[i][8*b +: 8] = w_data_q[8*b +: 8] & ganpu_reg_pkg::DescMask[i][8*b +: 8];
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      desc_q <= ganpu_reg_pkg::DescReset;
    end else begin
      desc_q <= desc_d;
    end
  end

  assign desc_o = ganpu_reg_pkg::desc_from_regs(desc_q);

  // ---------------------------------------------------------------------------------------------
  // Control and status.
  logic       done_d, done_q, error_d, error_q, irq_en_q;
  logic [7:0] error_code_d, error_code_q;

  always_comb begin
    done_d       = done_q;
    error_d      = error_q;
    error_code_d = error_code_q;
    if (wr_en && clear_we) begin
      done_d       = 1'b0;
      error_d      = 1'b0;
      error_code_d = '0;
    end
    // The core's report wins over a CLEAR in the same cycle: no finished job goes unseen.
    if (done_i) begin
      done_d = 1'b1;
    end
    if (error_i) begin
      done_d       = 1'b1;
      error_d      = 1'b1;
      error_code_d = error_code_i;
    end
    // A START wins over both: whatever the core reports then is older than the new job.
    if (wr_en && (start_we || run_queues_we)) begin
      done_d       = 1'b0;
      error_d      = 1'b0;
      error_code_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      start_q      <= 1'b0;
      run_queues_q <= 1'b0;
      done_q       <= 1'b0;
      error_q      <= 1'b0;
      error_code_q <= '0;
      irq_en_q     <= 1'b0;
    end else begin
      start_q      <= wr_en && start_we;
      run_queues_q <= wr_en && run_queues_we;
      done_q       <= done_d;
      error_q      <= error_d;
      error_code_q <= error_code_d;
      if (wr_en && irq_en_we) begin
        irq_en_q <= w_data_q[ganpu_reg_pkg::IrqEnableDoneLsb];
      end
    end
  end

  assign start_o      = start_q;
  assign run_queues_o = run_queues_q;
  assign ext_we_o     = wr_en && ext_we;
  assign ext_waddr_o  = {aw_word_q, 2'b00};
  assign ext_wdata_o  = w_data_q;
  assign ext_wstrb_o  = w_strb_q;
  assign irq_o   = done_q && irq_en_q;

  // ---------------------------------------------------------------------------------------------
  // Read channel: the word is chosen at the AR handshake and held until R is taken.
  logic [31:0]         config_word, config2_word, status_word, irq_en_word;
  logic [WordW-1:0]    rd_word, rd_desc_off;
  logic                rd_desc;
  logic [DescIdxW-1:0] rd_desc_idx;
  logic [31:0]         rd_data;
  logic [1:0]          rd_resp;
  logic                r_valid_q;
  logic [31:0]         r_data_q;
  logic [1:0]          r_resp_q;

  always_comb begin
    config_word  = '0;
    config_word[ganpu_reg_pkg::ConfigPeRowsLsb +: ganpu_reg_pkg::ConfigPeRowsWidth] =
        PeRows[ganpu_reg_pkg::ConfigPeRowsWidth-1:0];
    config_word[ganpu_reg_pkg::ConfigPeColsLsb +: ganpu_reg_pkg::ConfigPeColsWidth] =
        PeCols[ganpu_reg_pkg::ConfigPeColsWidth-1:0];
    config_word[ganpu_reg_pkg::ConfigFormatLsb +: ganpu_reg_pkg::ConfigFormatWidth] =
        FormatBf16[ganpu_reg_pkg::ConfigFormatWidth-1:0];
    config_word[ganpu_reg_pkg::ConfigSlotsLsb +: ganpu_reg_pkg::ConfigSlotsWidth] =
        Slots[ganpu_reg_pkg::ConfigSlotsWidth-1:0];
    config_word[ganpu_reg_pkg::ConfigSkipWalkLsb] = (SkipWalk != 0);
    config2_word = '0;
    config2_word[ganpu_reg_pkg::Config2ADepthLog2Lsb +: ganpu_reg_pkg::Config2ADepthLog2Width] =
        ADepthLog2[ganpu_reg_pkg::Config2ADepthLog2Width-1:0];
    config2_word[ganpu_reg_pkg::Config2BDepthLog2Lsb +: ganpu_reg_pkg::Config2BDepthLog2Width] =
        BDepthLog2[ganpu_reg_pkg::Config2BDepthLog2Width-1:0];
    config2_word[ganpu_reg_pkg::Config2GmDepthLog2Lsb +: ganpu_reg_pkg::Config2GmDepthLog2Width] =
        GmDepthLog2[ganpu_reg_pkg::Config2GmDepthLog2Width-1:0];
    status_word  = '0;
    status_word[ganpu_reg_pkg::StatusBusyLsb]  = busy;
    status_word[ganpu_reg_pkg::StatusDoneLsb]  = done_q;
    status_word[ganpu_reg_pkg::StatusErrorLsb] = error_q;
    status_word[ganpu_reg_pkg::StatusErrorCodeLsb +: ganpu_reg_pkg::StatusErrorCodeWidth] =
        error_code_q;
    irq_en_word  = '0;
    irq_en_word[ganpu_reg_pkg::IrqEnableDoneLsb] = irq_en_q;
  end

  assign rd_word     = s_axil_araddr[AddrW-1:2];
  assign ext_raddr_o = {rd_word, 2'b00};
  assign rd_desc_off = rd_word - ganpu_reg_pkg::DescBase[AddrW-1:2];
  assign rd_desc     = rd_desc_off < WordW'(NumDesc);
  assign rd_desc_idx = rd_desc_off[DescIdxW-1:0];

  always_comb begin
    rd_data = '0;
    rd_resp = RespOkay;
    if (ext_rd_hit_i) begin
      rd_data = ext_rdata_i;
    end else if (rd_desc) begin
      rd_data = desc_q[rd_desc_idx];
    end else begin
      unique case ({rd_word, 2'b00})
        ganpu_reg_pkg::RegId:            rd_data = ganpu_reg_pkg::RegIdReset;
        ganpu_reg_pkg::RegVersion:       rd_data = ganpu_reg_pkg::RegVersionReset;
        ganpu_reg_pkg::RegConfig:        rd_data = config_word;
        ganpu_reg_pkg::RegConfig2:       rd_data = config2_word;
        ganpu_reg_pkg::RegCtrl:          rd_data = '0;  // write-only
        ganpu_reg_pkg::RegStatus:        rd_data = status_word;
        ganpu_reg_pkg::RegIrqEnable:     rd_data = irq_en_word;
        ganpu_reg_pkg::RegCyclesLo:      rd_data = perf_i.cycles[31:0];
        ganpu_reg_pkg::RegCyclesHi:      rd_data = perf_i.cycles[63:32];
        ganpu_reg_pkg::RegBusyCyclesLo:  rd_data = perf_i.busy[31:0];
        ganpu_reg_pkg::RegBusyCyclesHi:  rd_data = perf_i.busy[63:32];
        ganpu_reg_pkg::RegStallCyclesLo: rd_data = perf_i.stall[31:0];
        ganpu_reg_pkg::RegStallCyclesHi: rd_data = perf_i.stall[63:32];
        ganpu_reg_pkg::RegMacsLo:        rd_data = perf_i.macs[31:0];
        ganpu_reg_pkg::RegMacsHi:        rd_data = perf_i.macs[63:32];
        ganpu_reg_pkg::RegRdBytesLo:     rd_data = perf_i.rd_bytes[31:0];
        ganpu_reg_pkg::RegRdBytesHi:     rd_data = perf_i.rd_bytes[63:32];
        ganpu_reg_pkg::RegWrBytesLo:     rd_data = perf_i.wr_bytes[31:0];
        ganpu_reg_pkg::RegWrBytesHi:     rd_data = perf_i.wr_bytes[63:32];
        ganpu_reg_pkg::RegStallLoadLo:   rd_data = perf_i.stall_load[31:0];
        ganpu_reg_pkg::RegStallLoadHi:   rd_data = perf_i.stall_load[63:32];
        ganpu_reg_pkg::RegStallStoreLo:  rd_data = perf_i.stall_store[31:0];
        ganpu_reg_pkg::RegStallStoreHi:  rd_data = perf_i.stall_store[63:32];
        ganpu_reg_pkg::RegStallSetupLo:  rd_data = perf_i.stall_setup[31:0];
        ganpu_reg_pkg::RegStallSetupHi:  rd_data = perf_i.stall_setup[63:32];
        ganpu_reg_pkg::RegStallDrainLo:  rd_data = perf_i.stall_drain[31:0];
        ganpu_reg_pkg::RegStallDrainHi:  rd_data = perf_i.stall_drain[63:32];
        ganpu_reg_pkg::RegAReadsLo:      rd_data = perf_i.a_reads[31:0];
        ganpu_reg_pkg::RegAReadsHi:      rd_data = perf_i.a_reads[63:32];
        ganpu_reg_pkg::RegBReadsLo:      rd_data = perf_i.b_reads[31:0];
        ganpu_reg_pkg::RegBReadsHi:      rd_data = perf_i.b_reads[63:32];
        ganpu_reg_pkg::RegNzReadsLo:     rd_data = perf_i.nz_reads[31:0];
        ganpu_reg_pkg::RegNzReadsHi:     rd_data = perf_i.nz_reads[63:32];
        ganpu_reg_pkg::RegBufWritesLo:   rd_data = perf_i.buf_writes[31:0];
        ganpu_reg_pkg::RegBufWritesHi:   rd_data = perf_i.buf_writes[63:32];
        default:                         rd_resp = RespSlvErr;
      endcase
    end
  end

  assign s_axil_arready = !r_valid_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r_valid_q <= 1'b0;
      r_data_q  <= '0;
      r_resp_q  <= RespOkay;
    end else if (s_axil_arvalid && s_axil_arready) begin
      r_valid_q <= 1'b1;
      r_data_q  <= rd_data;
      r_resp_q  <= rd_resp;
    end else if (s_axil_rready) begin
      r_valid_q <= 1'b0;
    end
  end

  assign s_axil_rvalid = r_valid_q;
  assign s_axil_rdata  = r_data_q;
  assign s_axil_rresp  = r_resp_q;

endmodule
