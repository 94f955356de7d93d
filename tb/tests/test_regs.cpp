// ganpu_regs through its AXI4-Lite port (regs_test_top, desc_o flattened): identification,
// every descriptor register against its readback and its bits of desc_o, WSTRB, unmapped
// addresses, START/busy/DONE/ERROR/CLEAR/IRQ, the counters, AW/W orderings, and that the
// generated register files match rtl/regs/registers.json.
#include <verilated.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vregs.h"
#include "Vregs_bf16_8x16.h"
#include "runtime/axil_master.hpp"
#include "runtime/ganpu_regs.hpp"
#include "runtime/verilated_unit.hpp"

namespace {

namespace regs = ganpu::regs;
using ganpu::rt::AxilMaster;
using ganpu::rt::AxiResp;
using ganpu::rt::WriteOrder;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A Verilated regs_test_top with its clock, its core-side inputs and an AXI4-Lite master.
template <class V>
class Bench {
 public:
  Bench()
      : ctx_(std::make_unique<VerilatedContext>()),
        top_(std::make_unique<V>(ctx_.get(), "top")),
        axi(*top_, [this] { tick(); }) {
    top_->clk_i = 0;
    top_->busy_i = 0;
    top_->done_i = 0;
    top_->error_i = 0;
    top_->error_code_i = 0;
    top_->cnt_cycles_i = 0;
    top_->cnt_busy_i = 0;
    top_->cnt_stall_i = 0;
    top_->cnt_macs_i = 0;
    top_->cnt_rd_bytes_i = 0;
    top_->cnt_wr_bytes_i = 0;
    top_->cnt_stall_load_i = 0;
    top_->cnt_stall_store_i = 0;
    top_->cnt_stall_setup_i = 0;
    top_->cnt_stall_drain_i = 0;
    // A falling edge of rst_ni, so that every register takes its reset value (not only the
    // ones whose reset is 0, as the model's power-up state happens to be).
    ganpu::rt::async_reset(*top_);
    tick();
  }
  Bench(const Bench &) = delete;
  Bench &operator=(const Bench &) = delete;
  ~Bench() { top_->final(); }

  V &io() { return *top_; }

  // One clock cycle; counts the cycles in which start_o is high after the edge.
  void tick() {
    top_->clk_i = 1;
    top_->eval();
    if (top_->start_o) ++start_cycles;
    top_->clk_i = 0;
    top_->eval();
  }
  void ticks(int n) {
    for (int i = 0; i < n; ++i) tick();
  }
  // A one-cycle pulse on a core input (done_i, error_i).
  template <class Port>
  void pulse(Port &port) {
    port = 1;
    tick();
    port = 0;
  }

  uint32_t read_ok(uint32_t addr) {
    const auto r = axi.read(addr);
    INFO("read " << hex(addr));
    CHECK(r.resp == AxiResp::kOkay);
    return r.data;
  }
  void write_ok(uint32_t addr, uint32_t data, uint32_t strb = 0xF) {
    INFO("write " << hex(addr) << " = " << hex(data));
    CHECK(axi.write(addr, data, strb) == AxiResp::kOkay);
  }

  // Bits [lsb, lsb + width) of the flattened desc_o (width <= 32).
  uint32_t desc_bits(unsigned lsb, unsigned width) const {
    uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
      const unsigned b = lsb + i;
      v |= static_cast<uint64_t>((top_->desc_o[b / 32] >> (b % 32)) & 1u) << i;
    }
    return static_cast<uint32_t>(v);
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;

 public:
  AxilMaster<V> axi;
  int start_cycles = 0;
};

// Where a descriptor register sits in desc_t, and how its word maps onto those bits: desc_t
// packs the registers in offset order from the most significant end; a register with fields
// keeps only its fields, packed in register order.
struct DescSlot {
  const regs::RegInfo *reg;
  unsigned lsb;
  unsigned width;
  std::vector<const regs::FieldInfo *> fields;  // ascending shift; empty: bits [width-1:0]

