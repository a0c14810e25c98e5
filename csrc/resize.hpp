// The resize kernels: the fused two-axis resize (W first / H first / H first sparse) and the
// per-axis resize.  Included inside an instruction-set namespace (csrc/isa.cpp).
//
// Bit-identical to the per-axis NumPy kernel (upsampling/kernels/numpy_resize.py): every output
// is Σ_t w[t]·x[t] with the same taps in the same order, a multiply then an add, each rounded in
// the work dtype (float32 or float64).  The build has -ffp-contract=off and no -ffast-math, so
// the compiler neither fuses a multiply and an add into an FMA nor reorders a sum; vectorising
// across independent output elements changes no element's arithmetic.  Up to four taps are
// summed per pass over a row: ((w0·s0 + w1·s1) + w2·s2) + w3·s3 is the sequence of roundings of
// one tap per pass.  Integer inputs are converted to the work dtype (float64) element by element,
// as NumPy's astype does; integer outputs are rounded half to even and saturated
// (resizing.cast_output's rule).
//
// W first (every upscale): each input row the output rows need is resized along W once into a
// row cache (taps + 1 rows, least recently used evicted), and each output row blends whole
// cached rows -- OpenCV's scheme.  H first (H shrinks more than W): each output row blends the
// input rows its H plan names into a buffer one input row wide, then weights that buffer's
// columns; a downscale reads only the rows it needs, and a two-tap blend prefetches the next
// output row's input rows.  H first, sparse (W also shrinks so that W_out·taps < W_in, 8 or
// more channels): the H blend is computed only at the columns the W taps read.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "stream.hpp"

using ups::intp;

// ---------------------------------------------------------------------------------------------
// Row blends

// d[i] = Σ_t w[t]·s_t[i] for i < n, taps in order, up to four per pass.
template <class W, class T>
inline void blend_span(const T* const* s, const W* w, intp taps, W* __restrict d, intp n) {
  const T* __restrict s0 = s[0];
  const W w0 = w[0];
  if (taps == 1) {
    for (intp i = 0; i < n; ++i) d[i] = w0 * static_cast<W>(s0[i]);
    return;
  }
  const T* __restrict s1 = s[1];
  const W w1 = w[1];
  if (taps == 2) {
    for (intp i = 0; i < n; ++i) d[i] = w0 * static_cast<W>(s0[i]) + w1 * static_cast<W>(s1[i]);
    return;
  }
  const T* __restrict s2 = s[2];
  const W w2 = w[2];
  if (taps == 3) {
    for (intp i = 0; i < n; ++i)
      d[i] = w0 * static_cast<W>(s0[i]) + w1 * static_cast<W>(s1[i]) + w2 * static_cast<W>(s2[i]);
    return;
  }
  const T* __restrict s3 = s[3];
  const W w3 = w[3];
  for (intp i = 0; i < n; ++i)
    d[i] = w0 * static_cast<W>(s0[i]) + w1 * static_cast<W>(s1[i]) + w2 * static_cast<W>(s2[i]) +
           w3 * static_cast<W>(s3[i]);
  intp t = 4;
  for (; t + 4 <= taps; t += 4) {
    const T* __restrict a0 = s[t];
    const T* __restrict a1 = s[t + 1];
    const T* __restrict a2 = s[t + 2];
    const T* __restrict a3 = s[t + 3];
    const W v0 = w[t], v1 = w[t + 1], v2 = w[t + 2], v3 = w[t + 3];
    for (intp i = 0; i < n; ++i)
      d[i] = d[i] + v0 * static_cast<W>(a0[i]) + v1 * static_cast<W>(a1[i]) +
             v2 * static_cast<W>(a2[i]) + v3 * static_cast<W>(a3[i]);
  }
  for (; t < taps; ++t) {
    const T* __restrict a0 = s[t];
    const W v0 = w[t];
    for (intp i = 0; i < n; ++i) d[i] = d[i] + v0 * static_cast<W>(a0[i]);
  }
}

