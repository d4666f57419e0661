/// The permessage-deflate parameters both sides agreed on, resolved to concrete values, plus this
/// side's compression settings. Each connection makes its own ``PerMessageDeflateExtension`` from it.
public struct NegotiatedPerMessageDeflate: NegotiatedExtension, Hashable {
    /// The element as it appears in the server's `Sec-WebSocket-Extensions` response.
    public let responseElement: ExtensionHeaderElement
    /// Whether the server resets its compression context after each message.
    public let serverNoContextTakeover: Bool
    /// Whether the client resets its compression context after each message.
    public let clientNoContextTakeover: Bool
    /// The server's compression window, as a power of two (8–15).
    public let serverMaxWindowBits: Int
    /// The client's compression window, as a power of two (8–15).
    public let clientMaxWindowBits: Int
    /// Messages shorter than this many bytes are sent uncompressed.
    public let threshold: Int
    /// The zlib compression level (0–9).
    public let compressionLevel: Int
    /// The zlib memory level (1–9).
    public let memoryLevel: Int

    /// Makes the per-connection compressor and decompressor for `role`.
    public func makeExtension(role: Role) -> any WebSocketExtension {
        let isServer = role == .server
        return PerMessageDeflateExtension(
            compressor: DeflateCompressor(
                level: compressionLevel,
                windowBits: isServer ? serverMaxWindowBits : clientMaxWindowBits,
                memoryLevel: memoryLevel
            ),
            decompressor: DeflateDecompressor(windowBits: isServer ? clientMaxWindowBits : serverMaxWindowBits),
            resetsCompressor: isServer ? serverNoContextTakeover : clientNoContextTakeover,
            resetsDecompressor: isServer ? clientNoContextTakeover : serverNoContextTakeover,
            threshold: threshold
        )
    }
}