  uint32_t expect(uint32_t word) const {
    if (fields.empty()) return width == 32 ? word : word & ((1u << width) - 1u);
    uint32_t v = 0;
    unsigned pos = 0;
    for (const auto *f : fields) {
      v |= ((word >> f->shift) & ((1u << f->width) - 1u)) << pos;
      pos += f->width;
    }
    return v;
  }
};

std::vector<DescSlot> desc_layout() {
  std::vector<DescSlot> slots;
  for (const auto &r : regs::kRegisters) {
    if (!r.descriptor) continue;
    DescSlot s{&r, 0, 0, {}};
    for (const auto &f : regs::kFields) {
      if (f.offset == r.offset) s.fields.push_back(&f);
    }
    if (s.fields.empty()) {
      while (s.width < 32 && (r.mask >> s.width) != 0) ++s.width;
    } else {
      std::sort(s.fields.begin(), s.fields.end(),
                [](const auto *a, const auto *b) { return a->shift < b->shift; });
      for (const auto *f : s.fields) s.width += f->width;
    }
    slots.push_back(s);
  }
  unsigned total = 0;
  for (const auto &s : slots) total += s.width;
  unsigned top = total;
  for (auto &s : slots) {
    top -= s.width;
    s.lsb = top;
  }
  return slots;
}

const regs::RegInfo *find_reg(uint32_t offset) {
  for (const auto &r : regs::kRegisters) {
    if (r.offset == offset) return &r;
  }
  return nullptr;
}

template <class V>
void check_desc_o(const Bench<V> &b, const std::map<uint32_t, uint32_t> &words) {
  for (const auto &s : desc_layout()) {
    const uint32_t word = words.count(s.reg->offset) ? words.at(s.reg->offset) : 0;
    INFO(s.reg->name << " at desc_o[" << s.lsb + s.width - 1 << ":" << s.lsb << "]");
    CHECK(hex(b.desc_bits(s.lsb, s.width)) == hex(s.expect(word)));
  }
}

}  // namespace

TEST_CASE("ID, VERSION and CONFIG report the device and its parameters", "[regs]") {
  Bench<Vregs> b;
  CHECK(hex(b.read_ok(regs::kRegId)) == hex(0x47414E50));
  CHECK(hex(b.read_ok(regs::kRegVersion)) == hex(0x00000001));
  // Defaults: a 4 x 4 FP16 array with 4 accumulator slots per PE and the zero-skipping walk,
  // 2^13 A entries, 2^11 B entries, 2^11 bytes of gating-mask buffer.
  CHECK(hex(b.read_ok(regs::kRegConfig)) == hex(0x01400404));
  CHECK(hex(b.read_ok(regs::kRegConfig2)) == hex(0x000B0B0D));

  Bench<Vregs_bf16_8x16> c;
  const uint32_t config = c.read_ok(regs::kRegConfig);
  CHECK((config & regs::kConfigPeRowsMask) >> regs::kConfigPeRowsShift == 8);
  CHECK((config & regs::kConfigPeColsMask) >> regs::kConfigPeColsShift == 16);
  CHECK((config & regs::kConfigFormatMask) >> regs::kConfigFormatShift ==
        static_cast<uint32_t>(regs::NumFormat::kBf16));
  CHECK(hex(c.read_ok(regs::kRegConfig2)) == hex(0x00090A0C));
}

TEST_CASE("every register reads its reset value after reset", "[regs]") {
  Bench<Vregs> b;
  for (const auto &r : regs::kRegisters) {
    if (!r.has_reset) continue;
    INFO(r.name);
    CHECK(hex(b.read_ok(r.offset)) == hex(r.reset));
  }
  check_desc_o(b, {});
}

TEST_CASE("every descriptor register writes, reads back and drives its bits of desc_o", "[regs]") {
  Bench<Vregs> b;
  std::mt19937 rng(7);
  std::map<uint32_t, uint32_t> words;
  for (int round = 0; round < 3; ++round) {
    for (const auto &r : regs::kRegisters) {
      if (!r.descriptor) continue;
      // All ones, then random words: every implemented bit is seen set and cleared.
      const uint32_t v = round == 0 ? 0xFFFFFFFFu : static_cast<uint32_t>(rng());
      b.write_ok(r.offset, v);
      words[r.offset] = v;
    }
    for (const auto &r : regs::kRegisters) {
      if (!r.descriptor) continue;
      INFO(r.name << " round " << round);
      // Bits outside the register read as 0.
      CHECK(hex(b.read_ok(r.offset)) == hex(words[r.offset] & r.mask));
    }
    check_desc_o(b, words);
  }
  // Each register alone: writing one leaves the others as they were.
  for (const auto &r : regs::kRegisters) {
    if (!r.descriptor) continue;
    b.write_ok(r.offset, ~words[r.offset]);
    words[r.offset] = ~words[r.offset];
    check_desc_o(b, words);
  }
}

