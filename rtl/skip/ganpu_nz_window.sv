// One copy of the A buffer's non-zero bitmap (bit a: element a of the buffer is not +-0), read
// a window of Chunk consecutive bits at any element address: the taps a reduction step of the
// zero-skipping walk looks at. The bitmap is kept in words of Chunk bits, even words in one
// bank and odd words in the other, so that the two words a window straddles are read in one
// cycle. Writes come decoded per bank (ganpu_skip_walk): a delivery of consecutive elements
// touches at most one word of each bank.
//
//   re_i, raddr_i -> next cycle: window_o[i] = bit raddr_i + i
module ganpu_nz_window #(
  parameter int unsigned ADepth = 8192,
  parameter int unsigned Chunk  = ganpu_core_pkg::SkipChunk,
  localparam int unsigned AAddrW = $clog2(ADepth),
  localparam int unsigned ChunkW = $clog2(Chunk),
  localparam int unsigned BankDepth = ADepth / (2 * Chunk),
  localparam int unsigned BankAW = $clog2(BankDepth)
) (
  input  logic              clk_i,
  input  logic              we_i [2],     // per bank (0: even words)
  input  logic [BankAW-1:0] waddr_i [2],
  input  logic [Chunk-1:0]  wdata_i [2],
  input  logic              re_i,
  input  logic [AAddrW-1:0] raddr_i,
  output logic [Chunk-1:0]  window_o
);

  if (ADepth % (2 * Chunk) != 0) begin : g_bad_depth
    $error("ganpu_nz_window: ADepth must be a multiple of 2 * Chunk");
  end

  // Word w = raddr / Chunk and word w + 1; word 2k is even bank entry k, 2k + 1 odd entry k.
  logic [AAddrW-ChunkW-1:0] word;
  logic [BankAW-1:0]        raddr [2];
  assign word     = raddr_i[AAddrW-1:ChunkW];
  assign raddr[0] = BankAW'((word + 1'b1) >> 1);
  assign raddr[1] = BankAW'(word >> 1);

  logic [Chunk-1:0] rdata [2];
  for (genvar b = 0; b < 2; b++) begin : g_bank
    ganpu_ram_1w1r #(
      .Width(Chunk),
      .Depth(BankDepth)
    ) u_ram (
      .clk_i  (clk_i),
      .we_i   (we_i[b]),
      .waddr_i(waddr_i[b]),
      .wdata_i(wdata_i[b]),
      .re_i   (re_i),
      .raddr_i(raddr[b]),
      .rdata_o(rdata[b])
    );
  end

  logic              odd_q;
  logic [ChunkW-1:0] shift_q;
  always_ff @(posedge clk_i) begin
    if (re_i) begin
      odd_q   <= word[0];
      shift_q <= raddr_i[ChunkW-1:0];
    end
  end

  logic [2*Chunk-1:0] pair;
  assign pair     = odd_q ? {rdata[0], rdata[1]} : {rdata[1], rdata[0]};
  assign window_o = Chunk'(pair >> shift_q);

endmodule