// Elements blended between two rounds of prefetches in blend_ahead.
constexpr intp kAheadBlock = 256;

// blend_span (same operations, same bits); for two taps, block by block, it first asks the CPU
// for the same columns of the rows `ahead` names (the next output row's): a downscale's output
// row reads input rows the previous one did not, so the hardware prefetcher starts each row cold.
template <class W, class T>
inline void blend_ahead(const T* const* s, const W* w, intp taps, W* __restrict d, intp n,
                        const T* const* ahead) {
  if (taps != 2) {
    blend_span<W, T>(s, w, taps, d, n);
    return;
  }
  const T* __restrict s0 = s[0];
  const T* __restrict s1 = s[1];
  const W w0 = w[0], w1 = w[1];
  const intp line = std::max<intp>(1, kLine / static_cast<intp>(sizeof(T)));
  const intp full = n - n % kAheadBlock;
  for (intp lo = 0; lo < full; lo += kAheadBlock) {
    for (intp e = lo; e < lo + kAheadBlock; e += line) {
      prefetch(ahead[0] + e);
      prefetch(ahead[1] + e);
    }
    for (intp i = lo; i < lo + kAheadBlock; ++i)
      d[i] = w0 * static_cast<W>(s0[i]) + w1 * static_cast<W>(s1[i]);
  }
  for (intp i = full; i < n; ++i) d[i] = w0 * static_cast<W>(s0[i]) + w1 * static_cast<W>(s1[i]);
}

// Elements of a streamed row computed at a time into an L1-resident buffer.
constexpr intp kStreamSpan = 1024;

// d[0:n] = Σ_t w[t]·s_t; with `stream` (1-4 taps), span by span through a buffer written out
// with streaming stores (the same values).
template <class W>
inline void blend_row(const W* const* s, const W* w, intp taps, W* d, intp n, bool stream) {
  if (!stream || taps > 4) {
    blend_span<W, W>(s, w, taps, d, n);
    return;
  }
  alignas(64) W buf[kStreamSpan];
  const W* part[4];
  for (intp i0 = 0; i0 < n; i0 += kStreamSpan) {
    const intp len = std::min(kStreamSpan, n - i0);
    for (intp t = 0; t < taps; ++t) part[t] = s[t] + i0;
    blend_span<W, W>(part, w, taps, buf, len);
    stream_copy(d + i0, buf, len * static_cast<intp>(sizeof(W)));
  }
}

// ---------------------------------------------------------------------------------------------
// The W pass: dst[j·q + k] = Σ_u ww[j, u]·src[iw[j, u]·q + k], tap by tap in order.

template <class W, int Q, int TW>
inline void w_pass_fixed(const W* __restrict src, W* __restrict dst, const intp* iw, const W* ww, intp w_out) {
  for (intp j = 0; j < w_out; ++j) {
    const intp* ij = iw + j * TW;
    const W* wj = ww + j * TW;
    const W* a0 = src + ij[0] * Q;
    W* d = dst + j * Q;
    if constexpr (TW == 1) {
      for (int k = 0; k < Q; ++k) d[k] = wj[0] * a0[k];
    } else if constexpr (TW == 2) {
      const W* a1 = src + ij[1] * Q;
      for (int k = 0; k < Q; ++k) d[k] = wj[0] * a0[k] + wj[1] * a1[k];
    } else {
      const W* a1 = src + ij[1] * Q;
      const W* a2 = src + ij[2] * Q;
      const W* a3 = src + ij[3] * Q;
      for (int k = 0; k < Q; ++k) d[k] = wj[0] * a0[k] + wj[1] * a1[k] + wj[2] * a2[k] + wj[3] * a3[k];
    }
  }
}

