// upsampling.kernels._native: the Python face of the compiled kernels.
//
// Every entry point checks its arrays (rank, C order, dtypes, shapes, every index in range)
// before any pointer reaches a kernel, so a wrong call is a ValueError, never a crash; then it
// releases the GIL for the whole call and runs the kernel's rows on the thread pool
// (csrc/pool.hpp).  A C++ exception inside a kernel is rethrown here and nanobind turns it into a
// Python exception (std::bad_alloc: MemoryError; std::invalid_argument: ValueError; others:
// RuntimeError).  The instruction set is chosen at import from what the CPU reports (AVX-512,
// AVX2, else the baseline build), or by UPSAMPLING_ISA; set_isa() switches it (tests).
#include <dlfcn.h>
#include <nanobind/nanobind.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "pool.hpp"

namespace nb = nanobind;
using namespace nb::literals;
using ups::DType;
using ups::intp;

namespace {

using In = nb::ndarray<nb::ro, nb::device::cpu>;
using Out = nb::ndarray<nb::device::cpu>;

// ----------------------------------------------------------------------------- instruction sets

struct Isa {
  const char* name;
  const ups::KernelTable* (*table)();
  bool (*supported)();
};

bool always() { return true; }
#if defined(UPS_HAVE_AVX2)
bool has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
}
#endif
#if defined(UPS_HAVE_AVX512)
bool has_avx512() {
  __builtin_cpu_init();
  return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
#endif

// Best first.
const std::vector<Isa>& isas() {
  static const std::vector<Isa> list = {
#if defined(UPS_HAVE_AVX512)
      {"avx512", ups::table_avx512, has_avx512},
#endif
#if defined(UPS_HAVE_AVX2)
      {"avx2", ups::table_avx2, has_avx2},
#endif
      {"baseline", ups::table_baseline, always},
  };
  return list;
}

std::atomic<const ups::KernelTable*> g_table{nullptr};

const ups::KernelTable* choose(const std::string& wanted) {
  for (const Isa& isa : isas())
    if ((wanted.empty() || wanted == isa.name) && isa.supported()) return isa.table();
  std::string names;
  for (const Isa& isa : isas())
    if (isa.supported()) names += (names.empty() ? "'" : ", '") + std::string(isa.name) + "'";
  throw std::invalid_argument("instruction set '" + wanted + "' is not built or not supported by this CPU; "
                              "this machine runs " + names);
}

const ups::KernelTable& table() { return *g_table.load(std::memory_order_acquire); }

// Which kernel each family ran last ("w_first/avx512", ...), for kernels.info().
std::mutex g_last_mutex;
std::string g_last[6];
enum Family { kResize, kCopy, kAxis, kArgmax, kConv, kFixed };
void record(Family f, const char* what) {
  std::lock_guard<std::mutex> lk(g_last_mutex);
  g_last[f] = std::string(what) + "/" + table().name;
}

// ----------------------------------------------------------------------------- array checks

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument(msg); }

bool dtype_of(const nb::dlpack::dtype& d, DType& out) {
  using C = nb::dlpack::dtype_code;
  if (d.lanes != 1) return false;
  if (d.code == uint8_t(C::Float)) {
    if (d.bits == 32) return out = DType::f32, true;
    if (d.bits == 64) return out = DType::f64, true;
    return false;
  }
  const bool s = d.code == uint8_t(C::Int);
  if (!s && d.code != uint8_t(C::UInt)) return false;
  switch (d.bits) {
    case 8: out = s ? DType::i8 : DType::u8; return true;
    case 16: out = s ? DType::i16 : DType::u16; return true;
    case 32: out = s ? DType::i32 : DType::u32; return true;
    case 64: out = s ? DType::i64 : DType::u64; return true;
    default: return false;
  }
}

template <class A>
void c_order(const A& a, const char* name, size_t ndim) {
  if (a.ndim() != ndim) fail(std::string(name) + ": expected a " + std::to_string(ndim) + "-D array");
  intp expect = 1;
  for (size_t i = ndim; i-- > 0;) {
    if (a.shape(i) > 1 && a.stride(i) != expect) fail(std::string(name) + ": expected a C-ordered array");
    expect *= intp(a.shape(i));
  }
}

template <class A>
DType dtype(const A& a, const char* name) {
  DType t;
  if (!dtype_of(a.dtype(), t)) fail(std::string(name) + ": unsupported dtype");
  return t;
}

