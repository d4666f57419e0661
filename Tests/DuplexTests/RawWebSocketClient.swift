import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// A client over a bare TCP connection that writes hand-made bytes (handshakes, frames, floods)
/// and records every byte the server sends, for limit, abuse and fault tests.
final class RawWebSocketClient: Sendable {
    let channel: any Channel
    private let received: NIOLockedValueBox<ByteBuffer>

    private init(channel: any Channel, received: NIOLockedValueBox<ByteBuffer>) {
        self.channel = channel
        self.received = received
    }

    /// Connects to 127.0.0.1:`port`; with `autoRead` off nothing is read until ``startReading()``.
    static func connect(port: Int, autoRead: Bool = true) async throws -> RawWebSocketClient {
        let received = NIOLockedValueBox(ByteBuffer())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: autoRead)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawWebSocketClient(channel: channel, received: received)
    }

    /// Connects and completes a handshake; throws unless the answer is 101.
    static func upgraded(port: Int, extraHeaders: String = "") async throws -> RawWebSocketClient {
        let client = try await connect(port: port)
        try await client.write(Array(handshakeRequest(extraHeaders: extraHeaders).utf8))
        let head = try await client.waitForHead()
        guard statusCode(head) == 101 else { throw RawClientError.refused(head) }
        return client
    }

    /// Writes `bytes` and flushes.
    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Starts reading (for a client connected with `autoRead` off).
    func startReading() {
        channel.setOption(.autoRead, value: true).whenComplete { _ in }
        channel.read()
    }

    /// The HTTP response head once complete (or what arrived when the connection ended); the head
    /// is removed from the received bytes, so ``frames()`` sees only what followed.
    func waitForHead(timeout: Duration = .seconds(5)) async throws -> String {
        try await waitUntil(timeout: timeout) { buffer, closed in
            closed || buffer.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) != nil
        }
        return received.withLockedValue { buffer in
            let view = buffer.readableBytesView
            let end = view.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound ?? view.endIndex
            let head = buffer.readString(length: end - view.startIndex) ?? ""
            return head
        }
    }

    /// The whole response (head and body) once the server closed the connection.
    func waitForResponse(timeout: Duration = .seconds(5)) async throws -> String {
        try await waitForClose(timeout: timeout)
        return received.withLockedValue { String(buffer: $0) }
    }

    /// Waits until the server closed the connection (or `timeout` passed: then throws).
    func waitForClose(timeout: Duration = .seconds(5)) async throws {
        try await waitUntil(timeout: timeout) { _, closed in closed }
    }

    /// Waits until the frames received satisfy `condition`.
    func waitForFrames(
        timeout: Duration = .seconds(5), _ condition: @escaping @Sendable ([ServerFrame]) -> Bool
    ) async throws {
        try await waitUntil(timeout: timeout) { buffer, _ in condition(ServerFrame.parse(buffer)) }
    }

    /// Waits until at least `count` bytes arrived (cheaper than parsing frames while they pour in).
    func waitForBytes(atLeast count: Int, timeout: Duration = .seconds(5)) async throws {
        try await waitUntil(timeout: timeout) { buffer, _ in buffer.readableBytes >= count }
    }

    /// Waits until the bytes received end with `tail` (or `timeout` passed: then throws).
    func waitForTail(_ tail: [UInt8], timeout: Duration = .seconds(5)) async throws {
        try await waitUntil(timeout: timeout) { buffer, _ in
            buffer.readableBytesView.suffix(tail.count).elementsEqual(tail)
        }
    }

    /// The complete frames received after the handshake.
    func frames() -> [ServerFrame] {
        received.withLockedValue { ServerFrame.parse($0) }
    }

    /// Whether the server closed the connection.
    var isClosed: Bool { !channel.isActive }

    /// Closes the connection.
    func close() async {
        try? await channel.close()
    }

    private func waitUntil(
        timeout: Duration, _ condition: @escaping @Sendable (ByteBuffer, Bool) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout * testSlowdown
        while !condition(received.withLockedValue { $0 }, !channel.isActive) {
            guard ContinuousClock.now < deadline else { throw RawClientError.timedOut }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<ByteBuffer>
        init(received: NIOLockedValueBox<ByteBuffer>) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            _ = received.withLockedValue { $0.writeBuffer(&bytes) }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed { context.close(promise: nil) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// Why a ``RawWebSocketClient`` step failed.
enum RawClientError: Error {
    case refused(String)
    case timedOut
}

/// A frame sent by the server (unmasked), as parsed by the tests.
struct ServerFrame: Sendable, Equatable {
    var opcode: UInt8
    var isFinal: Bool
    var payload: [UInt8]
    /// RSV1, which permessage-deflate sets on a compressed message's first frame.
    var rsv1 = false

    /// The close code of a close frame.
    var closeCode: UInt16? {
        guard opcode == 0x8, payload.count >= 2 else { return nil }
        return UInt16(payload[0]) << 8 | UInt16(payload[1])
    }

    /// The complete frames at the start of `buffer`.
    static func parse(_ buffer: ByteBuffer) -> [ServerFrame] {
        let bytes = Array(buffer.readableBytesView)
        var frames: [ServerFrame] = []
        var index = 0
        while bytes.count - index >= 2 {
            var length = Int(bytes[index + 1] & 0x7F)
            var headerLength = 2
            if length == 126 {
                guard bytes.count - index >= 4 else { break }
                length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
                headerLength = 4
            } else if length == 127 {
                guard bytes.count - index >= 10 else { break }
                length = bytes[(index + 2)..<(index + 10)].reduce(0) { $0 << 8 | Int($1) }
                headerLength = 10
            }
            guard bytes.count - index >= headerLength + length else { break }
            let start = index + headerLength
            frames.append(
                ServerFrame(
                    opcode: bytes[index] & 0x0F, isFinal: bytes[index] & 0x80 != 0,
                    payload: Array(bytes[start..<(start + length)]), rsv1: bytes[index] & 0x40 != 0))
            index = start + length
        }
        return frames
    }
}

/// A masked client frame (masking key 0, so the payload reads as is on the wire).
func clientFrame(opcode: UInt8, payload: [UInt8] = [], isFinal: Bool = true) -> [UInt8] {
    var frame: [UInt8] = [(isFinal ? 0x80 : 0) | opcode]
    switch payload.count {
    case ..<126:
        frame.append(0x80 | UInt8(payload.count))
    case ..<65536:
        frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    default:
        frame.append(0x80 | 127)
        frame += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
    }
    return frame + [0, 0, 0, 0] + payload
}

/// A close frame with `code`.
func clientClose(code: UInt16 = 1000) -> [UInt8] {
    clientFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
}

/// Whether this system has Linux's `/proc`, which ``openSocketDescriptors(port:)`` reads: where it
/// has not, the count would always be 0 and an assertion on it could not fail, so the tests that
/// need it are disabled there.
let procfsAvailable = FileManager.default.fileExists(atPath: "/proc/self/fd")

/// The number of this process's file descriptors (`/proc/self/fd`) that are TCP sockets, other than
/// listeners, with `port` at either end: the connections of one test server, server and client side,
/// whatever other tests running at the same time hold open.
func openSocketDescriptors(port: Int) -> Int {
    var inodes = Set<String>()
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[3] != "0A" else { continue }
            let ports = [fields[1], fields[2]].compactMap { $0.split(separator: ":").last.flatMap { Int($0, radix: 16) } }
            if ports.contains(port) { inodes.insert(String(fields[9])) }
        }
    }
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return descriptors.filter { descriptor in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)"),
            target.hasPrefix("socket:[")
        else { return false }
        return inodes.contains(String(target.dropFirst(8).dropLast()))
    }.count
}

/// How many times longer than usual a test may wait for what it waits for:
/// `DUPLEX_TEST_SLOWDOWN` (default 1), set by scripts/test for the ThreadSanitizer run, where
/// everything is several times slower. It stretches the deadlines of waits and of the timeouts that
/// a test only expects not to fire, never a timeout a test expects to fire.
let testSlowdown = Int(ProcessInfo.processInfo.environment["DUPLEX_TEST_SLOWDOWN"] ?? "").map { max($0, 1) } ?? 1

/// Polls `condition` every 10 ms until it holds; throws ``WaitTimedOut`` (failing the test) when
/// `timeout` (stretched by ``testSlowdown``) passes first.
func eventually(
    timeout: Duration = .seconds(5), _ what: String = "condition",
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout * testSlowdown
    while !condition() {
        guard ContinuousClock.now < deadline else {
            throw WaitTimedOut(what: what, timeout: timeout, sourceLocation: sourceLocation)
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A condition a test waited for did not hold in time.
struct WaitTimedOut: Error, CustomStringConvertible {
    let what: String
    let timeout: Duration
    let sourceLocation: SourceLocation
    var description: String { "\(what) did not hold within \(timeout) (waited at \(sourceLocation))" }
}
