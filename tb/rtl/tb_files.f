tb/rtl/regs_test_top.sv
tb/rtl/dma_test_top.sv
tb/rtl/handshake_test_top.sv
tb/rtl/eors_test_top.sv
tb/rtl/axi_mux_test_top.sv