template <class A>
intp dim(const A& a, size_t i) {
  return intp(a.shape(i));
}

// A checked (rows, taps) int64 index table, every entry in [0, limit).
const intp* index_table(const In& a, const char* name, intp limit) {
  c_order(a, name, 2);
  if (dtype(a, name) != DType::i64) fail(std::string(name) + ": expected int64 indices");
  const intp* p = static_cast<const intp*>(a.data());
  const intp n = dim(a, 0) * dim(a, 1);
  for (intp i = 0; i < n; ++i)
    if (p[i] < 0 || p[i] >= limit) fail(std::string(name) + ": index out of range");
  return p;
}

void weights(const In& w, const In& idx, const char* name, bool work64) {
  c_order(w, name, 2);
  if (dim(w, 0) != dim(idx, 0) || dim(w, 1) != dim(idx, 1)) fail(std::string(name) + ": shape differs from its indices");
  if (dtype(w, name) != (work64 ? DType::f64 : DType::f32)) fail(std::string(name) + ": not in the work dtype");
}

bool is_int(DType t) { return t != DType::f32 && t != DType::f64; }

void bounds(DType t, double& lo, double& hi) {
  switch (t) {
    case DType::i8: lo = INT8_MIN, hi = INT8_MAX; break;
    case DType::u8: lo = 0, hi = UINT8_MAX; break;
    case DType::i16: lo = INT16_MIN, hi = INT16_MAX; break;
    case DType::u16: lo = 0, hi = UINT16_MAX; break;
    case DType::i32: lo = INT32_MIN, hi = INT32_MAX; break;
    case DType::u32: lo = 0, hi = UINT32_MAX; break;
    default: lo = hi = 0;
  }
}

// Rows split into `chunks` pieces run on up to `threads` threads, the GIL released.
template <class F>
void run_rows(intp rows, int threads, intp chunks, F&& kernel) {
  if (rows <= 0) return;
  if (threads < 1) fail("threads: expected a positive number");
  chunks = std::max<intp>(1, std::min(chunks, rows));
  nb::gil_scoped_release release;
  ups::parallel_chunks(chunks, threads, [&](intp i) { kernel(i * rows / chunks, (i + 1) * rows / chunks); });
}

// ----------------------------------------------------------------------------- entry points

void resize_fused(const In& x, const In& ih, const In& wh, const In& iw, const In& ww, intp q, const Out& out, int kind,
                  bool stream, int threads, intp chunks, nb::object period) {
  ups::ResizeArgs a;
  c_order(x, "x", 3);
  c_order(out, "out", 3);
  a.x_type = dtype(x, "x");
  a.out_type = dtype(out, "out");
  if (a.out_type == DType::i64 || a.out_type == DType::u64) fail("out: 64-bit integer outputs take the per-axis path");
  if (kind < 0 || kind > 2) fail("kind: expected 0 (W first), 1 (H first) or 2 (H first, sparse)");
  a.kind = ups::ResizeKind(kind);
  a.images = dim(x, 0), a.h_in = dim(x, 1), a.row_in = dim(x, 2);
  if (q < 1 || a.row_in % q) fail("q: expected a positive divisor of the row length");
  a.q = q;
  const DType work = dtype(wh, "wh");
  if (work != DType::f32 && work != DType::f64) fail("wh: expected float32 or float64 weights");
  a.work64 = work == DType::f64;
  if (!a.work64 && a.x_type != DType::f32) fail("x: float32 work needs float32 input");
  a.ih = index_table(ih, "ih", a.h_in);
  a.iw = index_table(iw, "iw", a.row_in / q);
  weights(wh, ih, "wh", a.work64);
  weights(ww, iw, "ww", a.work64);
  a.wh = wh.data(), a.ww = ww.data();
  a.h_out = dim(ih, 0), a.th = dim(ih, 1), a.w_out = dim(iw, 0), a.tw = dim(iw, 1);
  if (a.th < 1 || a.tw < 1) fail("ih, iw: expected at least one tap");
  if (dim(out, 0) != a.images || dim(out, 1) != a.h_out || dim(out, 2) != a.w_out * q) fail("out: wrong shape");
  a.row_out = a.w_out * q;
  a.x = x.data(), a.out = out.data();
  a.direct = a.out_type == work;
  a.rounding = is_int(a.out_type);
  bounds(a.out_type, a.lo, a.hi);
  a.stream = stream && a.direct;
  const char* name = kind == 0 ? "w_first" : kind == 1 ? "h_first" : "h_first_sparse";
  if (!period.is_none()) {  // (phases, j_lo, blocks, base, rel (phases, tw) int64): see ResizeArgs
    if (kind != 0 || q > 4) fail("period: only for the W-first kernel with 1-4 channels");
    nb::tuple p = nb::cast<nb::tuple>(period);
    if (nb::len(p) != 5) fail("period: expected (phases, j_lo, blocks, base, rel)");
    a.phases = nb::cast<intp>(p[0]), a.j_lo = nb::cast<intp>(p[1]), a.blocks = nb::cast<intp>(p[2]);
    a.base = nb::cast<intp>(p[3]);
    In rel = nb::cast<In>(p[4]);
    c_order(rel, "rel", 2);
    if (dtype(rel, "rel") != DType::i64 || dim(rel, 0) != a.phases || dim(rel, 1) != a.tw) fail("rel: wrong shape");
    a.rel = static_cast<const intp*>(rel.data());
    const intp w_in = a.row_in / q;
    if (a.phases < 1 || a.blocks < 1 || a.j_lo < 0 || a.j_lo + a.phases * a.blocks > a.w_out || a.tw > 64)
      fail("period: out of range");
    for (intp i = 0; i < a.phases * a.tw; ++i)
      if (a.base + a.rel[i] < 0 || a.base + a.rel[i] + a.blocks > w_in) fail("period: reads outside the row");
    name = "w_first_periodic";
  }
  record(kResize, name);
  const ups::KernelTable& k = table();
  run_rows(a.images * a.h_out, threads, chunks, [&](intp r0, intp r1) { k.resize_rows(a, r0, r1); });
}