// Any number of taps, Q channels known at compile time: each pixel's sums kept in registers.
template <class W, int Q>
inline void w_pass_taps(const W* __restrict src, W* __restrict dst, const intp* iw, const W* ww, intp w_out,
                        intp tw) {
  for (intp j = 0; j < w_out; ++j) {
    const intp* ij = iw + j * tw;
    const W* wj = ww + j * tw;
    W acc[Q];
    const W* a = src + ij[0] * Q;
    for (int k = 0; k < Q; ++k) acc[k] = wj[0] * a[k];
    for (intp u = 1; u < tw; ++u) {
      a = src + ij[u] * Q;
      const W wu = wj[u];
      for (int k = 0; k < Q; ++k) acc[k] = acc[k] + wu * a[k];
    }
    for (int k = 0; k < Q; ++k) dst[j * Q + k] = acc[k];
  }
}

template <class W, int Q>
inline void w_pass_q(const W* src, W* dst, const intp* iw, const W* ww, intp w_out, intp tw) {
  switch (tw) {
    case 1: w_pass_fixed<W, Q, 1>(src, dst, iw, ww, w_out); break;
    case 2: w_pass_fixed<W, Q, 2>(src, dst, iw, ww, w_out); break;
    case 4: w_pass_fixed<W, Q, 4>(src, dst, iw, ww, w_out); break;
    default: w_pass_taps<W, Q>(src, dst, iw, ww, w_out, tw);
  }
}

// Five or more channels: each pixel's channels are a contiguous run (vectorised from 8 on).
template <class W>
inline void w_pass_wide(const W* __restrict src, W* __restrict dst, const intp* iw, const W* ww, intp w_out,
                        intp tw, intp q) {
  for (intp j = 0; j < w_out; ++j) {
    const intp* ij = iw + j * tw;
    const W* wj = ww + j * tw;
    W* __restrict d = dst + j * q;
    const W* __restrict a0 = src + ij[0] * q;
    if (tw == 2) {
      const W* __restrict a1 = src + ij[1] * q;
      const W u0 = wj[0], u1 = wj[1];
      for (intp k = 0; k < q; ++k) d[k] = u0 * a0[k] + u1 * a1[k];
    } else if (tw == 4) {
      const W* __restrict a1 = src + ij[1] * q;
      const W* __restrict a2 = src + ij[2] * q;
      const W* __restrict a3 = src + ij[3] * q;
      const W u0 = wj[0], u1 = wj[1], u2 = wj[2], u3 = wj[3];
      for (intp k = 0; k < q; ++k) d[k] = u0 * a0[k] + u1 * a1[k] + u2 * a2[k] + u3 * a3[k];
    } else {
      const W u0 = wj[0];
      for (intp k = 0; k < q; ++k) d[k] = u0 * a0[k];
      for (intp u = 1; u < tw; ++u) {
        const W* __restrict a = src + ij[u] * q;
        const W wu = wj[u];
        for (intp k = 0; k < q; ++k) d[k] = d[k] + wu * a[k];
      }
    }
  }
}

template <class W>
inline void w_pass(const W* src, W* dst, const intp* iw, const W* ww, intp w_out, intp tw, intp q) {
  switch (q) {
    case 1: w_pass_q<W, 1>(src, dst, iw, ww, w_out, tw); break;
    case 2: w_pass_q<W, 2>(src, dst, iw, ww, w_out, tw); break;
    case 3: w_pass_q<W, 3>(src, dst, iw, ww, w_out, tw); break;
    case 4: w_pass_q<W, 4>(src, dst, iw, ww, w_out, tw); break;
    default: w_pass_wide<W>(src, dst, iw, ww, w_out, tw, q);
  }
}

