// Shared between the kernels (compiled once per instruction set, csrc/isa.cpp) and the module
// (csrc/module.cpp): the kernels' argument blocks and the table of entry points of one
// instruction set.  Arrays arrive checked (shapes, dtypes, index ranges: module.cpp); a kernel
// runs rows [r0, r1) of its job and is called by the thread pool (csrc/pool.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ups {

using intp = std::ptrdiff_t;

// Element types of arrays, as module.cpp reads them from NumPy dtypes.
enum class DType : int { f32, f64, i8, u8, i16, u16, i32, u32, i64, u64 };

// The fused two-axis resize (csrc/resize.hpp).  The array is seen as (P, H, W·Q): NHWC is
// (N, H, W·C), NCHW (N·C, H, W), HW (1, H, W).  Output row r of P·H_out is image r / H_out,
// row r % H_out.  Weights are in the work dtype (float32 or float64); every output value is
// Σ_t wh[o,t]·(Σ_u ww[j,u]·x[...]) (or the W-first mirror) tap by tap, a multiply then an add.
enum class ResizeKind : int { w_first = 0, h_first = 1, h_first_sparse = 2 };

struct ResizeArgs {
  const void* x = nullptr;
  DType x_type = DType::f32;
  intp images = 0, h_in = 0, row_in = 0;  // row_in = W_in·Q elements
  const intp* ih = nullptr;
  const void* wh = nullptr;
  intp h_out = 0, th = 0;
  const intp* iw = nullptr;
  const void* ww = nullptr;
  intp w_out = 0, tw = 0;
  intp q = 1;
  bool work64 = false;  // the work dtype: float64, else float32
  void* out = nullptr;
  DType out_type = DType::f32;
  intp row_out = 0;  // W_out·Q
  double lo = 0, hi = 0;  // integer outputs: saturation bounds
  bool rounding = false;  // integer output: round half to even, saturate
  bool direct = false;    // the output has the work dtype: rows are summed straight into it
  bool stream = false;    // write output rows with streaming (non-temporal) stores
  ResizeKind kind = ResizeKind::w_first;
  // W first, 1-4 channels: the W plan repeats every `phases` output pixels with unit stride over
  // pixels [j_lo, j_lo + phases·blocks): pixel j_lo + P·m + r, tap t reads input pixel
  // base + m + rel[r·tw + t] with weight ww[j_lo + r, t].  phases == 0: no such run.
  intp phases = 0, j_lo = 0, blocks = 0, base = 0;
  const intp* rel = nullptr;
};

// Nearest neighbour as a copy of raw bits (csrc/copy.hpp): out[b, o, j·Q + k] =
// x[b, ih[o], cols[j] + k] for k < run (run == Q: channel runs; run == 1: element gather).
struct CopyArgs {
  const void* x = nullptr;
  void* out = nullptr;
  int width = 1;  // bytes per element: 1, 2, 4 or 8
  intp images = 0, h_in = 0, row_in = 0, h_out = 0, row_out = 0;
  const intp* ih = nullptr;
  const int64_t* cols = nullptr;
  intp n_cols = 0;
  intp run = 1;
  bool stream = false;
};

// The per-axis resize (csrc/resize.hpp): x (outer, n_in, inner) -> out (outer, n_out, inner),
// both in the work dtype; out[b, o, k] = Σ_t weight[o, t]·x[b, index[o, t], k].  Job rows are
// (b, o) pairs when inner > 1, else whole b rows.
struct AxisArgs {
  const void* x = nullptr;
  void* out = nullptr;
  bool work64 = false;
  intp outer = 0, n_in = 0, inner = 0, n_out = 0, taps = 0;
  const intp* index = nullptr;
  const void* weight = nullptr;
};

// Fused upsample -> argmax (csrc/argmax.hpp): labels of output rows, scores never stored beyond
// one row.  x is (N·C, H, W) when classes_first, else (N, H, W·C); labels (N, H_out, W_out).
struct ArgmaxArgs {
  const void* x = nullptr;
  bool work64 = false;
  intp h_in = 0, w_in = 0;  // pixels
  intp classes = 1;
  bool classes_first = false;
  const intp* ih = nullptr;
  const void* wh = nullptr;
  intp h_out = 0, th = 0;
  const intp* iw = nullptr;
  const void* ww = nullptr;
  intp w_out = 0, tw = 0;
  void* labels = nullptr;
  int label_width = 1;
  bool h_first = true;
};

// OpenCV's 8-bit bilinear fixed point (csrc/fixed_point.hpp): x (H_in, W_in·Q) uint8 ->
// out (H_out, W_out·Q) uint8 with integer weights alpha (W_out, tw) and beta (H_out, th).
struct FixedArgs {
  const void* x = nullptr;
  void* out = nullptr;
  intp h_in = 0, row_in = 0, q = 1;
  const intp* ix = nullptr;
  const int64_t* ax = nullptr;
  intp w_out = 0, tw = 0;
  const intp* iy = nullptr;
  const int64_t* by = nullptr;
  intp h_out = 0, th = 0;
  // The same weights as int32, when every sum of the call fits (module.cpp); else nullptr.
  const int32_t* ax32 = nullptr;
  const int32_t* by32 = nullptr;
};

// The tiled transposed convolution (csrc/conv_tiles.hpp).
using GemmFn = void (*)(int, int, int, int, int, int, double, const void*, int, const void*, int,
                        double, void*, int);
struct ConvPair {
  intp r0, r1, c0, c1;  // output phases (rows r0:r1 of s_h, columns c0:c1 of s_w)
  intp col0, col1;      // GEMM columns
  intp off_h, off_w;    // output block (b_h, b_w) is extended block (b_h + off_h, b_w + off_w)
};
struct ConvFamily {
  intp d_h, d_w, lo_h, lo_w, e_h, e_w;  // taps, first shift, extended block grid
  intp columns;
  bool trans_b, direct;
  const void* const* weights;  // one per group: (K, columns), or (columns, K) when trans_b
  const intp* weight_ld;       // leading dimension (elements) of each group's weights
  const ConvPair* pairs;
  intp n_pairs;
};
struct ConvArgs {
  const void* x = nullptr;  // channels-last (N, H, W, C), C-ordered
  void* full = nullptr;     // (N, B_h, s_h, B_w, s_w, M), C-ordered
  bool f64 = false;
  intp n = 0, h = 0, w = 0, c = 0;
  intp b_h = 0, s_h = 0, b_w = 0, s_w = 0, m = 0;
  intp groups = 1;
  const ConvFamily* families = nullptr;
  intp n_families = 0;
  intp tile_rows = 1, tiles_per_image = 1;
  void* sgemm = nullptr;  // cblas_sgemm / cblas_dgemm of the private OpenBLAS
  void* dgemm = nullptr;
};

// The entry points of one instruction set.
struct KernelTable {
  const char* name;
  void (*resize_rows)(const ResizeArgs&, intp r0, intp r1);
  void (*copy_rows)(const CopyArgs&, intp r0, intp r1);
  void (*axis_rows)(const AxisArgs&, intp r0, intp r1);
  void (*argmax_rows)(const ArgmaxArgs&, intp r0, intp r1);
  void (*conv_tile)(const ConvArgs&, intp tile);
  void (*fixed_linear_rows)(const FixedArgs&, intp r0, intp r1);
  // Test hooks: a streamed copy / blend of one row (bits as the plain one).
  void (*stream_copy)(void* dst, const void* src, intp bytes);
  void (*store_fence)();
};

const KernelTable* table_baseline();
const KernelTable* table_avx2();
const KernelTable* table_avx512();

}  // namespace ups
