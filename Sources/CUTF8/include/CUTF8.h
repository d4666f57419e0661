#ifndef DUPLEX_CUTF8_H
#define DUPLEX_CUTF8_H

#include <stddef.h>

/// Vectorised UTF-8 validation of whole runs of text for DuplexCore's `UTF8Validator`.
///
/// The kernels (16 or 32 bytes at a time) classify each byte together with the one, two and three
/// bytes before it with three nibble-indexed table lookups, following the idea of Keiser and
/// Lemire, "Validating UTF-8 in less than one instruction per byte" (2021).

/// Picks the fastest kernel this processor supports.
#define DUPLEX_UTF8_KERNEL_BEST 0
/// 16 bytes at a time with SSSE3 (x86_64).
#define DUPLEX_UTF8_KERNEL_SSSE3 1
/// 32 bytes at a time with AVX2 (x86_64).
#define DUPLEX_UTF8_KERNEL_AVX2 2
/// 16 bytes at a time with NEON (arm64).
#define DUPLEX_UTF8_KERNEL_NEON 3

/// Checks that `bytes[0 ..< count]` is a whole, valid UTF-8 text: every sequence well formed
/// (Unicode Table 3-7) and none cut off at the end. The run is read as starting on a sequence
/// boundary.
///
/// Returns 1 if valid, 0 if not, and -1 if `kernel` (one of `DUPLEX_UTF8_KERNEL_*`) cannot run on
/// this processor (for `DUPLEX_UTF8_KERNEL_BEST`: if none can), in which case the caller must
/// validate the bytes another way.
int duplex_utf8_check_run(int kernel, const void *bytes, size_t count);

#endif
