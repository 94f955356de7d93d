// The handshake assertions of the test builds (--assert) fire when a producer breaks the
// valid/ready rules, and stay quiet when it keeps them: one FIFO (tb/rtl/handshake_test_top.sv)
// with the test as producer and consumer.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <memory>

#include "Vhandshake_test_top.h"
#include "runtime/verilated_unit.hpp"

namespace {

class Fifo {
 public:
  Fifo() : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->fatalOnError(false);  // record a failed assertion instead of aborting the test
    top_ = std::make_unique<Vhandshake_test_top>(ctx_.get(), "top");
    top_->in_valid_i = 0;
    top_->out_ready_i = 0;
    ganpu::rt::async_reset(*top_);
    tick();
  }
  ~Fifo() { top_->final(); }
  Fifo(const Fifo &) = delete;
  Fifo &operator=(const Fifo &) = delete;

  Vhandshake_test_top &io() { return *top_; }
  bool fired() const { return ctx_->gotError(); }
  void tick() {
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
  }
  // Offers `data` and fills the FIFO so that the offer waits (in_ready low).
  void fill_and_offer(uint8_t data) {
    top_->out_ready_i = 0;
    top_->in_valid_i = 1;
    for (uint8_t i = 0; i < 2; ++i) {
      top_->in_data_i = i;
      tick();
    }
    REQUIRE(top_->in_ready_o == 0);
    top_->in_data_i = data;
    tick();
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vhandshake_test_top> top_;
};

}  // namespace

TEST_CASE("a producer that keeps valid and data until ready passes", "[assert]") {
  Fifo f;
  f.fill_and_offer(0x5a);
  f.tick();  // still waiting, same data
  f.io().out_ready_i = 1;
  f.tick();  // one entry leaves; in_ready rises
  f.io().out_ready_i = 0;
  REQUIRE(f.io().in_ready_o == 1);
  f.tick();  // the offer is taken
  f.io().in_valid_i = 0;
  f.tick();
  CHECK_FALSE(f.fired());
}

TEST_CASE("valid dropped before ready fires the assertion", "[assert]") {
  Fifo f;
  f.fill_and_offer(0x5a);
  f.io().in_valid_i = 0;
  f.tick();
  CHECK(f.fired());
}

TEST_CASE("data changed while waiting for ready fires the assertion", "[assert]") {
  Fifo f;
  f.fill_and_offer(0x5a);
  f.io().in_data_i = 0xa5;
  f.tick();
  CHECK(f.fired());
}
