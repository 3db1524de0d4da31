// Byte searches for the log scanners, 16 bytes at a time with SSE2 (baseline on x86-64).
// Swift's SIMD types compile comparisons to a loop over the lanes on this toolchain (no
// pcmpeqb/pmovmskb), hence this small C target; see docs/performance.md, "Logs". Elsewhere
// (arm64...) the Swift scanners use their eight-bytes-at-a-time searches instead.
#ifndef CLOGSCAN_H
#define CLOGSCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The implementations of `mw_newlines`, for `mw_newlines_using` and `mw_newlines_kind`.
enum {
    MW_SCAN_PORTABLE = 0,
    MW_SCAN_SSE2 = 1,
    MW_SCAN_AVX2 = 2,
    MW_SCAN_AVX512 = 3,
};

/// Bit masks of the line breaks (`\n`) in `p[0..<n]`, for `n` up to 4096: bit j of `out[w]` is
/// set when `p[64 * w + j]` is one, for `w < (n + 63) / 64`; bits at or past `n` are clear. Reads
/// no byte outside `p[0..<n]`. AVX-512BW, AVX2 or SSE2 as the machine has them (chosen once),
/// else a portable loop.
void mw_newlines(const uint8_t *p, size_t n, uint64_t *out);

/// The same with a given implementation; returns 0, or -1 when this machine lacks it.
int mw_newlines_using(int kind, const uint8_t *p, size_t n, uint64_t *out);

/// The implementation `mw_newlines` uses on this machine.
int mw_newlines_kind(void);

/// The indexes of the quotes (`"`) in `p[0..<n]` (n < 65536), ascending, into `out` (room for n
/// plus 64 entries); returns their number, or -1 when the run holds a backslash (a quote may be
/// escaped) or this machine lacks AVX-512 VBMI2 (then the caller reads the bytes itself).
intptr_t mw_quote_index(const uint8_t *p, size_t n, uint16_t *out);

#if defined(__SSE2__)
#include <emmintrin.h>
#define MW_HAVE_FIND 1

/// Whether 16 bytes from `q` lie in one page (so that reading them cannot fault even when some
/// lie past the run being searched; the bits of those are dropped). Such reads past the run
/// are deliberate (as in glibc's string functions); an address sanitizer may report them.
static inline __attribute__((always_inline)) int mw_in_page(const uint8_t *q) { return ((uintptr_t)q & 4095) <= 4096 - 16; }

/// The first index in `from..<end` whose byte is `a` or `b`, or `end`: 16 bytes at a time
/// (SSE2, inlined into the Swift scanners).
static inline __attribute__((always_inline)) intptr_t mw_find2(const uint8_t *p, intptr_t from, intptr_t end, uint8_t a, uint8_t b) {
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
    intptr_t i = from;
    while (i < end) {
        const uint8_t *q = p + i;
        if (__builtin_expect(!mw_in_page(q), 0)) {
            if (*q == a || *q == b) return i;
            i++;
            continue;
        }
        __m128i v = _mm_loadu_si128((const __m128i *)q);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
        intptr_t left = end - i;
        if (left < 16) m &= (1u << left) - 1;
        if (m) return i + __builtin_ctz(m);
        i += 16;
    }
    return end;
}

/// The first index in `from..<end` whose byte is `a`, or `end` (SSE2, inlined).
static inline __attribute__((always_inline)) intptr_t mw_find1(const uint8_t *p, intptr_t from, intptr_t end, uint8_t a) {
    const __m128i va = _mm_set1_epi8((char)a);
    intptr_t i = from;
    while (i < end) {
        const uint8_t *q = p + i;
        if (__builtin_expect(!mw_in_page(q), 0)) {
            if (*q == a) return i;
            i++;
            continue;
        }
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)q), va));
        intptr_t left = end - i;
        if (left < 16) m &= (1u << left) - 1;
        if (m) return i + __builtin_ctz(m);
        i += 16;
    }
    return end;
}
#endif

#ifdef __cplusplus
}
#endif

#endif
