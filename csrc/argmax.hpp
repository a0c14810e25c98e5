// Fused upsample -> argmax: labels of output rows, from the same row blends as the resize, with
// no band or full-size score map ever stored (one output row of scores per thread).  The scores
// have the resize's bits (csrc/resize.hpp), ties go to the lowest class and the first NaN wins,
// as in np.argmax.  Included inside an instruction-set namespace.
#pragma once

#include <vector>

#include "resize.hpp"

// np.argmax of scores[0:count]: the first maximum; a NaN wins (the first one).
template <class W>
inline intp argmax_run(const W* scores, intp count) {
  W best = scores[0];
  if (best != best) return 0;
  intp arg = 0;
  for (intp c = 1; c < count; ++c) {
    const W v = scores[c];
    if (v != v) return c;
    if (v > best) {
      best = v;
      arg = c;
    }
  }
  return arg;
}

template <class W>
inline void store_labels(const W* scores, intp w_out, intp classes, void* labels, int width) {
  for (intp j = 0; j < w_out; ++j) {
    const auto v = static_cast<uint64_t>(argmax_run<W>(scores + j * classes, classes));
    switch (width) {
      case 1: static_cast<uint8_t*>(labels)[j] = static_cast<uint8_t>(v); break;
      case 2: static_cast<uint16_t*>(labels)[j] = static_cast<uint16_t>(v); break;
      case 4: static_cast<uint32_t*>(labels)[j] = static_cast<uint32_t>(v); break;
      default: static_cast<uint64_t*>(labels)[j] = v; break;
    }
  }
}

template <class W>
void argmax_h_first(const ups::ArgmaxArgs& a, intp r0, intp r1) {
  const W* x = static_cast<const W*>(a.x);
  const W* wh = static_cast<const W*>(a.wh);
  const W* ww = static_cast<const W*>(a.ww);
  const intp C = a.classes, th = a.th;
  std::vector<W> tmp(static_cast<size_t>(a.w_in * C)), scores(static_cast<size_t>(a.w_out * C));
  std::vector<const W*> rows(static_cast<size_t>(th));
  for (intp r = r0; r < r1; ++r) {
    const intp n = r / a.h_out, o = r - n * a.h_out;
    if (a.classes_first) {
      // Each class plane's rows into a pixel-major buffer (W_in, C): the same products and
      // sums as the per-class blend.
      for (intp c = 0; c < C; ++c) {
        const intp plane = n * C + c;
        const W w0 = wh[o * th];
        const W* s0 = x + (plane * a.h_in + a.ih[o * th]) * a.w_in;
        for (intp i = 0; i < a.w_in; ++i) tmp[i * C + c] = w0 * s0[i];
        for (intp t = 1; t < th; ++t) {
          const W w = wh[o * th + t];
          const W* st = x + (plane * a.h_in + a.ih[o * th + t]) * a.w_in;
          for (intp i = 0; i < a.w_in; ++i) tmp[i * C + c] = tmp[i * C + c] + w * st[i];
        }
      }
    } else {
      for (intp t = 0; t < th; ++t) rows[t] = x + (n * a.h_in + a.ih[o * th + t]) * a.w_in * C;
      blend_span<W, W>(rows.data(), wh + o * th, th, tmp.data(), a.w_in * C);
    }
    w_pass<W>(tmp.data(), scores.data(), a.iw, ww, a.w_out, a.tw, C);
    char* dst = static_cast<char*>(a.labels) + (n * a.h_out + o) * a.w_out * a.label_width;
    store_labels<W>(scores.data(), a.w_out, C, dst, a.label_width);
  }
}

template <class W>
void argmax_w_first(const ups::ArgmaxArgs& a, intp r0, intp r1) {
  const W* x = static_cast<const W*>(a.x);
  const W* wh = static_cast<const W*>(a.wh);
  const W* ww = static_cast<const W*>(a.ww);
  const intp C = a.classes, th = a.th, tw = a.tw;
  const intp n = a.w_out * C;
  RowCache<W> cache(th, n);
  std::vector<W> scores(static_cast<size_t>(n));
  std::vector<const W*> rows(static_cast<size_t>(th));
  int64_t clock = 0;
  for (intp r = r0; r < r1; ++r) {
    const intp b = r / a.h_out, o = r - b * a.h_out;
    ++clock;
    for (intp t = 0; t < th; ++t) {
      const intp row = a.ih[o * th + t];
      rows[t] = cache.get(b * a.h_in + row, clock, [&](W* dst) {
        if (a.classes_first) {  // each class plane's row, resized along W, stored pixel-major
          for (intp c = 0; c < C; ++c) {
            const W* src = x + ((b * C + c) * a.h_in + row) * a.w_in;
            for (intp j = 0; j < a.w_out; ++j) {
              W acc = ww[j * tw] * src[a.iw[j * tw]];
              for (intp u = 1; u < tw; ++u) acc = acc + ww[j * tw + u] * src[a.iw[j * tw + u]];
              dst[j * C + c] = acc;
            }
          }
        } else {
          w_pass<W>(x + (b * a.h_in + row) * a.w_in * C, dst, a.iw, ww, a.w_out, tw, C);
        }
      });
    }
    blend_span<W, W>(rows.data(), wh + o * th, th, scores.data(), n);
    char* dst = static_cast<char*>(a.labels) + (b * a.h_out + o) * a.w_out * a.label_width;
    store_labels<W>(scores.data(), a.w_out, C, dst, a.label_width);
  }
}

inline void argmax_rows(const ups::ArgmaxArgs& a, intp r0, intp r1) {
  if (a.work64) {
    if (a.h_first) argmax_h_first<double>(a, r0, r1);
    else argmax_w_first<double>(a, r0, r1);
  } else {
    if (a.h_first) argmax_h_first<float>(a, r0, r1);
    else argmax_w_first<float>(a, r0, r1);
  }
}
