#include <zlib.h>

/// deflateInit2 is a macro Swift cannot call: this wrapper opens a raw DEFLATE stream (no zlib
/// header or trailer, as RFC 7692 requires) with the given window size.
static inline int duplex_deflate_init_raw(z_streamp stream, int level, int windowBits, int memoryLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, -windowBits, memoryLevel, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 is a macro Swift cannot call: this wrapper opens a raw DEFLATE inflater.
static inline int duplex_inflate_init_raw(z_streamp stream, int windowBits) {
    return inflateInit2(stream, -windowBits);
}
