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

#if MW_X86
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))
static intptr_t mw_quote_index_vbmi2(const uint8_t *p, size_t n, uint16_t *out) {
    const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\');
    const __m512i iota = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
                                          15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i thirtyTwo = _mm512_set1_epi16(32);
    intptr_t count = 0;
    __mmask64 anyBackslash = 0;
    for (size_t w = 0; w < n; w += 64) {
        size_t left = n - w;
        __mmask64 valid = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
        __m512i v = _mm512_maskz_loadu_epi8(valid, p + w);
        __mmask64 q = _mm512_mask_cmpeq_epi8_mask(valid, v, quote);
        anyBackslash |= _mm512_mask_cmpeq_epi8_mask(valid, v, backslash);
        __m512i base = _mm512_add_epi16(iota, _mm512_set1_epi16((short)w));
        __mmask32 lo = (__mmask32)q, hi = (__mmask32)(q >> 32);
        _mm512_storeu_si512((void *)(out + count), _mm512_maskz_compress_epi16(lo, base));
        count += __builtin_popcount(lo);
        _mm512_storeu_si512((void *)(out + count), _mm512_maskz_compress_epi16(hi, _mm512_add_epi16(base, thirtyTwo)));
        count += __builtin_popcount(hi);
    }
    return anyBackslash ? -1 : count;
}

/// Whether the machine has AVX-512 VBMI2: -1 until first asked (a race between two first
/// calls stores the same answer).
static int mw_has_vbmi2 = -1;
#endif

intptr_t mw_quote_index(const uint8_t *p, size_t n, uint16_t *out) {
#if MW_X86
    int has = __atomic_load_n(&mw_has_vbmi2, __ATOMIC_RELAXED);
    if (__builtin_expect(has < 0, 0)) {
        __builtin_cpu_init();
        has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vbmi2");
        __atomic_store_n(&mw_has_vbmi2, has, __ATOMIC_RELAXED);
    }
    if (has) return mw_quote_index_vbmi2(p, n, out);
#endif
    (void)p; (void)n; (void)out;
    return -1;
}

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
static int mw_kind = -1;
static mw_newlines_fn mw_chosen = mw_newlines_portable;

static int mw_choose(void) {
    int kind = mw_best();
    __atomic_store_n(&mw_chosen, mw_function(kind), __ATOMIC_RELAXED);
    __atomic_store_n(&mw_kind, kind, __ATOMIC_RELEASE);
    return kind;
}

void mw_newlines(const uint8_t *p, size_t n, uint64_t *out) {
    if (__builtin_expect(__atomic_load_n(&mw_kind, __ATOMIC_ACQUIRE) < 0, 0)) mw_choose();
    __atomic_load_n(&mw_chosen, __ATOMIC_RELAXED)(p, n, out);
}

int mw_newlines_using(int kind, const uint8_t *p, size_t n, uint64_t *out) {
    if (!mw_supported(kind)) return -1;
    mw_function(kind)(p, n, out);
    return 0;
}

int mw_newlines_kind(void) {
    int kind = __atomic_load_n(&mw_kind, __ATOMIC_ACQUIRE);
    return kind < 0 ? mw_choose() : kind;
}
