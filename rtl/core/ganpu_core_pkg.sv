// Constants shared by the core's units: how the PE array interleaves its accumulators, how many
// tiles and channel blocks are in flight at once, and the element-size codes of the DMAs.
package ganpu_core_pkg;

  // Each PE interleaves Slots independent sums, one issue per cycle: a slot's next term enters
  // MacLatency + 1 cycles after its previous one (MAC pipeline, then the accumulator write), so
  // the recurrence never waits on the MAC. A tile holds PeCols * Slots output positions.
  localparam int unsigned Slots = fp_pkg::MacLatency + 1;
  localparam int unsigned SlotW = (Slots > 1) ? $clog2(Slots) : 1;

  // Register stages at the PE array's edge (ganpu_pe_array): operands, controls and partial-sum
  // loads enter the array through them.
  localparam int unsigned ArrayInLatency = 1;

  // Cycles from a tile's last issue (stage 0) to its last accumulator write: the issue
  // register stage, the array's input stage, the MAC, the write-back.
  localparam int unsigned IssueToAcc = 1 + ArrayInLatency + fp_pkg::MacLatency + 1;

  // Accumulator banks (tile t computes in bank t mod 2 while the store unit drains tile t - 1),
  // slot tables (one per accumulator bank) and B/bias buffer banks (channel block k + 1 is
  // staged while block k computes).
  localparam int unsigned NumBanks = 2;

  // 16-bit elements a 64-bit bus beat carries: the stagers write up to this many into the A and
  // B buffers per cycle, which are banked by element address mod StageLanes.
  localparam int unsigned BusBytes   = 8;
  localparam int unsigned StageLanes = BusBytes / 2;
  localparam int unsigned LaneW      = $clog2(StageLanes);

  // The zero-skipping walk (OP.SKIP, ganpu_skip_walk): a scan step looks at up to SkipChunk
  // consecutive taps of the innermost reduction loop for every position of a tile; each
  // position queues the non-zero taps of up to SkipFifoDepth steps ahead of its issue.
  localparam int unsigned SkipChunk     = 16;
  localparam int unsigned SkipChunkW    = $clog2(SkipChunk);
  localparam int unsigned SkipFifoDepth = 4;

  // The walks the A taps allow (ganpu_engine walks only such tiles): the innermost r loop
  // steps A by 1 (x by 0 or 1: a row, a linear layer's features), by -1 (x by -1: the taps of
  // a transposed map) or by 2 (x by 2: a stride-2 weight gradient), and y by 0.
  function automatic logic skip_walk_ok(logic signed [31:0] a_r2, logic signed [31:0] x_r2,
                                        logic signed [31:0] y_r2);
    return (y_r2 == 32'sd0) &&
           ((a_r2 == 32'sd1 && (x_r2 == 32'sd0 || x_r2 == 32'sd1)) ||
            (a_r2 == -32'sd1 && x_r2 == -32'sd1) || (a_r2 == 32'sd2 && x_r2 == 32'sd2));
  endfunction

  // Element sizes of DMA commands: log2 of the bytes per element.
  typedef enum logic [1:0] {
    Esize8  = 2'd0,
    Esize16 = 2'd1,
    Esize32 = 2'd2
  } esize_e;

  // The element size of a job's output writes: FP32 sums, or the 16-bit format (activations;
  // MASK_GRAD's gated dy).
  function automatic esize_e out_esize(logic out_fp32, logic mask_grad);
    return (out_fp32 && !mask_grad) ? Esize32 : Esize16;
  endfunction

  // Log2 of the element step of the output runs: outputs whose positions step by
  // O_P2S = 2^s elements along a row (one output phase of a transposed map) go to the write
  // DMA as one strided command, written with strobes, if a beat still holds one of them;
  // else 0 (runs of consecutive outputs only).
  function automatic logic [1:0] out_step(logic [31:0] o_p2s, esize_e es);
    logic [1:0] s;
    s = 2'd0;
    for (int unsigned k = 1; k < 4; k++) begin
      if (o_p2s == (32'd1 << k) && k + 32'(es) <= $clog2(BusBytes)) s = 2'(k);
    end
    return s;
  endfunction

  // The staging loop sizes of a job's B rows: B_L0..B_L2 with OP.B_MAP (the B buffer then
  // holds more terms than one issue walk reads), else the reduction R_0..R_2 itself.
  typedef logic [2:0][31:0] loops_t;
  function automatic loops_t b_loops(logic b_map, loops_t r, loops_t l);
    return b_map ? l : r;
  endfunction

  // Terms per B row the staging writes (checked against the B buffer depth).
  function automatic logic [47:0] b_terms(loops_t n);
    return 48'(n[0]) * 48'(n[1]) * 48'(n[2]);
  endfunction

  // B rows whose channels are adjacent in memory (B_QS = 1) while the reduction is strided (a
  // weight matrix read against its layout): staged across the channels, one run of the
  // block's rows per term, so the reads are runs instead of single elements. Gated rows keep
  // the mask walker's order.
  function automatic logic b_across(logic gated_b, logic signed [31:0] b_qs,
                                    logic signed [31:0] b_r2s);
    return !gated_b && (b_qs == 32'sd1) && (b_r2s != 32'sd1);
  endfunction

  // Each B row's terms (staging loops n0 x n1 x n2: R_*, or B_L* with B_MAP) are one run in
  // memory.
  function automatic logic b_rows_are_runs(logic signed [31:0] b_r0s, logic signed [31:0] b_r1s,
                                           logic signed [31:0] b_r2s, logic [31:0] n1,
                                           logic [31:0] n2);
    return (b_r2s == 32'sd1) && (b_r1s == $signed(n2)) && (48'(b_r0s) == 48'(n1) * 48'(n2)) &&
           !b_r0s[31];
  endfunction

  // OP.B_STREAM stages the rows in chunks, each chunk of every row in turn, and counts the
  // terms every row holds: across the channels (b_across) 2^chunk_log2 terms a chunk; rows
  // that are runs 2^chunk_log2 terms of the run (whole chunks); other rows whose innermost
  // staging loop is contiguous one pass of that loop (chunk_log2 0). Not for a gated B. The
  // engine holds a read of B address a until a is below the count, so B_MAP's walk, which
  // reads the rows out of order, streams as well.
  function automatic logic b_stream_ok(logic gated_b, logic signed [31:0] b_qs,
                                       logic signed [31:0] b_r0s, logic signed [31:0] b_r1s,
                                       logic signed [31:0] b_r2s, loops_t n,
                                       logic [3:0] chunk_log2);
    logic [47:0] terms;
    logic        whole_chunks;
    terms        = b_terms(n);
    whole_chunks = (terms & ((48'd1 << chunk_log2) - 48'd1)) == 48'd0;
    return !gated_b && (b_across(gated_b, b_qs, b_r2s) ? whole_chunks :
                        b_rows_are_runs(b_r0s, b_r1s, b_r2s, n[1], n[2]) ? whole_chunks :
                        (b_r2s == 32'sd1 && chunk_log2 == 4'd0));
  endfunction

  // Why a running job's PE array issues nothing in a cycle (the execute unit's state then):
  // waiting for operands (the load unit), for a free accumulator bank or store queue entry
  // (the store unit), for the next tile's setup, or for the last tiles to be written.
  typedef enum logic [1:0] {
    StallLoad  = 2'd0,
    StallStore = 2'd1,
    StallSetup = 2'd2,
    StallDrain = 2'd3
  } stall_e;

  // The performance counters of one job (cleared at START; docs/registers.md).
  typedef struct packed {
    logic [63:0] cycles;       // START to DONE
    logic [63:0] busy;         // cycles the array issued
    logic [63:0] stall;        // cycles it did not: the sum of the four below
    logic [63:0] stall_load;
    logic [63:0] stall_store;
    logic [63:0] stall_setup;
    logic [63:0] stall_drain;
    logic [63:0] macs;         // multiply-accumulates on real operands
    logic [63:0] rd_bytes;     // AXI data bytes read
    logic [63:0] wr_bytes;     // AXI data bytes written
    // Buffer accesses, the events of the energy estimate (docs/sparsity.md).
    logic [63:0] a_reads;      // A elements read (per column and issued real tap)
    logic [63:0] b_reads;      // B elements read (per copy and row)
    logic [63:0] nz_reads;     // bitmap windows read (per position and scan step)
    logic [63:0] buf_writes;   // elements and bitmap words written, into every copy
  } perf_t;

endpackage