// The W pass of a periodic W plan (integer upscale factors, 1-4 channels), phase by phase: for
// each phase r, its outputs over all periods read the input row from a fixed offset on, so each
// tap is one contiguous shifted multiply-add into a scratch row (vectorised, no gather); then
// the phases are interleaved into dst.  Per element the same operations in the same order as
// w_pass (blend_span sums the taps left to right, each rounded in W).  Border pixels outside the
// periodic run take w_pass.
template <class W, int Q>
inline void w_pass_planar(const W* src, W* dst, const ups::ResizeArgs& a, const W* ww, W* scratch) {
  const intp P = a.phases, jlo = a.j_lo, M = a.blocks, tw = a.tw, j_hi = jlo + P * M;
  w_pass_q<W, Q>(src, dst, a.iw, ww, jlo, tw);
  w_pass_q<W, Q>(src, dst + j_hi * Q, a.iw + j_hi * tw, ww + j_hi * tw, a.w_out - j_hi, tw);
  const intp n = M * Q;
  const W* taps[64];
  for (intp r = 0; r < P; ++r) {
    for (intp t = 0; t < tw; ++t) taps[t] = src + (a.base + a.rel[r * tw + t]) * Q;
    blend_span<W, W>(taps, ww + (jlo + r) * tw, tw, scratch + r * n, n);
  }
  W* __restrict d = dst + jlo * Q;
  for (intp m = 0; m < M; ++m)
    for (intp r = 0; r < P; ++r)
      for (int k = 0; k < Q; ++k) d[(m * P + r) * Q + k] = scratch[r * n + m * Q + k];
}

template <class W>
inline void w_pass_rows(const W* src, W* dst, const ups::ResizeArgs& a, const W* ww, W* scratch) {
  if (a.phases > 0) {
    switch (a.q) {
      case 1: w_pass_planar<W, 1>(src, dst, a, ww, scratch); return;
      case 2: w_pass_planar<W, 2>(src, dst, a, ww, scratch); return;
      case 3: w_pass_planar<W, 3>(src, dst, a, ww, scratch); return;
      case 4: w_pass_planar<W, 4>(src, dst, a, ww, scratch); return;
      default: break;
    }
  }
  w_pass<W>(src, dst, a.iw, ww, a.w_out, a.tw, a.q);
}

// ---------------------------------------------------------------------------------------------
// Storing a finished row of work-dtype values into the output.

template <class W>
using StoreFn = void (*)(const W*, void*, intp, double, double);

template <class W, class O>
void store_float(const W* src, void* dst, intp n, double, double) {
  O* d = static_cast<O*>(dst);
  for (intp e = 0; e < n; ++e) d[e] = static_cast<O>(src[e]);
}

// Round half to even, saturate to [lo, hi]; NaN (no integer value) is stored as 0.
template <class W, class O>
void store_int(const W* src, void* dst, intp n, double lo, double hi) {
  O* d = static_cast<O*>(dst);
  for (intp e = 0; e < n; ++e) {
    double v = std::nearbyint(static_cast<double>(src[e]));
    if (v < lo) v = lo;
    else if (v > hi) v = hi;
    d[e] = v == v ? static_cast<O>(v) : O(0);
  }
}

template <class W>
StoreFn<W> store_for(ups::DType t) {
  using ups::DType;
  switch (t) {
    case DType::f32: return store_float<W, float>;
    case DType::f64: return store_float<W, double>;
    case DType::i8: return store_int<W, int8_t>;
    case DType::u8: return store_int<W, uint8_t>;
    case DType::i16: return store_int<W, int16_t>;
    case DType::u16: return store_int<W, uint16_t>;
    case DType::i32: return store_int<W, int32_t>;
    case DType::u32: return store_int<W, uint32_t>;
    default: return nullptr;  // refused by module.cpp
  }
}

inline intp dtype_size(ups::DType t) {
  using ups::DType;
  switch (t) {
    case DType::i8: case DType::u8: return 1;
    case DType::i16: case DType::u16: return 2;
    case DType::f32: case DType::i32: case DType::u32: return 4;
    default: return 8;
  }
}

// ---------------------------------------------------------------------------------------------
// The W-first row cache

template <class V>
class RowCache {
 public:
  // `taps + 1` rows of n values: the rows an output row reads, and one more, so that a row the
  // current output row uses is never evicted.
  RowCache(intp taps, intp n)
      : n_(n), data_(static_cast<size_t>((taps + 1) * n)), keys_(static_cast<size_t>(taps + 1), -1),
        stamps_(static_cast<size_t>(taps + 1), 0) {}

