// AXI4 interconnect: NumMasters masters (cores' DMAs, descriptor fetchers) to one slave port
// (the memory), with bandwidth shares.
//
// AR and AW each have a share arbiter (ganpu_share_arb, deficit round robin by beats, the same
// shares_i) and an output register: the winner's request is taken (its ar_ready / aw_ready)
// when the register is empty or being emptied, so the slave sees a payload that stays put
// until its ready, and one AR and one AW can pass every cycle.
// IDs: a master uses the low MstIdW bits of its ID (the bits above are ignored); the request
// leaves with ID {master index, those bits}, zero above. R and B return to the master named by
// the index bits, with the master's own bits and zeros above.
// W: AXI4 has no W interleaving, so the W beats go in AW order: a FIFO of the master indexes of
// the AWs granted (MaxWrBursts deep) lets the head master's W through until wlast. An AW
// waits only for room in that FIFO, never for W data, and R and B wait only for their master's
// ready (the DMAs issue AR only with room for the whole burst and AW only with the whole burst's
// W data buffered, so a shared in-order memory cannot deadlock them). A master that never
// writes ties aw_valid and w_valid low.
module ganpu_axi_mux #(
  parameter int unsigned NumMasters  = 2,
  parameter int unsigned ShareW      = 4,
  parameter int unsigned MaxWrBursts = 16,  // AWs granted whose W beats are not all through yet
  // The longest burst any master issues (ganpu_dma_* MaxBurstBeats): it sizes the arbiters.
  parameter int unsigned MaxBurstBeats = 256
) (
  input  logic                                   clk_i,
  input  logic                                   rst_ni,
  input  logic [NumMasters-1:0][ShareW-1:0]      shares_i,    // bandwidth share of each master
  input  ganpu_axi_pkg::req_t  [NumMasters-1:0]  slv_req_i,   // from the masters
  output ganpu_axi_pkg::resp_t [NumMasters-1:0]  slv_resp_o,
  output ganpu_axi_pkg::req_t                    mst_req_o,   // to the memory
  input  ganpu_axi_pkg::resp_t                   mst_resp_i
);

  import ganpu_axi_pkg::*;

  localparam int unsigned IdxW   = (NumMasters > 1) ? $clog2(NumMasters) : 1;
  localparam int unsigned BeatsW = $clog2(MaxBurstBeats + 1);  // AXI4 len + 1

  if ($clog2(NumMasters) + MstIdW > IdW) begin : gen_id_check
    $error("ganpu_axi_mux: %0d masters and %0d-bit master IDs do not fit the %0d-bit ID",
           NumMasters, MstIdW, IdW);
  end

  // The ID a master's request leaves with.
  function automatic logic [IdW-1:0] out_id(logic [IdxW-1:0] idx, logic [MstIdW-1:0] id);
    logic [IdW-1:0] o;
    o = '0;
    o[MstIdW-1:0] = id;
    o[MstIdW+:IdxW] = idx;
    return o;
  endfunction

  // The ID a master sees: its own bits.
  function automatic logic [IdW-1:0] in_id(logic [MstIdW-1:0] id);
    return IdW'(id);
  endfunction

  logic [NumMasters-1:0]             ar_req, aw_req;
  logic [NumMasters-1:0][BeatsW-1:0] ar_beats, aw_beats;
  for (genvar i = 0; i < NumMasters; i++) begin : gen_req
    assign ar_req[i]   = slv_req_i[i].ar_valid;
    assign aw_req[i]   = slv_req_i[i].aw_valid;
    assign ar_beats[i] = BeatsW'(9'(slv_req_i[i].ar.len) + 9'd1);
    assign aw_beats[i] = BeatsW'(9'(slv_req_i[i].aw.len) + 9'd1);
  end

  // --- AR ----------------------------------------------------------------------------------------
  logic                  ar_gnt_valid, ar_load, ar_valid_q;
  logic [NumMasters-1:0] ar_gnt;
  logic [IdxW-1:0]       ar_idx;
  ax_chan_t              ar_sel, ar_q;

  ganpu_share_arb #(
    .NumReq  (NumMasters),
    .ShareW  (ShareW),
    .Quantum (16),
    .MaxBeats(MaxBurstBeats)
  ) u_ar_arb (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .req_i      (ar_req),
    .beats_i    (ar_beats),
    .shares_i   (shares_i),
    .gnt_valid_o(ar_gnt_valid),
    .gnt_o      (ar_gnt),
    .gnt_idx_o  (ar_idx),
    .advance_i  (ar_load)
  );

  always_comb begin
    ar_sel    = slv_req_i[ar_idx].ar;
    ar_sel.id = out_id(ar_idx, slv_req_i[ar_idx].ar.id[MstIdW-1:0]);
  end

  assign ar_load = ar_gnt_valid && (!ar_valid_q || mst_resp_i.ar_ready);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_valid_q <= 1'b0;
    end else if (ar_load) begin
      ar_valid_q <= 1'b1;
    end else if (mst_resp_i.ar_ready) begin
      ar_valid_q <= 1'b0;
    end
  end

  // No reset: only presented while ar_valid_q.
  always_ff @(posedge clk_i) begin
    if (ar_load) begin
      ar_q <= ar_sel;
    end
  end

  // --- AW and the W order ------------------------------------------------------------------------
  logic                  aw_gnt_valid, aw_load, aw_valid_q;
  logic [NumMasters-1:0] aw_gnt;
  logic [IdxW-1:0]       aw_idx;
  ax_chan_t              aw_sel, aw_q;
  logic                  wf_in_ready, wf_valid, wf_pop, w_hs;
  logic [IdxW-1:0]       wf_idx;

  ganpu_share_arb #(
    .NumReq  (NumMasters),
    .ShareW  (ShareW),
    .Quantum (16),
    .MaxBeats(MaxBurstBeats)
  ) u_aw_arb (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .req_i      (aw_req),
    .beats_i    (aw_beats),
    .shares_i   (shares_i),
    .gnt_valid_o(aw_gnt_valid),
    .gnt_o      (aw_gnt),
    .gnt_idx_o  (aw_idx),
    .advance_i  (aw_load)
  );

  always_comb begin
    aw_sel    = slv_req_i[aw_idx].aw;
    aw_sel.id = out_id(aw_idx, slv_req_i[aw_idx].aw.id[MstIdW-1:0]);
  end

  assign aw_load = aw_gnt_valid && (!aw_valid_q || mst_resp_i.aw_ready) && wf_in_ready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_valid_q <= 1'b0;
    end else if (aw_load) begin
      aw_valid_q <= 1'b1;
    end else if (mst_resp_i.aw_ready) begin
      aw_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (aw_load) begin
      aw_q <= aw_sel;
    end
  end

  // Whose W beats go next: one entry per AW granted, dropped with its wlast.
  ganpu_fifo #(
    .Width(IdxW),
    .Depth(MaxWrBursts)
  ) u_w_order (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (1'b0),
    .in_valid_i (aw_load),
    .in_ready_o (wf_in_ready),
    .in_data_i  (aw_idx),
    .out_valid_o(wf_valid),
    .out_ready_i(wf_pop),
    .out_data_o (wf_idx)
  );

  assign w_hs   = mst_req_o.w_valid && mst_resp_i.w_ready;
  assign wf_pop = w_hs && mst_req_o.w.last;

  // --- R and B: back to the master in the ID's index bits ---------------------------------------
  logic [IdxW-1:0] r_idx, b_idx;
  logic            r_idx_ok, b_idx_ok;

  assign r_idx    = mst_resp_i.r.id[MstIdW+:IdxW];
  assign b_idx    = mst_resp_i.b.id[MstIdW+:IdxW];
  assign r_idx_ok = (32'(r_idx) < NumMasters);
  assign b_idx_ok = (32'(b_idx) < NumMasters);

  // --- Outputs -----------------------------------------------------------------------------------
  always_comb begin
    mst_req_o          = '0;
    mst_req_o.ar       = ar_q;
    mst_req_o.ar_valid = ar_valid_q;
    mst_req_o.aw       = aw_q;
    mst_req_o.aw_valid = aw_valid_q;
    mst_req_o.w        = slv_req_i[wf_idx].w;
    mst_req_o.w_valid  = wf_valid && slv_req_i[wf_idx].w_valid;
    // A beat with an index beyond the masters (an assertion names it) is taken and dropped.
    mst_req_o.r_ready  = r_idx_ok ? slv_req_i[r_idx].r_ready : 1'b1;
    mst_req_o.b_ready  = b_idx_ok ? slv_req_i[b_idx].b_ready : 1'b1;
  end

  always_comb begin
    for (int unsigned i = 0; i < NumMasters; i++) begin
      slv_resp_o[i]          = '0;
      slv_resp_o[i].ar_ready = ar_load && ar_gnt[i];
      slv_resp_o[i].aw_ready = aw_load && aw_gnt[i];
      slv_resp_o[i].w_ready  = wf_valid && (32'(wf_idx) == i) && mst_resp_i.w_ready;
      slv_resp_o[i].r        = mst_resp_i.r;
      slv_resp_o[i].r.id     = in_id(mst_resp_i.r.id[MstIdW-1:0]);
      slv_resp_o[i].r_valid  = mst_resp_i.r_valid && (32'(r_idx) == i);
      slv_resp_o[i].b        = mst_resp_i.b;
      slv_resp_o[i].b.id     = in_id(mst_resp_i.b.id[MstIdW-1:0]);
      slv_resp_o[i].b_valid  = mst_resp_i.b_valid && (32'(b_idx) == i);
    end
  end

`ifndef SYNTHESIS
  // Masters keep their AR/AW valid and payload until ready (the arbiter's fairness and the
  // slave's protocol rely on it); the slave's R and B carry a master index in range; the W
  // order FIFO is pushed only with room and popped only with an entry; the output requests
  // stay put until ready.
  logic [NumMasters-1:0] ar_held_q, aw_held_q;
  ax_chan_t              ar_prev_q[NumMasters], aw_prev_q[NumMasters];
  logic                  mst_ar_held_q, mst_aw_held_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_held_q     <= '0;
      aw_held_q     <= '0;
      mst_ar_held_q <= 1'b0;
      mst_aw_held_q <= 1'b0;
    end else begin
      for (int unsigned i = 0; i < NumMasters; i++) begin
        ar_held_q[i] <= slv_req_i[i].ar_valid && !slv_resp_o[i].ar_ready;
        aw_held_q[i] <= slv_req_i[i].aw_valid && !slv_resp_o[i].aw_ready;
      end
      mst_ar_held_q <= mst_req_o.ar_valid && !mst_resp_i.ar_ready;
      mst_aw_held_q <= mst_req_o.aw_valid && !mst_resp_i.aw_ready;
    end
  end
  ax_chan_t mst_ar_prev_q, mst_aw_prev_q;
  always_ff @(posedge clk_i) begin
    for (int unsigned i = 0; i < NumMasters; i++) begin
      ar_prev_q[i] <= slv_req_i[i].ar;
      aw_prev_q[i] <= slv_req_i[i].aw;
    end
    mst_ar_prev_q <= mst_req_o.ar;
    mst_aw_prev_q <= mst_req_o.aw;
    if (rst_ni) begin
      for (int unsigned i = 0; i < NumMasters; i++) begin
        assert (!ar_held_q[i] || (slv_req_i[i].ar_valid && slv_req_i[i].ar == ar_prev_q[i]))
          else $error("ganpu_axi_mux %m: master %0d changed or dropped AR before ar_ready", i);
        assert (!aw_held_q[i] || (slv_req_i[i].aw_valid && slv_req_i[i].aw == aw_prev_q[i]))
          else $error("ganpu_axi_mux %m: master %0d changed or dropped AW before aw_ready", i);
      end
      assert (!mst_ar_held_q || (mst_req_o.ar_valid && mst_req_o.ar == mst_ar_prev_q))
        else $error("ganpu_axi_mux %m: AR changed before ar_ready");
      assert (!mst_aw_held_q || (mst_req_o.aw_valid && mst_req_o.aw == mst_aw_prev_q))
        else $error("ganpu_axi_mux %m: AW changed before aw_ready");
      assert (!mst_resp_i.r_valid || r_idx_ok)
        else $error("ganpu_axi_mux %m: R with ID %0h names no master", mst_resp_i.r.id);
      assert (!mst_resp_i.b_valid || b_idx_ok)
        else $error("ganpu_axi_mux %m: B with ID %0h names no master", mst_resp_i.b.id);
      assert (!aw_load || wf_in_ready)
        else $error("ganpu_axi_mux %m: W order FIFO overflow");
      assert (!wf_pop || wf_valid)
        else $error("ganpu_axi_mux %m: W order FIFO underflow");
    end
  end
`endif

endmodule
