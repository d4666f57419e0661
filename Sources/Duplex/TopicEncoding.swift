import DuplexCore
import NIOConcurrencyHelpers
import NIOCore

/// How a published message is written for one subscriber, decided by what it negotiated.
/// Subscribers with the same encoding get the very same bytes.
enum TopicEncoding: Hashable {
    /// No extension: one unmasked, uncompressed frame.
    case plain
    /// permessage-deflate without server context takeover: the server's compressor starts afresh
    /// for each message, so one compressed frame suits every subscriber with these parameters.
    case deflate(NegotiatedPerMessageDeflate)
    /// The connection encodes the message itself (its compression context carries over between
    /// messages, or it negotiated an extension this type does not know).
    case perConnection

    init(_ extensions: [any NegotiatedExtension]) {
        switch extensions.count {
        case 0:
            self = .plain
        case 1:
            if let deflate = extensions[0] as? NegotiatedPerMessageDeflate, deflate.serverNoContextTakeover {
                self = .deflate(deflate)
            } else {
                self = .perConnection
            }
        default:
            self = .perConnection
        }
    }
}

/// Encodes published messages once per ``TopicEncoding``, keeping one server-side compressor per
/// set of deflate parameters (each is reset after every message, so reusing it is safe).
final class TopicEncoder: @unchecked Sendable {
    // @unchecked: `compressors` is only touched with `lock` held.
    /// The encoder every delivery uses: its compressors depend only on the parameters.
    static let shared = TopicEncoder()

    private let lock = NIOLock()
    private var compressors: [NegotiatedPerMessageDeflate: any WebSocketExtension] = [:]

    /// The frame carrying `message` for subscribers of `encoding`; `nil` for ``TopicEncoding/perConnection``.
    func frame(for message: WebSocketMessage, encoding: TopicEncoding) -> ByteBuffer? {
        let (opcode, payload) = message.opcodeAndPayload
        var frame = ByteBuffer()
        switch encoding {
        case .perConnection:
            return nil
        case .plain:
            FrameWriter.encode(opcode, payload: payload, into: &frame)
        case .deflate(let parameters):
            let encoded = lock.withLock {
                let compressor = compressors[parameters] ?? parameters.makeExtension(role: .server)
                compressors[parameters] = compressor
                return compressor.encodeMessage(payload, opcode: opcode)
            }
            FrameWriter.encode(opcode, payload: encoded.payload, reservedBits: encoded.reservedBits, into: &frame)
        }
        return frame
    }
}

extension WebSocketMessage {
    /// The data frame opcode and payload of this message.
    var opcodeAndPayload: (Opcode, ByteBuffer) {
        switch self {
        case .text(let text): (.text, ByteBuffer(string: text))
        case .binary(let bytes): (.binary, bytes)
        }
    }
}