  // The cached row `key` (an input row), stamped `clock`; on a miss the least recently used slot
  // is keyed `key` and filled by fill(V* row).
  template <class Fill>
  const V* get(int64_t key, int64_t clock, Fill&& fill) {
    const intp slots = static_cast<intp>(keys_.size());
    for (intp s = 0; s < slots; ++s)
      if (keys_[s] == key) {
        stamps_[s] = clock;
        return data_.data() + s * n_;
      }
    intp best = 0;
    for (intp s = 1; s < slots; ++s)
      if (stamps_[s] < stamps_[best]) best = s;
    keys_[best] = key;
    stamps_[best] = clock;
    fill(data_.data() + best * n_);
    return data_.data() + best * n_;
  }

 private:
  intp n_;
  std::vector<V> data_;
  std::vector<int64_t> keys_, stamps_;
};

// ---------------------------------------------------------------------------------------------
// The fused kernels, for input type T and work type W

template <class W, class T>
void fused_w_first(const ups::ResizeArgs& a, intp r0, intp r1) {
  const T* x = static_cast<const T*>(a.x);
  const W* wh = static_cast<const W*>(a.wh);
  const W* ww = static_cast<const W*>(a.ww);
  const intp n = a.row_out, th = a.th;
  const intp osize = dtype_size(a.out_type);
  RowCache<W> cache(th, n);
  std::vector<W> acc(a.direct ? 0 : static_cast<size_t>(n));
  std::vector<W> conv(std::is_same<T, W>::value ? 0 : static_cast<size_t>(a.row_in));
  std::vector<const W*> rows(static_cast<size_t>(th));
  std::vector<W> scratch(static_cast<size_t>(a.phases * a.blocks * a.q));
  StoreFn<W> store = a.direct ? nullptr : store_for<W>(a.out_type);
  int64_t clock = 0;
  for (intp r = r0; r < r1; ++r) {
    const intp b = r / a.h_out, o = r - b * a.h_out;
    ++clock;
    for (intp t = 0; t < th; ++t) {
      const intp row = b * a.h_in + a.ih[o * th + t];
      rows[t] = cache.get(row, clock, [&](W* dst) {
        const T* src = x + row * a.row_in;
        const W* src_w;
        if constexpr (std::is_same<T, W>::value) {
          src_w = src;
        } else {
          for (intp e = 0; e < a.row_in; ++e) conv[e] = static_cast<W>(src[e]);
          src_w = conv.data();
        }
        w_pass_rows<W>(src_w, dst, a, ww, scratch.data());
      });
    }
    char* out_row = static_cast<char*>(a.out) + (b * a.h_out + o) * n * osize;
    if (a.direct) {
      blend_row<W>(rows.data(), wh + o * th, th, reinterpret_cast<W*>(out_row), n, a.stream);
    } else {
      blend_span<W, W>(rows.data(), wh + o * th, th, acc.data(), n);
      store(acc.data(), out_row, n, a.lo, a.hi);
    }
  }
  if (a.stream) store_fence();
}