void copy_rows(const In& x, const Out& out, const In& ih, const In& cols, intp run, bool stream, int threads,
               intp chunks) {
  ups::CopyArgs a;
  c_order(x, "x", 3);
  c_order(out, "out", 3);
  const DType t = dtype(x, "x");
  if (dtype(out, "out") != t) fail("out: expected the input's dtype");
  a.width = int(x.dtype().bits / 8);
  a.images = dim(x, 0), a.h_in = dim(x, 1), a.row_in = dim(x, 2);
  c_order(ih, "ih", 1);
  c_order(cols, "cols", 1);
  if (dtype(ih, "ih") != DType::i64 || dtype(cols, "cols") != DType::i64) fail("ih, cols: expected int64");
  a.h_out = dim(ih, 0), a.n_cols = dim(cols, 0);
  if (run < 1) fail("run: expected a positive number");
  a.run = run;
  a.ih = static_cast<const intp*>(ih.data());
  a.cols = static_cast<const int64_t*>(cols.data());
  for (intp o = 0; o < a.h_out; ++o)
    if (a.ih[o] < 0 || a.ih[o] >= a.h_in) fail("ih: index out of range");
  for (intp j = 0; j < a.n_cols; ++j)
    if (a.cols[j] < 0 || a.cols[j] + run > a.row_in) fail("cols: index out of range");
  if (dim(out, 0) != a.images || dim(out, 1) != a.h_out || dim(out, 2) != a.n_cols * run) fail("out: wrong shape");
  a.row_out = a.n_cols * run;
  a.x = x.data(), a.out = out.data();
  a.stream = stream;
  record(kCopy, run == 1 ? "copy_elements" : "copy_runs");
  const ups::KernelTable& k = table();
  run_rows(a.images * a.h_out, threads, chunks, [&](intp r0, intp r1) { k.copy_rows(a, r0, r1); });
}

