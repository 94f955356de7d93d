// Per-core and per-queue counters of a queue program (ganpu_astm_pkg::perf_t), cleared at its
// start: a job's core counters are added when it completes (the cycle after done, when the
// core's counters are final); idle cycles are counted live. sel_i picks what perf_o shows:
// core sel_i for sel_i < NCores, queue sel_i - MaxCores for MaxCores <= sel_i, else zeros.
module ganpu_astm_perf #(
  parameter int unsigned NCores = 2,
  localparam int unsigned NQ    = ganpu_astm_pkg::NumQueues
) (
  input  logic                                   clk_i,
  input  logic                                   rst_ni,
  input  logic                                   start_i,     // a queue program starts
  input  logic                                   busy_i,      // it runs
  input  logic [NCores-1:0]                      core_run_i,  // a job is on the core
  input  logic [NCores-1:0]                      core_queue_i,
  input  logic [NCores-1:0]                      core_done_i, // the job's done pulse
  input  ganpu_core_pkg::perf_t [NCores-1:0]     core_perf_i,
  input  logic [7:0]                             sel_i,
  output ganpu_astm_pkg::perf_t                  perf_o,
  output logic [63:0]                            cycles_o     // of the program
);

  logic [63:0] cycles_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)      cycles_q <= '0;
    else if (start_i) cycles_q <= '0;
    else if (busy_i)  cycles_q <= cycles_q + 64'd1;
  end
  assign cycles_o = cycles_q;

  typedef ganpu_astm_pkg::perf_t perf_t;

  perf_t [NCores-1:0] core_q;
  perf_t [NQ-1:0]     queue_q;
  logic [NCores-1:0]  add_q, add_queue_q;

  // A job's contribution, from the core's counters of the job just done.
  perf_t [NCores-1:0] job;
  always_comb begin
    for (int unsigned c = 0; c < NCores; c++) begin
      job[c]           = '0;
      job[c].jobs      = 32'd1;
      job[c].cycles    = core_perf_i[c].cycles;
      job[c].busy      = core_perf_i[c].busy;
      job[c].stall     = core_perf_i[c].stall;
      job[c].stall_mem = core_perf_i[c].stall_load + core_perf_i[c].stall_store;
      job[c].macs      = core_perf_i[c].macs;
      job[c].rd_bytes  = core_perf_i[c].rd_bytes;
      job[c].wr_bytes  = core_perf_i[c].wr_bytes;
    end
  end

  function automatic perf_t plus(perf_t acc, perf_t d);
    perf_t r;
    r.jobs      = acc.jobs + d.jobs;
    r.cycles    = acc.cycles + d.cycles;
    r.busy      = acc.busy + d.busy;
    r.stall     = acc.stall + d.stall;
    r.stall_mem = acc.stall_mem + d.stall_mem;
    r.idle      = acc.idle + d.idle;
    r.macs      = acc.macs + d.macs;
    r.rd_bytes  = acc.rd_bytes + d.rd_bytes;
    r.wr_bytes  = acc.wr_bytes + d.wr_bytes;
    return r;
  endfunction

  // The setup and drain stalls and the buffer events are not kept per program.
  logic unused;
  always_comb begin
    unused = 1'b0;
    for (int unsigned c = 0; c < NCores; c++) begin
      unused = unused ^ (^{core_perf_i[c].stall_setup, core_perf_i[c].stall_drain,
                           core_perf_i[c].a_reads, core_perf_i[c].b_reads,
                           core_perf_i[c].nz_reads, core_perf_i[c].buf_writes});
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      core_q      <= '0;
      queue_q     <= '0;
      add_q       <= '0;
      add_queue_q <= '0;
    end else if (start_i) begin
      core_q      <= '0;
      queue_q     <= '0;
      add_q       <= '0;
      add_queue_q <= '0;
    end else begin
      perf_t [NQ-1:0] qd;
      add_q       <= core_done_i & core_run_i;
      add_queue_q <= core_queue_i;
      qd = queue_q;
      for (int unsigned c = 0; c < NCores; c++) begin
        if (add_q[c]) begin
          core_q[c]          <= plus(core_q[c], job[c]);
          qd[add_queue_q[c]] = plus(qd[add_queue_q[c]], job[c]);
        end
        if (busy_i && !core_run_i[c]) core_q[c].idle <= core_q[c].idle + 64'd1;
      end
      for (int unsigned q = 0; q < NQ; q++) begin
        logic any;
        any = 1'b0;
        for (int unsigned c = 0; c < NCores; c++) begin
          any = any || (core_run_i[c] && core_queue_i[c] == q[0]);
        end
        if (busy_i && !any) qd[q].idle = qd[q].idle + 64'd1;
      end
      queue_q <= qd;
    end
  end

  always_comb begin
    perf_o = '0;
    for (int unsigned c = 0; c < NCores; c++) begin
      if (sel_i == 8'(c)) perf_o = core_q[c];
    end
    for (int unsigned q = 0; q < NQ; q++) begin
      if (sel_i == 8'(ganpu_astm_pkg::MaxCores + q)) perf_o = queue_q[q];
    end
  end

endmodule
