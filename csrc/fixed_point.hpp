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

// A is the integer type of the sums: int64_t in general, int32_t when module.cpp has bounded
// every sum and product of this call's weights below 2**30 (OpenCV's own bilinear weights: 11
// bits, two taps).  The shifts floor in either type, so both give the same bits; int32 lanes
// double the vector width and halve the row cache's memory traffic (the CLI's 1024² -> 2048² RGB
// job: 18 against 7 ms for cv2.resize with int64 sums, one thread).

// TW > 0: that many taps (2: bilinear, unrolled); 0: a.tw taps.  Q > 0: that many channels.
template <int Q, int TW, class A>
inline void fixed_h_pass(const uint8_t* __restrict src, A* __restrict dst, const intp* ix, const A* ax, intp w_out,
                         intp tw, intp q) {
  const intp qq = Q > 0 ? Q : q;
  const intp taps = TW > 0 ? TW : tw;
  for (intp j = 0; j < w_out; ++j) {
    const intp* ij = ix + j * taps;
    const A* aj = ax + j * taps;
    if constexpr (TW == 2 && Q > 0) {
      const uint8_t* p0 = src + ij[0] * Q;
      const uint8_t* p1 = src + ij[1] * Q;
      const A a0 = aj[0], a1 = aj[1];
      for (intp k = 0; k < Q; ++k) dst[j * Q + k] = (A(p0[k]) * a0 + A(p1[k]) * a1) >> 4;
    } else {
      for (intp k = 0; k < qq; ++k) {
        A s = 0;
        for (intp u = 0; u < taps; ++u) s += A(src[ij[u] * qq + k]) * aj[u];
        dst[j * qq + k] = s >> 4;
      }
    }
  }
}

template <int TW, class A>
inline void fixed_h_row(const ups::FixedArgs& a, const uint8_t* src, A* dst, const A* ax) {
  switch (a.q) {
    case 1: fixed_h_pass<1, TW, A>(src, dst, a.ix, ax, a.w_out, a.tw, 1); break;
    case 3: fixed_h_pass<3, TW, A>(src, dst, a.ix, ax, a.w_out, a.tw, 3); break;
    case 4: fixed_h_pass<4, TW, A>(src, dst, a.ix, ax, a.w_out, a.tw, 4); break;
    default: fixed_h_pass<0, 0, A>(src, dst, a.ix, ax, a.w_out, a.tw, a.q);
  }
}

template <class A>
inline void fixed_linear_rows_as(const ups::FixedArgs& a, const A* ax, const A* by, intp r0, intp r1) {
  const uint8_t* x = static_cast<const uint8_t*>(a.x);
  uint8_t* out = static_cast<uint8_t*>(a.out);
  const intp n = a.w_out * a.q, th = a.th;
  RowCache<A> cache(th, n);
  std::vector<A> acc(static_cast<size_t>(th == 2 ? 0 : n));
  A* __restrict ac = acc.data();
  std::vector<const A*> rows(static_cast<size_t>(th));
  int64_t clock = 0;
  for (intp o = r0; o < r1; ++o) {
    ++clock;
    for (intp t = 0; t < th; ++t) {  // the cache keeps every row this output row reads (taps + 1 slots)
      const intp row = a.iy[o * th + t];
      rows[t] = cache.get(row, clock, [&](A* dst) {
        const uint8_t* src = x + row * a.row_in;
        if (a.tw == 2)
          fixed_h_row<2, A>(a, src, dst, ax);
        else
          fixed_h_row<0, A>(a, src, dst, ax);
      });
    }
    const A* bo = by + o * th;
    uint8_t* __restrict d = out + o * n;
    if (th == 2) {  // bilinear: both taps and the rounding in one pass
      const A* __restrict s0 = rows[0];
      const A* __restrict s1 = rows[1];
      const A b0 = bo[0], b1 = bo[1];
      for (intp e = 0; e < n; ++e) {
        const A v = ((((s0[e] * b0) >> 16) + ((s1[e] * b1) >> 16)) + 2) >> 2;
        d[e] = uint8_t(v < 0 ? 0 : v > 255 ? 255 : v);
      }
      continue;
    }
    for (intp e = 0; e < n; ++e) ac[e] = 0;
    for (intp t = 0; t < th; ++t) {
      const A* __restrict s = rows[t];
      const A b = bo[t];
      for (intp e = 0; e < n; ++e) ac[e] += (s[e] * b) >> 16;
    }
    for (intp e = 0; e < n; ++e) {
      const A v = (ac[e] + 2) >> 2;
      d[e] = uint8_t(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
}

inline void fixed_linear_rows(const ups::FixedArgs& a, intp r0, intp r1) {
  if (a.ax32 != nullptr)
    fixed_linear_rows_as<int32_t>(a, a.ax32, a.by32, r0, r1);
  else
    fixed_linear_rows_as<int64_t>(a, a.ax, a.by, r0, r1);
}