void resize_axis(const In& x, const In& index, const In& weight, const Out& out, int threads, intp chunks) {
  ups::AxisArgs a;
  c_order(x, "x", 3);
  c_order(out, "out", 3);
  const DType t = dtype(x, "x");
  if (t != DType::f32 && t != DType::f64) fail("x: expected float32 or float64 (the work dtype)");
  if (dtype(out, "out") != t) fail("out: expected the input's dtype");
  a.work64 = t == DType::f64;
  a.outer = dim(x, 0), a.n_in = dim(x, 1), a.inner = dim(x, 2);
  a.index = index_table(index, "index", a.n_in);
  weights(weight, index, "weight", a.work64);
  a.n_out = dim(index, 0), a.taps = dim(index, 1);
  if (a.taps < 1) fail("index: expected at least one tap");
  if (dim(out, 0) != a.outer || dim(out, 1) != a.n_out || dim(out, 2) != a.inner) fail("out: wrong shape");
  a.x = x.data(), a.out = out.data(), a.weight = weight.data();
  record(kAxis, a.inner == 1 ? "axis_last" : "axis_middle");
  const ups::KernelTable& k = table();
  const intp rows = a.inner == 1 ? a.outer : a.outer * a.n_out;
  run_rows(rows, threads, chunks, [&](intp r0, intp r1) { k.axis_rows(a, r0, r1); });
}

void argmax(const In& x, bool classes_first, intp classes, const In& ih, const In& wh, const In& iw, const In& ww,
            const Out& labels, bool h_first, int threads, intp chunks) {
  ups::ArgmaxArgs a;
  c_order(x, "x", 3);
  c_order(labels, "labels", 3);
  const DType t = dtype(x, "x");
  if (t != DType::f32 && t != DType::f64) fail("x: expected float32 or float64 scores");
  a.work64 = t == DType::f64;
  if (classes < 1) fail("classes: expected at least one class");
  a.classes = classes, a.classes_first = classes_first;
  intp images;
  if (classes_first) {
    if (dim(x, 0) % classes) fail("x: the planes are not a whole number of images");
    images = dim(x, 0) / classes, a.h_in = dim(x, 1), a.w_in = dim(x, 2);
  } else {
    if (dim(x, 2) % classes) fail("x: rows are not whole pixels");
    images = dim(x, 0), a.h_in = dim(x, 1), a.w_in = dim(x, 2) / classes;
  }
  a.ih = index_table(ih, "ih", a.h_in);
  a.iw = index_table(iw, "iw", a.w_in);
  weights(wh, ih, "wh", a.work64);
  weights(ww, iw, "ww", a.work64);
  a.wh = wh.data(), a.ww = ww.data();
  a.h_out = dim(ih, 0), a.th = dim(ih, 1), a.w_out = dim(iw, 0), a.tw = dim(iw, 1);
  if (a.th < 1 || a.tw < 1) fail("ih, iw: expected at least one tap");
  const DType lt = dtype(labels, "labels");
  if (!is_int(lt)) fail("labels: expected an integer dtype");
  a.label_width = int(labels.dtype().bits / 8);
  if (dim(labels, 0) != images || dim(labels, 1) != a.h_out || dim(labels, 2) != a.w_out) fail("labels: wrong shape");
  a.x = x.data(), a.labels = labels.data(), a.h_first = h_first;
  record(kArgmax, h_first ? "argmax_h_first" : "argmax_w_first");
  const ups::KernelTable& k = table();
  run_rows(images * a.h_out, threads, chunks, [&](intp r0, intp r1) { k.argmax_rows(a, r0, r1); });
}

