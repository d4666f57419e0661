@_spi(Core) import DuplexCore
import NIOCore

/// Fuzzes the frame parser and message assembler (``WebSocketConnection``) with bytes from a peer.
///
/// Input layout: a configuration byte (``FrameScenario``), with deflate one byte for the negotiated
/// parameters, one byte choosing how the stream is split (``ChunkSizes``), then the received bytes.
///
/// The stream is received twice: whole, and split into chunks with the events drained after each.
/// Beyond the per-event rules of ``EventChecker``: both runs report the same events; every data
/// message received is echoed back, and a peer connection of the other role must parse everything
/// this side wrote without a protocol error and receive exactly the echoed messages; once the
/// connection ended no event comes even when more bytes arrive; EOF always leaves a close status.
public enum FrameFuzzer {
    /// Runs one input.
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int, deflate: Bool) {
        var input = FuzzInput(data, count: size)
        let scenario = FrameScenario(&input, deflate: deflate)
        let chunks = ChunkSizes(seed: input.takeByte())
        let stream = input.remaining

        let whole = receiveWhole(stream, in: scenario)
        let split = receiveSplitAndEcho(stream, in: scenario, chunks: chunks)
        require(whole == split, "the events depend on how the bytes were split:\n whole: \(whole)\n split: \(split)")
    }

    private static func receiveWhole(_ stream: ArraySlice<UInt8>, in scenario: FrameScenario) -> [RecordedEvent] {
        var connection = scenario.makeConnection()
        var checker = EventChecker(configuration: scenario.configuration)
        connection.receive(ByteBuffer(bytes: stream))
        while let event = connection.nextEvent() { checker.check(event, from: connection) }
        if checker.ended {
            connection.receive(ByteBuffer(bytes: [0x88, 0x80, 0, 0, 0, 0, 0x88, 0x00]))
            require(connection.nextEvent() == nil, "an event after the connection ended")
        }
        connection.receiveEOF()
        require(connection.state == .closed, "state \(connection.state) after EOF")
        require(connection.closeStatus != nil, "no close status after EOF")
        return checker.events
    }

    private static func receiveSplitAndEcho(
        _ stream: ArraySlice<UInt8>, in scenario: FrameScenario, chunks: ChunkSizes
    ) -> [RecordedEvent] {
        var connection = scenario.makeConnection()
        var checker = EventChecker(configuration: scenario.configuration)
        var echoed: [RecordedEvent] = []
        var echoing: (opcode: Opcode, bytes: [UInt8])?
        var chunks = chunks
        var rest = stream
        repeat {
            let size = min(chunks.next()!, rest.count)
            connection.receive(ByteBuffer(bytes: rest.prefix(size)))
            rest = rest.dropFirst(size)
            while let event = connection.nextEvent() {
                checker.check(event, from: connection)
                echo(event, on: &connection, into: &echoed, assembling: &echoing)
            }
        } while !rest.isEmpty
        var outbound: [ByteBuffer] = []
        while let bytes = connection.takeOutbound() { outbound.append(bytes) }
        checkPeer(receiving: outbound, expecting: echoed, in: scenario)
        return checker.events
    }

    /// Sends a received data message back (a fragment as a fragment), which must succeed while the
    /// connection is open; `echoed` gets each whole message echoed, as the peer must receive it.
    private static func echo(
        _ event: ConnectionEvent, on connection: inout WebSocketConnection, into echoed: inout [RecordedEvent],
        assembling: inout (opcode: Opcode, bytes: [UInt8])?
    ) {
        do {
            switch event {
            case .text(let bytes):
                try connection.send(.text, payload: bytes)
                echoed.append(RecordedEvent(event))
            case .binary(let bytes):
                try connection.send(.binary, payload: bytes)
                echoed.append(RecordedEvent(event))
            case .fragment(let opcode, let payload, let isFinal):
                try connection.sendFragment(opcode, payload: payload, isFinal: isFinal)
                var message = assembling ?? (opcode, [])
                message.bytes.append(contentsOf: payload.readableBytesView)
                assembling = isFinal ? nil : message
                if isFinal { echoed.append(message.opcode == .text ? .text(message.bytes) : .binary(message.bytes)) }
            default:
                return
            }
        } catch {
            require(false, "echoing \(event) on an open connection threw \(error)")
        }
    }

    /// Feeds what this side wrote to a peer, which must see no protocol error and exactly the echoed messages.
    private static func checkPeer(receiving outbound: [ByteBuffer], expecting echoed: [RecordedEvent], in scenario: FrameScenario) {
        var peer = scenario.makePeer()
        for bytes in outbound { peer.receive(bytes) }
        var delivered: [RecordedEvent] = []
        while let event = peer.nextEvent() {
            switch event {
            case .protocolError(let error):
                require(false, "the peer rejected what this side wrote: \(error)")
            case .text, .binary:
                delivered.append(RecordedEvent(event))
            case .fragment:
                require(false, "the peer, which assembles messages, reported a fragment")
            case .ping:
                require(false, "this side sent a ping it was never asked to")
            case .pong, .close:
                break
            }
        }
        require(delivered == echoed, "the peer received \(delivered.count) messages, not the \(echoed.count) echoed")
    }
}
