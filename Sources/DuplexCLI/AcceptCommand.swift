import ArgumentParser
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

    func run() throws {
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
            Console.out(response.headers.first(name: "Sec-WebSocket-Accept") ?? "")
        case .failure(let rejection):
            throw ValidationError("not a valid key: \(rejection.response.body)")
        }
    }
}
