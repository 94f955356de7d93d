#include "train/gan_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "model/layer_model.hpp"

namespace ganpu::train {

using model::Phase;
using model::Tensor;

struct GanTrainer::Forward {
  std::vector<Tensor> inputs;               // each layer's x
  std::vector<std::vector<uint8_t>> masks;  // each layer's mask (all 1 without activation)
  Tensor output;                            // the last layer's y
};

namespace {

constexpr int kPixels = kImageSize * kImageSize;

// PyTorch's default initialization of Linear, Conv2d and ConvTranspose2d: weights and bias
// uniform in +-1/sqrt(fan_in), fan_in = weight.size(1) * kernel area (for a transposed
// convolution that is its output channels, as PyTorch computes it).
double fan_in(const model::LayerSpec &s) {
  const auto w = s.w_shape();
  return static_cast<double>(w[1]) * (w.size() == 4 ? static_cast<double>(w[2] * w[3]) : 1.0);
}

size_t count(const std::vector<int64_t> &shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

Tensor reshaped(Tensor t, const std::vector<int64_t> &shape, const std::string &what) {
  if (count(shape) != t.size()) {
    throw std::logic_error(what + ": " + std::to_string(t.size()) + " elements for shape of " +
                           std::to_string(count(shape)));
  }
  t.shape = shape;
  return t;
}

// The record of one phase, before it runs.
PhaseRun new_run(const NetLayer &l, Phase phase, const std::string &pass) {
  PhaseRun r;
  r.layer = l.name;
  r.phase = phase;
  r.pass = pass;
  r.dense_macs = l.spec.macs(phase);
  if (phase == Phase::kWeightGrad) {  // db's sums are MACs too (by 1.0), as the counter counts
    r.dense_macs +=
        static_cast<uint64_t>(l.spec.batch) * l.spec.out_channels * l.spec.out_h() * l.spec.out_w();
  }
  return r;
}

double mean_sigmoid(const std::vector<float> &l, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += 1.0 / (1.0 + std::exp(-static_cast<double>(l[i])));
  return s / static_cast<double>(to - from);
}

}  // namespace

// Two forward passes of the same network as one of twice the batch (a first, then b).
GanTrainer::Forward GanTrainer::concat_batch(const Forward &a, const Forward &b) {
  const auto cat = [](const Tensor &x, const Tensor &y) {
    Tensor t = x;
    t.shape[0] += y.shape[0];
    t.data.insert(t.data.end(), y.data.begin(), y.data.end());
    return t;
  };
  Forward f;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    f.inputs.push_back(cat(a.inputs[i], b.inputs[i]));
    std::vector<uint8_t> m = a.masks[i];
    m.insert(m.end(), b.masks[i].begin(), b.masks[i].end());
    f.masks.push_back(std::move(m));
  }
  f.output = cat(a.output, b.output);
  return f;
}

GanTrainer::GanTrainer(const TrainConfig &cfg, ImageSet data)
    : cfg_(cfg), data_(std::move(data)), rng_(cfg.seed) {
  const std::string bad = cfg.shape.validate();
  if (!bad.empty()) throw std::invalid_argument(bad);
  if (data_.count < cfg.shape.batch) {
    throw std::invalid_argument("data: " + std::to_string(data_.count) + " images for a batch of " +
                                std::to_string(cfg.shape.batch));
  }
  if (!std::isfinite(cfg.loss_scale) || !(cfg.loss_scale > 0) ||
      std::exp2(std::round(std::log2(cfg.loss_scale))) != cfg.loss_scale) {
    throw std::invalid_argument("loss_scale: must be a power of two");
  }
  const int n = cfg.shape.batch;
  g_ = generator_layers(cfg.shape, n);
  d2_ = discriminator_layers(cfg.shape, 2 * n);
  d1_ = discriminator_layers(cfg.shape, n);
  Rng init(cfg.seed * 0x9E3779B97F4A7C15ull + 1);
  for (const auto *net : {&g_, &d2_}) {
    for (const NetLayer &l : *net) {
      const double bound = 1.0 / std::sqrt(fan_in(l.spec));
      for (const auto &[suffix, shape] :
           {std::pair{".weight", l.spec.w_shape()}, std::pair{".bias", l.spec.b_shape()}}) {
        Param p{shape, std::vector<float>(count(shape))};
        for (float &v : p.value) v = static_cast<float>((2.0 * init.uniform() - 1.0) * bound);
        adam_.emplace(l.name + suffix, Adam(p.value.size()));
        params_.emplace(l.name + suffix, std::move(p));
      }
    }
  }
  order_.resize(static_cast<size_t>(data_.count));
  for (int64_t i = 0; i < data_.count; ++i) order_[static_cast<size_t>(i)] = i;
  next_ = data_.count;  // shuffle before the first batch
}

void GanTrainer::set_param(const std::string &name, const std::vector<float> &v) {
  auto it = params_.find(name);
  if (it == params_.end()) throw std::invalid_argument(name + ": no such parameter");
  if (v.size() != it->second.value.size()) {
    throw std::invalid_argument(name + ": " + std::to_string(v.size()) + " values, expected " +
                                std::to_string(it->second.value.size()));
  }
  it->second.value = v;
}

Tensor GanTrainer::weights(const NetLayer &l) const {
  const Param &p = params_.at(l.name + ".weight");
  return to_tensor(cfg_.shape.format, p.shape, p.value);
}

Tensor GanTrainer::bias(const NetLayer &l) const {
  const Param &p = params_.at(l.name + ".bias");
  return to_tensor(cfg_.shape.format, p.shape, p.value);
}

Tensor GanTrainer::latent(Rng &rng) const {
  std::vector<float> z(static_cast<size_t>(cfg_.shape.batch * cfg_.shape.z_dim));
  for (float &v : z) v = static_cast<float>(rng.normal());
  return to_tensor(cfg_.shape.format, {cfg_.shape.batch, cfg_.shape.z_dim}, z);
}

Tensor GanTrainer::real_batch() {
  const int n = cfg_.shape.batch;
  std::vector<float> px(static_cast<size_t>(n) * kPixels);
  for (int i = 0; i < n; ++i) {
    if (next_ == data_.count) {  // a new epoch: Fisher-Yates shuffle
      for (size_t k = order_.size() - 1; k > 0; --k)
        std::swap(order_[k], order_[rng_.below(k + 1)]);
      next_ = 0;
    }
    const float *src = data_.pixels.data() + order_[static_cast<size_t>(next_++)] * kPixels;
    std::copy(src, src + kPixels, px.begin() + i * kPixels);
  }
  return to_tensor(cfg_.shape.format, {n, 1, kImageSize, kImageSize}, px);
}

namespace {

// The network's command queue (docs/astm.md): 0 the generator's, 1 the discriminator's.
int queue_of(const NetLayer &l) { return l.name.rfind("G.", 0) == 0 ? 0 : 1; }

void add(StepResult *res, const GroupCycles &g) {
  if (!res) return;
  res->cycles += g.cycles;
  res->dense_cycles += g.dense_cycles;
  res->temporal_cycles += g.temporal_cycles;
  res->busy_core_cycles += g.busy_core_cycles;
  res->dram_bytes += g.dram_bytes;
}

}  // namespace

std::vector<GanTrainer::Forward> GanTrainer::forward(
    LayerExecutor &exec, const std::vector<const std::vector<NetLayer> *> &nets,
    std::vector<Tensor> inputs, const std::string &pass, StepResult *res) {
  const fp::Format f = cfg_.shape.format;
  std::vector<Forward> fw(nets.size());
  size_t depth = 0;
  for (const auto *net : nets) depth = std::max(depth, net->size());
  for (size_t k = 0; k < depth; ++k) {
    std::vector<PhaseCall> calls;
    std::vector<size_t> which;
    for (size_t n = 0; n < nets.size(); ++n) {
      if (k >= nets[n]->size()) continue;
      const NetLayer &l = (*nets[n])[k];
      inputs[n] = reshaped(std::move(inputs[n]), l.spec.x_shape(), l.name + " x");
      PhaseCall c;
      c.spec = &l.spec;
      c.phase = Phase::kForward;
      c.in.x = inputs[n];
      c.in.w = weights(l);
      c.in.b = bias(l);
      c.queue = queue_of(l);
      c.rec = new_run(l, Phase::kForward, pass);
      c.rec.in_zero_pct = zero_pct(f, inputs[n]);
      calls.push_back(std::move(c));
      which.push_back(n);
    }
    add(res, exec.run_group(calls));
    for (size_t i = 0; i < calls.size(); ++i) {
      const size_t n = which[i];
      const NetLayer &l = (*nets[n])[k];
      rt::LayerOutputs &out = calls[i].out;
      PhaseRun &rec = calls[i].rec;
      if (l.spec.activation == fp::Act::kNone) {
        out.mask.assign(out.y.size(), 1);
      } else {
        size_t zeros = 0;
        for (uint8_t m : out.mask) zeros += m ? 0 : 1;
        rec.out_zero_pct =
            100.0 * static_cast<double>(zeros) / static_cast<double>(out.mask.size());
      }
      fw[n].inputs.push_back(std::move(inputs[n]));
      fw[n].masks.push_back(std::move(out.mask));
      inputs[n] = std::move(out.y);
      if (res) res->phases.push_back(std::move(rec));
    }
  }
  for (size_t n = 0; n < nets.size(); ++n) fw[n].output = std::move(inputs[n]);
  return fw;
}

Tensor GanTrainer::backward(LayerExecutor &exec, const std::vector<NetLayer> &net,
                            const Forward &fw, Tensor grad, bool need_input_grad, bool weight_grads,
                            const std::string &pass, StepResult &res,
                            std::map<std::string, std::vector<float>> *grads) {
  const fp::Format f = cfg_.shape.format;
  // A layer's WG needs only its dy, so it waits for the next layer's EP and runs beside it:
  // the groups are {EP_L}, {EP_L-1, WG_L}, ..., and the last takes the WG of the layer below
  // too when that one has no EP (the WG chain's tail beside more work, docs/astm.md).
  std::vector<PhaseCall> pending;  // WG calls whose dy is known
  for (size_t i = net.size(); i-- > 0;) {
    const NetLayer &l = net[i];
    grad = reshaped(std::move(grad), l.spec.y_shape(), l.name + " dy");
    const double dz_zero = zero_pct(f, model::masked_grad(l.spec, grad, fw.masks[i]));
    PhaseCall c;
    c.spec = &l.spec;
    c.in.dy = grad;
    c.in.mask = fw.masks[i];
    c.queue = queue_of(l);
    std::vector<PhaseCall> calls;
    const bool ep = i > 0 || need_input_grad;
    if (ep) {
      PhaseCall e = c;
      e.phase = Phase::kErrorProp;
      e.in.w = weights(l);
      e.rec = new_run(l, Phase::kErrorProp, pass);
      e.rec.in_zero_pct = dz_zero;
      calls.push_back(std::move(e));
    }
    for (PhaseCall &p : pending) calls.push_back(std::move(p));
    pending.clear();
    if (weight_grads) {
      c.phase = Phase::kWeightGrad;
      c.in.x = fw.inputs[i];
      c.rec = new_run(l, Phase::kWeightGrad, pass);
      c.rec.in_zero_pct = zero_pct(f, c.in.x);
      c.rec.in2_zero_pct = dz_zero;
      // Without an EP here no later group comes: it runs now.
      (ep ? pending : calls).push_back(std::move(c));
    }
    if (calls.empty()) continue;
    add(&res, exec.run_group(calls));
    Tensor dx;
    for (PhaseCall &call : calls) {
      if (call.phase == Phase::kErrorProp) {
        dx = std::move(call.out.dx);
      } else {
        const std::string &name = call.rec.layer;
        (*grads)[name + ".weight"] = fp32_floats(call.out.dw);
        (*grads)[name + ".bias"] = fp32_floats(call.out.db);
      }
      res.phases.push_back(std::move(call.rec));
    }
    grad = std::move(dx);
  }
  if (!pending.empty()) {  // the bottom layer's WG after its EP (an input gradient was needed)
    add(&res, exec.run_group(pending));
    for (PhaseCall &call : pending) {
      (*grads)[call.rec.layer + ".weight"] = fp32_floats(call.out.dw);
      (*grads)[call.rec.layer + ".bias"] = fp32_floats(call.out.db);
      res.phases.push_back(std::move(call.rec));
    }
  }
  return grad;
}

void GanTrainer::apply(const std::map<std::string, std::vector<float>> &grads, StepResult &res) {
  const float unscale = 1.0f / cfg_.loss_scale;  // exact: loss_scale is a power of two
  for (const auto &[name, g] : grads) {
    std::vector<float> u = g;
    for (float &v : u) {
      v *= unscale;
      // An overflow in the 16-bit error propagation (loss scale too large for the errors)
      // would turn the weights into NaN without a word: stop instead.
      if (!std::isfinite(v)) {
        throw std::runtime_error("step " + std::to_string(t_) + ": the gradient of " + name +
                                 " is not finite (an FP16 overflow; try a smaller loss scale)");
      }
    }
    adam_.at(name).step(cfg_.adam, t_, params_.at(name).value, u);
    res.host_ops += u.size();
  }
}

StepResult GanTrainer::step(LayerExecutor &exec) {
  const fp::Format f = cfg_.shape.format;
  const int n = cfg_.shape.batch;
  const std::vector<int64_t> img_shape = {n, 1, kImageSize, kImageSize};
  StepResult res;
  res.step = ++t_;

  // D update. G's forward pass makes the fakes; D's forward passes on the real images and on
  // the fakes are independent, so each layer of the two is one group; D's backward pass sees
  // the two halves as one batch of 2N.
  const Tensor z = latent(rng_);
  const Tensor real = real_batch();
  const Forward gf = std::move(forward(exec, {&g_}, {z}, "D step", &res)[0]);
  const Tensor fake = tanh_forward(f, reshaped(gf.output, img_shape, "G output"));
  std::vector<Forward> halves = forward(exec, {&d1_, &d1_}, {real, fake}, "D step", &res);
  const Forward df = concat_batch(halves[0], halves[1]);
  const std::vector<float> logits = to_floats(f, df.output);
  const std::vector<float> l_real(logits.begin(), logits.begin() + n);
  const std::vector<float> l_fake(logits.begin() + n, logits.end());
  const BceResult on_real = bce_with_logits(l_real, std::vector<float>(n, 1.0f));
  const BceResult on_fake = bce_with_logits(l_fake, std::vector<float>(n, 0.0f));
  res.d_loss = on_real.loss + on_fake.loss;
  res.d_real = mean_sigmoid(logits, 0, n);
  res.d_fake = mean_sigmoid(logits, n, 2 * n);
  std::vector<float> dl(2 * n);
  for (int i = 0; i < n; ++i) {
    dl[i] = on_real.grad[i] * cfg_.loss_scale;
    dl[n + i] = on_fake.grad[i] * cfg_.loss_scale;
  }
  std::map<std::string, std::vector<float>> d_grads;
  backward(exec, d2_, df, to_tensor(f, {2 * n, 1}, dl), false, true, "D step", res, &d_grads);
  apply(d_grads, res);

  // G update, through the updated D.
  const Forward df1 = std::move(forward(exec, {&d1_}, {fake}, "G step", &res)[0]);
  const BceResult g_bce = bce_with_logits(to_floats(f, df1.output), std::vector<float>(n, 1.0f));
  res.g_loss = g_bce.loss;
  std::vector<float> gl = g_bce.grad;
  for (float &v : gl) v *= cfg_.loss_scale;
  const Tensor d_fake =
      backward(exec, d1_, df1, to_tensor(f, {n, 1}, gl), true, false, "G step", res, nullptr);
  const Tensor d_out = tanh_backward(f, fake, reshaped(d_fake, img_shape, "D input gradient"));
  std::map<std::string, std::vector<float>> g_grads;
  backward(exec, g_, gf, d_out, false, true, "G step", res, &g_grads);
  apply(g_grads, res);

  // tanh (1 per pixel), its backward (2: the square and the product), the losses (3 per logit).
  res.host_ops += 3 * fake.size() + 3 * static_cast<uint64_t>(n);
  return res;
}

std::vector<float> GanTrainer::samples(LayerExecutor &exec) {
  Rng fixed(cfg_.seed ^ 0x5A4D504C45ull);  // the same latent vectors every call
  const Forward gf = std::move(forward(exec, {&g_}, {latent(fixed)}, "samples", nullptr)[0]);
  const Tensor img =
      tanh_forward(cfg_.shape.format,
                   reshaped(gf.output, {cfg_.shape.batch, 1, kImageSize, kImageSize}, "G output"));
  return to_floats(cfg_.shape.format, img);
}

}  // namespace ganpu::train
