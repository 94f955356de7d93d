// First-word-fall-through FIFO around a RAM with a registered read port, so FPGA tools can map
// the storage to block RAM. The RAM's read register is the FIFO head: a push reaches
// out_valid_o two cycles later, after which one entry per cycle can be popped. Holds
// Depth + 1 entries (RAM plus head). Storage has no reset; only written entries are presented.
module ganpu_fifo_ram #(
  parameter int unsigned Width = 64,
  parameter int unsigned Depth = 64,
  localparam int unsigned PtrW = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntW = $clog2(Depth + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [Width-1:0] in_data_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [Width-1:0] out_data_o
);

  logic [Width-1:0] mem_q[Depth];
  logic [PtrW-1:0]  wptr_q, rptr_q;
  logic [CntW-1:0]  cnt_q;  // entries in the RAM, not counting the head
  logic             head_valid_q;
  logic [Width-1:0] head_q;
  logic             push, rd_en;

  function automatic logic [PtrW-1:0] next_ptr(logic [PtrW-1:0] ptr);
    return (ptr == PtrW'(Depth - 1)) ? '0 : ptr + 1'b1;
  endfunction

  // No push into a full RAM, even with a read in the same cycle: the read and write addresses
  // then never coincide, so the RAM's read-during-write behaviour does not matter.
  assign in_ready_o  = (cnt_q != CntW'(Depth));
  assign push        = in_valid_i && in_ready_o;
  // Refill the head whenever it is empty or being popped.
  assign rd_en       = (cnt_q != '0) && (!head_valid_q || out_ready_i);
  assign out_valid_o = head_valid_q;
  assign out_data_o  = head_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q       <= '0;
      rptr_q       <= '0;
      cnt_q        <= '0;
      head_valid_q <= 1'b0;
    end else begin
      if (push) begin
        wptr_q <= next_ptr(wptr_q);
      end
      if (rd_en) begin
        rptr_q <= next_ptr(rptr_q);
      end
      cnt_q <= cnt_q + CntW'(push) - CntW'(rd_en);
      if (rd_en) begin
        head_valid_q <= 1'b1;
      end else if (out_ready_i) begin
        head_valid_q <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (push) begin
      mem_q[wptr_q] <= in_data_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (rd_en) begin
      head_q <= mem_q[rptr_q];
    end
  end

endmodule