void fixed_linear_u8(const In& x, intp q, const In& ix, const In& ax, const In& iy, const In& by, const Out& out,
                     int threads, intp chunks) {
  ups::FixedArgs a;
  c_order(x, "x", 2);
  c_order(out, "out", 2);
  if (dtype(x, "x") != DType::u8 || dtype(out, "out") != DType::u8) fail("x, out: expected uint8");
  a.h_in = dim(x, 0), a.row_in = dim(x, 1);
  if (q < 1 || a.row_in % q) fail("q: expected a positive divisor of the row length");
  a.q = q;
  a.ix = index_table(ix, "ix", a.row_in / q);
  a.iy = index_table(iy, "iy", a.h_in);
  c_order(ax, "ax", 2);
  c_order(by, "by", 2);
  if (dtype(ax, "ax") != DType::i64 || dtype(by, "by") != DType::i64) fail("ax, by: expected int64 weights");
  if (dim(ax, 0) != dim(ix, 0) || dim(ax, 1) != dim(ix, 1) || dim(by, 0) != dim(iy, 0) || dim(by, 1) != dim(iy, 1))
    fail("ax, by: shapes differ from their indices");
  a.ax = static_cast<const int64_t*>(ax.data()), a.by = static_cast<const int64_t*>(by.data());
  for (intp i = 0; i < dim(ax, 0) * dim(ax, 1); ++i)
    if (a.ax[i] < -(1 << 20) || a.ax[i] > (1 << 20)) fail("ax: weights beyond 2**20");
  for (intp i = 0; i < dim(by, 0) * dim(by, 1); ++i)
    if (a.by[i] < -(1 << 20) || a.by[i] > (1 << 20)) fail("by: weights beyond 2**20");
  a.w_out = dim(ix, 0), a.tw = dim(ix, 1), a.h_out = dim(iy, 0), a.th = dim(iy, 1);
  if (a.tw < 1 || a.th < 1 || a.tw > 64 || a.th > 64) fail("ix, iy: expected 1 to 64 taps");
  if (dim(out, 0) != a.h_out || dim(out, 1) != a.w_out * q) fail("out: wrong shape");
  a.x = x.data(), a.out = out.data();
  // int32 sums when they cannot overflow (csrc/fixed_point.hpp): |S| <= 255·Σ|ax| and
  // |S >> 4|·Σ|by| both at most 2**30 for every output pixel and row.
  int64_t sum_ax = 0, sum_by = 0;
  for (intp j = 0; j < a.w_out; ++j) {
    int64_t s = 0;
    for (intp u = 0; u < a.tw; ++u) s += std::abs(a.ax[j * a.tw + u]);
    sum_ax = std::max(sum_ax, s);
  }
  for (intp o = 0; o < a.h_out; ++o) {
    int64_t s = 0;
    for (intp t = 0; t < a.th; ++t) s += std::abs(a.by[o * a.th + t]);
    sum_by = std::max(sum_by, s);
  }
  const int64_t max_s = 255 * sum_ax;  // at most 255 · 64 · 2**20 < 2**35: no overflow in int64
  std::vector<int32_t> ax32, by32;
  const char* name = "fixed_linear_u8";
  if (max_s <= (int64_t(1) << 30) && (max_s / 16 + 1) * sum_by <= (int64_t(1) << 30)) {
    ax32.assign(a.ax, a.ax + a.w_out * a.tw);
    by32.assign(a.by, a.by + a.h_out * a.th);
    a.ax32 = ax32.data(), a.by32 = by32.data();
    name = "fixed_linear_u8_i32";
  }
  record(kFixed, name);
  const ups::KernelTable& k = table();
  run_rows(a.h_out, threads, chunks, [&](intp r0, intp r1) { k.fixed_linear_rows(a, r0, r1); });
}

// ----------------------------------------------------------------------------- BLAS and tiles

struct Blas {
  void* handle = nullptr;
  void* sgemm = nullptr;
  void* dgemm = nullptr;
  std::string path;
};
Blas g_blas;
std::mutex g_blas_mutex;

// Binds the private OpenBLAS's GEMMs (the library upsampling/kernels/_blas.py has loaded and set
// to one thread; dlopen of the same path returns that instance).
bool blas_bind(const std::string& path) {
  std::lock_guard<std::mutex> lk(g_blas_mutex);
  if (g_blas.handle && g_blas.path == path) return true;
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) fail(std::string("blas: cannot open ") + path + ": " + dlerror());
  void* s = dlsym(h, "scipy_cblas_sgemm");
  void* d = dlsym(h, "scipy_cblas_dgemm");
  if (!s || !d) {
    dlclose(h);
    fail("blas: " + path + " has no scipy_cblas_sgemm / scipy_cblas_dgemm");
  }
  g_blas = {h, s, d, path};
  return true;
}

