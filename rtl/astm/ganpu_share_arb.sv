// Bandwidth-share arbiter: deficit round robin by beats. Requester i asks for one burst of
// beats_i[i] beats (AXI len + 1, 1..MaxBeats) and is given beats in proportion to its share.
//
// Rule. Each requester has a signed credit (0 after reset). A requester with positive credit
// is eligible; among the eligible requesters the first at or after the round-robin pointer
// wins (the pointer then points after it), and its credit is charged by its burst's beats.
// When no requesting requester has positive credit, every requester's credit is refilled by
// k * share * Quantum, capped at share * Quantum, where k is the fewest rounds that make some
// requester positive (k = 1 whenever bursts are at most Quantum beats); the refill is applied
// in the same cycle as the grant, so the arbiter is work-conserving: a requester is granted
// in every cycle in which there is one, and a lone requester is never held back.
// Share 0 is taken as 1: a requester is never starved.
//
// Under sustained contention each refill round gives requester i share_i * Quantum beats,
// give or take one burst (its credit stays in [1 - MaxBeats, share_i * Quantum]), so the
// beats granted to i and j satisfy |beats_i / share_i - beats_j / share_j| < Quantum + MaxBeats.
//
// The grant (gnt_valid_o, gnt_o, gnt_idx_o) is combinational from the state and the inputs;
// the state changes only with advance_i (the granted burst was taken), so a caller may hold a
// grant until its handshake as long as the requests it sees stay put.
module ganpu_share_arb #(
  parameter int unsigned NumReq   = 2,
  parameter int unsigned ShareW   = 4,
  parameter int unsigned Quantum  = 16,   // beats per unit of share and round
  parameter int unsigned MaxBeats = 256,  // the longest burst
  localparam int unsigned IdxW    = (NumReq > 1) ? $clog2(NumReq) : 1,
  localparam int unsigned BeatsW  = $clog2(MaxBeats + 1)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic [NumReq-1:0]             req_i,
  input  logic [NumReq-1:0][BeatsW-1:0] beats_i,   // of a requesting requester: 1..MaxBeats
  input  logic [NumReq-1:0][ShareW-1:0] shares_i,  // 0 counts as 1
  output logic                          gnt_valid_o,
  output logic [NumReq-1:0]             gnt_o,     // one-hot
  output logic [IdxW-1:0]               gnt_idx_o,
  input  logic                          advance_i  // the granted burst is taken this cycle
);

  localparam int unsigned MaxShare = (1 << ShareW) - 1;
  localparam int unsigned Cap      = MaxShare * Quantum;  // the largest credit
  // Refill rounds that always suffice: a credit is at least 1 - MaxBeats.
  localparam int unsigned KMax     = (MaxBeats + Quantum - 1) / Quantum;
  // A credit: [1 - MaxBeats, Cap]; sums during the refill: up to KMax * Cap.
  localparam int unsigned CredW    = $clog2(((Cap > MaxBeats) ? Cap : MaxBeats) + 1) + 1;
  localparam int unsigned AccW     = $clog2(KMax * Cap + MaxBeats + 1) + 1;

  logic [NumReq-1:0][CredW-1:0] credit_q, credit_d;
  logic [IdxW-1:0]              ptr_q, ptr_d;

  logic [NumReq-1:0][AccW-1:0]  quantum;   // share * Quantum
  logic [NumReq-1:0][AccW-1:0]  credit;    // credit_q, sign-extended
  logic [NumReq-1:0][AccW-1:0]  add;       // k * share * Quantum
  logic [NumReq-1:0][AccW-1:0]  eff;       // credit after this cycle's refill, if any
  logic [NumReq-1:0]            positive, eligible;
  logic [ShareW-1:0]            share;
  logic                         refill, hit, found;
  logic [IdxW-1:0]              win;

  always_comb begin
    for (int unsigned i = 0; i < NumReq; i++) begin
      share       = (shares_i[i] == '0) ? ShareW'(1) : shares_i[i];
      quantum[i]  = AccW'(share) * AccW'(Quantum);
      credit[i]   = AccW'($signed(credit_q[i]));
      positive[i] = $signed(credit_q[i]) > $signed(CredW'(0));
    end
  end

  // No requester that asks has credit left: a new round.
  assign refill = (req_i != '0) && ((req_i & positive) == '0);

  // The fewest rounds k that make some requester positive (the loop ends on the smallest).
  always_comb begin
    add = '0;
    for (int unsigned k = KMax; k >= 1; k--) begin
      hit = 1'b0;
      for (int unsigned i = 0; i < NumReq; i++) begin
        if (req_i[i] && $signed(credit[i] + AccW'(k) * quantum[i]) > $signed(AccW'(0))) begin
          hit = 1'b1;
        end
      end
      if (hit) begin
        for (int unsigned i = 0; i < NumReq; i++) begin
          add[i] = AccW'(k) * quantum[i];
        end
      end
    end
  end

  always_comb begin
    for (int unsigned i = 0; i < NumReq; i++) begin
      eff[i] = credit[i];
      if (refill) begin
        eff[i] = credit[i] + add[i];
        if ($signed(eff[i]) > $signed(quantum[i])) begin
          eff[i] = quantum[i];
        end
      end
      eligible[i] = req_i[i] && ($signed(eff[i]) > $signed(AccW'(0)));
    end
  end

  // Round robin: the first eligible requester at or after the pointer.
  always_comb begin
    win   = '0;
    found = 1'b0;
    for (int unsigned off = 0; off < NumReq; off++) begin
      int unsigned j;
      j = 32'(ptr_q) + off;
      if (j >= NumReq) begin
        j = j - NumReq;
      end
      if (!found && eligible[j]) begin
        found = 1'b1;
        win   = IdxW'(j);
      end
    end
  end

  assign gnt_valid_o = found;
  assign gnt_idx_o   = win;
  always_comb begin
    gnt_o = '0;
    gnt_o[win] = found;
  end

  // The winner pays for its burst; a refill, if any, is kept for everyone.
  always_comb begin
    for (int unsigned i = 0; i < NumReq; i++) begin
      credit_d[i] = CredW'(eff[i]);
      if (found && (IdxW'(i) == win)) begin
        credit_d[i] = CredW'(eff[i] - AccW'(beats_i[i]));
      end
    end
    ptr_d = (32'(win) + 1 >= NumReq) ? '0 : win + 1'b1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      credit_q <= '0;
      ptr_q    <= '0;
    end else if (advance_i) begin
      credit_q <= credit_d;
      ptr_q    <= ptr_d;
    end
  end

`ifndef SYNTHESIS
  // Work-conserving: a grant whenever there is a request; it advances only when granted; a
  // granted burst is 1..MaxBeats beats; credits stay in [1 - MaxBeats, Cap].
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (found == (req_i != '0))
        else $error("ganpu_share_arb %m: requests %b but grant valid %b", req_i, found);
      assert (!advance_i || found)
        else $error("ganpu_share_arb %m: advance without a grant");
      assert (!found || (beats_i[win] != '0 && 32'(beats_i[win]) <= MaxBeats))
        else $error("ganpu_share_arb %m: burst of %0d beats", beats_i[win]);
      for (int unsigned i = 0; i < NumReq; i++) begin
        assert ($signed(credit_q[i]) >= $signed(CredW'(1 - int'(MaxBeats))) &&
                $signed(credit_q[i]) <= $signed(CredW'(Cap)))
          else $error("ganpu_share_arb %m: credit %0d of requester %0d out of range",
                      $signed(credit_q[i]), i);
      end
    end
  end
`endif

endmodule
