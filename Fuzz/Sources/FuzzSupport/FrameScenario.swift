@_spi(Core) import DuplexCore

/// The setting one frame-fuzz input runs in, chosen by its leading bytes: the role, the limits
/// (small, so that inputs of a few KiB exceed them), automatic pongs, outgoing fragmentation,
/// whether messages are delivered frame by frame, and for the deflate harness the negotiated
/// permessage-deflate parameters.
struct FrameScenario {
    let role: Role
    let configuration: ConnectionConfiguration
    /// The negotiated permessage-deflate agreement, or `nil` for plain frames.
    let deflate: (any NegotiatedExtension)?

    /// Reads one configuration byte, and with `deflate` one more for the offer the agreement comes from.
    init(_ input: inout FuzzInput, deflate withDeflate: Bool) {
        let flags = input.takeByte()
        role = flags & 0x01 == 0 ? .server : .client
        var configuration = ConnectionConfiguration()
        configuration.automaticPong = flags & 0x02 == 0
        configuration.maxMessageSize = flags & 0x04 == 0 ? 4096 : 256
        configuration.maxFrameSize = [4096, 125, 1024, 16 << 20][Int(flags >> 3 & 3)]
        configuration.fragmentSize = flags & 0x20 == 0 ? nil : 7
        configuration.deliversFragments = flags & 0x40 != 0
        self.configuration = configuration
        deflate = withDeflate ? Self.negotiate(input.takeByte()) : nil
    }

    /// The connection for ``role`` with a fresh extension instance.
    func makeConnection() -> WebSocketConnection {
        WebSocketConnection(
            role: role,
            configuration: configuration,
            extensions: deflate.map { [$0.makeExtension(role: role)] } ?? [],
            maskingKeys: .fixed(0x1234_5678)
        )
    }

    /// The other end, with default limits, which must understand everything ours sends.
    func makePeer() -> WebSocketConnection {
        let peerRole: Role = role == .server ? .client : .server
        return WebSocketConnection(
            role: peerRole,
            extensions: deflate.map { [$0.makeExtension(role: peerRole)] } ?? [],
            maskingKeys: .fixed(0x8765_4321)
        )
    }

    /// Builds a valid offer from `bits` and has a default server accept it, which it must.
    private static func negotiate(_ bits: UInt8) -> any NegotiatedExtension {
        var parameters: [ExtensionHeaderElement.Parameter] = []
        if bits & 0x01 != 0 { parameters.append(.init(name: "server_no_context_takeover")) }
        if bits & 0x02 != 0 { parameters.append(.init(name: "client_no_context_takeover")) }
        parameters.append(.init(name: "server_max_window_bits", value: String(8 + Int(bits >> 2 & 7))))
        parameters.append(.init(name: "client_max_window_bits", value: String(8 + Int(bits >> 5 & 7))))
        let offer = ExtensionHeaderElement(name: PerMessageDeflate.extensionName, parameters: parameters)
        guard let agreement = PerMessageDeflate().serverAccept([offer]) else {
            fatalError("invariant broken: a default server declined the valid offer \(offer)")
        }
        return agreement
    }
}
