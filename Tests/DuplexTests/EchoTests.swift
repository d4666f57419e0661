import Duplex
import NIOCore
import Testing

@Suite("Echo over loopback", .timeLimit(.minutes(3)))
struct EchoTests {
    /// Sends `messages` to an echo server and returns what came back, with the close status.
    private func roundTrip(
        _ messages: [WebSocketMessage],
        client: WebSocketClientConfiguration = WebSocketClientConfiguration(),
        configure: (inout WebSocketServerConfiguration) -> Void = { _ in }
    ) async throws -> (echoed: [WebSocketMessage], status: CloseStatus?) {
        try await ServerHarness.with(configure: configure) { _, port in
            let (webSocket, echoed) = try await WebSocket.connect(
                to: "ws://127.0.0.1:\(port)/echo", configuration: client
            ) { ws in
                var echoed: [WebSocketMessage] = []
                for message in messages { try await ws.send(message) }
                for await message in ws.messages {
                    echoed.append(message)
                    if echoed.count == messages.count { break }
                }
                return (ws, echoed)
            }
            return (echoed, webSocket.closeStatus)
        }
    }

    private static let mixed: [WebSocketMessage] = [
        .text("hello"), .binary(ByteBuffer(bytes: [0, 1, 2, 255])), .text(""), .binary(ByteBuffer()),
        .text("héllo wörld ✓"),
    ]

    @Test func textBinaryAndEmptyUncompressed() async throws {
        var client = WebSocketClientConfiguration()
        client.extensions = []
        let (echoed, status) = try await roundTrip(Self.mixed, client: client)
        #expect(echoed == Self.mixed)
        #expect(status?.code == .normalClosure)
    }

    @Test
    func textBinaryAndEmptyCompressed() async throws {
        let (echoed, status) = try await roundTrip(Self.mixed)
        #expect(echoed == Self.mixed)
        #expect(status?.code == .normalClosure)
    }

    @Test func oneMebibyte() async throws {
        let payload = ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let (echoed, _) = try await roundTrip([.binary(payload), .text(String(repeating: "x", count: 1 << 20))])
        #expect(echoed.first == .binary(payload))
        #expect(echoed.last == .text(String(repeating: "x", count: 1 << 20)))
    }

    @Test func compressedByDefault() async throws {
        let text = String(repeating: "compressible text ", count: 6000)
        try await ServerHarness.with { _, port in
            let (names, echoed) = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                try await ws.send(text: text)
                var iterator = ws.messages.makeAsyncIterator()
                return (ws.extensions.map(\.responseElement.name), await iterator.next())
            }
            #expect(names == ["permessage-deflate"])
            #expect(echoed == .text(text))
        }
    }

    @Test func uncompressedWhenTheClientOffersNothing() async throws {
        var client = WebSocketClientConfiguration()
        client.extensions = []
        try await ServerHarness.with { _, port in
            let names = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                ws.extensions.map(\.responseElement.name)
            }
            #expect(names.isEmpty)
        }
    }

    @Test func subprotocolIsAgreed() async throws {
        try await ServerHarness.with(decide: { request in
            .accept(subprotocol: request.subprotocols.last) { ws in
                try await ws.send(text: ws.subprotocol ?? "none")
            }
        }) { _, port in
            var client = WebSocketClientConfiguration()
            client.subprotocols = ["chat.v1", "chat.v2"]
            let (subprotocol, first) = try await WebSocket.connect(
                to: "ws://127.0.0.1:\(port)/", configuration: client
            ) { ws in
                var iterator = ws.messages.makeAsyncIterator()
                return (ws.subprotocol, await iterator.next())
            }
            #expect(subprotocol == "chat.v2")
            #expect(first == .text("chat.v2"))
        }
    }

    @Test func ipv6Loopback() async throws {
        try await ServerHarness.with(configure: { $0.address = .host("::1", port: 0) }) { _, port in
            let echoed = try await WebSocket.connect(to: "ws://[::1]:\(port)/") { ws in
                try await ws.send(text: "six")
                var iterator = ws.messages.makeAsyncIterator()
                return await iterator.next()
            }
            #expect(echoed == .text("six"))
        }
    }

    @Test func unixDomainSocketServes() async throws {
        let path = "/tmp/duplex-test-\(UInt32.random(in: 0 ... .max)).sock"
        let server = WebSocketServer(configuration: WebSocketServerConfiguration(unixDomainSocketPath: path))
        let address = try await server.bind()
        #expect(address.pathname == path)
        let answer = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(ServerHarness.echo) }
            defer { group.cancelAll() }
            return try await UnixSocketClient.exchange(path: path, sending: handshakeRequest())
        }
        #expect(statusCode(answer) == 101)
    }

    @Test func clientConnectsOverAUnixDomainSocket() async throws {
        let path = "/tmp/duplex-test-\(UInt32.random(in: 0 ... .max)).sock"
        let server = WebSocketServer(configuration: WebSocketServerConfiguration(unixDomainSocketPath: path))
        _ = try await server.bind()
        let (url, echoed) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.run { request in
                    .accept { ws in
                        try await ws.send(text: "\(request.request.headers.first(name: "Host") ?? "-") \(request.path) \(request.query ?? "-")")
                        for await message in ws.messages { try await ws.send(message) }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await WebSocket.connect(to: "ws+unix:\(path):/chat?room=1") { ws in
                try await ws.send(text: "over the socket")
                return (ws.url, [await ws.receive(), await ws.receive()])
            }
        }
        #expect(url == "ws+unix:\(path):/chat?room=1")
        #expect(echoed == [.text("localhost /chat room=1"), .text("over the socket")])
    }
}
