// Nearest neighbour as a copy of raw bits.  Included inside an instruction-set namespace.
//
// When both plans are one tap of weight exactly 1 and the output has the input's dtype, every
// output is 1·x, which is x in the work dtype (float32/float64 exactly, integers up to 32 bits
// exactly in float64): copying the bits gives the blend's result without its arithmetic, and
// keeps a signalling NaN's bits, which the multiply would quiet.  The data is seen as unsigned
// integers of its width.  Each output row is gathered from its input row -- with 8 or more
// channels each pixel's channels as one contiguous run, below that element by element -- and a
// row that reads the same input row as the previous one is copied from it (an x8 upscale
// gathers one row in 8).  `stream`: rows are gathered into a buffer and written out with
// streaming stores.
#pragma once

#include <cstring>
#include <vector>

#include "stream.hpp"

template <class U, int R>
inline void gather_runs(const U* __restrict row, const int64_t* cols, intp n_cols, U* __restrict dst) {
  for (intp j = 0; j < n_cols; ++j) {
    const U* __restrict s = row + cols[j];
    for (int k = 0; k < R; ++k) dst[j * R + k] = s[k];
  }
}

template <class U>
inline void gather_row(const U* __restrict row, const int64_t* cols, intp n_cols, intp run, U* __restrict dst) {
  switch (run) {  // 1-4 channels: each pixel's run copied with a fixed count
    case 1: gather_runs<U, 1>(row, cols, n_cols, dst); return;
    case 2: gather_runs<U, 2>(row, cols, n_cols, dst); return;
    case 3: gather_runs<U, 3>(row, cols, n_cols, dst); return;
    case 4: gather_runs<U, 4>(row, cols, n_cols, dst); return;
    default: break;
  }
  for (intp j = 0; j < n_cols; ++j) {
    const U* __restrict s = row + cols[j];
    U* __restrict d = dst + j * run;
    for (intp k = 0; k < run; ++k) d[k] = s[k];
  }
}

template <class U>
void copy_rows_typed(const ups::CopyArgs& a, intp r0, intp r1) {
  const U* x = static_cast<const U*>(a.x);
  U* out = static_cast<U*>(a.out);
  const intp n = a.row_out;
  const intp bytes = n * static_cast<intp>(sizeof(U));
  std::vector<U> buf(a.stream ? static_cast<size_t>(n) : 0);
  intp last_b = -1, last_o = -1;
  for (intp r = r0; r < r1; ++r) {
    const intp b = r / a.h_out, o = r - b * a.h_out;
    U* dst = out + (b * a.h_out + o) * n;
    if (b == last_b && a.ih[o] == a.ih[last_o]) {
      if (a.stream) stream_copy(dst, buf.data(), bytes);
      else std::memcpy(dst, out + (b * a.h_out + last_o) * n, static_cast<size_t>(bytes));
      continue;
    }
    const U* row = x + (b * a.h_in + a.ih[o]) * a.row_in;
    if (a.stream) {
      gather_row<U>(row, a.cols, a.n_cols, a.run, buf.data());
      stream_copy(dst, buf.data(), bytes);
    } else {
      gather_row<U>(row, a.cols, a.n_cols, a.run, dst);
    }
    last_b = b;
    last_o = o;
  }
  if (a.stream) store_fence();
}

inline void copy_rows(const ups::CopyArgs& a, intp r0, intp r1) {
  switch (a.width) {
    case 1: copy_rows_typed<uint8_t>(a, r0, r1); break;
    case 2: copy_rows_typed<uint16_t>(a, r0, r1); break;
    case 4: copy_rows_typed<uint32_t>(a, r0, r1); break;
    default: copy_rows_typed<uint64_t>(a, r0, r1); break;
  }
}
