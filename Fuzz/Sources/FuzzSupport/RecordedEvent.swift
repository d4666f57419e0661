@_spi(Core) import DuplexCore
import NIOCore

/// A ``ConnectionEvent`` reduced to comparable values, so that two runs over the same bytes can be
/// checked to report the same events.
enum RecordedEvent: Equatable {
    case text([UInt8])
    case binary([UInt8])
    case fragment(opcode: UInt8, payload: [UInt8], isFinal: Bool)
    case ping([UInt8])
    case pong([UInt8])
    case close(code: UInt16, reason: String)
    case protocolError(ProtocolError)

    init(_ event: ConnectionEvent) {
        switch event {
        case .text(let payload): self = .text(Array(payload.readableBytesView))
        case .binary(let payload): self = .binary(Array(payload.readableBytesView))
        case .fragment(let opcode, let payload, let isFinal):
            self = .fragment(opcode: opcode.rawValue, payload: Array(payload.readableBytesView), isFinal: isFinal)
        case .ping(let payload): self = .ping(Array(payload.readableBytesView))
        case .pong(let payload): self = .pong(Array(payload.readableBytesView))
        case .close(let status): self = .close(code: status.code.rawValue, reason: status.reason)
        case .protocolError(let error): self = .protocolError(error)
        }
    }
}