TEST_CASE("Descriptor::to_writes programs every field where desc_t expects it", "[regs]") {
  regs::Descriptor d;
  d.op.opcode = regs::Opcode::kMaskGrad;
  d.op.act = regs::Act::kLeakyRelu;
  d.op.out_fp32 = false;
  d.op.bias_en = true;
  d.op.a_one = false;
  d.op.mask_en = true;
  d.op.format = regs::NumFormat::kBf16;
  d.slope = 0x3C00;
  d.q_count = 64;
  d.a_off = -3;
  d.y_p2 = -2;
  d.x_lim = 0x12345678;
  d.g_src = 0x80000000u;

  const auto writes = d.to_writes();
  REQUIRE(writes.size() == regs::kDescNumRegs);
  for (size_t i = 0; i < writes.size(); ++i) {
    CHECK(writes[i].first == regs::kDescBase + 4 * i);
  }
  // OP = opcode 1 | act 2 << 2 | bias_en << 5 | mask_en << 7 | format << 8.
  CHECK(hex(d.op.pack()) == hex(0x1A9));
  const auto op = regs::Op::unpack(d.op.pack());
  CHECK(op.opcode == d.op.opcode);
  CHECK(op.act == d.op.act);
  CHECK(op.bias_en);
  CHECK(op.mask_en);
  CHECK(!op.a_one);
  CHECK(op.format == regs::NumFormat::kBf16);

  Bench<Vregs> b;
  std::map<uint32_t, uint32_t> words;
  for (const auto &[offset, value] : writes) {
    b.write_ok(offset, value);
    words[offset] = value;
  }
  CHECK(hex(words[regs::kRegAOff]) == hex(0xFFFFFFFD));
  CHECK(hex(b.read_ok(regs::kRegYP2)) == hex(0xFFFFFFFE));
  check_desc_o(b, words);
  // The OP fields, each at its own place in desc_o.
  const auto slots = desc_layout();
  const DescSlot &op_slot = slots.front();
  REQUIRE(op_slot.reg->offset == regs::kRegOp);
  unsigned pos = op_slot.lsb;
  std::map<std::string, uint32_t> got;
  for (const auto *f : op_slot.fields) {
    got[f->name] = b.desc_bits(pos, f->width);
    pos += f->width;
  }
  CHECK(got["OPCODE"] == static_cast<uint32_t>(regs::Opcode::kMaskGrad));
  CHECK(got["ACT"] == static_cast<uint32_t>(regs::Act::kLeakyRelu));
  CHECK(got["OUT_FP32"] == 0);
  CHECK(got["BIAS_EN"] == 1);
  CHECK(got["A_ONE"] == 0);
  CHECK(got["MASK_EN"] == 1);
  CHECK(got["FORMAT"] == 1);
}