template <class W, class T>
void fused_h_first(const ups::ResizeArgs& a, intp r0, intp r1) {
  const T* x = static_cast<const T*>(a.x);
  const W* wh = static_cast<const W*>(a.wh);
  const W* ww = static_cast<const W*>(a.ww);
  const intp n = a.row_out, th = a.th;
  const intp osize = dtype_size(a.out_type);
  std::vector<W> tmp(static_cast<size_t>(a.row_in));
  std::vector<W> row(a.direct ? 0 : static_cast<size_t>(n));
  std::vector<const T*> rows(static_cast<size_t>(th)), ahead(static_cast<size_t>(th));
  StoreFn<W> store = a.direct ? nullptr : store_for<W>(a.out_type);
  intp last_b = -1, last_o = -1;
  for (intp r = r0; r < r1; ++r) {
    const intp b = r / a.h_out, o = r - b * a.h_out;
    char* out_row = static_cast<char*>(a.out) + (b * a.h_out + o) * n * osize;
    // A row with the same taps and weights as the previous one (nearest upscales) is the same
    // computation: copy the finished row.
    bool same = last_b == b;
    for (intp t = 0; same && t < th; ++t)
      same = a.ih[o * th + t] == a.ih[last_o * th + t] && wh[o * th + t] == wh[last_o * th + t];
    if (same) {
      std::memcpy(out_row, static_cast<char*>(a.out) + (b * a.h_out + last_o) * n * osize,
                  static_cast<size_t>(n * osize));
      last_o = o;
      continue;
    }
    const intp next = std::min(o + 1, a.h_out - 1);
    for (intp t = 0; t < th; ++t) {
      rows[t] = x + (b * a.h_in + a.ih[o * th + t]) * a.row_in;
      ahead[t] = x + (b * a.h_in + a.ih[next * th + t]) * a.row_in;
    }
    blend_ahead<W, T>(rows.data(), wh + o * th, th, tmp.data(), a.row_in, ahead.data());
    last_b = b;
    last_o = o;
    if (a.direct) {
      w_pass<W>(tmp.data(), reinterpret_cast<W*>(out_row), a.iw, ww, a.w_out, a.tw, a.q);
    } else {
      w_pass<W>(tmp.data(), row.data(), a.iw, ww, a.w_out, a.tw, a.q);
      store(row.data(), out_row, n, a.lo, a.hi);
    }
  }
}

// One H-first output row, blending the input rows only at the columns the W taps read: the
// per-axis path's tmp[c] = Σ_t wh[o, t]·x[row_t, c], then Σ_u ww[j, u]·tmp[...], the same
// operations in the same order for the columns that reach the output.
template <class W, class T>
inline void sparse_row(const T* const* rows, const W* wh, intp th, const intp* iw, const W* ww, intp w_out,
                       intp tw, intp q, W* __restrict dst) {
  if (th == 2 && tw == 2) {
    const T* s0 = rows[0];
    const T* s1 = rows[1];
    const W a0 = wh[0], a1 = wh[1];
    for (intp j = 0; j < w_out; ++j) {
      const intp c0 = iw[2 * j] * q, c1 = iw[2 * j + 1] * q;
      const W u0 = ww[2 * j], u1 = ww[2 * j + 1];
      for (intp k = 0; k < q; ++k) {
        const W v0 = a0 * static_cast<W>(s0[c0 + k]) + a1 * static_cast<W>(s1[c0 + k]);
        const W v1 = a0 * static_cast<W>(s0[c1 + k]) + a1 * static_cast<W>(s1[c1 + k]);
        dst[j * q + k] = u0 * v0 + u1 * v1;
      }
    }
    return;
  }
  for (intp j = 0; j < w_out; ++j) {
    for (intp k = 0; k < q; ++k) {
      W acc = 0;
      for (intp u = 0; u < tw; ++u) {
        const intp c = iw[j * tw + u] * q + k;
        W v = wh[0] * static_cast<W>(rows[0][c]);
        for (intp t = 1; t < th; ++t) v = v + wh[t] * static_cast<W>(rows[t][c]);
        acc = u == 0 ? ww[j * tw] * v : acc + ww[j * tw + u] * v;
      }
      dst[j * q + k] = acc;
    }
  }
}

template <class W, class T>
void fused_h_first_sparse(const ups::ResizeArgs& a, intp r0, intp r1) {
  const T* x = static_cast<const T*>(a.x);
  const W* wh = static_cast<const W*>(a.wh);
  const W* ww = static_cast<const W*>(a.ww);
  const intp n = a.row_out, th = a.th;
  const intp osize = dtype_size(a.out_type);
  std::vector<W> row(a.direct ? 0 : static_cast<size_t>(n));
  std::vector<const T*> rows(static_cast<size_t>(th));
  StoreFn<W> store = a.direct ? nullptr : store_for<W>(a.out_type);
  for (intp r = r0; r < r1; ++r) {
    const intp b = r / a.h_out, o = r - b * a.h_out;
    char* out_row = static_cast<char*>(a.out) + (b * a.h_out + o) * n * osize;
    for (intp t = 0; t < th; ++t) rows[t] = x + (b * a.h_in + a.ih[o * th + t]) * a.row_in;
    if (a.direct) {
      sparse_row<W, T>(rows.data(), wh + o * th, th, a.iw, ww, a.w_out, a.tw, a.q, reinterpret_cast<W*>(out_row));
    } else {
      sparse_row<W, T>(rows.data(), wh + o * th, th, a.iw, ww, a.w_out, a.tw, a.q, row.data());
      store(row.data(), out_row, n, a.lo, a.hi);
    }
  }
}

