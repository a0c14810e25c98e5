// The tiled 2-D transposed convolution's tile: im2col, one single-threaded GEMM through the
// private OpenBLAS (called directly), and the copy of the result into the output blocks while it
// is in cache.  The decomposition (families of phase-run pairs, their stacked weights, the tile
// grid) is planned in Python (upsampling/kernels/conv_tiles.py); this is the per-tile work the
// thread pool runs.  Included inside an instruction-set namespace.
//
// For tile t (image t / tiles_per_image, extended block rows e0:e1) and each family: the im2col
// A[(by, bx), (e_h, e_w, c)] = x[image, by + e0 + lo_h - (D_h-1-e_h), bx + lo_w - (D_w-1-e_w), c]
// (zero outside x), or x's own rows when the family is `direct` (one tap per axis); then
// Y = A @ W_g (or W_g^T); pair p's column block of Y, read from its block shift on, is its output:
// full[image, o, r0 + ry, bw, c0 + rx, g·m_g + co] = Y[(o + off_h - e0)·E_w + off_w + bw,
// col0 + (ry·P_w + rx)·m_g + co].
#pragma once

#include <cstring>
#include <vector>

using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                         float*, int);
using DgemmFn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int,
                         double, double*, int);

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
// Per-thread scratch up to this size is kept between calls (larger is freed).
constexpr size_t kKeepScratchBytes = size_t(32) << 20;

template <class F>
struct Scratch {
  std::vector<F> a, y;
  void trim() {
    if (a.size() * sizeof(F) > kKeepScratchBytes) std::vector<F>().swap(a);
    if (y.size() * sizeof(F) > kKeepScratchBytes) std::vector<F>().swap(y);
  }
};

// Leading dimensions rounded up to a cache line of elements.
template <class F>
inline intp padded(intp n) {
  const intp per = 64 / static_cast<intp>(sizeof(F));
  return (std::max<intp>(n, 1) + per - 1) / per * per;
}

template <class F>
inline void gemm(const ups::ConvArgs& a, bool trans_b, intp m, intp n, intp k, const F* A, intp lda, const F* B,
                 intp ldb, F* C, intp ldc) {
  const int tb = trans_b ? kTrans : kNoTrans;
  if constexpr (sizeof(F) == 4) {
    reinterpret_cast<SgemmFn>(a.sgemm)(kRowMajor, kNoTrans, tb, int(m), int(n), int(k), 1.0f, A, int(lda), B,
                                       int(ldb), 0.0f, C, int(ldc));
  } else {
    reinterpret_cast<DgemmFn>(a.dgemm)(kRowMajor, kNoTrans, tb, int(m), int(n), int(k), 1.0, A, int(lda), B,
                                       int(ldb), 0.0, C, int(ldc));
  }
}

template <class F>
void conv_tile_typed(const ups::ConvArgs& a, intp tile) {
  thread_local Scratch<F> scratch;
  const F* x = static_cast<const F*>(a.x);
  F* full = static_cast<F*>(a.full);
  const intp image = tile / a.tiles_per_image, first = tile % a.tiles_per_image;
  const intp cg = a.c / a.groups, mg = a.m / a.groups;
  for (intp fi = 0; fi < a.n_families; ++fi) {
    const ups::ConvFamily& f = a.families[fi];
    const intp e0 = first * a.tile_rows, e1 = std::min(f.e_h, (first + 1) * a.tile_rows);
    if (e1 <= e0) continue;
    const intp ew = f.e_w, rows = (e1 - e0) * ew, k = f.d_h * f.d_w * cg;
    const intp ldc = padded<F>(f.columns);
    if (scratch.y.size() < size_t(rows * ldc)) scratch.y.resize(size_t(rows * ldc));
    F* y = scratch.y.data();
    for (intp g = 0; g < a.groups; ++g) {
      const F* A;
      intp lda;
      if (f.direct) {
        A = x + ((image * a.h + e0) * a.w) * a.c + g * cg;
        lda = a.c;
      } else {
        lda = padded<F>(k);
        if (scratch.a.size() < size_t(rows * lda)) scratch.a.resize(size_t(rows * lda));
        F* col = scratch.a.data();
        const intp y_lo = e0 + f.lo_h - f.d_h + 1, x_lo = f.lo_w - f.d_w + 1;
        for (intp by = 0; by < e1 - e0; ++by)
          for (intp bx = 0; bx < ew; ++bx) {
            F* dst = col + (by * ew + bx) * lda;
            for (intp th = 0; th < f.d_h; ++th) {
              const intp yy = by + y_lo + th;
              for (intp tw = 0; tw < f.d_w; ++tw, dst += cg) {
                const intp xx = bx + x_lo + tw;
                if (yy >= 0 && yy < a.h && xx >= 0 && xx < a.w)
                  std::memcpy(dst, x + ((image * a.h + yy) * a.w + xx) * a.c + g * cg, size_t(cg) * sizeof(F));
                else
                  std::memset(dst, 0, size_t(cg) * sizeof(F));
              }
            }
          }
        A = col;
      }
      gemm<F>(a, f.trans_b, rows, f.columns, k, A, lda, static_cast<const F*>(f.weights[g]), f.weight_ld[g], y, ldc);
      for (intp p = 0; p < f.n_pairs; ++p) {
        const ups::ConvPair& pr = f.pairs[p];
        const intp ph = pr.r1 - pr.r0, pw = pr.c1 - pr.c0;
        const intp o0 = std::max<intp>(0, e0 - pr.off_h), o1 = std::min(a.b_h, e1 - pr.off_h);
        for (intp o = o0; o < o1; ++o) {
          const F* src_row = y + ((o + pr.off_h - e0) * ew + pr.off_w) * ldc + pr.col0;
          for (intp bw = 0; bw < a.b_w; ++bw) {
            const F* src = src_row + bw * ldc;
            for (intp ry = 0; ry < ph; ++ry) {
              F* dst = full + ((((image * a.b_h + o) * a.s_h + pr.r0 + ry) * a.b_w + bw) * a.s_w + pr.c0) * a.m + g * mg;
              for (intp rx = 0; rx < pw; ++rx)
                std::memcpy(dst + rx * a.m, src + (ry * pw + rx) * mg, size_t(mg) * sizeof(F));
            }
          }
        }
      }
    }
  }
  scratch.trim();
}

inline void conv_tile(const ups::ConvArgs& a, intp tile) {
  if (a.f64) conv_tile_typed<double>(a, tile);
  else conv_tile_typed<float>(a, tile);
}
