// The kernels of one instruction set.  CMakeLists.txt compiles this file once per set
// (baseline; on x86-64 also AVX2 and AVX-512), with UPS_ISA naming it and the set's -m flags:
// each copy lives in its own namespace and exports its table of entry points, and module.cpp
// picks the best one the CPU runs.  Every copy gives the same bits (no FMA: -ffp-contract=off).
#include "common.hpp"

// Standard headers first, outside the namespace (the kernel headers include them again: no-ops).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#define UPS_CAT2(a, b) a##b
#define UPS_CAT(a, b) UPS_CAT2(a, b)
#define UPS_STR2(a) #a
#define UPS_STR(a) UPS_STR2(a)

namespace ups {
namespace UPS_CAT(isa_, UPS_ISA) {

#include "resize.hpp"
#include "copy.hpp"
#include "argmax.hpp"
#include "conv_tiles.hpp"
#include "fixed_point.hpp"

void stream_copy_hook(void* dst, const void* src, intp bytes) { stream_copy(dst, src, bytes); }
void store_fence_hook() { store_fence(); }

}  // namespace isa_

const KernelTable* UPS_CAT(table_, UPS_ISA)() {
  namespace k = UPS_CAT(isa_, UPS_ISA);
  static const KernelTable table = {
      UPS_STR(UPS_ISA), k::resize_rows, k::copy_rows, k::axis_rows, k::argmax_rows, k::conv_tile,
      k::fixed_linear_rows, k::stream_copy_hook, k::store_fence_hook,
  };
  return &table;
}

}  // namespace ups
