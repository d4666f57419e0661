@_spi(Core) import DuplexCore

/// Fuzzes ``ClientHandshake/validate(_:)`` with a response decoded from the input
/// (``HTTPMessageDecoder/response(from:)``), for a client that sent the RFC 6455 §1.3 example key,
/// offered the subprotocols `chat` and `superchat`, and offered permessage-deflate.
///
/// Asserts: a response passes only if it is a 101 with `Upgrade: websocket`, `Connection: upgrade`
/// and the accept value of the RFC example, names an offered subprotocol or none, and enables at
/// most permessage-deflate; the first failing check is the one reported (status, Upgrade,
/// Connection, accept); an agreed extension can be instantiated.
public enum ClientHandshakeFuzzer {
    private static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    private static let acceptValue = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    private static let subprotocols = ["chat", "superchat"]
    private static let client = try? ClientHandshake(
        host: "server.example.com", target: "/chat", subprotocols: subprotocols,
        extensions: [PerMessageDeflate()], key: key)

    /// Runs one input.
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int) {
        guard let client else { return require(false, "the fixed client handshake is invalid") }
        // A head that no response can hold fails the handshake as malformed (FieldValidationTests).
        guard let response = HTTPMessageDecoder.response(from: UnsafeBufferPointer(start: data, count: size)) else { return }
        let headers = response.headers
        let firstFailure: String? =
            if response.status != 101 { "status" }
            else if !HandshakeOracle.hasToken("websocket", in: headers["Upgrade"]) { "upgrade" }
            else if !HandshakeOracle.hasToken("upgrade", in: headers["Connection"]) { "connection" }
            else if headers["Sec-WebSocket-Accept"].map(HandshakeOracle.trimmed) != [acceptValue] { "accept" }
            else { nil }
        do {
            let agreed = try client.validate(response)
            require(firstFailure == nil, "accepted a response failing the \(firstFailure ?? "") check: \(response)")
            if let chosen = agreed.subprotocol {
                require(subprotocols.contains(chosen), "agreed on subprotocol \(chosen), which was not offered")
            } else {
                require(headers["Sec-WebSocket-Protocol"].isEmpty, "a subprotocol was named but none agreed")
            }
            require(agreed.extensions.count <= 1, "\(agreed.extensions.count) extensions agreed from one offer")
            for agreement in agreed.extensions {
                require(
                    agreement.responseElement.name.lowercased() == PerMessageDeflate.extensionName,
                    "agreed on \(agreement.responseElement.name), which was not offered")
                _ = agreement.makeExtension(role: .client)
            }
        } catch {
            require(!error.description.isEmpty, "an error without a description")
            switch (firstFailure, error) {
            case ("status", .unexpectedStatus(let refusal)):
                require(refusal.status == response.status, "reported status \(refusal.status) for \(response.status)")
                require(refusal.headers == response.headers, "the refusal does not carry the response's headers")
            case ("upgrade", .missingUpgradeHeader), ("connection", .missingConnectionHeader):
                break
            case ("accept", .missingAcceptHeader), ("accept", .acceptMismatch):
                break
            case (nil, _):
                require(
                    !headers["Sec-WebSocket-Protocol"].isEmpty || !headers["Sec-WebSocket-Extensions"].isEmpty,
                    "refused a response whose status, Upgrade, Connection and accept are right, and that names no subprotocol or extension: \(error)")
            default:
                require(false, "reported \(error) for a response failing the \(firstFailure ?? "") check")
            }
        }
    }
}