nb::object conv_tiles(const In& x, const Out& full, const nb::list& families, intp groups, intp tile_rows,
                      intp tiles_per_image, int threads) {
  ups::ConvArgs a;
  c_order(x, "x", 4);
  c_order(full, "full", 6);
  const DType t = dtype(x, "x");
  if (t != DType::f32 && t != DType::f64) fail("x: expected float32 or float64");
  if (dtype(full, "full") != t) fail("full: expected x's dtype");
  a.f64 = t == DType::f64;
  a.n = dim(x, 0), a.h = dim(x, 1), a.w = dim(x, 2), a.c = dim(x, 3);
  a.b_h = dim(full, 1), a.s_h = dim(full, 2), a.b_w = dim(full, 3), a.s_w = dim(full, 4), a.m = dim(full, 5);
  if (dim(full, 0) != a.n) fail("full: batch differs from x");
  if (groups < 1 || a.c % groups || a.m % groups) fail("groups: expected a divisor of both channel counts");
  if (tile_rows < 1 || tiles_per_image < 1) fail("tile_rows, tiles_per_image: expected positive numbers");
  a.groups = groups, a.tile_rows = tile_rows, a.tiles_per_image = tiles_per_image;
  {
    std::lock_guard<std::mutex> lk(g_blas_mutex);
    if (!g_blas.handle) fail("blas: the private OpenBLAS is not bound (blas_bind)");
    a.sgemm = g_blas.sgemm, a.dgemm = g_blas.dgemm;
  }
  const intp cg = a.c / groups, mg = a.m / groups;
  const size_t nf = nb::len(families);
  std::vector<ups::ConvFamily> fams(nf);
  std::vector<std::vector<const void*>> wptr(nf);
  std::vector<std::vector<intp>> wld(nf);
  std::vector<std::vector<ups::ConvPair>> pairs(nf);
  std::vector<In> keep;  // the weight arrays stay referenced by `families` (the caller's list)
  for (size_t i = 0; i < nf; ++i) {
    nb::tuple f = nb::cast<nb::tuple>(families[i]);
    if (nb::len(f) != 11) fail("families: expected 11-tuples");
    ups::ConvFamily& F = fams[i];
    F.d_h = nb::cast<intp>(f[0]), F.d_w = nb::cast<intp>(f[1]), F.lo_h = nb::cast<intp>(f[2]);
    F.lo_w = nb::cast<intp>(f[3]), F.e_h = nb::cast<intp>(f[4]), F.e_w = nb::cast<intp>(f[5]);
    F.columns = nb::cast<intp>(f[6]), F.trans_b = nb::cast<bool>(f[7]), F.direct = nb::cast<bool>(f[8]);
    if (F.d_h < 1 || F.d_w < 1 || F.e_h < 1 || F.e_w < 1 || F.columns < 1) fail("families: bad sizes");
    if (F.direct && (F.d_h != 1 || F.d_w != 1 || F.lo_h || F.lo_w || F.e_h > a.h || F.e_w != a.w))
      fail("families: a direct family must be one tap per axis over the input rows");
    const intp k = F.d_h * F.d_w * cg;
    nb::list ws = nb::cast<nb::list>(f[9]);
    if (intp(nb::len(ws)) != groups) fail("families: expected one weight matrix per group");
    for (size_t g = 0; g < nb::len(ws); ++g) {
      In wg = nb::cast<In>(ws[g]);
      if (wg.ndim() != 2 || dtype(wg, "weights") != t) fail("weights: expected 2-D arrays of x's dtype");
      const intp r = dim(wg, 0), cc = dim(wg, 1);
      if (F.trans_b ? (r != F.columns || cc != k) : (r != k || cc != F.columns)) fail("weights: wrong shape");
      if (cc > 1 && wg.stride(1) != 1) fail("weights: rows must be unit-stride runs");
      const intp ld = r > 1 ? intp(wg.stride(0)) : cc;
      if (ld < cc) fail("weights: rows overlap");
      wptr[i].push_back(wg.data());
      wld[i].push_back(ld);
      keep.push_back(wg);
    }
    In pr = nb::cast<In>(f[10]);
    c_order(pr, "pairs", 2);
    if (dtype(pr, "pairs") != DType::i64 || dim(pr, 1) != 8) fail("pairs: expected an (n, 8) int64 array");
    const int64_t* p = static_cast<const int64_t*>(pr.data());
    for (intp j = 0; j < dim(pr, 0); ++j, p += 8) {
      ups::ConvPair P{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]};
      if (P.r0 < 0 || P.r1 <= P.r0 || P.r1 > a.s_h || P.c0 < 0 || P.c1 <= P.c0 || P.c1 > a.s_w || P.col0 < 0 ||
          P.col1 > F.columns || P.col1 - P.col0 != (P.r1 - P.r0) * (P.c1 - P.c0) * mg || P.off_h < 0 || P.off_w < 0 ||
          P.off_w + a.b_w > F.e_w)
        fail("pairs: out of range");
      pairs[i].push_back(P);
    }
    if (F.e_h * F.e_w > INT_MAX || F.columns > INT_MAX || k > INT_MAX) fail("families: too large for 32-bit BLAS");
  }
  for (size_t i = 0; i < nf; ++i) {
    fams[i].weights = wptr[i].data();
    fams[i].weight_ld = wld[i].data();
    fams[i].pairs = pairs[i].data();
    fams[i].n_pairs = intp(pairs[i].size());
  }
  a.x = x.data(), a.full = full.data(), a.families = fams.data(), a.n_families = intp(nf);
  record(kConv, "conv_tiles");
  const ups::KernelTable& k = table();
  const intp tiles = a.n * tiles_per_image;
  {
    nb::gil_scoped_release release;
    ups::parallel_chunks(tiles, threads, [&](intp tile) { k.conv_tile(a, tile); });
  }
  return nb::none();
}