TEST_CASE("WSTRB writes only the enabled bytes", "[regs]") {
  Bench<Vregs> b;
  const uint32_t base = 0x11223344;
  const uint32_t data = 0xAABBCCDD;
  for (uint32_t strb = 0; strb < 16; ++strb) {
    b.write_ok(regs::kRegQCount, base);
    b.write_ok(regs::kRegQCount, data, strb);
    uint32_t want = base;
    for (int i = 0; i < 4; ++i) {
      if (strb & (1u << i)) want = (want & ~(0xFFu << 8 * i)) | (data & (0xFFu << 8 * i));
    }
    INFO("wstrb " << strb);
    CHECK(hex(b.read_ok(regs::kRegQCount)) == hex(want));
  }
  // OP keeps bits 22:0: byte 1 holds FORMAT, PSUM_IN, GATE, GATE_B, A_KEEP, B_MAP, B_KEEP;
  // byte 2 SPAN, B_STREAM, B_CHUNK_LOG2 and SKIP.
  const uint32_t byte1 = regs::kOpFormatMask | regs::kOpPsumInMask | regs::kOpGateMask |
                         regs::kOpGateBMask | regs::kOpAKeepMask | regs::kOpBMapMask |
                         regs::kOpBKeepMask;
  const uint32_t byte2 =
      regs::kOpSpanMask | regs::kOpBStreamMask | regs::kOpBChunkLog2Mask | regs::kOpSkipMask;
  b.write_ok(regs::kRegOp, 0);
  b.write_ok(regs::kRegOp, 0xFFFFFFFF, 0x2);
  CHECK(hex(b.read_ok(regs::kRegOp)) == hex(byte1));
  b.write_ok(regs::kRegOp, 0xFFFFFFFF, 0x4);
  CHECK(hex(b.read_ok(regs::kRegOp)) == hex(byte1 | byte2));
  b.write_ok(regs::kRegOp, 0xFFFFFFFF, 0x1);
  CHECK(hex(b.read_ok(regs::kRegOp)) == hex(0x7FFFFF));
  // IRQ_ENABLE and CTRL act on byte 0 only.
  b.write_ok(regs::kRegIrqEnable, 1, 0xE);
  CHECK(b.read_ok(regs::kRegIrqEnable) == 0);
  b.write_ok(regs::kRegIrqEnable, 1, 0x1);
  CHECK(b.read_ok(regs::kRegIrqEnable) == 1);
  b.write_ok(regs::kRegCtrl, regs::kCtrlStartMask, 0xE);
  b.ticks(3);
  CHECK(b.start_cycles == 0);
}

TEST_CASE("unmapped addresses answer SLVERR, read 0 and change nothing", "[regs]") {
  Bench<Vregs> b;
  std::map<uint32_t, uint32_t> words;
  for (const auto &r : regs::kRegisters) {
    if (r.descriptor) {
      b.write_ok(r.offset, r.offset * 0x01010101u);
      words[r.offset] = r.offset * 0x01010101u;
    }
  }
  int unmapped = 0;
  for (uint32_t addr = 0; addr < (1u << regs::kAddrWidth); addr += 4) {
    const auto *r = find_reg(addr);
    const auto rd = b.axi.read(addr);
    INFO("address " << hex(addr));
    if (r) {
      CHECK(rd.resp == AxiResp::kOkay);
      continue;
    }
    ++unmapped;
    CHECK(rd.resp == AxiResp::kSlvErr);
    CHECK(rd.data == 0);
    CHECK(b.axi.write(addr, 0xFFFFFFFF) == AxiResp::kSlvErr);
  }
  CHECK(unmapped == 1024 - static_cast<int>(std::size(regs::kRegisters)));
  CHECK(b.start_cycles == 0);
  CHECK(b.read_ok(regs::kRegStatus) == 0);
  CHECK(b.read_ok(regs::kRegIrqEnable) == 0);
  check_desc_o(b, words);
  // The two low address bits are ignored.
  CHECK(hex(b.read_ok(regs::kRegId + 3)) == hex(regs::kRegIdReset));
  b.write_ok(regs::kRegPN + 2, 0x5555);
  CHECK(hex(b.read_ok(regs::kRegPN)) == hex(0x5555));
}

TEST_CASE("writes to RO registers are ignored with OKAY, CTRL reads 0", "[regs]") {
  Bench<Vregs> b;
  for (const auto &r : regs::kRegisters) {
    if (r.access != regs::Access::kReadOnly) continue;
    const uint32_t before = b.read_ok(r.offset);
    b.write_ok(r.offset, ~before);
    INFO(r.name);
    CHECK(hex(b.read_ok(r.offset)) == hex(before));
  }
  CHECK(b.read_ok(regs::kRegCtrl) == 0);
  CHECK(b.start_cycles == 0);
}

TEST_CASE("START pulses start_o once, and only when idle", "[regs]") {
  Bench<Vregs> b;
  b.write_ok(regs::kRegCtrl, regs::kCtrlStartMask);
  b.ticks(5);
  CHECK(b.start_cycles == 1);
  CHECK(b.read_ok(regs::kRegCtrl) == 0);

  // The core is busy: START is refused and STATUS.BUSY shows it.
  b.io().busy_i = 1;
  CHECK(b.axi.write(regs::kRegCtrl, regs::kCtrlStartMask) == AxiResp::kSlvErr);
  b.ticks(5);
  CHECK(b.start_cycles == 1);
  CHECK((b.read_ok(regs::kRegStatus) & regs::kStatusBusyMask) != 0);

  b.io().busy_i = 0;
  CHECK((b.read_ok(regs::kRegStatus) & regs::kStatusBusyMask) == 0);
  b.write_ok(regs::kRegCtrl, regs::kCtrlStartMask | regs::kCtrlClearMask);
  b.ticks(5);
  CHECK(b.start_cycles == 2);
  // CLEAR alone does not start.
  b.write_ok(regs::kRegCtrl, regs::kCtrlClearMask);
  b.ticks(5);
  CHECK(b.start_cycles == 2);
}

