// Splits a DMA command (byte address, element count, element size) into AXI INCR bursts of
// full-width beats that cover every byte of the command: beat-aligned start addresses, at most
// MaxBurstBeats beats, none crossing a 4 KB boundary. Offers one burst per cycle and takes the
// next command in the cycle its last burst is taken, so commands follow without a gap.
module ganpu_dma_burst #(
  parameter int unsigned AddrW         = 32,
  parameter int unsigned DataW         = 64,
  parameter int unsigned MaxBurstBeats = 16,
  localparam int unsigned LenW         = 24,
  localparam int unsigned BurstW       = $clog2(MaxBurstBeats + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              cmd_valid_i,
  output logic              cmd_ready_o,
  input  logic [AddrW-1:0]  cmd_addr_i,
  input  logic [LenW-1:0]   cmd_len_i,      // elements, >= 1
  input  logic [1:0]        cmd_esize_i,    // log2 of the element bytes, 0..2
  output logic              burst_valid_o,
  input  logic              burst_ready_i,
  output logic [AddrW-1:0]  burst_addr_o,   // beat aligned
  output logic [BurstW-1:0] burst_beats_o,  // 1..MaxBurstBeats
  output logic              busy_o
);

  localparam int unsigned BeatBytes = DataW / 8;
  localparam int unsigned OffW      = $clog2(BeatBytes);
  // Bytes from the start of the first beat to the last byte: (2^24 - 1) * 4 + 7 < 2^27.
  localparam int unsigned ByteW     = LenW + 3;
  localparam int unsigned BeatW     = ByteW - OffW + 1;
  localparam int unsigned PageBeats = 4096 / BeatBytes;

  // Elements must not straddle beats, and a burst must fit in AXI's 256 beats and a page.
  if (DataW < 32 || (DataW & (DataW - 1)) != 0 || MaxBurstBeats < 1 || MaxBurstBeats > 256 ||
      MaxBurstBeats > PageBeats || AddrW < 12) begin : gen_bad_params
    $error("ganpu_dma_burst: needs DataW a power of two >= 32, 1 <= MaxBurstBeats <= 256 and",
           " <= a 4 KB page of beats, AddrW >= 12");
  end

  logic             active_q;
  logic [AddrW-1:0] addr_q;
  logic [BeatW-1:0] left_q;  // beats of the command not yet offered
  logic [ByteW-1:0] last_byte;
  logic [BeatW-1:0] first_beats, page_left, beats;
  logic             take_cmd, take_burst, last_burst;

  // Beats of a new command: from the beat holding its first byte to the one holding its last.
  assign last_byte   = ByteW'(cmd_addr_i[OffW-1:0]) + (ByteW'(cmd_len_i) << cmd_esize_i) - 1'b1;
  assign first_beats = BeatW'(last_byte >> OffW) + 1'b1;

  // This burst: the fewest of the beats left, MaxBurstBeats and the beats to the 4 KB boundary.
  assign page_left = BeatW'(PageBeats) - BeatW'(addr_q[11:OffW]);
  always_comb begin
    beats = left_q;
    if (beats > BeatW'(MaxBurstBeats)) begin
      beats = BeatW'(MaxBurstBeats);
    end
    if (beats > page_left) begin
      beats = page_left;
    end
  end

  assign burst_valid_o = active_q;
  assign burst_addr_o  = addr_q;
  assign burst_beats_o = BurstW'(beats);
  assign last_burst    = (beats == left_q);
  assign take_burst    = active_q && burst_ready_i;
  assign cmd_ready_o   = !active_q || (burst_ready_i && last_burst);
  assign take_cmd      = cmd_valid_i && cmd_ready_o;
  assign busy_o        = active_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
    end else if (take_cmd) begin
      active_q <= 1'b1;
    end else if (take_burst && last_burst) begin
      active_q <= 1'b0;
    end
  end

  // No reset: addr_q and left_q are only used while active_q.
  always_ff @(posedge clk_i) begin
    if (take_cmd) begin
      addr_q <= {cmd_addr_i[AddrW-1:OffW], OffW'(0)};
      left_q <= first_beats;
    end else if (take_burst) begin
      addr_q <= addr_q + (AddrW'(beats) << OffW);
      left_q <= left_q - beats;
    end
  end

endmodule
