// The command-queue and ASTM registers (docs/registers.md, group "queues"): storage of the RW
// ones and the read mux of all of them. ganpu_regs owns the AXI4-Lite protocol and passes the
// accesses to this block's addresses on (ext_* ports); it refuses RW writes while busy.
module ganpu_astm_regs #(
  parameter int unsigned NCores = 2,
  localparam int unsigned NQ    = ganpu_astm_pkg::NumQueues
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  // From ganpu_regs.
  input  logic                        we_i,
  input  logic [11:0]                 waddr_i,
  input  logic [31:0]                 wdata_i,
  input  logic [3:0]                  wstrb_i,
  output logic                        wr_hit_o,
  output logic                        wr_rw_o,
  input  logic [11:0]                 raddr_i,
  output logic                        rd_hit_o,
  output logic [31:0]                 rdata_o,
  // Settings.
  output ganpu_reg_pkg::astm_mode_e   mode_o,
  output logic [NCores-1:0]           split_o,
  output logic [NCores-1:0][3:0]      shares_o,
  output logic [NQ-1:0][31:0]         q_base_o,
  output logic [NQ-1:0][23:0]         q_count_o,
  output logic [7:0]                  perf_sel_o,
  // Status.
  input  logic [NQ-1:0][31:0]         q_done_i,
  input  logic                        err_queue_i,
  input  logic [23:0]                 err_index_i,
  input  logic [63:0]                 prog_cycles_i,
  input  ganpu_astm_pkg::perf_t       perf_i
);

  import ganpu_reg_pkg::*;

  if (NCores >= 2 ** AstmConfigNCoresWidth || NCores > ganpu_astm_pkg::MaxCores) begin : gen_bad
    $error("ganpu_astm_regs: NCores does not fit ASTM_CONFIG.N_CORES or the header's CORES");
  end

  logic [31:0] mode_q, shares_q, q0_base_q, q0_count_q, q1_base_q, q1_count_q, sel_q;

  // Byte-wise write of an RW register, keeping only the bits of its fields.
  function automatic logic [31:0] merge(logic [31:0] old, logic [31:0] data, logic [3:0] strb,
                                        logic [31:0] mask);
    logic [31:0] r;
    for (int unsigned b = 0; b < 4; b++) begin
      r[8*b +: 8] = strb[b] ? (data[8*b +: 8] & mask[8*b +: 8]) : old[8*b +: 8];
    end
    return r;
  endfunction

  // The bits of each register's fields.
  function automatic logic [31:0] field_mask(int unsigned lsb, int unsigned width);
    return ((32'd1 << width) - 32'd1) << lsb;
  endfunction
  localparam logic [31:0] ModeMask  = field_mask(AstmModeModeLsb, AstmModeModeWidth) |
                                      field_mask(AstmModeSplitLsb, AstmModeSplitWidth);
  localparam logic [31:0] CountMask = field_mask(Q0CountCountLsb, Q0CountCountWidth);
  localparam logic [31:0] SelMask   = field_mask(PerfSelSelLsb, PerfSelSelWidth);

  always_comb begin
    wr_hit_o = 1'b1;
    wr_rw_o  = 1'b1;
    unique case (waddr_i)
      RegAstmMode, RegAstmShares, RegQ0Base, RegQ0Count, RegQ1Base, RegQ1Count, RegPerfSel: ;
      RegAstmConfig, RegQ0Done, RegQ1Done, RegQError, RegProgCyclesLo, RegProgCyclesHi,
      RegPerfJobs, RegPerfCyclesLo, RegPerfCyclesHi, RegPerfBusyLo, RegPerfBusyHi,
      RegPerfStallLo, RegPerfStallHi, RegPerfStallMemLo, RegPerfStallMemHi, RegPerfIdleLo,
      RegPerfIdleHi, RegPerfMacsLo, RegPerfMacsHi, RegPerfRdBytesLo, RegPerfRdBytesHi,
      RegPerfWrBytesLo, RegPerfWrBytesHi: wr_rw_o = 1'b0;
      default: begin
        wr_hit_o = 1'b0;
        wr_rw_o  = 1'b0;
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mode_q     <= RegAstmModeReset;
      shares_q   <= RegAstmSharesReset;
      q0_base_q  <= RegQ0BaseReset;
      q0_count_q <= RegQ0CountReset;
      q1_base_q  <= RegQ1BaseReset;
      q1_count_q <= RegQ1CountReset;
      sel_q      <= RegPerfSelReset;
    end else if (we_i) begin
      unique case (waddr_i)
        RegAstmMode:   mode_q     <= merge(mode_q, wdata_i, wstrb_i, ModeMask);
        RegAstmShares: shares_q   <= merge(shares_q, wdata_i, wstrb_i, '1);
        RegQ0Base:     q0_base_q  <= merge(q0_base_q, wdata_i, wstrb_i, '1);
        RegQ0Count:    q0_count_q <= merge(q0_count_q, wdata_i, wstrb_i, CountMask);
        RegQ1Base:     q1_base_q  <= merge(q1_base_q, wdata_i, wstrb_i, '1);
        RegQ1Count:    q1_count_q <= merge(q1_count_q, wdata_i, wstrb_i, CountMask);
        RegPerfSel:    sel_q      <= merge(sel_q, wdata_i, wstrb_i, SelMask);
        default: ;
      endcase
    end
  end

  // A MODE value outside the enum runs as TEMPORAL (it reads back as written).
  always_comb begin
    unique case (mode_q[AstmModeModeLsb +: AstmModeModeWidth])
      2'd1:    mode_o = AstmModeSpatial;
      2'd2:    mode_o = AstmModeAdaptive;
      default: mode_o = AstmModeTemporal;
    endcase
  end
  assign split_o    = mode_q[AstmModeSplitLsb +: NCores];
  for (genvar c = 0; c < NCores; c++) begin : gen_shares
    assign shares_o[c] = shares_q[4*c +: 4];
  end
  assign q_base_o   = {q1_base_q, q0_base_q};
  assign q_count_o  = {q1_count_q[23:0], q0_count_q[23:0]};
  assign perf_sel_o = sel_q[7:0];

  logic [31:0] config_word, qerr_word;
  always_comb begin
    config_word = '0;
    config_word[AstmConfigNCoresLsb +: AstmConfigNCoresWidth]     = AstmConfigNCoresWidth'(NCores);
    config_word[AstmConfigNQueuesLsb +: AstmConfigNQueuesWidth]   = AstmConfigNQueuesWidth'(NQ);
    config_word[AstmConfigRecWordsLsb +: AstmConfigRecWordsWidth] =
        AstmConfigRecWordsWidth'(ganpu_astm_pkg::RecWords);
    qerr_word = '0;
    qerr_word[QErrorIndexLsb +: QErrorIndexWidth] = err_index_i;
    qerr_word[QErrorQueueLsb] = err_queue_i;
  end

  always_comb begin
    rd_hit_o = 1'b1;
    rdata_o  = '0;
    unique case (raddr_i)
      RegAstmConfig:     rdata_o = config_word;
      RegAstmMode:       rdata_o = mode_q;
      RegAstmShares:     rdata_o = shares_q;
      RegQ0Base:         rdata_o = q0_base_q;
      RegQ0Count:        rdata_o = q0_count_q;
      RegQ1Base:         rdata_o = q1_base_q;
      RegQ1Count:        rdata_o = q1_count_q;
      RegQ0Done:         rdata_o = q_done_i[0];
      RegQ1Done:         rdata_o = q_done_i[1];
      RegQError:         rdata_o = qerr_word;
      RegProgCyclesLo:   rdata_o = prog_cycles_i[31:0];
      RegProgCyclesHi:   rdata_o = prog_cycles_i[63:32];
      RegPerfSel:        rdata_o = sel_q;
      RegPerfJobs:       rdata_o = perf_i.jobs;
      RegPerfCyclesLo:   rdata_o = perf_i.cycles[31:0];
      RegPerfCyclesHi:   rdata_o = perf_i.cycles[63:32];
      RegPerfBusyLo:     rdata_o = perf_i.busy[31:0];
      RegPerfBusyHi:     rdata_o = perf_i.busy[63:32];
      RegPerfStallLo:    rdata_o = perf_i.stall[31:0];
      RegPerfStallHi:    rdata_o = perf_i.stall[63:32];
      RegPerfStallMemLo: rdata_o = perf_i.stall_mem[31:0];
      RegPerfStallMemHi: rdata_o = perf_i.stall_mem[63:32];
      RegPerfIdleLo:     rdata_o = perf_i.idle[31:0];
      RegPerfIdleHi:     rdata_o = perf_i.idle[63:32];
      RegPerfMacsLo:     rdata_o = perf_i.macs[31:0];
      RegPerfMacsHi:     rdata_o = perf_i.macs[63:32];
      RegPerfRdBytesLo:  rdata_o = perf_i.rd_bytes[31:0];
      RegPerfRdBytesHi:  rdata_o = perf_i.rd_bytes[63:32];
      RegPerfWrBytesLo:  rdata_o = perf_i.wr_bytes[31:0];
      RegPerfWrBytesHi:  rdata_o = perf_i.wr_bytes[63:32];
      default:           rd_hit_o = 1'b0;
    endcase
  end

  logic unused;
  assign unused = ^{mode_q, q0_count_q[31:24], q1_count_q[31:24], shares_q};

endmodule
