/// Whether one outgoing message is compressed by a negotiated compression extension
/// (permessage-deflate). Without one, every message goes out uncompressed, whatever it asks.
public enum MessageCompression: Sendable, Hashable {
    /// As the extension is configured: a whole message is compressed when its payload has at least
    /// `PerMessageDeflate.Configuration.threshold` bytes; a message sent in fragments, whose size
    /// is not known when its first frame leaves, is compressed.
    case automatic
    /// Compressed, however short (zlib failing to get memory still sends it uncompressed, as
    /// RFC 7692 allows any message to be).
    case always
    /// Not compressed (no RSV1), however long: for payloads already compressed, or encrypted,
    /// which deflate would only grow.
    case never
}
