#include "CLogScan.h"

#if defined(__x86_64__) || defined(_M_X64)
#define MW_X86 1
#include <immintrin.h>
#endif

typedef void (*mw_newlines_fn)(const uint8_t *, size_t, uint64_t *);

static void mw_newlines_portable(const uint8_t *p, size_t n, uint64_t *out) {
    size_t words = (n + 63) / 64;
    for (size_t w = 0; w < words; w++) {
        uint64_t m = 0;
        size_t end = n - w * 64 < 64 ? n - w * 64 : 64;
        const uint8_t *q = p + w * 64;
        for (size_t j = 0; j < end; j++) m |= (uint64_t)(q[j] == 10) << j;
        out[w] = m;
    }
}

#if MW_X86
/// The last, partial 64-byte block, byte by byte (the whole ones are done with vectors).
static inline void mw_tail(const uint8_t *p, size_t n, uint64_t *out, size_t full) {
    if (full * 64 < n) mw_newlines_portable(p + full * 64, n - full * 64, out + full);
}

static void mw_newlines_sse2(const uint8_t *p, size_t n, uint64_t *out) {
    size_t full = n / 64;
    const __m128i nl = _mm_set1_epi8(10);
    for (size_t w = 0; w < full; w++) {
        const uint8_t *q = p + w * 64;
        uint64_t m0 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)q), nl));
        uint64_t m1 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(q + 16)), nl));
        uint64_t m2 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(q + 32)), nl));
        uint64_t m3 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(q + 48)), nl));
        out[w] = m0 | m1 << 16 | m2 << 32 | m3 << 48;
    }
    mw_tail(p, n, out, full);
}

__attribute__((target("avx2")))
static void mw_newlines_avx2(const uint8_t *p, size_t n, uint64_t *out) {
    size_t full = n / 64;
    const __m256i nl = _mm256_set1_epi8(10);
    for (size_t w = 0; w < full; w++) {
        const uint8_t *q = p + w * 64;
        uint64_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)q), nl));
        uint64_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(q + 32)), nl));
        out[w] = lo | hi << 32;
    }
    mw_tail(p, n, out, full);
}

__attribute__((target("avx512f,avx512bw")))
static void mw_newlines_avx512(const uint8_t *p, size_t n, uint64_t *out) {
    size_t words = (n + 63) / 64;
    const __m512i nl = _mm512_set1_epi8(10);
    for (size_t w = 0; w < words; w++) {
        size_t left = n - w * 64;
        // A masked load reads (and faults on) no byte past `n`.
        __mmask64 valid = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
        __m512i v = _mm512_maskz_loadu_epi8(valid, p + w * 64);
        out[w] = _mm512_mask_cmpeq_epi8_mask(valid, v, nl);
    }
}
#endif

static int mw_supported(int kind) {
    switch (kind) {
    case MW_SCAN_PORTABLE: return 1;
#if MW_X86
    case MW_SCAN_SSE2: return 1;
    case MW_SCAN_AVX2: __builtin_cpu_init(); return __builtin_cpu_supports("avx2");
    case MW_SCAN_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
    default: return 0;
    }
}

static mw_newlines_fn mw_function(int kind) {
    switch (kind) {
#if MW_X86
    case MW_SCAN_SSE2: return mw_newlines_sse2;
    case MW_SCAN_AVX2: return mw_newlines_avx2;
    case MW_SCAN_AVX512: return mw_newlines_avx512;
#endif
    default: return mw_newlines_portable;
    }
}

static int mw_best(void) {
    if (mw_supported(MW_SCAN_AVX512)) return MW_SCAN_AVX512;
    if (mw_supported(MW_SCAN_AVX2)) return MW_SCAN_AVX2;
    if (mw_supported(MW_SCAN_SSE2)) return MW_SCAN_SSE2;
    return MW_SCAN_PORTABLE;
}

/// Chosen once; a race between two first calls chooses the same and stores the same.
static volatile int mw_kind = -1;
static mw_newlines_fn volatile mw_chosen = mw_newlines_portable;

static void mw_choose(void) {
    int kind = mw_best();
    mw_chosen = mw_function(kind);
    mw_kind = kind;
}

void mw_newlines(const uint8_t *p, size_t n, uint64_t *out) {
    if (__builtin_expect(mw_kind < 0, 0)) mw_choose();
    mw_chosen(p, n, out);
}

int mw_newlines_using(int kind, const uint8_t *p, size_t n, uint64_t *out) {
    if (!mw_supported(kind)) return -1;
    mw_function(kind)(p, n, out);
    return 0;
}

int mw_newlines_kind(void) {
    if (mw_kind < 0) mw_choose();
    return mw_kind;
}
