// One GAN training step, as GANPU would run it: every layer phase with MACs on a
// LayerExecutor (the accelerator, or the golden model), the rest on the host (host_ops.hpp).
//
//   D update: z -> G forward -> fakes = tanh(G(z)); D forward on [real, fakes] (one batch of
//             2N); loss BCE(D(real), 1) + BCE(D(fakes), 0); D error propagation and weight
//             gradients; Adam on D.
//   G update: D forward on the same fakes (updated D); loss BCE(D(fakes), 1); D error
//             propagation down to the image (D is not updated); tanh backward; G error
//             propagation and weight gradients; Adam on G.
//
// Master weights, gradients and Adam state are FP32 on the host; each step gives the
// accelerator the weights rounded to its 16-bit format. The loss gradient is multiplied by
// loss_scale (a power of two) before it enters the 16-bit error propagation, and the weight
// gradients divided by it, so that small errors stay normal numbers (mixed-precision
// training's loss scaling).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "train/gan_model.hpp"
#include "train/host_ops.hpp"
#include "train/layer_executor.hpp"
#include "train/shapes_data.hpp"

namespace ganpu::train {

struct TrainConfig {
  GanShape shape;
  uint64_t seed = 1;  // weights, latent vectors and batch order
  AdamConfig adam;
  float loss_scale = 1024.0f;
};

struct StepResult {
  int step = 0;  // from 1
  double d_loss = 0, g_loss = 0;
  double d_real = 0, d_fake = 0;  // mean sigmoid(D(x)) on the real and fake images
  std::vector<PhaseRun> phases;
  uint64_t host_ops = 0;  // host element operations: Adam (1 per parameter), tanh, losses
  // The accelerator's cycles for the step: its groups of phases one after another (phases of a
  // group that overlap count once); with the dense baseline, the same in dense mode.
  uint64_t cycles = 0, dense_cycles = 0;
  uint64_t temporal_cycles = 0;   // with the baseline: the same in temporal multiplexing
  uint64_t busy_core_cycles = 0;  // summed over the cores: cycles their arrays issued
  uint64_t dram_bytes = 0;        // read and written
};

// A parameter tensor: FP32 master values, in the layout of its LayerSpec (= PyTorch's).
struct Param {
  std::vector<int64_t> shape;
  std::vector<float> value;
};

class GanTrainer {
 public:
  // Throws std::invalid_argument for a bad shape or a data set smaller than a batch.
  GanTrainer(const TrainConfig &cfg, ImageSet data);

  StepResult step(LayerExecutor &exec);

  // The generator's images for fixed latent vectors (the same every call): (batch, 1, 16, 16)
  // in [-1, 1].
  std::vector<float> samples(LayerExecutor &exec);

  // Parameters by state_dict name ("G.fc.weight", ...), in name order.
  const std::map<std::string, Param> &params() const { return params_; }
  // Replaces a parameter's values; throws std::invalid_argument naming a wrong name or size.
  void set_param(const std::string &name, const std::vector<float> &v);
  const TrainConfig &config() const { return cfg_; }
  int steps_done() const { return t_; }

 private:
  struct Forward;  // the activations and masks a backward pass needs
  static Forward concat_batch(const Forward &a, const Forward &b);
  // The forward passes of several networks side by side: layer k of each in one group.
  std::vector<Forward> forward(LayerExecutor &exec,
                               const std::vector<const std::vector<NetLayer> *> &nets,
                               std::vector<model::Tensor> inputs, const std::string &pass,
                               StepResult *res);
  model::Tensor backward(LayerExecutor &exec, const std::vector<NetLayer> &net, const Forward &f,
                         model::Tensor grad, bool need_input_grad, bool weight_grads,
                         const std::string &pass, StepResult &res,
                         std::map<std::string, std::vector<float>> *grads);
  void apply(const std::map<std::string, std::vector<float>> &grads, StepResult &res);
  model::Tensor weights(const NetLayer &l) const;
  model::Tensor bias(const NetLayer &l) const;
  model::Tensor latent(Rng &rng) const;
  model::Tensor real_batch();

  TrainConfig cfg_;
  ImageSet data_;
  std::vector<NetLayer> g_, d2_, d1_;  // G, D on 2N (real and fake), D on N
  std::map<std::string, Param> params_;
  std::map<std::string, Adam> adam_;
  Rng rng_;
  std::vector<int64_t> order_;  // the data set's order in this epoch
  int64_t next_ = 0;            // next image of order_
  int t_ = 0;                   // steps done
};

}  // namespace ganpu::train
