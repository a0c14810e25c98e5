// OpenCV's 8-bit bilinear resize in its own fixed point (the twin upsampling.frameworks.opencv,
// cv2.resize INTER_LINEAR on uint8; resize.cpp HResizeLinear + VResizeLinearVec_32s8u).
// Included inside an instruction-set namespace.
//
// Horizontal pass, once per input row the output rows need (a row cache, as the W-first
// resize): exact integer sums S = Σ_u x[ix[j, u]·Q + k]·alpha[j, u] (11-bit weights), kept as
// S >> 4.  Vertical pass per output row: Σ_t ((S_t >> 4)·beta[o, t]) >> 16, then (v + 2) >> 2,
// saturated to 0..255.  All integer arithmetic (arithmetic shifts floor), so every instruction
// set gives the same bits as the twin's NumPy pipeline.
#pragma once

#include <vector>

template <int Q>
inline void fixed_h_pass(const uint8_t* __restrict src, int64_t* __restrict dst, const intp* ix, const int64_t* ax,
                         intp w_out, intp tw, intp q) {
  const intp qq = Q > 0 ? Q : q;
  for (intp j = 0; j < w_out; ++j) {
    const intp* ij = ix + j * tw;
    const int64_t* aj = ax + j * tw;
    for (intp k = 0; k < qq; ++k) {
      int64_t s = 0;
      for (intp u = 0; u < tw; ++u) s += int64_t(src[ij[u] * qq + k]) * aj[u];
      dst[j * qq + k] = s >> 4;
    }
  }
}

inline void fixed_linear_rows(const ups::FixedArgs& a, intp r0, intp r1) {
  const uint8_t* x = static_cast<const uint8_t*>(a.x);
  uint8_t* out = static_cast<uint8_t*>(a.out);
  const intp n = a.w_out * a.q, th = a.th;
  RowCache<int64_t> cache(th, n);
  std::vector<int64_t> acc(static_cast<size_t>(n));
  int64_t clock = 0;
  for (intp o = r0; o < r1; ++o) {
    ++clock;
    for (intp e = 0; e < n; ++e) acc[e] = 0;
    for (intp t = 0; t < th; ++t) {
      const intp row = a.iy[o * th + t];
      const int64_t* s = cache.get(row, clock, [&](int64_t* dst) {
        const uint8_t* src = x + row * a.row_in;
        switch (a.q) {
          case 1: fixed_h_pass<1>(src, dst, a.ix, a.ax, a.w_out, a.tw, 1); break;
          case 3: fixed_h_pass<3>(src, dst, a.ix, a.ax, a.w_out, a.tw, 3); break;
          case 4: fixed_h_pass<4>(src, dst, a.ix, a.ax, a.w_out, a.tw, 4); break;
          default: fixed_h_pass<0>(src, dst, a.ix, a.ax, a.w_out, a.tw, a.q);
        }
      });
      const int64_t b = a.by[o * th + t];
      for (intp e = 0; e < n; ++e) acc[e] += (s[e] * b) >> 16;
    }
    uint8_t* d = out + o * n;
    for (intp e = 0; e < n; ++e) {
      const int64_t v = (acc[e] + 2) >> 2;
      d[e] = uint8_t(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
}
