// The GAN trainer (tb/train): the host's share of a step against its formulas, the built-in
// data set and the image files, and training steps on the accelerator against the golden
// trainer (the same steps with every layer on the golden model): equal losses, MAC counts and
// weights, bit for bit: 2 sparse and 1 dense step on the first configuration, 1 sparse step on
// every other.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "layer_test_support.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/layer_runner.hpp"
#include "runtime/npy.hpp"
#include "temp_dir.hpp"
#include "train/gan_trainer.hpp"

namespace {

using namespace ganpu;
using train::GanTrainer;
using train::TrainConfig;

uint32_t bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

TEST_CASE("BCE with logits: PyTorch's loss and its gradient", "[host]") {
  const train::BceResult r = train::bce_with_logits({0.0f, 2.0f, -3.0f}, {1.0f, 0.0f, 1.0f});
  const double want =
      (std::log(2.0) + (2.0 + std::log1p(std::exp(-2.0))) + (3.0 + std::log1p(std::exp(-3.0)))) /
      3.0;
  CHECK(r.loss == Approx(want).epsilon(1e-12));
  // The gradient against central differences of the loss.
  for (size_t i = 0; i < 3; ++i) {
    std::vector<float> lo = {0.0f, 2.0f, -3.0f}, hi = lo;
    const float h = 1e-2f;
    lo[i] -= h;
    hi[i] += h;
    const double fd = (train::bce_with_logits(hi, {1.0f, 0.0f, 1.0f}).loss -
                       train::bce_with_logits(lo, {1.0f, 0.0f, 1.0f}).loss) /
                      (2.0 * h);
    CHECK(r.grad[i] == Approx(fd).epsilon(1e-3));
  }
  CHECK_THROWS_AS(train::bce_with_logits({1.0f}, {}), std::invalid_argument);
}

TEST_CASE("Adam: the first step moves each parameter by lr against its gradient", "[host]") {
  train::AdamConfig c;
  c.lr = 0.01f;
  train::Adam adam(3);
  std::vector<float> p = {1.0f, -2.0f, 0.5f};
  adam.step(c, 1, p, {0.3f, -4.0f, 0.0f});
  // m_hat = g, v_hat = g^2: the step is lr * g / (|g| + eps).
  CHECK(p[0] == Approx(0.99f));
  CHECK(p[1] == Approx(-1.99f));
  CHECK(p[2] == 0.5f);
  CHECK_THROWS_AS(adam.step(c, 2, p, {1.0f}), std::invalid_argument);
}

TEST_CASE("tanh and its gradient, rounded to FP16", "[host]") {
  const model::Tensor o = train::to_tensor(fp::kFp16, {3}, {0.0f, 1.0f, -20.0f});
  const model::Tensor y = train::tanh_forward(fp::kFp16, o);
  CHECK(y.data[0] == 0x0000);
  CHECK(y.data[1] == train::to_bits(fp::kFp16, std::tanh(1.0f)));
  CHECK(y.data[2] == 0xBC00);  // -1.0
  const model::Tensor g =
      train::tanh_backward(fp::kFp16, y, train::to_tensor(fp::kFp16, {3}, {2.0f, 2.0f, 2.0f}));
  CHECK(g.data[0] == train::to_bits(fp::kFp16, 2.0f));
  const float t = train::to_float(fp::kFp16, y.data[1]);
  CHECK(g.data[1] == train::to_bits(fp::kFp16, 2.0f * (1.0f - t * t)));
  CHECK(fp::is_zero(fp::kFp16, g.data[2]));
}

TEST_CASE("Rng: the same seed gives the same numbers, in range", "[host]") {
  train::Rng a(7), b(7), c(8);
  double sum = 0, sq = 0;
  bool differ = false;
  for (int i = 0; i < 20000; ++i) {
    const double u = a.uniform();
    CHECK(u == b.uniform());
    differ = differ || u != c.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const double n = a.normal();
    b.normal();
    c.normal();
    sum += n;
    sq += n * n;
  }
  CHECK(differ);
  CHECK(std::fabs(sum / 20000) < 0.05);
  CHECK(sq / 20000 == Approx(1.0).epsilon(0.05));
}

TEST_CASE("The built-in shapes: seeded, in [-1, 1], with ink and background", "[data]") {
  const train::ImageSet a = train::shapes_dataset(64, 3), b = train::shapes_dataset(64, 3);
  const train::ImageSet c = train::shapes_dataset(64, 4);
  REQUIRE(a.pixels.size() == 64u * 256u);
  CHECK(a.pixels == b.pixels);
  CHECK(a.pixels != c.pixels);
  for (int i = 0; i < 64; ++i) {
    int ink = 0, bg = 0;
    for (int k = 0; k < 256; ++k) {
      const float v = a.pixels[static_cast<size_t>(i * 256 + k)];
      REQUIRE(v >= -1.0f);
      REQUIRE(v <= 1.0f);
      ink += v > 0.9f;
      bg += v < -0.9f;
    }
    INFO("image " << i);
    CHECK(ink >= 4);
    CHECK(bg >= 128);
  }
}

TEST_CASE("Image files: round trip and clear errors", "[data]") {
  test::TempDir dir;
  const train::ImageSet a = train::shapes_dataset(5, 1);
  const std::string ok = (dir.path() / "ok.npy").string();
  train::write_image_npy(ok, a.pixels);
  const train::ImageSet back = train::read_image_npy(ok);
  CHECK(back.count == 5);
  CHECK(back.pixels == a.pixels);

  const std::string flat = (dir.path() / "flat.npy").string();
  rt::write_npy(flat, "<f4", {5, 256}, a.pixels.data(), a.pixels.size() * sizeof(float));
  CHECK_THROWS_WITH(train::read_image_npy(flat), Catch::Contains("shape (5, 256)"));

  std::vector<float> big = a.pixels;
  big[17] = 1.5f;
  const std::string range = (dir.path() / "range.npy").string();
  rt::write_npy(range, "<f4", {5, 1, 16, 16}, big.data(), big.size() * sizeof(float));
  CHECK_THROWS_WITH(train::read_image_npy(range), Catch::Contains("element 17"));

  std::vector<uint8_t> bytes(5 * 256, 0);
  const std::string u8 = (dir.path() / "u8.npy").string();
  rt::write_npy(u8, "|u1", {5, 16, 16}, bytes.data(), bytes.size());
  CHECK_THROWS_WITH(train::read_image_npy(u8), Catch::Contains("dtype |u1"));
}

TEST_CASE("The trainer refuses bad settings by name", "[trainer]") {
  TrainConfig c;
  c.shape.g_ch = 3;
  CHECK_THROWS_WITH(GanTrainer(c, train::shapes_dataset(32, 1)), Catch::Contains("g_ch"));
  c = TrainConfig{};
  CHECK_THROWS_WITH(GanTrainer(c, train::shapes_dataset(8, 1)), Catch::Contains("batch of 16"));
  c.loss_scale = 1000.0f;
  CHECK_THROWS_WITH(GanTrainer(c, train::shapes_dataset(32, 1)), Catch::Contains("loss_scale"));
  GanTrainer t(TrainConfig{}, train::shapes_dataset(32, 1));
  CHECK_THROWS_WITH(t.set_param("G.nope.weight", {}), Catch::Contains("G.nope.weight"));
  CHECK_THROWS_WITH(t.set_param("G.fc.bias", {1.0f}), Catch::Contains("expected"));
}

// The parameters of two trainers, bit for bit.
void require_same_params(const GanTrainer &a, const GanTrainer &b) {
  REQUIRE(a.params().size() == b.params().size());
  for (const auto &[name, p] : a.params()) {
    const auto &q = b.params().at(name).value;
    REQUIRE(p.value.size() == q.size());
    size_t differ = 0;
    for (size_t i = 0; i < q.size(); ++i) differ += bits(p.value[i]) != bits(q[i]);
    INFO(name);
    CHECK(differ == 0);
  }
}

// `steps` steps on the accelerator and on the golden model from the same seed.
void check_against_golden(const std::string &config, bool sparse, int steps,
                          train::Multiplexing mux) {
  INFO(config << (sparse ? " sparse" : " dense") << ", " << train::to_string(mux));
  TrainConfig c;
  c.shape.batch = 4;  // small, so that every configuration runs it quickly
  c.shape.g_ch = 8;
  c.seed = 5;
  rt::AxiMemConfig mem = test::default_memory();
  mem.size = 0;
  for (const auto &net :
       {train::generator_layers(c.shape, 4), train::discriminator_layers(c.shape, 8)}) {
    for (const train::NetLayer &l : net) {
      mem.size =
          std::max<uint64_t>(mem.size, rt::layer_memory_bytes(l.spec, rt::HwConfig{}) + 4096);
    }
  }
  mem.size = 2 * mem.size + (1 << 20);  // a group of two phases and its queue records
  std::unique_ptr<rt::Accelerator> acc = rt::make_accelerator(config, mem);
  c.shape.format = acc->config().format;
  GanTrainer hw(c, train::shapes_dataset(64, 2)), sw(c, train::shapes_dataset(64, 2));
  require_same_params(hw, sw);
  train::AcceleratorExecutor on_acc(*acc, sparse, mux);
  train::GoldenExecutor golden(sparse);
  for (int s = 0; s < steps; ++s) {
    const train::StepResult a = hw.step(on_acc), b = sw.step(golden);
    INFO("step " << a.step);
    CHECK(a.d_loss == b.d_loss);
    CHECK(a.g_loss == b.g_loss);
    REQUIRE(a.phases.size() == b.phases.size());
    // G 3 + D 3 forward (real) and D 3 (fake), D's 2 EP and 3 WG; D 3 forward, 3 EP; G 2 EP
    // and 3 WG.
    CHECK(a.phases.size() == 25u);
    if (mux != train::Multiplexing::kDirect) CHECK(a.cycles > 0);
    for (size_t i = 0; i < a.phases.size(); ++i) {
      const train::PhaseRun &p = a.phases[i];
      INFO(p.layer << " " << model::to_string(p.phase) << ": " << p.first_mismatch);
      CHECK(p.mismatches == 0);
      CHECK(p.out_of_bound == 0);
      CHECK(p.macs == b.phases[i].macs);  // the MACS counter equals the model's count
      CHECK(p.counters.cycles > 0);
      // Dense mode accumulates every real product (db's sums included); sparse mode fewer.
      if (sparse) {
        CHECK(p.macs <= p.dense_macs);
      } else {
        CHECK(p.macs == p.dense_macs);
      }
    }
    require_same_params(hw, sw);
  }
  // Training moved the weights, and the samples drawn on the accelerator agree too.
  const GanTrainer fresh(c, train::shapes_dataset(64, 2));
  CHECK(hw.params().at("G.up1.weight").value != fresh.params().at("G.up1.weight").value);
  CHECK(hw.samples(on_acc) == sw.samples(golden));
}

TEST_CASE("Training steps on the accelerator equal the golden trainer", "[trainer]") {
  const std::vector<std::string> configs = rt::accelerator_configs();
  REQUIRE(!configs.empty());
  // The main job's setting, then the other multiplexings and dense mode.
  check_against_golden(configs.front(), true, 2, train::Multiplexing::kAdaptive);
  check_against_golden(configs.front(), false, 1, train::Multiplexing::kTemporal);
  check_against_golden(configs.front(), true, 1, train::Multiplexing::kSpatial);
  check_against_golden(configs.front(), true, 1, train::Multiplexing::kDirect);
  for (size_t i = 1; i < configs.size(); ++i) {
    check_against_golden(configs[i], true, 1, train::Multiplexing::kAdaptive);
  }
}

}  // namespace
