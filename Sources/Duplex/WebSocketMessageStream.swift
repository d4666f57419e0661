import NIOCore

/// One message received chunk by chunk (``WebSocket/receiveStreaming()``): its kind, and its
/// payload as an asynchronous sequence of chunks (never empty), in order, which finishes after
/// the last one.
///
/// With ``ConnectionConfiguration/deliversFragments`` each chunk is one frame's payload, handed
/// over as it is decoded (inflated, with permessage-deflate), so the message is never held whole:
/// ``ConnectionConfiguration/maxFrameSize`` bounds each chunk and
/// ``ConnectionConfiguration/maxMessageSize`` the message. Without it the message arrives whole,
/// as one chunk. A text message's chunks are UTF-8 that may end inside a character; the message as
/// a whole was validated (a violation fails the connection with 1007 before the chunk holding it).
///
/// Iterate it once, from the task that reads the connection's messages. Reading the next message
/// (``WebSocket/receive()``, ``WebSocket/messages``, ``WebSocket/receiveStreaming()``) before this
/// one ended skips the rest of it: its iterator then throws ``WebSocketError/messageStreamAbandoned``.
/// When the connection ends before the last chunk, it throws ``WebSocketError/connectionClosed``:
/// a message cut short never looks whole.
public struct WebSocketMessageStream: AsyncSequence, Sendable {
    /// A chunk of the payload.
    public typealias Element = ByteBuffer
    /// What a chunk's arrival can fail with.
    public typealias Failure = WebSocketError

    /// Text or binary.
    public let kind: WebSocketMessage.Kind
    let reader: MessageReader
    /// The first chunk.
    let first: ByteBuffer
    /// The message's number in the reader's count, while chunks are still to come after the first.
    let number: UInt64?

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: reader, pending: first, number: number)
    }

    /// Iterates the chunks.
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// What a chunk's arrival can fail with.
        public typealias Failure = WebSocketError

        let reader: MessageReader
        var pending: ByteBuffer?
        var number: UInt64?

        /// The next chunk, or `nil` after the last one.
        public mutating func next() async throws(WebSocketError) -> ByteBuffer? {
            try await advance()
        }

        /// The next chunk, like ``next()``, run on the caller's isolation (what `for try await`
        /// calls): no executor hop on the way in or out.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(WebSocketError) -> ByteBuffer? {
            try await advance()
        }

        /// The next non-empty chunk: empty frames (a streamed message's final one, say) carry nothing.
        nonisolated(nonsending) private mutating func advance() async throws(WebSocketError) -> ByteBuffer? {
            if let chunk = pending, chunk.readableBytes > 0 {
                pending = nil
                return chunk
            }
            pending = nil
            while let current = number {
                let (chunk, isFinal) = try await reader.nextFragment(of: current)
                if isFinal { number = nil }
                if chunk.readableBytes > 0 { return chunk }
            }
            return nil
        }
    }
}
