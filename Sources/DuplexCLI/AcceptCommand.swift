import ArgumentParser
import Foundation
import Duplex
@_spi(Core) import DuplexCore

/// `duplex accept KEY`: prints the `Sec-WebSocket-Accept` value a server answers `KEY` with.
struct AcceptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept",
        abstract: "Print the Sec-WebSocket-Accept value for a Sec-WebSocket-Key."
    )

    @Argument(help: "The Sec-WebSocket-Key value (base64 of 16 bytes).")
    var key: String

    /// Prints the accept value; exits 1 with one line saying why for a key a server would refuse.
    func run() throws {
        do {
            Console.out(try acceptValue())
        } catch {
            Console.error("not a valid key: \(error)")
            throw ExitCode.failure
        }
    }

    private func acceptValue() throws -> String {
        let request = try HandshakeRequest(
            target: "/",
            headers: HeaderFields([
                ("Host", "localhost"),
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", key),
                ("Sec-WebSocket-Version", "13"),
            ])
        )
        switch ServerHandshake.validate(request) {
        case .success(let upgrade):
            let response = try upgrade.accept().response
            return response.headers.first(name: "Sec-WebSocket-Accept") ?? ""
        case .failure(let rejection):
            throw InvalidKey(reason: rejection.response.body.trimmingCharacters(in: .newlines))
        }
    }
}

/// Why a key is refused: the body of the refusal a server would send.
private struct InvalidKey: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
