// The workload multiplexer's formats (docs/astm.md): the command-queue record in memory and
// the per-core and per-queue counters (the modes are ganpu_reg_pkg::astm_mode_e, ASTM_MODE).
// tb/runtime/astm_program.hpp writes the same record; test_astm checks that they agree by
// running programs.
package ganpu_astm_pkg;

  localparam int unsigned NumQueues = 2;  // 0: generator, 1: discriminator (by convention)
  localparam int unsigned MaxCores  = 8;  // width of a record's CORES mask

  // A record is a header of HdrWords 32-bit words and then the job descriptor's registers in
  // offset order (ganpu_reg_pkg::DescNumRegs words, as at DescBase). Records lie back to back
  // from the queue's base address; RecWords is even, so an 8-byte aligned queue keeps every
  // record on whole 64-bit beats.
  localparam int unsigned HdrWords = 2;
  localparam int unsigned RecWords = HdrWords + ganpu_reg_pkg::DescNumRegs;
  localparam int unsigned RecBytes = 4 * RecWords;

  // Header word 0. Word 1 is WAIT_COUNT.
  typedef struct packed {
    logic [15:0]         reserved_hi;  // must be 0
    logic [MaxCores-1:0] cores;        // ADAPTIVE mode: the cores this job may run on (0: any)
    logic [5:0]          reserved_lo;  // must be 0
    // Dispatch only once the other queue has completed WAIT_COUNT jobs (a cross-queue barrier:
    // the other queue's producer jobs end with a FENCE, so a count means those jobs).
    logic                wait_other;
    // Dispatch only once every earlier job of this queue has completed (a layer boundary).
    logic                fence;
  } hdr_t;

  // Counters of one core or one queue over the last queue program (docs/registers.md, PERF_*).
  typedef struct packed {
    logic [31:0] jobs;       // jobs completed
    logic [63:0] cycles;     // cycles of those jobs (per core: start to done of each)
    logic [63:0] busy;       // cycles the PE array issued
    logic [63:0] stall;      // cycles of a job the array issued nothing
    logic [63:0] stall_mem;  // of those, waiting for operands or for the store unit (memory)
    logic [63:0] idle;       // program cycles with no job (on this core / of this queue)
    logic [63:0] macs;
    logic [63:0] rd_bytes;
    logic [63:0] wr_bytes;
  } perf_t;

endpackage
