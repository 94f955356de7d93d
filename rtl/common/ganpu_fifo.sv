// First-word-fall-through FIFO in flip-flops: the oldest entry is on out_data_o while
// out_valid_o is high. Meant for short queues (commands, burst lengths). Storage has no reset:
// only entries that were written are ever presented.
module ganpu_fifo #(
  parameter int unsigned Width = 8,
  parameter int unsigned Depth = 2,
  localparam int unsigned PtrW = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntW = $clog2(Depth + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             clear_i,     // drop every entry (the producer's valid is void)
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [Width-1:0] in_data_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [Width-1:0] out_data_o
);

  logic [Width-1:0] mem_q[Depth];
  logic [PtrW-1:0]  wptr_q, rptr_q;
  logic [CntW-1:0]  cnt_q;
  logic             push, pop;

  // Wraps explicitly so any Depth works, not only powers of two.
  function automatic logic [PtrW-1:0] next_ptr(logic [PtrW-1:0] ptr);
    return (ptr == PtrW'(Depth - 1)) ? '0 : ptr + 1'b1;
  endfunction

  assign in_ready_o  = (cnt_q != CntW'(Depth));
  assign out_valid_o = (cnt_q != '0);
  assign out_data_o  = mem_q[rptr_q];
  assign push        = in_valid_i && in_ready_o;
  assign pop         = out_valid_o && out_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= '0;
      rptr_q <= '0;
      cnt_q  <= '0;
    end else if (clear_i) begin
      wptr_q <= '0;
      rptr_q <= '0;
      cnt_q  <= '0;
    end else begin
      if (push) begin
        wptr_q <= next_ptr(wptr_q);
      end
      if (pop) begin
        rptr_q <= next_ptr(rptr_q);
      end
      cnt_q <= cnt_q + CntW'(push) - CntW'(pop);
    end
  end

  always_ff @(posedge clk_i) begin
    if (push) begin
      mem_q[wptr_q] <= in_data_i;
    end
  end

`ifndef SYNTHESIS
  // The producer's side of the handshake: once offered, an entry stays offered and unchanged
  // until it is taken. The count never leaves [0, Depth].
  logic             held_q;
  logic [Width-1:0] held_data_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      held_q <= 1'b0;
    end else begin
      held_q <= in_valid_i && !in_ready_o && !clear_i;
    end
  end
  always_ff @(posedge clk_i) begin
    held_data_q <= in_data_i;
    if (rst_ni && !clear_i) begin
      assert (!held_q || in_valid_i)
        else $error("ganpu_fifo %m: in_valid dropped before in_ready");
      assert (!held_q || in_data_i == held_data_q)
        else $error("ganpu_fifo %m: in_data changed while waiting for in_ready");
      assert (cnt_q <= CntW'(Depth))
        else $error("ganpu_fifo %m: count %0d above depth %0d", cnt_q, Depth);
    end
  end
`endif

endmodule
