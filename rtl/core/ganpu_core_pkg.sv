// Constants shared by the core's units: how the PE array interleaves its accumulators, how many
// tiles and channel blocks are in flight at once, and the element-size codes of the DMAs.
package ganpu_core_pkg;

  // Each PE interleaves Slots independent sums, one issue per cycle: a slot's next term enters
  // MacLatency + 1 cycles after its previous one (MAC pipeline, then the accumulator write), so
  // the recurrence never waits on the MAC. A tile holds PeCols * Slots output positions.
  localparam int unsigned Slots = fp_pkg::MacLatency + 1;
  localparam int unsigned SlotW = (Slots > 1) ? $clog2(Slots) : 1;

  // Cycles from a tile's last issue (stage 0) to its last accumulator write: the issue
  // register stage, the MAC, the write-back.
  localparam int unsigned IssueToAcc = 1 + fp_pkg::MacLatency + 1;

  // Accumulator banks (tile t computes in bank t mod 2 while the store unit drains tile t - 1),
  // slot tables (one per accumulator bank) and B/bias buffer banks (channel block k + 1 is
  // staged while block k computes).
  localparam int unsigned NumBanks = 2;

  // 16-bit elements a 64-bit bus beat carries: the stagers write up to this many into the A and
  // B buffers per cycle, which are banked by element address mod StageLanes.
  localparam int unsigned BusBytes   = 8;
  localparam int unsigned StageLanes = BusBytes / 2;
  localparam int unsigned LaneW      = $clog2(StageLanes);

  // Element sizes of DMA commands: log2 of the bytes per element.
  typedef enum logic [1:0] {
    Esize8  = 2'd0,
    Esize16 = 2'd1,
    Esize32 = 2'd2
  } esize_e;

endpackage
