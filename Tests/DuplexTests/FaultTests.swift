import Duplex
import Foundation
import NIOCore
import Testing

/// Peers that vanish at every stage: the application learns the right close code, and the server
/// keeps no channel or file descriptor.
@Suite(
    "Peer faults", .serialized, .timeLimit(.minutes(3)),
    .enabled(if: procfsAvailable, "counts socket descriptors through Linux's /proc"))
struct FaultTests {
    /// How many times each fault is repeated.
    static let rounds = 40

    @Test func peerVanishesMidHandshake() async throws {
        try await expectNoLeak { server, port, _ in
            let client = try await RawWebSocketClient.connect(port: port)
            try await client.write(Array(handshakeRequest().utf8.prefix(40)))
            try await eventually { server.connectionCount >= 1 }
            await client.close()
        }
    }

    @Test func peerVanishesMidFrame() async throws {
        try await expectNoLeak { _, port, ended in
            let client = try await RawWebSocketClient.upgraded(port: port)
            try await client.write(Array(clientFrame(opcode: 0x1, payload: Array("half a frame".utf8)).prefix(9)))
            await client.close()
            #expect(try await ended.next() == CloseStatus(code: .abnormalClosure))
        }
    }

    @Test func peerVanishesMidMessage() async throws {
        try await expectNoLeak { _, port, ended in
            let client = try await RawWebSocketClient.upgraded(port: port)
            try await client.write(clientFrame(opcode: 0x1, payload: Array("first of two".utf8), isFinal: false))
            await client.close()
            #expect(try await ended.next() == CloseStatus(code: .abnormalClosure))
        }
    }

    @Test func peerVanishesAfterSendingCloseBeforeReceivingOurs() async throws {
        try await expectNoLeak { _, port, ended in
            let client = try await RawWebSocketClient.upgraded(port: port)
            try await client.write(clientClose(code: 4000))
            await client.close()
            #expect(try await ended.next()?.code == CloseCode(rawValue: 4000))
        }
    }

    @Test func peerResetsTheConnection() async throws {
        try await expectNoLeak { _, port, ended in
            try resetAfterHandshake(port: port)
            #expect(try await ended.next() == CloseStatus(code: .abnormalClosure))
        }
    }

    @Test func peerHalfClosesWithoutACloseFrame() async throws {
        try await expectNoLeak { _, port, ended in
            let client = try await RawWebSocketClient.upgraded(port: port)
            try await client.channel.close(mode: .output)
            #expect(try await ended.next() == CloseStatus(code: .abnormalClosure))
            try await client.waitForClose()
        }
    }

    /// Runs `fault` ``rounds`` times against a server whose connections report their end to a
    /// ``CloseLog``, then checks that the server's connection count returns to 0 and that this
    /// process holds no descriptor of a socket to or from the server's port.
    private func expectNoLeak(
        _ fault: (WebSocketServer, Int, CloseLog) async throws -> Void
    ) async throws {
        let ended = CloseLog()
        let port = try await ServerHarness.with(
            configure: { $0.handshakeTimeout = .seconds(2) * testSlowdown },
            decide: { _ in .accept(eventHandler: { CloseRecorder(log: ended) }) }
        ) { server, port in
            for _ in 0..<Self.rounds {
                try await fault(server, port, ended)
            }
            try await eventually { server.connectionCount == 0 }
            return port
        }
        try await eventually("every socket descriptor on the port released") { openSocketDescriptors(port: port) == 0 }
    }
}

/// Records how each connection ended.
private final class CloseRecorder: WebSocketEventHandler {
    let log: CloseLog
    init(log: CloseLog) { self.log = log }
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {}
    func onClose(_ status: CloseStatus) { log.append(status) }
}

/// The close statuses reported to the application, taken one at a time.
final class CloseLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [CloseStatus] = []

    func append(_ status: CloseStatus) { lock.withLock { statuses.append(status) } }

    /// The oldest status not yet taken, waiting up to 5 s for one (throwing when none comes).
    func next() async throws -> CloseStatus? {
        var taken: CloseStatus?
        try await eventually("a connection's close reported") {
            taken = lock.withLock { statuses.isEmpty ? nil : statuses.removeFirst() }
            return taken != nil
        }
        return taken
    }
}

/// Opens a TCP connection, completes a handshake, and closes with SO_LINGER 0 so that the kernel
/// sends RST instead of FIN.
private func resetAfterHandshake(port: Int) throws {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw POSIXError(.EMFILE) }
    defer { Glibc.close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let request = Array(handshakeRequest().utf8)
    _ = request.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    // Wait for the 101 (the accept is what we want to interrupt), then reset.
    var response = [UInt8](repeating: 0, count: 1024)
    _ = response.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
    _ = setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
}