TEST_CASE("START counts as busy before the core raises busy_i", "[regs]") {
  Bench<Vregs> b;
  auto &io = b.io();
  // CTRL.START by hand, then a STATUS read accepted in the cycle start_o is high: BUSY is
  // already set there (and so descriptor writes are refused), before busy_i can rise.
  io.s_axil_awaddr = regs::kRegCtrl;
  io.s_axil_wdata = regs::kCtrlStartMask;
  io.s_axil_wstrb = 0xF;
  io.s_axil_awvalid = 1;
  io.s_axil_wvalid = 1;
  io.s_axil_bready = 1;
  io.s_axil_araddr = regs::kRegStatus;
  io.eval();
  REQUIRE(io.s_axil_awready);
  REQUIRE(io.s_axil_wready);
  b.tick();
  io.s_axil_awvalid = 0;
  io.s_axil_wvalid = 0;
  for (int n = 0; n < 10 && !io.start_o; ++n) b.tick();
  REQUIRE(io.start_o);
  io.s_axil_awvalid = 0;
  io.s_axil_wvalid = 0;
  io.s_axil_arvalid = 1;
  io.s_axil_rready = 0;
  b.tick();  // AR accepted in the start_o cycle
  io.s_axil_arvalid = 0;
  REQUIRE(io.s_axil_rvalid);
  CHECK((io.s_axil_rdata & regs::kStatusBusyMask) != 0);
  io.s_axil_rready = 1;
  b.tick();
  b.axi.idle();
  CHECK(b.start_cycles == 1);
}

TEST_CASE("descriptor writes while busy are ignored with SLVERR", "[regs]") {
  Bench<Vregs> b;
  std::map<uint32_t, uint32_t> words;
  for (const auto &r : regs::kRegisters) {
    if (!r.descriptor) continue;
    b.write_ok(r.offset, 0xA5A5A5A5u ^ r.offset);
    words[r.offset] = 0xA5A5A5A5u ^ r.offset;
  }
  b.io().busy_i = 1;
  for (const auto &r : regs::kRegisters) {
    if (!r.descriptor) continue;
    INFO(r.name);
    CHECK(b.axi.write(r.offset, 0x12345678) == AxiResp::kSlvErr);
    CHECK(hex(b.read_ok(r.offset)) == hex(words[r.offset] & r.mask));
  }
  check_desc_o(b, words);
  // Control registers stay writable.
  b.write_ok(regs::kRegIrqEnable, 1);
  CHECK(b.read_ok(regs::kRegIrqEnable) == 1);
  b.io().busy_i = 0;
  b.write_ok(regs::kRegSlope, 0x3C00);
  CHECK(hex(b.read_ok(regs::kRegSlope)) == hex(0x3C00));
}

