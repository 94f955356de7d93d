// Forwarding header: the layer spec types (LayerSpec, Tensor, LayerType, Phase) are not the
// golden model's; they live in spec/layer_spec.hpp (library ganpu_spec). Kept only for files
// that still include it from here (tb/runtime/layer_json.hpp, sim/network_command.cpp); include
// spec/layer_spec.hpp instead, and delete this file once nothing includes it.
#pragma once

#include "spec/layer_spec.hpp"
