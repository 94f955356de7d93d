// Build-time facts of the accelerator that its tops and their test tops share, so that a test
// top runs a block exactly as ganpu_top instantiates it.
package ganpu_cfg_pkg;

  // AXI4 bursts each DMA keeps in flight: ganpu_dma_rd, AR accepted and R not yet all
  // returned; ganpu_dma_wr, AW accepted and B not yet received (MaxOutstanding).
  localparam int unsigned DmaRdMaxOutstanding = 16;
  localparam int unsigned DmaWrMaxOutstanding = 16;

  // The longest AXI4 burst of every DMA (MaxBurstBeats); the interconnect's arbiters are sized
  // by it.
  localparam int unsigned DmaMaxBurstBeats = 16;

endpackage
