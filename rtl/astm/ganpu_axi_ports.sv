// An AXI4 master port as a request/response struct pair (ganpu_axi_pkg) on one side and the
// plain m_axi_* signals of a top on the other, for the tops that Verilator drives.
module ganpu_axi_ports (
  input  ganpu_axi_pkg::req_t                  req_i,
  output ganpu_axi_pkg::resp_t                 resp_o,
  output logic                                 m_axi_arvalid,
  input  logic                                 m_axi_arready,
  output logic [ganpu_axi_pkg::IdW-1:0]        m_axi_arid,
  output logic [ganpu_axi_pkg::AddrW-1:0]      m_axi_araddr,
  output logic [7:0]                           m_axi_arlen,
  output logic [2:0]                           m_axi_arsize,
  output logic [1:0]                           m_axi_arburst,
  input  logic                                 m_axi_rvalid,
  output logic                                 m_axi_rready,
  input  logic [ganpu_axi_pkg::IdW-1:0]        m_axi_rid,
  input  logic [ganpu_axi_pkg::DataW-1:0]      m_axi_rdata,
  input  logic [1:0]                           m_axi_rresp,
  input  logic                                 m_axi_rlast,
  output logic                                 m_axi_awvalid,
  input  logic                                 m_axi_awready,
  output logic [ganpu_axi_pkg::IdW-1:0]        m_axi_awid,
  output logic [ganpu_axi_pkg::AddrW-1:0]      m_axi_awaddr,
  output logic [7:0]                           m_axi_awlen,
  output logic [2:0]                           m_axi_awsize,
  output logic [1:0]                           m_axi_awburst,
  output logic                                 m_axi_wvalid,
  input  logic                                 m_axi_wready,
  output logic [ganpu_axi_pkg::DataW-1:0]      m_axi_wdata,
  output logic [ganpu_axi_pkg::StrbW-1:0]      m_axi_wstrb,
  output logic                                 m_axi_wlast,
  input  logic                                 m_axi_bvalid,
  output logic                                 m_axi_bready,
  input  logic [ganpu_axi_pkg::IdW-1:0]        m_axi_bid,
  input  logic [1:0]                           m_axi_bresp
);

  assign m_axi_arvalid = req_i.ar_valid;
  assign m_axi_arid    = req_i.ar.id;
  assign m_axi_araddr  = req_i.ar.addr;
  assign m_axi_arlen   = req_i.ar.len;
  assign m_axi_arsize  = req_i.ar.size;
  assign m_axi_arburst = req_i.ar.burst;
  assign m_axi_rready  = req_i.r_ready;
  assign m_axi_awvalid = req_i.aw_valid;
  assign m_axi_awid    = req_i.aw.id;
  assign m_axi_awaddr  = req_i.aw.addr;
  assign m_axi_awlen   = req_i.aw.len;
  assign m_axi_awsize  = req_i.aw.size;
  assign m_axi_awburst = req_i.aw.burst;
  assign m_axi_wvalid  = req_i.w_valid;
  assign m_axi_wdata   = req_i.w.data;
  assign m_axi_wstrb   = req_i.w.strb;
  assign m_axi_wlast   = req_i.w.last;
  assign m_axi_bready  = req_i.b_ready;

  always_comb begin
    resp_o          = '0;
    resp_o.ar_ready = m_axi_arready;
    resp_o.r_valid  = m_axi_rvalid;
    resp_o.r.id     = m_axi_rid;
    resp_o.r.data   = m_axi_rdata;
    resp_o.r.resp   = m_axi_rresp;
    resp_o.r.last   = m_axi_rlast;
    resp_o.aw_ready = m_axi_awready;
    resp_o.w_ready  = m_axi_wready;
    resp_o.b_valid  = m_axi_bvalid;
    resp_o.b.id     = m_axi_bid;
    resp_o.b.resp   = m_axi_bresp;
  end

endmodule
