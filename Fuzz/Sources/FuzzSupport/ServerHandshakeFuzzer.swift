@_spi(Core) import DuplexCore

/// Fuzzes ``ServerHandshake/validate(_:remoteAddress:)`` with a request decoded from the input
/// (``HTTPMessageDecoder/request(from:)``).
///
/// Asserts: the outcome is the one ``HandshakeOracle/expectedRejection(of:)`` derives from the
/// RFC; a refusal is 400, 405 (with `Allow: GET`), 426 (with `Sec-WebSocket-Version: 13`) or 505
/// with a body; an accepted request's parts (host, key, path and query) are what the request held,
/// its query decodes (without a trap) into one item per non-empty `&`-separated pair;
/// and the 101 built from it, with the first offered subprotocol and permessage-deflate, carries
/// the right `Sec-WebSocket-Accept` and is accepted by a client that offered the same.
public enum ServerHandshakeFuzzer {
    /// Runs one input.
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int) {
        // A head that no request can hold is answered 400 by the server (FieldValidationTests).
        guard let request = HTTPMessageDecoder.request(from: UnsafeBufferPointer(start: data, count: size)) else { return }
        let expected = HandshakeOracle.expectedRejection(of: request)
        switch ServerHandshake.validate(request) {
        case .failure(let rejection):
            checkRejection(rejection.response, expected: expected, request: request)
        case .success(let upgrade):
            require(expected == nil, "accepted a request that must be refused with \(expected ?? 0): \(request)")
            checkAccepted(upgrade, request: request)
        }
    }

    private static func checkRejection(_ response: HandshakeResponse, expected: Int?, request: HandshakeRequest) {
        require(response.status == expected, "refused with \(response.status), expected \(expected.map(String.init) ?? "acceptance"): \(request)")
        require(!response.body.isEmpty, "a \(response.status) refusal without a body")
        switch response.status {
        case 405:
            require(response.headers.first(name: "Allow") == "GET", "405 without 'Allow: GET'")
        case 426:
            require(response.headers.first(name: "Sec-WebSocket-Version") == "13", "426 without 'Sec-WebSocket-Version: 13'")
        default:
            break
        }
    }

    private static func checkAccepted(_ upgrade: UpgradeRequest, request: HandshakeRequest) {
        require(request.headers["Host"] == [upgrade.host], "host \(upgrade.host) is not the request's")
        require(upgrade.key == HandshakeOracle.trimmed(request.headers.first(name: "Sec-WebSocket-Key") ?? ""), "key \(upgrade.key)")
        require(upgrade.path + (upgrade.query.map { "?" + $0 } ?? "") == request.target, "path and query do not make the target back")
        require(upgrade.subprotocols.allSatisfy { !$0.isEmpty && !$0.contains(",") }, "subprotocols \(upgrade.subprotocols)")
        let pairs = upgrade.query.map { $0.split(separator: "&").count } ?? 0
        require(upgrade.queryItems.count == pairs, "\(upgrade.queryItems.count) query items from \(pairs) pairs")

        let subprotocol = upgrade.subprotocols.first
        // Any offered subprotocol is accepted; an unoffered one is refused with an error, not a trap.
        require((try? upgrade.accept(subprotocol: "\u{0}not offered")) == nil, "an unoffered subprotocol was accepted")
        guard let result = try? upgrade.accept(subprotocol: subprotocol, extensions: [PerMessageDeflate()]) else {
            return require(false, "the 101 for an offered subprotocol cannot be written")
        }
        let response = result.response
        require(response.status == 101, "accept built status \(response.status)")
        require(
            response.headers["Sec-WebSocket-Accept"] == [HandshakeOracle.acceptValue(for: upgrade.key)],
            "wrong Sec-WebSocket-Accept for key \(upgrade.key)")
        require(result.extensions.count <= 1, "\(result.extensions.count) extensions from one negotiator")
        for agreement in result.extensions { _ = agreement.makeExtension(role: .server) }

        guard let clientDeflate = try? PerMessageDeflate(configuration: clientConfiguration(offering: upgrade.extensionOffers)) else {
            require(false, "refused a client configuration of parsed offers \(upgrade.extensionOffers)")
            return
        }
        guard let client = try? ClientHandshake(
            host: upgrade.host, target: request.target, subprotocols: upgrade.subprotocols,
            extensions: [clientDeflate],
            key: upgrade.key)
        else { return require(false, "a client cannot repeat the accepted request's host, target and offers") }
        do {
            let agreed = try client.validate(response)
            require(agreed.subprotocol == subprotocol, "client agreed on \(agreed.subprotocol ?? "none"), server on \(subprotocol ?? "none")")
            require(agreed.extensions.count == result.extensions.count, "client and server disagree on the extensions")
        } catch {
            require(false, "a client that offered the same rejected the server's 101: \(error)")
        }
    }

    /// A client configuration offering the request's valid permessage-deflate offers, so that its
    /// check of the server's answer matches what the server was offered.
    static func clientConfiguration(offering offers: [ExtensionHeaderElement]) -> PerMessageDeflate.Configuration {
        var configuration = PerMessageDeflate.Configuration()
        configuration.offers = offers.compactMap { element in
            guard element.name.lowercased() == PerMessageDeflate.extensionName else { return nil }
            return try? PerMessageDeflateParameters(parsing: element)
        }
        return configuration
    }
}
