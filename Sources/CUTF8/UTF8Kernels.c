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

__attribute__((target("avx2"))) static int checkAVX2(const uint8_t *bytes, size_t count) {
    // The tables in both 128-bit lanes (vpshufb looks up within each lane).
    const __m256i previousHigh = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tables[0]));
    const __m256i previousLow = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tables[1]));
    const __m256i currentHigh = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tables[2]));
    const __m256i openAtEnd = _mm256_inserti128_si256(
        _mm256_set1_epi8(-1), _mm_loadu_si128((const __m128i *)tables[3]), 1);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i thirdByte = _mm256_set1_epi8((char)(0xE0 - 0x80));
    const __m256i fourthByte = _mm256_set1_epi8((char)(0xF0 - 0x80));
    const __m256i highBit = _mm256_set1_epi8((char)0x80);
    __m256i previous = _mm256_setzero_si256(), error = _mm256_setzero_si256();
    __m256i open = _mm256_setzero_si256();  // sequences the previous vector left open
    uint8_t last[32];
    size_t index = 0;
    while (index < count) {
        __m256i input;
        if (count - index >= 64) {
            __m256i first = _mm256_loadu_si256((const __m256i *)(bytes + index));
            __m256i second = _mm256_loadu_si256((const __m256i *)(bytes + index + 32));
            if (_mm256_movemask_epi8(_mm256_or_si256(first, second)) == 0) {
                error = _mm256_or_si256(error, open);
                open = _mm256_setzero_si256();
                previous = second;
                index += 64;
                continue;
            }
            input = first;
            index += 32;
        } else if (count - index >= 32) {
            input = _mm256_loadu_si256((const __m256i *)(bytes + index));
            index += 32;
        } else {
            __builtin_memset(last, 0, sizeof last);  // ASCII NULs after the end: a cut sequence fails
            __builtin_memcpy(last, bytes + index, count - index);
            input = _mm256_loadu_si256((const __m256i *)last);
            index = count;
        }
        if (_mm256_movemask_epi8(input) == 0) {
            error = _mm256_or_si256(error, open);
            open = _mm256_setzero_si256();
            previous = input;
            continue;
        }
        __m256i carried = _mm256_permute2x128_si256(previous, input, 0x21);
        __m256i previous1 = _mm256_alignr_epi8(input, carried, 15);
        __m256i previous2 = _mm256_alignr_epi8(input, carried, 14);
        __m256i previous3 = _mm256_alignr_epi8(input, carried, 13);
        __m256i classes = _mm256_and_si256(
            _mm256_and_si256(
                _mm256_shuffle_epi8(previousHigh, _mm256_and_si256(_mm256_srli_epi16(previous1, 4), nibble)),
                _mm256_shuffle_epi8(previousLow, _mm256_and_si256(previous1, nibble))),
            _mm256_shuffle_epi8(currentHigh, _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble)));
        __m256i mustContinue = _mm256_and_si256(
            _mm256_or_si256(_mm256_subs_epu8(previous2, thirdByte), _mm256_subs_epu8(previous3, fourthByte)),
            highBit);
        error = _mm256_or_si256(error, _mm256_xor_si256(classes, mustContinue));
        open = _mm256_subs_epu8(input, openAtEnd);
        previous = input;
    }
    error = _mm256_or_si256(error, open);
    return _mm256_testz_si256(error, error);
}