// ----------------------------------------------------------------------------- output memory

#if defined(__linux__)
// Fresh memory for a large output (upsampling/_memory.py): its own anonymous mapping, starting on
// a 2 MiB boundary and rounded up to whole 2 MiB, with MADV_HUGEPAGE.  The first write then
// faults one 2 MiB page at a time (the kernel zeroes it in one go, in the thread that writes
// there: the kernels' threads share the work) instead of 512 pages of 4 KiB.  NumPy advises
// huge pages for its own large allocations too, but malloc's mapping does not start on a 2 MiB
// boundary, so its first and last 1-2 MiB stay 4 KiB pages, about as slow to fault as the huge
// rest (docs/performance.md, "Page faults and the output pool").  Where transparent huge pages
// are off ("never") the advice does nothing.  Returns a uint8 array of `nbytes` whose owner
// unmaps the memory when the last view of it dies.
struct Mapping {
  void* base;
  size_t length;
};

nb::ndarray<nb::numpy, uint8_t, nb::ndim<1>> empty_pages(intp nbytes) {
  if (nbytes < 1) fail("nbytes: expected a positive size");
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t length = (size_t(nbytes) + kHuge - 1) / kHuge * kHuge;
  if (length < size_t(nbytes) || length > std::numeric_limits<size_t>::max() - kHuge) throw std::bad_alloc();
  // Map one huge page more than needed, then give back the unaligned head and the spare tail.
  void* p = mmap(nullptr, length + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHuge - 1) & ~uintptr_t(kHuge - 1);
  if (aligned > start) munmap(p, aligned - start);
  if (start + kHuge > aligned) munmap(reinterpret_cast<void*>(aligned + length), start + kHuge - aligned);
  void* data = reinterpret_cast<void*>(aligned);
#if defined(MADV_HUGEPAGE)
  madvise(data, length, MADV_HUGEPAGE);  // advice only: an error (THP not built in) changes nothing
#endif
  Mapping* m = nullptr;
  nb::capsule owner;
  try {
    m = new Mapping{data, length};
    owner = nb::capsule(m, [](void* q) noexcept {
      Mapping* mm = static_cast<Mapping*>(q);
      munmap(mm->base, mm->length);
      delete mm;
    });
  } catch (...) {
    delete m;
    munmap(data, length);
    throw;
  }
  const size_t shape[1] = {size_t(nbytes)};
  return nb::ndarray<nb::numpy, uint8_t, nb::ndim<1>>(data, 1, shape, owner);
}
#endif

// ----------------------------------------------------------------------------- tests and info

