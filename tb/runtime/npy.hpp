// NumPy .npy files: the exchange format of tensors between PyTorch and the simulator.
//
// Reads format versions 1.0, 2.0 and 3.0 and writes 1.0, byte for byte as numpy.save does.
// Only the dtypes the accelerator exchanges are supported, all little-endian and in C order:
//   <f2  float16 tensors (FP16 layers)
//   <u2  uint16 bit patterns of bfloat16 tensors (BF16 layers), as PyTorch exports them with
//        t.view(torch.uint16).numpy() (NumPy has no bfloat16)
//   <f4  float32 tensors (FP32 results such as weight gradients; PyTorch's default dtype)
//   <f8  float64 tensors (NumPy's default dtype)
//   |u1  |b1  masks
// float32 and float64 tensors can stand for FP16/BF16 ones: tensor_from_npy_rounded rounds
// them to the format.
// A descr with byte order '=' reads as '<' (this host is little-endian); '|' marks 1-byte types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/fp_model.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// Any problem with an .npy file or with its contents; the message names the file (or the
// tensor) and the problem.
class NpyError : public std::runtime_error {
 public:
  explicit NpyError(const std::string &msg) : std::runtime_error(msg) {}
};

struct NpyArray {
  std::string dtype;           // "<f2", "<f4", "<f8", "<u2", "|u1" or "|b1", as in the descr
  std::vector<int64_t> shape;  // () for a scalar
  std::vector<uint8_t> bytes;  // the data, C order, little-endian
  std::string path;            // the file it was read from; empty if built in memory

  int64_t count() const;    // number of elements (1 for shape ())
  size_t itemsize() const;  // bytes per element; 0 for an unsupported dtype
  // Element i as an unsigned little-endian integer of itemsize() bytes (the bit pattern).
  // bits() throws NpyError for an 8-byte dtype (<f8), whose patterns need bits64().
  uint32_t bits(size_t i) const;
  uint64_t bits64(size_t i) const;
};

// "<f2, <f4, <f8, <u2, |u1, |b1": the dtypes read_npy and write_npy accept.
const std::vector<std::string> &npy_supported_dtypes();
// Bytes per element of a supported dtype (after npy_canonical_dtype), else 0.
size_t npy_itemsize(const std::string &dtype);
// The dtype as stored in NpyArray::dtype: '=' becomes '<', and 1-byte types get '|'.
// Returns the input unchanged if it is not one of the supported dtypes.
std::string npy_canonical_dtype(const std::string &dtype);

// Python's repr of a shape tuple: "()", "(5,)", "(2, 3, 4)".
std::string shape_str(const std::vector<int64_t> &shape);
bool npy_shape_equals(const std::vector<int64_t> &a, const std::vector<int64_t> &b);
// Elements in a tensor of this shape; throws NpyError on negative dimensions or overflow.
int64_t shape_count(const std::vector<int64_t> &shape);

// Reads a whole .npy file and checks it completely. Throws NpyError on a missing file, a
// file that is not .npy, an unsupported version, a malformed header, Fortran order, an
// unsupported or big-endian dtype, too little data or trailing bytes.
NpyArray read_npy(const std::string &path);

// Writes a version 1.0 .npy file exactly as numpy.save would, atomically: the data go to
// path + ".tmp", which is then renamed to path, so a failure never leaves a partial file
// (nor the .tmp file). `bytes` must equal shape_count(shape) * itemsize. Throws NpyError.
void write_npy(const std::string &path, const std::string &dtype, const std::vector<int64_t> &shape,
               const void *data, size_t bytes);
void write_npy(const std::string &path, const NpyArray &a);

// The .npy dtype that carries tensors of a format: FP16 "<f2", BF16 "<u2", FP32 "<f4".
// Throws NpyError for any other format.
std::string npy_dtype_for(fp::Format f);

// A tensor of format f from an array, strictly: FP16 needs <f2, BF16 <u2, FP32 <f4 (the bit
// patterns are taken as they are). Anything else throws NpyError naming `what` (e.g. "x")
// and the expected dtype.
model::Tensor tensor_from_npy(const NpyArray &a, fp::Format f, const std::string &what);

// A 0/1 mask from an array of dtype |b1 or |u1 whose values are all 0 or 1.
model::Tensor mask_from_npy(const NpyArray &a, const std::string &what);

// What tensor_from_npy_rounded did to one array.
struct NpyConversion {
  std::string dtype;         // the array's dtype
  bool rounded = false;      // float32/float64 values rounded to the tensor's format
  uint64_t values = 0;       // elements of the array
  uint64_t inexact = 0;      // rounded values that changed (not values of the format)
  uint64_t to_infinity = 0;  // finite values that became +-infinity (beyond the format's range)
  uint64_t to_zero = 0;      // non-zero values that became +-0 (below half its smallest value)
  uint64_t nan = 0;          // NaNs (each becomes the format's canonical NaN, as fp::narrow)
};

// A tensor of a 16-bit format f (FP16, BF16) from an array of f's own dtype (<f2, <u2: taken
// as they are, as tensor_from_npy), or of float32 (<f4) or float64 (<f8): each value rounded
// once to f, to nearest even, overflowing to infinity (float32 by fp::narrow, the golden
// model's conversion; float64 by round_double_to_format, straight from the double, so never
// rounded twice). For FP32 it is tensor_from_npy. Other dtypes throw NpyError naming `what`
// and the dtypes accepted. `conv`, if given, receives what was done.
model::Tensor tensor_from_npy_rounded(const NpyArray &a, fp::Format f, const std::string &what,
                                      NpyConversion *conv = nullptr);

// A double rounded once to format f (round to nearest, ties to even; gradual underflow;
// overflow to infinity; the sign of zeros, infinities and of results rounded to zero kept;
// NaN becomes f.canonical_nan(), as fp::narrow does). Works directly on the double's bits,
// for any format of at most 32 bits with exp_w <= 11 and man_w <= 51 (FP16, BF16, FP32);
// throws std::invalid_argument for another. *inexact, if given, is set to whether the result's
// value differs from v (false for NaN).
uint32_t round_double_to_format(fp::Format f, double v, bool *inexact = nullptr);

// An array of the given dtype (any supported one but <f8) holding the tensor's values; throws
// NpyError if a value does not fit the dtype (more than 16 bits for <f2/<u2, not 0/1 for |b1,
// more than 8 bits for |u1) or if the data do not match the shape. <f8 is refused: a tensor
// holds bit patterns of at most 32 bits.
NpyArray npy_from_tensor(const model::Tensor &t, const std::string &dtype);

// Throws NpyError "WHAT: expected shape (...), got (...)" if the array has another shape.
void require_shape(const NpyArray &a, const std::vector<int64_t> &expected,
                   const std::string &what);

}  // namespace ganpu::rt
