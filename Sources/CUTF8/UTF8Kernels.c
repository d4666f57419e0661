// Vectorised validation of whole UTF-8 runs: see include/CUTF8.h.
//
// For each byte `b` with predecessors `p1`, `p2`, `p3` (zero before the run), three tables indexed
// by the high nibble of `p1`, the low nibble of `p1` and the high nibble of `b` each give a set of
// error classes; a class holds for the pair (p1, b) exactly when it is in all three sets, so the
// AND of the three lookups is nonzero for every bad pair. The classes, one bit each:
//
//   TOO_SHORT   lead byte (C0-FF) followed by a byte that is not a continuation
//   TOO_LONG    ASCII followed by a continuation
//   OVERLONG_2  C0 or C1 followed by a continuation
//   OVERLONG_3  E0 followed by 80-9F
//   SURROGATE   ED followed by A0-BF
//   TOO_LARGE   F4-FF followed by 90-BF
//   FOUR_EDGE   F0 followed by 80-8F (overlong), or F5-FF followed by 80-8F (too large)
//   TWO_CONTS   a continuation followed by a continuation
//
// TWO_CONTS is an error unless `b` is the third byte after a lead of E0-FF or the fourth after one
// of F0-FF; those positions must carry it, so XOR-ing it with "p2 >= E0 or p3 >= F0" leaves a bit
// set exactly where a continuation is missing or one too many. A run must also not end inside a
// sequence: its last byte must be below C0, the one before below E0, the one before that below F0.

#include "CUTF8.h"

#include <stdatomic.h>
#include <stdint.h>

enum {
    TOO_SHORT = 0x01,
    TOO_LONG = 0x02,
    OVERLONG_3 = 0x04,
    TOO_LARGE = 0x08,
    SURROGATE = 0x10,
    OVERLONG_2 = 0x20,
    FOUR_EDGE = 0x40,
    TWO_CONTS = 0x80,
    ANY_LOW = TOO_SHORT | TOO_LONG | TWO_CONTS,
};

/// By the high nibble of the previous byte.
#define PREVIOUS_HIGH_TABLE \
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, \
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, \
    TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE, \
    TOO_SHORT | TOO_LARGE | FOUR_EDGE

/// By the low nibble of the previous byte.
#define PREVIOUS_LOW_TABLE \
    ANY_LOW | OVERLONG_3 | OVERLONG_2 | FOUR_EDGE, ANY_LOW | OVERLONG_2, ANY_LOW, ANY_LOW, \
    ANY_LOW | TOO_LARGE, ANY_LOW | TOO_LARGE | FOUR_EDGE, ANY_LOW | TOO_LARGE | FOUR_EDGE, \
    ANY_LOW | TOO_LARGE | FOUR_EDGE, ANY_LOW | TOO_LARGE | FOUR_EDGE, ANY_LOW | TOO_LARGE | FOUR_EDGE, \
    ANY_LOW | TOO_LARGE | FOUR_EDGE, ANY_LOW | TOO_LARGE | FOUR_EDGE, ANY_LOW | TOO_LARGE | FOUR_EDGE, \
    ANY_LOW | TOO_LARGE | FOUR_EDGE | SURROGATE, ANY_LOW | TOO_LARGE | FOUR_EDGE, \
    ANY_LOW | TOO_LARGE | FOUR_EDGE

/// By the high nibble of the byte itself.
#define CURRENT_HIGH_TABLE \
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, \
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | FOUR_EDGE, \
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE, \
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, \
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, \
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT

/// Subtracted (saturating) from the last vector of a run: nonzero where a sequence is left open.
#define OPEN_AT_END_16 \
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0 - 1, \
    0xE0 - 1, 0xC0 - 1

#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(_M_ARM64)
/// The three class tables and the end-of-run limits, 16 bytes each.
static const uint8_t tables[4][16] = {
    {PREVIOUS_HIGH_TABLE}, {PREVIOUS_LOW_TABLE}, {CURRENT_HIGH_TABLE}, {OPEN_AT_END_16}};
#endif

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <immintrin.h>

/// Bit `1 << kernel` for each x86 kernel this processor (and its operating system) can run.
static unsigned x86Kernels(void) {
    unsigned eax, ebx, ecx, edx, kernels = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (ecx & bit_SSSE3) kernels |= 1u << DUPLEX_UTF8_KERNEL_SSSE3;
    // AVX2 also needs the OS to save the YMM registers (OSXSAVE, then XCR0 bits 1 and 2).
    if ((ecx & bit_OSXSAVE) && (ecx & bit_AVX)) {
        unsigned xcrLow, xcrHigh;
        __asm__("xgetbv" : "=a"(xcrLow), "=d"(xcrHigh) : "c"(0));
        if ((xcrLow & 6) == 6 && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & bit_AVX2)) {
            kernels |= 1u << DUPLEX_UTF8_KERNEL_AVX2;
        }
    }
    return kernels;
}

