// Workload multiplexer (ASTM, docs/astm.md): dispatches the jobs at the heads of the command
// queues onto the cores. A free core takes the head of a queue it may serve:
//   TEMPORAL  every core serves one queue at a time; the other queue gets the cores when the
//             active one has no job running and its head cannot go (empty, or waiting on it);
//   SPATIAL   cores in split_i serve queue 0, the others queue 1, both at once;
//   ADAPTIVE  each job's header names its cores (0: any), so the driver sets the split per
//             layer pair; both queues progress at once.
// A header's FENCE holds a job until every earlier job of its queue has completed; WAIT holds
// it until the other queue has completed WAIT_COUNT jobs. At most one job per queue starts a
// cycle; the queues take turns at first pick. A failed job (or a malformed header, or a
// descriptor read error, or a program that can no longer progress) stops dispatching; the
// program ends once the running jobs have.
module ganpu_wl_mux #(
  parameter int unsigned NCores   = 2,
  localparam int unsigned NQ       = ganpu_astm_pkg::NumQueues,
  localparam int unsigned RecWords = ganpu_astm_pkg::RecWords,
  localparam int unsigned CoreW    = (NCores > 1) ? $clog2(NCores) : 1
) (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  input  logic                                    start_i,    // pulse: a queue program starts
  input  ganpu_reg_pkg::astm_mode_e                   mode_i,     // sampled at start_i
  input  logic [NCores-1:0]                       split_i,    // SPATIAL: cores of queue 0
  // Queue heads, from the fetchers.
  input  logic [NQ-1:0]                           rec_valid_i,
  output logic [NQ-1:0]                           rec_ready_o,
  input  logic [NQ-1:0][RecWords-1:0][31:0]       rec_i,
  input  logic [NQ-1:0]                           q_empty_i,  // no record left to come
  input  logic                                    fetch_err_i,
  input  logic                                    fetch_busy_i,  // descriptor reads in flight
  // Cores.
  output logic [NCores-1:0]                       core_start_o,
  output ganpu_reg_pkg::desc_t [NCores-1:0]       core_desc_o,   // held while the job runs
  output logic [NCores-1:0]                       core_run_o,    // a dispatched job not done
  output logic [NCores-1:0]                       core_queue_o,  // its queue (NQ = 2)
  output logic [NCores-1:0][23:0]                 core_job_o,    // its index in the queue
  input  logic [NCores-1:0]                       core_done_i,
  input  logic [NCores-1:0]                       core_error_i,
  input  logic [NCores-1:0][7:0]                  core_error_code_i,
  // Program status.
  output logic                                    busy_o,
  output logic                                    halt_o,        // dispatching has stopped
  output logic                                    done_o,        // pulse
  output logic                                    error_o,       // pulse, with done_o
  output logic [7:0]                              error_code_o,  // held to the next start
  output logic                                    err_queue_o,   // the queue of the failure
  output logic [23:0]                             err_index_o,   // and its job's index there
  output logic [NQ-1:0][31:0]                     q_done_o,      // jobs completed per queue
  output logic [NQ-1:0]                           q_blocked_o    // head waits on FENCE/WAIT
);

  localparam int unsigned NumDesc = ganpu_reg_pkg::DescNumRegs;
  localparam int unsigned HdrW    = ganpu_astm_pkg::HdrWords;

  if (NQ != 2) begin : gen_bad_nq
    $error("ganpu_wl_mux: WAIT names the other queue, so there must be exactly two");
  end
  if (NCores < 1 || NCores > ganpu_astm_pkg::MaxCores) begin : gen_bad_cores
    $error("ganpu_wl_mux: NCores must be 1..MaxCores (the header's CORES mask)");
  end

  // --- Heads: header checks and readiness ---------------------------------------------------------
  ganpu_astm_pkg::hdr_t [NQ-1:0]       hdr;
  logic [NQ-1:0][31:0]                 wait_count;
  logic [NQ-1:0]                       hdr_bad, ready_to_go;
  logic [NQ-1:0][NCores-1:0]           allowed;
  logic [NQ-1:0][CoreW:0]              running;
  logic [NQ-1:0][31:0]                 done_q;
  logic [NQ-1:0][23:0]                 issued_q;
  logic [NCores-1:0]                   run_q, queue_q;
  ganpu_reg_pkg::astm_mode_e               mode_q;
  logic                                active_q, active;
  logic                                halt_q, busy_q, prio_q;

  always_comb begin
    for (int unsigned q = 0; q < NQ; q++) begin
      hdr[q]        = ganpu_astm_pkg::hdr_t'(rec_i[q][0]);
      wait_count[q] = rec_i[q][1];
      hdr_bad[q]    = (hdr[q].reserved_hi != '0) || (hdr[q].reserved_lo != '0) ||
                      (32'(hdr[q].cores) >> NCores) != 32'd0;
      running[q]    = '0;
      for (int unsigned c = 0; c < NCores; c++) begin
        running[q] = running[q] + (CoreW + 1)'(run_q[c] && (queue_q[c] == q[0]));
      end
      ready_to_go[q] = rec_valid_i[q] && !hdr_bad[q] && !halt_q &&
                       (!hdr[q].fence || running[q] == '0) &&
                       (!hdr[q].wait_other || done_q[1 - q] >= wait_count[q]);
      unique case (mode_q)
        ganpu_reg_pkg::AstmModeSpatial:  allowed[q] = (q == 0) ? split_i : ~split_i;
        ganpu_reg_pkg::AstmModeAdaptive: allowed[q] = (hdr[q].cores == '0) ? '1 :
                                                   hdr[q].cores[NCores-1:0];
        default:                      allowed[q] = '1;
      endcase
    end
    // TEMPORAL: the other queue takes over only once the active one is drained and stuck.
    active = active_q;
    if (running[active_q] == '0 && !ready_to_go[active_q] && ready_to_go[!active_q]) begin
      active = !active_q;
    end
  end

  // --- Dispatch: each queue's head to the lowest free core it may use -------------------------
  logic [NCores-1:0] start;
  logic [NCores-1:0] start_queue;
  logic [NQ-1:0]     pop;
  always_comb begin
    logic [NCores-1:0] free;
    logic              q;
    free        = ~run_q;
    start       = '0;
    start_queue = '0;
    pop         = '0;
    for (int unsigned k = 0; k < NQ; k++) begin
      q = prio_q ^ k[0];
      if (ready_to_go[q] && busy_q &&
          (mode_q != ganpu_reg_pkg::AstmModeTemporal || q == active)) begin
        for (int unsigned c = 0; c < NCores; c++) begin
          if (!pop[q] && free[c] && allowed[q][c]) begin
            pop[q]         = 1'b1;
            start[c]       = 1'b1;
            start_queue[c] = q;
            free[c]        = 1'b0;
          end
        end
      end
    end
  end
  assign rec_ready_o = pop;

  // --- Program state --------------------------------------------------------------------------
  logic [NQ-1:0][31:0] done_d;
  logic                fail, finished;
  logic [7:0]          fail_code;
  logic                fail_queue;
  logic [23:0]         fail_index;
  logic [7:0]          error_code_q;
  logic                err_queue_q;
  logic [23:0]         err_index_q;
  logic [NCores-1:0][23:0] job_index_q;

  always_comb begin
    done_d = done_q;
    for (int unsigned c = 0; c < NCores; c++) begin
      if (core_done_i[c] && run_q[c]) begin
        done_d[queue_q[c]] = done_d[queue_q[c]] + 32'd1;
      end
    end
    // The first failure this cycle names the program's error.
    fail       = 1'b0;
    fail_code  = 8'd0;
    fail_queue = 1'b0;
    fail_index = '0;
    for (int unsigned c = 0; c < NCores; c++) begin
      if (!fail && core_error_i[c] && run_q[c]) begin
        fail       = 1'b1;
        fail_code  = core_error_code_i[c];
        fail_queue = queue_q[c];
        fail_index = job_index_q[c];
      end
    end
    for (int unsigned q = 0; q < NQ; q++) begin
      if (!fail && rec_valid_i[q] && hdr_bad[q]) begin
        fail       = 1'b1;
        fail_code  = 8'(ganpu_reg_pkg::ErrorCodeQueue);
        fail_queue = q[0];
        fail_index = issued_q[q];
      end
    end
    if (!fail && fetch_err_i) begin
      fail      = 1'b1;
      fail_code = 8'(ganpu_reg_pkg::ErrorCodeBus);
    end
    // Nothing runs, nothing starts, and every queue shows its head or has ended: nothing will
    // change again (a WAIT the other queue cannot meet, or a queue without cores).
    if (!fail && busy_q && run_q == '0 && pop == '0 && rec_valid_i != '0 &&
        (rec_valid_i | q_empty_i) == '1) begin
      fail       = 1'b1;
      fail_code  = 8'(ganpu_reg_pkg::ErrorCodeStuck);
      fail_queue = !rec_valid_i[0];
      fail_index = rec_valid_i[0] ? issued_q[0] : issued_q[1];
    end
    // A halted program ends once its fetchers have drained their reads too.
    finished = busy_q && run_q == '0 &&
               (halt_q ? !fetch_busy_i : (q_empty_i == '1 && rec_valid_i == '0));
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q       <= 1'b0;
      halt_q       <= 1'b0;
      mode_q       <= ganpu_reg_pkg::AstmModeTemporal;
      active_q     <= 1'b0;
      prio_q       <= 1'b0;
      run_q        <= '0;
      queue_q      <= '0;
      done_q       <= '0;
      issued_q     <= '0;
      job_index_q  <= '0;
      error_code_q <= '0;
      err_queue_q  <= 1'b0;
      err_index_q  <= '0;
    end else if (start_i) begin
      busy_q       <= 1'b1;
      halt_q       <= 1'b0;
      mode_q       <= mode_i;
      active_q     <= 1'b0;
      prio_q       <= 1'b0;
      done_q       <= '0;
      issued_q     <= '0;
      error_code_q <= '0;
      err_queue_q  <= 1'b0;
      err_index_q  <= '0;
    end else begin
      done_q   <= done_d;
      active_q <= active;
      if (pop != '0) prio_q <= !prio_q;
      for (int unsigned c = 0; c < NCores; c++) begin
        if (core_done_i[c]) run_q[c] <= 1'b0;
        if (start[c]) begin
          run_q[c]       <= 1'b1;
          queue_q[c]     <= start_queue[c];
          job_index_q[c] <= issued_q[start_queue[c]];
        end
      end
      for (int unsigned q = 0; q < NQ; q++) begin
        if (pop[q]) issued_q[q] <= issued_q[q] + 24'd1;
      end
      if (fail && busy_q && !halt_q) begin
        halt_q       <= 1'b1;
        error_code_q <= fail_code;
        err_queue_q  <= fail_queue;
        err_index_q  <= fail_index;
      end
      if (finished) busy_q <= 1'b0;
    end
  end

  // Each core's descriptor, loaded as its job starts; no reset (read only while it runs).
  ganpu_reg_pkg::desc_t [NCores-1:0] desc_q;
  always_ff @(posedge clk_i) begin
    for (int unsigned c = 0; c < NCores; c++) begin
      if (start[c]) begin
        logic [NumDesc-1:0][31:0] words;
        for (int unsigned i = 0; i < NumDesc; i++) begin
          words[i] = rec_i[start_queue[c]][HdrW + i] & ganpu_reg_pkg::DescMask[i];
        end
        desc_q[c] <= ganpu_reg_pkg::desc_from_regs(words);
      end
    end
  end

  // The core starts the cycle after its descriptor is loaded.
  logic [NCores-1:0] start_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) start_q <= '0;
    else         start_q <= start;
  end

  assign core_start_o = start_q;
  assign core_desc_o  = desc_q;
  assign core_run_o   = run_q;
  assign core_queue_o = queue_q;
  assign core_job_o   = job_index_q;
  assign busy_o       = busy_q;
  assign halt_o       = halt_q;
  assign done_o       = finished;
  assign error_o      = finished && (halt_q ? error_code_q != 8'd0 : 1'b0);
  assign error_code_o = error_code_q;
  assign err_queue_o  = err_queue_q;
  assign err_index_o  = err_index_q;
  assign q_done_o     = done_q;
  for (genvar q = 0; q < NQ; q++) begin : gen_blocked
    assign q_blocked_o[q] = busy_q && rec_valid_i[q] && !ready_to_go[q] && !halt_q;
  end

`ifndef SYNTHESIS
  // A core is started only when free and finishes only a job it was given; a head is popped
  // only when valid; a running queue program always has somewhere to go.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert ((start & run_q) == '0) else $error("ganpu_wl_mux: started a busy core");
      assert ((core_done_i & ~run_q) == '0)
        else $error("ganpu_wl_mux: a core finished a job it was not given");
      assert ((pop & ~rec_valid_i) == '0) else $error("ganpu_wl_mux: popped an empty queue");
      assert (busy_q || (run_q == '0 && start == '0))
        else $error("ganpu_wl_mux: a job outside a queue program");
    end
  end
`endif

endmodule