__attribute__((target("ssse3"))) static int checkSSSE3(const uint8_t *bytes, size_t count) {
    const __m128i previousHigh = _mm_loadu_si128((const __m128i *)tables[0]);
    const __m128i previousLow = _mm_loadu_si128((const __m128i *)tables[1]);
    const __m128i currentHigh = _mm_loadu_si128((const __m128i *)tables[2]);
    const __m128i openAtEnd = _mm_loadu_si128((const __m128i *)tables[3]);
    const __m128i nibble = _mm_set1_epi8(0x0F);
    const __m128i thirdByte = _mm_set1_epi8((char)(0xE0 - 0x80));
    const __m128i fourthByte = _mm_set1_epi8((char)(0xF0 - 0x80));
    const __m128i highBit = _mm_set1_epi8((char)0x80);
    __m128i previous = _mm_setzero_si128(), error = _mm_setzero_si128(), open = _mm_setzero_si128();
    uint8_t last[16];
    size_t index = 0;
    while (index < count) {
        __m128i input;
        if (count - index >= 16) {
            input = _mm_loadu_si128((const __m128i *)(bytes + index));
            index += 16;
        } else {
            __builtin_memset(last, 0, sizeof last);
            __builtin_memcpy(last, bytes + index, count - index);
            input = _mm_loadu_si128((const __m128i *)last);
            index = count;
        }
        if (_mm_movemask_epi8(input) == 0) {
            error = _mm_or_si128(error, open);
            open = _mm_setzero_si128();
            previous = input;
            continue;
        }
        __m128i previous1 = _mm_alignr_epi8(input, previous, 15);
        __m128i previous2 = _mm_alignr_epi8(input, previous, 14);
        __m128i previous3 = _mm_alignr_epi8(input, previous, 13);
        __m128i classes = _mm_and_si128(
            _mm_and_si128(
                _mm_shuffle_epi8(previousHigh, _mm_and_si128(_mm_srli_epi16(previous1, 4), nibble)),
                _mm_shuffle_epi8(previousLow, _mm_and_si128(previous1, nibble))),
            _mm_shuffle_epi8(currentHigh, _mm_and_si128(_mm_srli_epi16(input, 4), nibble)));
        __m128i mustContinue = _mm_and_si128(
            _mm_or_si128(_mm_subs_epu8(previous2, thirdByte), _mm_subs_epu8(previous3, fourthByte)), highBit);
        error = _mm_or_si128(error, _mm_xor_si128(classes, mustContinue));
        open = _mm_subs_epu8(input, openAtEnd);
        previous = input;
    }
    error = _mm_or_si128(error, open);
    return _mm_movemask_epi8(_mm_cmpeq_epi8(error, _mm_setzero_si128())) == 0xFFFF;
}

#elif defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

static int checkNEON(const uint8_t *bytes, size_t count) {
    const uint8x16_t previousHigh = vld1q_u8(tables[0]), previousLow = vld1q_u8(tables[1]);
    const uint8x16_t currentHigh = vld1q_u8(tables[2]), openAtEnd = vld1q_u8(tables[3]);
    const uint8x16_t nibble = vdupq_n_u8(0x0F), highBit = vdupq_n_u8(0x80);
    const uint8x16_t thirdByte = vdupq_n_u8(0xE0 - 0x80), fourthByte = vdupq_n_u8(0xF0 - 0x80);
    uint8x16_t previous = vdupq_n_u8(0), error = vdupq_n_u8(0), open = vdupq_n_u8(0);
    uint8_t last[16];
    size_t index = 0;
    while (index < count) {
        uint8x16_t input;
        if (count - index >= 16) {
            input = vld1q_u8(bytes + index);
            index += 16;
        } else {
            __builtin_memset(last, 0, sizeof last);
            __builtin_memcpy(last, bytes + index, count - index);
            input = vld1q_u8(last);
            index = count;
        }
        if (vmaxvq_u8(input) < 0x80) {
            error = vorrq_u8(error, open);
            open = vdupq_n_u8(0);
            previous = input;
            continue;
        }
        uint8x16_t previous1 = vextq_u8(previous, input, 15);
        uint8x16_t previous2 = vextq_u8(previous, input, 14);
        uint8x16_t previous3 = vextq_u8(previous, input, 13);
        uint8x16_t classes = vandq_u8(
            vandq_u8(vqtbl1q_u8(previousHigh, vshrq_n_u8(previous1, 4)),
                vqtbl1q_u8(previousLow, vandq_u8(previous1, nibble))),
            vqtbl1q_u8(currentHigh, vshrq_n_u8(input, 4)));
        uint8x16_t mustContinue = vandq_u8(
            vorrq_u8(vqsubq_u8(previous2, thirdByte), vqsubq_u8(previous3, fourthByte)), highBit);
        error = vorrq_u8(error, veorq_u8(classes, mustContinue));
        open = vqsubq_u8(input, openAtEnd);
        previous = input;
    }
    error = vorrq_u8(error, open);
    return vmaxvq_u8(error) == 0;
}
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