#define VEC __m256i
#define WIDTH 32
#define KERNEL_NAME checkAVX2
#define KERNEL_ATTRIBUTES __attribute__((target("avx2")))
#define LOAD(pointer) _mm256_loadu_si256((const __m256i *)(pointer))
#define SPLAT(byte) _mm256_set1_epi8((char)(byte))
// The tables in both 128-bit lanes (vpshufb looks up within each lane).
#define TABLE(row) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tables[row]))
#define OPEN_AT_END _mm256_inserti128_si256(SPLAT(0xFF), _mm_loadu_si128((const __m128i *)tables[3]), 1)
#define AND _mm256_and_si256
#define OR _mm256_or_si256
#define XOR _mm256_xor_si256
#define SUBS _mm256_subs_epu8
#define SHUFFLE _mm256_shuffle_epi8
#define HIGH_NIBBLE(vector) AND(_mm256_srli_epi16(vector, 4), nibble)
// The last bytes of the previous vector's upper lane before this one's lower lane, then within it.
#define PREVIOUS(input, previous, n) \
    _mm256_alignr_epi8(input, _mm256_permute2x128_si256(previous, input, 0x21), 16 - (n))
#define IS_ASCII(vector) (_mm256_movemask_epi8(vector) == 0)
#define IS_ZERO(vector) _mm256_testz_si256(vector, vector)
#include "UTF8KernelBody.h"
#undef VEC
#undef WIDTH
#undef KERNEL_NAME
#undef KERNEL_ATTRIBUTES
#undef LOAD
#undef SPLAT
#undef TABLE
#undef OPEN_AT_END
#undef AND
#undef OR
#undef XOR
#undef SUBS
#undef SHUFFLE
#undef HIGH_NIBBLE
#undef PREVIOUS
#undef IS_ASCII
#undef IS_ZERO

#define VEC __m128i
#define WIDTH 16
#define KERNEL_NAME checkSSSE3
#define KERNEL_ATTRIBUTES __attribute__((target("ssse3")))
#define LOAD(pointer) _mm_loadu_si128((const __m128i *)(pointer))
#define SPLAT(byte) _mm_set1_epi8((char)(byte))
#define TABLE(row) LOAD(tables[row])
#define OPEN_AT_END TABLE(3)
#define AND _mm_and_si128
#define OR _mm_or_si128
#define XOR _mm_xor_si128
#define SUBS _mm_subs_epu8
#define SHUFFLE _mm_shuffle_epi8
#define HIGH_NIBBLE(vector) AND(_mm_srli_epi16(vector, 4), nibble)
#define PREVIOUS(input, previous, n) _mm_alignr_epi8(input, previous, 16 - (n))
#define IS_ASCII(vector) (_mm_movemask_epi8(vector) == 0)
#define IS_ZERO(vector) (_mm_movemask_epi8(_mm_cmpeq_epi8(vector, _mm_setzero_si128())) == 0xFFFF)
#include "UTF8KernelBody.h"

#elif defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#define VEC uint8x16_t
#define WIDTH 16
#define KERNEL_NAME checkNEON
#define KERNEL_ATTRIBUTES
#define LOAD(pointer) vld1q_u8(pointer)
#define SPLAT(byte) vdupq_n_u8(byte)
#define TABLE(row) LOAD(tables[row])
#define OPEN_AT_END TABLE(3)
#define AND vandq_u8
#define OR vorrq_u8
#define XOR veorq_u8
#define SUBS vqsubq_u8
#define SHUFFLE vqtbl1q_u8
#define HIGH_NIBBLE(vector) vshrq_n_u8(vector, 4)
#define PREVIOUS(input, previous, n) vextq_u8(previous, input, 16 - (n))
#define IS_ASCII(vector) (vmaxvq_u8(vector) < 0x80)
#define IS_ZERO(vector) (vmaxvq_u8(vector) == 0)
#include "UTF8KernelBody.h"
#endif

/// Bit `1 << kernel` for each kernel this processor can run, found once.
static unsigned availableKernels(void) {
    static _Atomic unsigned cached = 0;  // bit 31 marks "found"
    unsigned kernels = atomic_load_explicit(&cached, memory_order_relaxed);
    if (kernels != 0) return kernels;
#if defined(__x86_64__) || defined(_M_X64)
    kernels = x86Kernels();
#elif defined(__aarch64__) || defined(_M_ARM64)
    kernels = 1u << DUPLEX_UTF8_KERNEL_NEON;  // NEON is part of every arm64 processor
#endif
    kernels |= 1u << 31;
    atomic_store_explicit(&cached, kernels, memory_order_relaxed);
    return kernels;
}

int duplex_utf8_check_run(int kernel, const void *bytes, size_t count) {
    unsigned kernels = availableKernels();
    if (kernel == DUPLEX_UTF8_KERNEL_BEST) {
        if (kernels & (1u << DUPLEX_UTF8_KERNEL_AVX2)) kernel = DUPLEX_UTF8_KERNEL_AVX2;
        else if (kernels & (1u << DUPLEX_UTF8_KERNEL_SSSE3)) kernel = DUPLEX_UTF8_KERNEL_SSSE3;
        else if (kernels & (1u << DUPLEX_UTF8_KERNEL_NEON)) kernel = DUPLEX_UTF8_KERNEL_NEON;
        else return -1;
    }
    if (kernel < 1 || kernel > 30 || !(kernels & (1u << kernel))) return -1;
    switch (kernel) {
#if defined(__x86_64__) || defined(_M_X64)
    case DUPLEX_UTF8_KERNEL_AVX2: return checkAVX2(bytes, count);
    case DUPLEX_UTF8_KERNEL_SSSE3: return checkSSSE3(bytes, count);
#elif defined(__aarch64__) || defined(_M_ARM64)
    case DUPLEX_UTF8_KERNEL_NEON: return checkNEON(bytes, count);
#endif
    default: return -1;
    }
}