TEST_CASE("done_i and error_i set STATUS, irq_o follows IRQ_ENABLE, CLEAR and START clear",
          "[regs]") {
  Bench<Vregs> b;
  auto &io = b.io();
  const uint32_t done = regs::kStatusDoneMask;
  const uint32_t error = regs::kStatusErrorMask;

  b.pulse(io.done_i);
  CHECK(hex(b.read_ok(regs::kRegStatus)) == hex(done));
  CHECK(io.irq_o == 0);  // not enabled
  b.write_ok(regs::kRegIrqEnable, 1);
  CHECK(io.irq_o == 1);
  b.write_ok(regs::kRegIrqEnable, 0);
  CHECK(io.irq_o == 0);
  b.write_ok(regs::kRegIrqEnable, 1);
  CHECK(io.irq_o == 1);
  b.write_ok(regs::kRegCtrl, regs::kCtrlClearMask);
  CHECK(b.read_ok(regs::kRegStatus) == 0);
  CHECK(io.irq_o == 0);

  io.error_code_i = 0x5A;
  b.pulse(io.error_i);
  io.error_code_i = 0;
  CHECK(hex(b.read_ok(regs::kRegStatus)) ==
        hex(done | error | 0x5A << regs::kStatusErrorCodeShift));
  CHECK(io.irq_o == 1);
  // START clears the outcome of the last job.
  b.write_ok(regs::kRegCtrl, regs::kCtrlStartMask);
  CHECK(b.read_ok(regs::kRegStatus) == 0);
  CHECK(io.irq_o == 0);

  // A report from the core wins over a CLEAR that takes effect at the same clock edge.
  for (const bool report : {false, true}) {
    b.pulse(io.done_i);
    io.s_axil_awaddr = regs::kRegCtrl;
    io.s_axil_wdata = regs::kCtrlClearMask;
    io.s_axil_wstrb = 0xF;
    io.s_axil_awvalid = 1;
    io.s_axil_wvalid = 1;
    io.s_axil_bready = 0;
    io.eval();
    REQUIRE(io.s_axil_awready);
    REQUIRE(io.s_axil_wready);
    b.tick();  // AW and W accepted
    io.s_axil_awvalid = 0;
    io.s_axil_wvalid = 0;
    REQUIRE(io.s_axil_bvalid == 0);
    io.done_i = report;
    b.tick();  // the CLEAR takes effect
    io.done_i = 0;
    REQUIRE(io.s_axil_bvalid);
    io.s_axil_bready = 1;
    b.tick();
    b.axi.idle();
    INFO("done_i with the CLEAR: " << report);
    CHECK(hex(b.read_ok(regs::kRegStatus)) == hex(report ? done : 0));
    CHECK(io.irq_o == report);
  }
}

TEST_CASE("the counters read back as LO and HI words of their inputs", "[regs]") {
  Bench<Vregs> b;
  auto &io = b.io();
  io.cnt_cycles_i = 0x0123456789ABCDEFull;
  io.cnt_busy_i = 0x1111222233334444ull;
  io.cnt_stall_i = 0x5555666677778888ull;
  io.cnt_macs_i = 0x99990000AAAA0000ull;
  io.cnt_rd_bytes_i = 0x00000001FFFFFFFFull;
  io.cnt_wr_bytes_i = 0xFEDCBA9876543210ull;
  io.cnt_stall_load_i = 0x0000000100000002ull;
  io.cnt_stall_store_i = 0x0000000300000004ull;
  io.cnt_stall_setup_i = 0x8000000500000006ull;
  io.cnt_stall_drain_i = 0x0000000700000008ull;
  io.cnt_a_reads_i = 0x0000000900000010ull;
  io.cnt_b_reads_i = 0x4000001100000012ull;
  io.cnt_nz_reads_i = 0x0000001300000014ull;
  io.cnt_buf_writes_i = 0x0000001500000016ull;
  const std::pair<uint32_t, uint64_t> counters[] = {
      {regs::kRegCyclesLo, io.cnt_cycles_i},
      {regs::kRegBusyCyclesLo, io.cnt_busy_i},
      {regs::kRegStallCyclesLo, io.cnt_stall_i},
      {regs::kRegMacsLo, io.cnt_macs_i},
      {regs::kRegRdBytesLo, io.cnt_rd_bytes_i},
      {regs::kRegWrBytesLo, io.cnt_wr_bytes_i},
      {regs::kRegStallLoadLo, io.cnt_stall_load_i},
      {regs::kRegStallStoreLo, io.cnt_stall_store_i},
      {regs::kRegStallSetupLo, io.cnt_stall_setup_i},
      {regs::kRegStallDrainLo, io.cnt_stall_drain_i},
      {regs::kRegAReadsLo, io.cnt_a_reads_i},
      {regs::kRegBReadsLo, io.cnt_b_reads_i},
      {regs::kRegNzReadsLo, io.cnt_nz_reads_i},
      {regs::kRegBufWritesLo, io.cnt_buf_writes_i},
  };
  for (const auto &[lo, value] : counters) {
    INFO("counter at " << hex(lo));
    CHECK(hex(b.read_ok(lo)) == hex(value & 0xFFFFFFFFu));
    CHECK(hex(b.read_ok(lo + 4)) == hex(value >> 32));
  }
}