template <class W, class T>
void fused_rows_typed(const ups::ResizeArgs& a, intp r0, intp r1) {
  switch (a.kind) {
    case ups::ResizeKind::w_first: fused_w_first<W, T>(a, r0, r1); break;
    case ups::ResizeKind::h_first: fused_h_first<W, T>(a, r0, r1); break;
    case ups::ResizeKind::h_first_sparse: fused_h_first_sparse<W, T>(a, r0, r1); break;
  }
}

inline void resize_rows(const ups::ResizeArgs& a, intp r0, intp r1) {
  using ups::DType;
  if (!a.work64) {  // float32 work: float32 input only
    fused_rows_typed<float, float>(a, r0, r1);
    return;
  }
  switch (a.x_type) {
    case DType::f64: fused_rows_typed<double, double>(a, r0, r1); break;
    case DType::f32: fused_rows_typed<double, float>(a, r0, r1); break;
    case DType::i8: fused_rows_typed<double, int8_t>(a, r0, r1); break;
    case DType::u8: fused_rows_typed<double, uint8_t>(a, r0, r1); break;
    case DType::i16: fused_rows_typed<double, int16_t>(a, r0, r1); break;
    case DType::u16: fused_rows_typed<double, uint16_t>(a, r0, r1); break;
    case DType::i32: fused_rows_typed<double, int32_t>(a, r0, r1); break;
    case DType::u32: fused_rows_typed<double, uint32_t>(a, r0, r1); break;
    case DType::i64: fused_rows_typed<double, int64_t>(a, r0, r1); break;
    case DType::u64: fused_rows_typed<double, uint64_t>(a, r0, r1); break;
  }
}

// ---------------------------------------------------------------------------------------------
// The per-axis resize

template <class W>
void axis_rows_typed(const ups::AxisArgs& a, intp r0, intp r1) {
  const W* x = static_cast<const W*>(a.x);
  W* out = static_cast<W*>(a.out);
  const W* weight = static_cast<const W*>(a.weight);
  if (a.inner == 1) {  // job rows are whole rows b: gather along the row
    for (intp b = r0; b < r1; ++b) {
      const W* row = x + b * a.n_in;
      W* dst = out + b * a.n_out;
      for (intp o = 0; o < a.n_out; ++o) {
        const intp* io = a.index + o * a.taps;
        const W* wo = weight + o * a.taps;
        W acc = wo[0] * row[io[0]];
        for (intp t = 1; t < a.taps; ++t) acc = acc + wo[t] * row[io[t]];
        dst[o] = acc;
      }
    }
    return;
  }
  std::vector<const W*> rows(static_cast<size_t>(a.taps));
  for (intp r = r0; r < r1; ++r) {  // job rows are (b, o)
    const intp b = r / a.n_out, o = r - b * a.n_out;
    for (intp t = 0; t < a.taps; ++t) rows[t] = x + (b * a.n_in + a.index[o * a.taps + t]) * a.inner;
    blend_span<W, W>(rows.data(), weight + o * a.taps, a.taps, out + (b * a.n_out + o) * a.inner, a.inner);
  }
}

inline void axis_rows(const ups::AxisArgs& a, intp r0, intp r1) {
  if (a.work64) axis_rows_typed<double>(a, r0, r1);
  else axis_rows_typed<float>(a, r0, r1);
}
