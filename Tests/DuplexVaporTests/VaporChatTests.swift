#if Vapor
import Duplex
import Foundation
import Testing

/// Examples/VaporChat run as its README says (the built binary), driven over loopback.
@Suite("Examples/VaporChat", .timeLimit(.minutes(1)))
struct VaporChatTests {
    @Test func membersChatInARoomAndSIGTERMClosesTheirWebSocketsWith1001() async throws {
        let chat = try ChatProcess()
        defer { chat.kill() }
        let port = try await chat.port()

        let page = try await RawHTTP.exchange(port: port, "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(page.contains("<title>Vapor chat over Duplex</title>"))
        let ada = try await Self.token("ada", port: port)
        let bob = try await Self.token("bob", port: port)
        let room = "ws://127.0.0.1:\(port)/ws/chat?room=lobby&token="

        let (heard, adaClose, bobClose, exitStatus) = try await WebSocket.connect(to: room + ada) { adaWS in
            try await WebSocket.connect(to: room + bob) { bobWS in
                // Each handler subscribes once its upgrade is done: wait until the room has both.
                try await within(.seconds(10)) {
                    while try await Self.members(of: "lobby", port: port) < 2 { try await Task.sleep(for: .milliseconds(20)) }
                }
                try await adaWS.send(text: "hello bob")
                let heard = await bobWS.receive()
                chat.terminate()
                while await adaWS.receive() != nil {}
                while await bobWS.receive() != nil {}
                let exitStatus = try await chat.exitStatus(within: .seconds(10))
                return (heard, adaWS.closeStatus, bobWS.closeStatus, exitStatus)
            }
        }
        guard case .text(let line)? = heard else {
            Issue.record("bob heard \(String(describing: heard))")
            return
        }
        #expect(try JSONDecoder().decode([String: String].self, from: Data(line.utf8)) == ["from": "ada", "room": "lobby", "text": "hello bob"])
        #expect(adaClose?.code == .goingAway)
        #expect(bobClose?.code == .goingAway)
        #expect(exitStatus == 0)
    }

    @Test func theChatRefusesWithoutATokenAndFromAForeignPage() async throws {
        let chat = try ChatProcess()
        defer { chat.kill() }
        let port = try await chat.port()
        let token = try await Self.token("eve", port: port)
        var foreign = WebSocketClientConfiguration()
        foreign.origin = "https://evil.example"
        let statuses = [
            await Self.refusal(connecting: "ws://127.0.0.1:\(port)/ws/chat?room=lobby"),
            await Self.refusal(connecting: "ws://127.0.0.1:\(port)/ws/chat?room=lobby&token=\(token)", configuration: foreign),
        ]
        #expect(statuses.map(\.?.status) == [401, 403])
        #expect(statuses[0]?.body == "sign in first: POST /api/token\n")
        chat.terminate()
        #expect(try await chat.exitStatus(within: .seconds(10)) == 0)
    }

    private struct Token: Decodable {
        let token: String
    }

    private struct Rooms: Decodable {
        struct Room: Decodable {
            let name: String
            let members: Int
        }

        let rooms: [Room]
    }

    /// How many are in `room`, as `GET /api/rooms` says.
    private static func members(of room: String, port: Int) async throws -> Int {
        let answer = try await RawHTTP.exchange(port: port, "GET /api/rooms HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
        return try json(Rooms.self, in: answer).rooms.first { $0.name == room }?.members ?? 0
    }

    /// The JSON body of the raw HTTP `answer`, decoded.
    private static func json<T: Decodable>(_ type: T.Type, in answer: String) throws -> T {
        try JSONDecoder().decode(type, from: Data((answer.components(separatedBy: "\r\n\r\n").last ?? "").utf8))
    }

    /// A token from `POST /api/token` for `name`.
    private static func token(_ name: String, port: Int) async throws -> String {
        let body = #"{"name":"\#(name)"}"#
        let answer = try await RawHTTP.exchange(
            port: port,
            "POST /api/token HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        return try json(Token.self, in: answer).token
    }

    /// The refusal connecting to `url` gets, if it is one.
    private static func refusal(
        connecting url: String, configuration: WebSocketClientConfiguration = WebSocketClientConfiguration()
    ) async -> HandshakeResponse? {
        do {
            try await WebSocket.connect(to: url, configuration: configuration) { _ in }
            return nil
        } catch HandshakeError.unexpectedStatus(let response) {
            return response
        } catch {
            return nil
        }
    }
}
#endif
