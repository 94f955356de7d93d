// AXI4 channel structs inside the multi-core top: one request and one response struct per
// port, so an interconnect of N masters is N ports, not hundreds of flat signals.
// Naming follows the AXI4 signals (aw, w, b, ar, r). Each master (a core's read or write DMA,
// a command fetcher) uses the low MstIdW bits of the ID; the interconnect puts its master
// index above them, so IDs at the memory port are IdW bits wide.
package ganpu_axi_pkg;

  localparam int unsigned AddrW  = 32;
  localparam int unsigned DataW  = 64;
  localparam int unsigned StrbW  = DataW / 8;
  localparam int unsigned IdW    = 8;  // at the memory port
  localparam int unsigned MstIdW = 4;  // what one master uses (ganpu_dma_rd/wr IdW)

  typedef struct packed {
    logic [IdW-1:0]   id;
    logic [AddrW-1:0] addr;
    logic [7:0]       len;
    logic [2:0]       size;
    logic [1:0]       burst;
  } ax_chan_t;

  typedef struct packed {
    logic [DataW-1:0] data;
    logic [StrbW-1:0] strb;
    logic             last;
  } w_chan_t;

  typedef struct packed {
    logic [IdW-1:0] id;
    logic [1:0]     resp;
  } b_chan_t;

  typedef struct packed {
    logic [IdW-1:0]   id;
    logic [DataW-1:0] data;
    logic [1:0]       resp;
    logic             last;
  } r_chan_t;

  // Master to slave.
  typedef struct packed {
    ax_chan_t aw;
    logic     aw_valid;
    w_chan_t  w;
    logic     w_valid;
    logic     b_ready;
    ax_chan_t ar;
    logic     ar_valid;
    logic     r_ready;
  } req_t;

  // Slave to master.
  typedef struct packed {
    logic    aw_ready;
    logic    w_ready;
    b_chan_t b;
    logic    b_valid;
    logic    ar_ready;
    r_chan_t r;
    logic    r_valid;
  } resp_t;

endpackage