// The pool on its own: chunk i writes the id of the thread that ran it into where[i]
// (0 = the calling thread), each after `sleep_us`; chunk `fail_at` throws.
void pool_check(const Out& where, int threads, intp fail_at, int sleep_us, int error_kind) {
  c_order(where, "where", 1);
  if (dtype(where, "where") != DType::i64) fail("where: expected int64");
  int64_t* w = static_cast<int64_t*>(where.data());
  const intp chunks = dim(where, 0);
  const auto caller = std::this_thread::get_id();
  nb::gil_scoped_release release;
  ups::parallel_chunks(chunks, threads, [&](intp i) {
    if (sleep_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
    if (i == fail_at) {
      if (error_kind == 1) throw std::bad_alloc();
      if (error_kind == 2) throw 42;  // not a std::exception
      throw std::runtime_error("chunk " + std::to_string(i) + " failed (a test)");
    }
    w[i] = std::this_thread::get_id() == caller ? 0 : int64_t((std::hash<std::thread::id>()(std::this_thread::get_id()) >> 1) | 1);
  });
}

void stream_copy(const Out& dst, const In& src) {
  c_order(dst, "dst", 1);
  c_order(src, "src", 1);
  const intp bytes = dim(dst, 0) * intp(dst.dtype().bits / 8);
  if (bytes != dim(src, 0) * intp(src.dtype().bits / 8)) fail("src: size differs from dst");
  table().stream_copy(dst.data(), src.data(), bytes);
  table().store_fence();
}

nb::dict info() {
  nb::dict d;
  d["isa"] = table().name;
  nb::list built, runs;
  for (const Isa& isa : isas()) {
    built.append(isa.name);
    if (isa.supported()) runs.append(isa.name);
  }
  d["built"] = built;
  d["supported"] = runs;
  d["compiler"] = __VERSION__;
  d["pool_workers"] = ups::pool_workers();
  d["pool_jobs_shared"] = ups::pool_jobs_shared();
  d["pool_jobs_alone"] = ups::pool_jobs_alone();
  d["spin_us"] = ups::spin_us();
  {
    std::lock_guard<std::mutex> lk(g_blas_mutex);
    d["blas"] = g_blas.handle ? nb::cast(g_blas.path) : nb::none();
  }
  nb::dict last;
  static const char* fam[] = {"resize", "nearest_copy", "resize_axis", "argmax", "conv_tiles", "fixed_linear_u8"};
  std::lock_guard<std::mutex> lk(g_last_mutex);
  for (int i = 0; i < 6; ++i) last[fam[i]] = g_last[i].empty() ? nb::none() : nb::cast(g_last[i]);
  d["last"] = last;
#if defined(UPSAMPLING_SANITIZE_BUILD)
  d["sanitized"] = true;
#endif
  return d;
}

}  // namespace

NB_MODULE(_native, m) {
  m.doc() = "upsampling's compiled kernels (C++17, nanobind); see upsampling/kernels/__init__.py";
  const char* env = std::getenv("UPSAMPLING_ISA");
  std::string wanted = env ? env : "";
  const ups::KernelTable* t = nullptr;
  try {
    t = choose(wanted);
  } catch (const std::invalid_argument&) {
    t = choose("");  // an unknown or unsupported UPSAMPLING_ISA: the best set (Python warns)
  }
  g_table.store(t);

  m.def("info", &info, "What the compiled kernels run: instruction set, pool, BLAS, the last kernel of each family.");
  m.def("set_isa", [](const std::string& name) {
    const ups::KernelTable* t = choose(name == "auto" ? "" : name);
    g_table.store(t);
    return std::string(t->name);
  }, "name"_a, "Switch the instruction set ('auto', 'avx512', 'avx2' or 'baseline'); returns the one chosen.");
  m.def("set_spin_us", &ups::set_spin_us, "us"_a);
  m.def("resize_fused", &resize_fused, "x"_a, "ih"_a, "wh"_a, "iw"_a, "ww"_a, "q"_a, "out"_a, "kind"_a, "stream"_a,
        "threads"_a, "chunks"_a, "period"_a = nb::none());
  m.def("copy_rows", &copy_rows, "x"_a, "out"_a, "ih"_a, "cols"_a, "run"_a, "stream"_a, "threads"_a, "chunks"_a);
  m.def("resize_axis", &resize_axis, "x"_a, "index"_a, "weight"_a, "out"_a, "threads"_a, "chunks"_a);
  m.def("argmax", &argmax, "x"_a, "classes_first"_a, "classes"_a, "ih"_a, "wh"_a, "iw"_a, "ww"_a, "labels"_a,
        "h_first"_a, "threads"_a, "chunks"_a);
  m.def("fixed_linear_u8", &fixed_linear_u8, "x"_a, "q"_a, "ix"_a, "ax"_a, "iy"_a, "by"_a, "out"_a, "threads"_a,
        "chunks"_a);
  m.def("blas_bind", &blas_bind, "path"_a);
  m.def("conv_tiles", &conv_tiles, "x"_a, "full"_a, "families"_a, "groups"_a, "tile_rows"_a, "tiles_per_image"_a,
        "threads"_a);
  m.def("pool_check", &pool_check, "where"_a, "threads"_a, "fail_at"_a = -1, "sleep_us"_a = 0, "error_kind"_a = 0);
  m.def("stream_copy", &stream_copy, "dst"_a, "src"_a);
#if defined(__linux__)
  m.def("empty_pages", &empty_pages, "nbytes"_a,
        "A fresh uint8 array of nbytes on its own 2 MiB-aligned mapping, transparent huge pages advised.");
#endif
}