TEST_CASE("AW before W, W before AW and both together all write", "[regs]") {
  Bench<Vregs> b;
  uint32_t v = 1;
  for (const auto order : {WriteOrder::kTogether, WriteOrder::kAwFirst, WriteOrder::kWFirst}) {
    for (unsigned gap = 0; gap < 4; ++gap) {
      for (const uint32_t addr : {regs::kRegAD1, regs::kRegIrqEnable}) {
        v = v * 1103515245u + 12345u;
        const uint32_t want = addr == regs::kRegIrqEnable ? v & 1u : v;
        INFO("order " << static_cast<int>(order) << " gap " << gap << " address " << hex(addr));
        CHECK(b.axi.write(addr, v, 0xF, order, gap) == AxiResp::kOkay);
        CHECK(hex(b.read_ok(addr)) == hex(want));
      }
    }
  }
  CHECK(b.axi.write(0x0FC, 1, 0xF, WriteOrder::kWFirst, 2) == AxiResp::kSlvErr);
  CHECK(b.axi.write(0x0FC, 1, 0xF, WriteOrder::kAwFirst, 2) == AxiResp::kSlvErr);
}

TEST_CASE("one write and one read in flight: a write needs AW and W, B and R wait for ready",
          "[regs]") {
  Bench<Vregs> b;
  auto &io = b.io();
  const auto layout = desc_layout();
  const auto &slot = *std::find_if(layout.begin(), layout.end(),
                                   [](const auto &s) { return s.reg->offset == regs::kRegQCount; });

  // AW alone: accepted, but no write and no B until W arrives.
  io.s_axil_awaddr = regs::kRegQCount;
  io.s_axil_awvalid = 1;
  io.s_axil_bready = 0;
  b.tick();
  io.s_axil_awvalid = 0;
  for (int i = 0; i < 5; ++i) {
    b.tick();
    CHECK(io.s_axil_bvalid == 0);
    CHECK(io.s_axil_awready == 0);  // the one write slot is taken
  }
  CHECK(b.desc_bits(slot.lsb, 32) == 0);
  io.s_axil_wdata = 0xCAFEF00D;
  io.s_axil_wstrb = 0xF;
  io.s_axil_wvalid = 1;
  b.tick();
  io.s_axil_wvalid = 0;
  // B held until BREADY; no new write accepted meanwhile.
  for (int i = 0; i < 5; ++i) {
    b.tick();
    CHECK(io.s_axil_bvalid == 1);
    CHECK(io.s_axil_bresp == 0);
    CHECK(io.s_axil_awready == 0);
    CHECK(io.s_axil_wready == 0);
  }
  CHECK(hex(b.desc_bits(slot.lsb, 32)) == hex(0xCAFEF00D));
  io.s_axil_bready = 1;
  b.tick();
  io.s_axil_bready = 0;
  CHECK(io.s_axil_bvalid == 0);
  b.tick();
  CHECK(io.s_axil_awready == 1);
  CHECK(io.s_axil_wready == 1);

  // R held until RREADY, with its data; no new AR accepted meanwhile.
  io.s_axil_araddr = regs::kRegQCount;
  io.s_axil_arvalid = 1;
  io.s_axil_rready = 0;
  b.tick();
  io.s_axil_arvalid = 0;
  for (int i = 0; i < 5; ++i) {
    CHECK(io.s_axil_rvalid == 1);
    CHECK(io.s_axil_arready == 0);
    CHECK(hex(io.s_axil_rdata) == hex(0xCAFEF00D));
    b.tick();
  }
  io.s_axil_rready = 1;
  b.tick();
  CHECK(io.s_axil_rvalid == 0);
  CHECK(io.s_axil_arready == 1);
  b.axi.idle();
}

TEST_CASE("the generated register files match rtl/regs/registers.json", "[regs][gen]") {
  const char *src = std::getenv("GANPU_SOURCE_DIR");
  if (src == nullptr || *src == '\0') {
    FAIL(
        "GANPU_SOURCE_DIR is not set: set it to the repository root (CTest does) so that "
        "scripts/gen_regs.py --check can run");
  }
  const std::string cmd = "python3 '" + std::string(src) + "/scripts/gen_regs.py' --check";
  INFO(cmd);
  CHECK(std::system(cmd.c_str()) == 0);
}
