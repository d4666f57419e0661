import Foundation

/// Lines read from standard input on a thread of their own (reading blocks, which must not happen
/// on the concurrency pool), delivered as an async sequence that finishes at end of input.
enum StandardInputLines {
    /// Starts the reader thread and returns its lines.
    static func start() -> AsyncStream<String> {
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line)
            }
            continuation.finish()
        }
        thread.start()
        return lines
    }
}
