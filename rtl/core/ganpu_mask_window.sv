// A copy of the gating-mask buffer that reads 8 consecutive mask bits from any bit address
// per cycle: the bytes in two banks (even and odd byte addresses), so bytes b / 8 and
// b / 8 + 1 come out of one read. bits_o holds, a cycle after raddr_bit_i, bits
// raddr_bit_i .. raddr_bit_i + 7 (bit 0 first), as the buffer held them.
module ganpu_mask_window #(
  parameter int unsigned Depth = 2048,  // bytes, a power of two >= 2
  localparam int unsigned AddrW = $clog2(Depth)
) (
  input  logic           clk_i,
  input  logic           we_i,
  input  logic [AddrW-1:0] waddr_i,     // byte address
  input  logic [7:0]     wdata_i,
  input  logic [AddrW+2:0] raddr_bit_i,
  output logic [7:0]     bits_o
);

  logic [AddrW-1:0] byte_addr, next_byte;
  logic [7:0]       even, odd;
  logic             odd_first_q;
  logic [2:0]       shift_q;
  logic [15:0]      pair;

  assign byte_addr = raddr_bit_i[AddrW+2:3];
  assign next_byte = byte_addr + AddrW'(1);

  // The even bank holds byte 2k at k, the odd bank byte 2k + 1: reading the even bank at
  // (b + 1) / 2 and the odd bank at b / 2 gives bytes b and b + 1 in some order.
  ganpu_ram_1w1r #(
    .Width(8),
    .Depth(Depth / 2)
  ) u_even (
    .clk_i  (clk_i),
    .we_i   (we_i && !waddr_i[0]),
    .waddr_i(waddr_i[AddrW-1:1]),
    .wdata_i(wdata_i),
    .re_i   (1'b1),
    .raddr_i(next_byte[AddrW-1:1]),
    .rdata_o(even)
  );
  ganpu_ram_1w1r #(
    .Width(8),
    .Depth(Depth / 2)
  ) u_odd (
    .clk_i  (clk_i),
    .we_i   (we_i && waddr_i[0]),
    .waddr_i(waddr_i[AddrW-1:1]),
    .wdata_i(wdata_i),
    .re_i   (1'b1),
    .raddr_i(byte_addr[AddrW-1:1]),
    .rdata_o(odd)
  );

  always_ff @(posedge clk_i) begin
    odd_first_q <= byte_addr[0];
    shift_q     <= raddr_bit_i[2:0];
  end
  assign pair   = odd_first_q ? {even, odd} : {odd, even};
  assign bits_o = 8'(pair >> shift_q);

  logic unused_next;
  assign unused_next = next_byte[0];

endmodule
