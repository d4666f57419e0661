import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One open zlib stream (deflate or inflate), heap-allocated because zlib keeps a pointer back to
/// it, and ended when released. ``DeflateCompressor`` and ``DeflateDecompressor`` open one on the
/// first compressed message and drop it when its context is no longer needed, so a connection that
/// negotiated permessage-deflate holds no zlib memory until it compresses or inflates a message.
final class ZlibStream {
    /// The stream, for zlib calls.
    let pointer: UnsafeMutablePointer<z_stream>
    private let end: (UnsafeMutablePointer<z_stream>) -> Int32
    /// The allocation budget of a ``ZlibMemory/limited(allocations:)`` stream, if it has one.
    private let budget: UnsafeMutablePointer<Int>?

    /// The largest `avail_in` or `avail_out` handed to zlib in one call, whose counters are 32-bit:
    /// longer buffers are fed in pieces of at most this many bytes.
    static let maxChunk = Int(clamping: UInt32.max)

    private init(pointer: UnsafeMutablePointer<z_stream>, budget: UnsafeMutablePointer<Int>?, end: @escaping (UnsafeMutablePointer<z_stream>) -> Int32) {
        self.pointer = pointer
        self.budget = budget
        self.end = end
    }

    /// Opens a stream with `open` (`deflateInit2` or `inflateInit2`), or returns `nil` when zlib
    /// refuses, which for the validated parameters used here means it could not get memory
    /// (`Z_MEM_ERROR`). `end` releases what `open` allocated.
    static func open(
        memory: ZlibMemory,
        with open: (UnsafeMutablePointer<z_stream>) -> Int32,
        end: @escaping (UnsafeMutablePointer<z_stream>) -> Int32
    ) -> ZlibStream? {
        let pointer = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        pointer.initialize(to: z_stream())
        var budget: UnsafeMutablePointer<Int>?
        if case .limited(let allocations) = memory {
            let count = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            count.initialize(to: allocations)
            budget = count
            pointer.pointee.opaque = UnsafeMutableRawPointer(count)
            pointer.pointee.zalloc = { opaque, items, size in
                guard let budget = opaque?.assumingMemoryBound(to: Int.self), budget.pointee > 0 else { return nil }
                budget.pointee -= 1
                return calloc(Int(clamping: items), Int(clamping: size))
            }
            pointer.pointee.zfree = { _, address in free(address) }
        }
        guard open(pointer) == Z_OK else {
            // zlib frees whatever a failed init had allocated.
            release(pointer, budget)
            return nil
        }
        return ZlibStream(pointer: pointer, budget: budget, end: end)
    }

    deinit {
        _ = end(pointer)
        Self.release(pointer, budget)
    }

    private static func release(_ pointer: UnsafeMutablePointer<z_stream>, _ budget: UnsafeMutablePointer<Int>?) {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
        budget?.deallocate()
    }

    /// Points the stream's input at `count` bytes from `start` (at most ``maxChunk``).
    func setInput(_ start: UnsafeRawPointer?, count: Int) {
        pointer.pointee.next_in = start.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        // Cannot trap: callers cut their input into pieces of at most `maxChunk` bytes.
        pointer.pointee.avail_in = UInt32(count)
    }

    /// Points the stream's output at `count` bytes at `start`; more than ``maxChunk`` is offered as
    /// ``maxChunk`` (the caller counts what was written from `avail_out`).
    func setOutput(_ start: UnsafeMutableRawPointer, count: Int) {
        pointer.pointee.next_out = start.assumingMemoryBound(to: Bytef.self)
        pointer.pointee.avail_out = UInt32(clamping: count)
    }

    /// Clears the input and output pointers, so that none outlives the buffers they point into.
    func detachBuffers() {
        pointer.pointee.next_in = nil
        pointer.pointee.next_out = nil
    }
}

/// Where a ``ZlibStream`` gets its memory.
enum ZlibMemory: Sendable {
    /// zlib's default allocator (`malloc`).
    case system
    /// A test allocator that grants `allocations` allocations and then fails, as `malloc` does
    /// when memory runs out, to exercise the `Z_MEM_ERROR` paths.
    case limited(allocations: Int)
}
