import Duplex
import NIOCore
import NIOSSL
import Testing

@Suite("wss:// with a self-signed certificate", .timeLimit(.minutes(3)))
struct TLSTests {
    @discardableResult
    private func withTLSServer<T>(
        _ identity: SelfSignedCertificate, decide: @escaping @Sendable (UpgradeRequest) async throws -> UpgradeDecision = ServerHarness.echo,
        _ body: (Int) async throws -> T
    ) async throws -> T {
        try await ServerHarness.with(configure: { $0.tls = identity.serverConfiguration }, decide: decide) { _, port in
            try await body(port)
        }
    }

    @Test func echoOverTLSWithCustomRoot() async throws {
        let identity = try SelfSignedCertificate()
        try await withTLSServer(identity) { port in
            var client = WebSocketClientConfiguration()
            client.tls.trustRoots = .certificates([identity.certificate])
            let echoed = try await WebSocket.connect(to: "wss://localhost:\(port)/", configuration: client) { ws in
                try await ws.send(text: "secret")
                var iterator = ws.messages.makeAsyncIterator()
                return await iterator.next()
            }
            #expect(echoed == .text("secret"))
        }
    }

    @Test func untrustedCertificateIsRefusedByDefault() async throws {
        let identity = try SelfSignedCertificate()
        try await withTLSServer(identity) { port in
            await #expect(throws: (any Error).self) {
                try await WebSocket.connect(to: "wss://localhost:\(port)/") { _ in }
            }
        }
    }

    @Test func verificationCanBeTurnedOffExplicitly() async throws {
        let identity = try SelfSignedCertificate()
        try await withTLSServer(identity) { port in
            var client = WebSocketClientConfiguration()
            client.tls.certificateVerification = .none
            let echoed = try await WebSocket.connect(to: "wss://127.0.0.1:\(port)/", configuration: client) { ws in
                try await ws.send(text: "insecure")
                var iterator = ws.messages.makeAsyncIterator()
                return await iterator.next()
            }
            #expect(echoed == .text("insecure"))
        }
    }

    @Test func aRedirectFromWssToWsIsNotFollowedButToHttpsIs() async throws {
        let identity = try SelfSignedCertificate()
        try await withTLSServer(identity, decide: { request in
            switch request.path {
            case "/down": .reject(try HTTPStatus(code: 302, reason: "Found"), headers: try HeaderFields([("Location", "ws://localhost:1/")]))
            case "/https":
                .reject(try HTTPStatus(code: 301, reason: "Moved"), headers: try HeaderFields([
                    ("Location", "https://\(request.request.headers.first(name: "Host") ?? "-")/landing")
                ]))
            default: .accept { ws in try await ws.send(text: request.path) }
            }
        }) { port in
            var client = WebSocketClientConfiguration()
            client.tls.trustRoots = .certificates([identity.certificate])
            await #expect(throws: WebSocketError.insecureRedirect("ws://localhost:1/")) {
                try await WebSocket.connect(to: "wss://localhost:\(port)/down", configuration: client) { _ in }
            }
            let landed = try await WebSocket.connect(to: "wss://localhost:\(port)/https", configuration: client) { ws in
                (ws.url, await ws.receive())
            }
            #expect(landed.0 == "wss://localhost:\(port)/landing")
            #expect(landed.1 == .text("/landing"))
        }
    }
}
