import ArgumentParser

/// The `duplex` program: a WebSocket echo server, a line-based client, and handshake helpers.
@main
struct DuplexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplex",
        abstract: "WebSocket server and client (RFC 6455, RFC 7692).",
        version: version,
        subcommands: [ServeCommand.self, ConnectCommand.self, AcceptCommand.self, BenchCommand.self]
    )

    /// The version `duplex --version` prints.
    static let version = "0.1.0"
}
