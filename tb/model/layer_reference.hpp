// Double-precision reference of the golden layer model (layer_model.hpp) and rigorous bounds
// on how far the golden model's result may lie from it.
//
// The reference evaluates the same sums as the model, from the same 16-bit operands (EP and
// WG use the model's 16-bit dz = masked_grad(dy, mask)), in double. Products of two FP16 or
// BF16 values are exact in double; the double sums round, but far below FP32 and the bound
// includes that error. FP applies the activation in double to the sum z before any narrowing
// (LeakyReLU: z * slope).
//
// ---- Error bound (per output element) ----------------------------------------------------------
// Notation: the model computes acc = c + t_1 + ... + t_K serially in FP32 (fp::mac: exact
// product, one RNE rounding per step); c is the initial value (widened bias or +0), t_j the K
// real products, z = c + sum t_j the exact sum, A = |c| + sum |t_j|, u = 2^-24,
// gamma_K = K*u / (1 - K*u) (K*u < 1 is required).
//
// (1) Accumulation. Each step rounds s + t with |fl(s + t) - (s + t)| <= u*|s + t| + 2^-150
//     (2^-150 is half the FP32 subnormal spacing: the underflow error, reachable with BF16
//     products; FP16 products are multiples of 2^-48 and never reach it). Summing the errors,
//     each amplified by at most (1 + u) per later step, gives
//         |acc - z| <= B_acc = gamma_K * A + K * 2^-150 / (1 - K*u),
//     provided no step overflows, which holds if A + B_acc < (2 - 2^-24) * 2^127 (the FP32
//     overflow threshold); otherwise nothing is claimed (the element is "unchecked").
// (2) FP32 results (WG dw and db): |result - z| <= B_acc.
// (3) 16-bit results y = narrow(acc) (EP dx; FP y with kNone): RNE adds at most half an ulp of
//     the rounded value, ulp(y) = 2^(max(e(y), emin) - man_w), e(y) the unbiased exponent of y;
//     for y = 0 and subnormal y this is the subnormal spacing 2^(emin - man_w):
//         |y - z| <= B_acc + ulp(y)/2.
// (4) FP with kRelu: the same bound against max(z, 0): ReLU is 1-Lipschitz, and when y = +0
//     comes from a clipped non-positive narrow(acc) while z > 0, the error z is at most
//     B_acc + ulp(0)/2.
// (5) FP with kLeakyRelu, slope s (f(v) = v for v >= 0, s*v otherwise), L = max(1, |s|):
//     the pre-activation value narrow(acc) is not visible in y, so its narrowing error is taken
//     from the reference side, h = ulp(|z| + B_acc)/2 (ulp of the binade of |z| + B_acc, clamped
//     to [emin, emax]); Bp = B_acc + h bounds |narrow(acc) - z|. Against f(z):
//         z >  Bp:  |y - f(z)| <= B_acc + ulp(y)/2        (narrow(acc) > 0, y = narrow(acc));
//         z < -Bp:  |y - f(z)| <= |s| * Bp + ulp(y)/2     (both negative: the error scales by
//                   |s|, then the 16-bit multiply rounds once more);
//         else:     |y - f(z)| <= L * Bp + ulp(y)/2       (signs may differ; then the error is
//                   |s * narrow(acc)| + z, which |s| * Bp does not bound).
// (6) Infinities. y = +inf (-inf) is consistent iff f(z) + bound >= max finite (f(z) - bound
//     <= -max finite), bound taken with ulp(y) of the top binade: an infinity needs a value of
//     magnitude above max finite before its last rounding. For kLeakyRelu, narrow(acc) = -inf
//     (possible iff z - B_acc <= -max finite) gives y = -inf * s (NaN for s = 0), also
//     consistent: the activation follows the narrowing, so y can be infinite where f(z) is not.
//     Any other NaN from finite operands is an error.
//
// How check() applies this with the double reference zd (the sums in double, order as the
// model's): |zd - z| <= gamma53_(K+1) * A (gamma53: u = 2^-53; products are exact in double,
// BF16 products stay far inside double's normal range), and A itself is taken as the double
// sum of |t_j| times (1 + gamma53_(K+1)). B_acc above is replaced by B1 = B_acc +
// gamma53_(K+1) * A, LeakyReLU adds 2^-53 * |zd * s| for the reference's own product, and every
// bound is multiplied by (1 + 2^-40) to cover the rounding of the bound arithmetic. Non-finite
// operands: the model's result must match the reference's class and value exactly (NaN, the same
// infinity, or the same finite value, e.g. ReLU(-inf) = 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::model {

// The reference result of one output tensor and what its bounds need.
struct RefTensor {
  std::vector<int64_t> shape;
  fp::Format format = fp::kFp32;  // format of the model's result (16-bit for y and dx, FP32)
  fp::Act act = fp::Act::kNone;   // FP's activation (kNone for EP and WG)
  double slope = 0.0;             // LeakyReLU slope value (FP only)
  std::vector<double> value;      // reference result, activation applied
  std::vector<double> pre;        // the sum z before the activation (== value unless FP)
  std::vector<double> abs_sum;    // A = |c| + sum |t_j|
  std::vector<uint64_t> terms;    // K, the number of real products
};

struct RefWeightGrad {
  RefTensor dw;
  RefTensor db;
};

RefTensor reference_forward(const LayerSpec &s, const Tensor &x, const Tensor &w, const Tensor *b);
RefTensor reference_error_prop(const LayerSpec &s, const Tensor &dy, const Tensor &w,
                               const std::vector<uint8_t> &mask);
RefWeightGrad reference_weight_grad(const LayerSpec &s, const Tensor &x, const Tensor &dy,
                                    const std::vector<uint8_t> &mask);

// Exact value of a bit pattern of format f (16-bit or FP32), decoded independently of fp_model.
double value_of(fp::Format f, uint32_t bits);

// The rigorous bound on |model - ref.value[j]| for the model's result model_bits (the ulp of a
// narrowed result comes from the rounded value). +inf if the element cannot be checked (K*u >= 1
// or the FP32 accumulation might overflow); NaN if the reference is not finite.
double error_bound(const RefTensor &ref, size_t j, uint32_t model_bits);

struct CheckResult {
  size_t checked = 0;         // elements with a finite bound or a non-finite reference
  size_t out_of_bound = 0;    // elements outside their bound
  size_t unchecked = 0;       // elements whose bound is infinite (see error_bound)
  double max_ratio = 0.0;     // max over checked finite elements of |model - ref| / bound
  size_t worst = 0;           // index of max_ratio
  std::string first_failure;  // description of the first element outside its bound
};

// Compares a model tensor with the reference, element by element.
CheckResult check(const RefTensor &ref, const Tensor &model);

}  // namespace ganpu::model
