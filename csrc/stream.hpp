// Streaming (non-temporal) stores, prefetches and the fence after them.
//
// A large output is written once and not read back by the kernel.  Ordinary stores first read
// each cache line they write ("read for ownership"), which doubles the memory traffic of a
// write-bound resize; a non-temporal store writes whole lines straight to memory.  Outputs
// smaller than the last-level cache keep ordinary stores (the Python side decides: they stay in
// the cache for whatever reads them next).  The kernels compute a span of a row into a small
// buffer that stays in L1, then stream it out: the values are the plain loop's, bit for bit.
// Non-temporal stores are weakly ordered, so a kernel that used them ends with store_fence()
// before another thread may read its rows.  Included inside an instruction-set namespace.
#pragma once

#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

// Bytes per line: what a streamed span is aligned to.
constexpr ups::intp kLine = 64;

// dst[0:bytes] = src[0:bytes]; the part of dst on whole 64-byte lines with streaming stores.
inline void stream_copy(void* dst, const void* src, ups::intp bytes) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
#if defined(__SSE2__)
  ups::intp head = static_cast<ups::intp>((kLine - reinterpret_cast<std::uintptr_t>(d) % kLine) % kLine);
  if (head > bytes) head = bytes;
  std::memcpy(d, s, static_cast<size_t>(head));
  ups::intp i = head;
  for (; i + kLine <= bytes; i += kLine) {
#if defined(__AVX512F__)
    _mm512_stream_si512(reinterpret_cast<__m512i*>(d + i), _mm512_loadu_si512(s + i));
#elif defined(__AVX2__)
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + i),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + i + 32),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 32)));
#else
    for (int k = 0; k < 64; k += 16)
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + k),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + k)));
#endif
  }
  std::memcpy(d + i, s + i, static_cast<size_t>(bytes - i));
#else
  std::memcpy(d, s, static_cast<size_t>(bytes));  // no streaming store on this target
#endif
}

inline void store_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }
