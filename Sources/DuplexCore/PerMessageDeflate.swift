/// Negotiates the permessage-deflate extension (RFC 7692) for either role.
///
/// ```swift
/// // Client: offer context takeover first, then a fallback without it.
/// var configuration = PerMessageDeflate.Configuration()
/// configuration.offers = [
///     .init(clientMaxWindowBits: .supported),
///     .init(clientNoContextTakeover: true, clientMaxWindowBits: .supported),
/// ]
/// let deflate = PerMessageDeflate(configuration: configuration)
/// ```
public struct PerMessageDeflate: ExtensionNegotiator {
    /// The extension token, `permessage-deflate`.
    public static let extensionName = "permessage-deflate"

    /// What this side offers or accepts, and how it compresses.
    public struct Configuration: Sendable, Hashable {
        /// Client: the offers sent, in order of preference (RFC 7692 §5 allows several). Default: one
        /// offer, `permessage-deflate; client_max_window_bits`.
        public var offers: [PerMessageDeflateParameters] = [.init(clientMaxWindowBits: .supported)]
        /// Server: what it asks of, and grants to, a client's offer.
        public var serverPolicy = ServerPolicy()
        /// Messages with fewer payload bytes than this are sent uncompressed (no RSV1). Default 0:
        /// every message is compressed.
        public var threshold: Int = 0
        /// The zlib compression level, 0 (store only) to 9 (smallest output). Default 6.
        public var compressionLevel: Int = 6
        /// The zlib memory level, 1 to 9: more memory compresses faster and better. Default 8.
        public var memoryLevel: Int = 8

        /// The defaults.
        public init() {}
    }

    /// How a server answers an offer. The defaults accept any valid offer with context takeover
    /// and 32 KiB windows unless the client asks otherwise.
    public struct ServerPolicy: Sendable, Hashable {
        /// Always reset the server's compression context after each message, asked or not.
        public var serverNoContextTakeover = false
        /// Ask the client to reset its compression context after each message. (When an offer
        /// carries `client_no_context_takeover`, the response confirms it regardless.)
        public var clientNoContextTakeover = false
        /// The largest window (8–15) the server compresses with; lower values a client asks for win.
        public var serverMaxWindowBits = 15
        /// The largest window (8–15) the server accepts from the client's compressor. Below 15, an
        /// offer without `client_max_window_bits` is declined, since the client could not be limited.
        public var clientMaxWindowBits = 15

        /// The defaults.
        public init() {}
    }

    /// The configuration in use.
    public let configuration: Configuration

    /// Creates a negotiator. Window sizes must be 8–15, levels in their documented ranges.
    public init(configuration: Configuration = .init()) {
        let windows = PerMessageDeflateParameters.windowBitsRange
        precondition(windows.contains(configuration.serverPolicy.serverMaxWindowBits), "serverMaxWindowBits must be 8...15")
        precondition(windows.contains(configuration.serverPolicy.clientMaxWindowBits), "clientMaxWindowBits must be 8...15")
        precondition((0...9).contains(configuration.compressionLevel), "compressionLevel must be 0...9")
        precondition((1...9).contains(configuration.memoryLevel), "memoryLevel must be 1...9")
        precondition(configuration.threshold >= 0, "threshold must not be negative")
        for offer in configuration.offers {
            var bits = offer.serverMaxWindowBits.map { [$0] } ?? []
            if case .bits(let client) = offer.clientMaxWindowBits { bits.append(client) }
            precondition(bits.allSatisfy(windows.contains), "offered window sizes must be 8...15")
        }
        self.configuration = configuration
    }

    /// `permessage-deflate`.
    public var name: String { Self.extensionName }

    /// The configured offers as header elements, in order of preference.
    public func clientOffers() -> [ExtensionHeaderElement] {
        configuration.offers.map(\.headerElement)
    }

    /// Checks the server's response against the offers (RFC 7692 §7.1) and returns the agreement
    /// for the first offer the response is valid for.
    public func clientAccept(_ response: ExtensionHeaderElement) throws(HandshakeError) -> any NegotiatedExtension {
        let answer: PerMessageDeflateParameters
        do {
            answer = try PerMessageDeflateParameters(parsing: response)
        } catch {
            throw .invalidExtensionResponse("permessage-deflate: \(error.description)")
        }
        if answer.clientMaxWindowBits == .supported {
            throw .invalidExtensionResponse("permessage-deflate: client_max_window_bits without a value")
        }
        var firstMismatch: String?
        for offer in configuration.offers {
            if let mismatch = Self.mismatch(of: answer, with: offer) {
                firstMismatch = firstMismatch ?? mismatch
                continue
            }
            return agreement(
                responseElement: response,
                serverNoContextTakeover: answer.serverNoContextTakeover,
                clientNoContextTakeover: answer.clientNoContextTakeover || offer.clientNoContextTakeover,
                serverMaxWindowBits: answer.serverMaxWindowBits ?? 15,
                clientMaxWindowBits: Self.bits(answer.clientMaxWindowBits ?? offer.clientMaxWindowBits)
            )
        }
        let detail = firstMismatch ?? "no offer was sent"
        let prefix = configuration.offers.count > 1 ? "matches none of the offers; first offer: " : ""
        throw .invalidExtensionResponse("permessage-deflate: \(prefix)\(detail)")
    }

    /// Accepts the first offer that is valid and that the ``ServerPolicy`` can satisfy; offers with
    /// unknown, repeated or invalid parameters are skipped.
    public func serverAccept(_ offers: [ExtensionHeaderElement]) -> (any NegotiatedExtension)? {
        let policy = configuration.serverPolicy
        for element in offers {
            guard let offer = try? PerMessageDeflateParameters(parsing: element) else { continue }
            let clientBits: Int
            switch offer.clientMaxWindowBits {
            case .none:
                guard policy.clientMaxWindowBits == 15 else { continue }
                clientBits = 15
            case .supported:
                clientBits = policy.clientMaxWindowBits
            case .bits(let offered):
                clientBits = min(offered, policy.clientMaxWindowBits)
            }
            let serverBits = min(offer.serverMaxWindowBits ?? 15, policy.serverMaxWindowBits)
            let answer = PerMessageDeflateParameters(
                serverNoContextTakeover: offer.serverNoContextTakeover || policy.serverNoContextTakeover,
                clientNoContextTakeover: offer.clientNoContextTakeover || policy.clientNoContextTakeover,
                serverMaxWindowBits: offer.serverMaxWindowBits != nil || serverBits < 15 ? serverBits : nil,
                clientMaxWindowBits: offer.clientMaxWindowBits != nil && clientBits < 15 ? .bits(clientBits) : nil
            )
            return agreement(
                responseElement: answer.headerElement,
                serverNoContextTakeover: answer.serverNoContextTakeover,
                clientNoContextTakeover: answer.clientNoContextTakeover,
                serverMaxWindowBits: serverBits,
                clientMaxWindowBits: clientBits
            )
        }
        return nil
    }

    /// Why `answer` is not a valid response to `offer`, or `nil` when it is.
    private static func mismatch(of answer: PerMessageDeflateParameters, with offer: PerMessageDeflateParameters) -> String? {
        if offer.serverNoContextTakeover && !answer.serverNoContextTakeover {
            return "server_no_context_takeover was requested but not confirmed"
        }
        if let requested = offer.serverMaxWindowBits {
            guard let granted = answer.serverMaxWindowBits else {
                return "server_max_window_bits=\(requested) was requested but not confirmed"
            }
            if granted > requested {
                return "server_max_window_bits=\(granted) is larger than the \(requested) requested"
            }
        }
        if case .bits(let granted) = answer.clientMaxWindowBits {
            switch offer.clientMaxWindowBits {
            case .none:
                return "client_max_window_bits was not offered"
            case .bits(let offered) where granted > offered:
                return "client_max_window_bits=\(granted) is larger than the \(offered) offered"
            default:
                break
            }
        }
        return nil
    }

    /// The window size a `client_max_window_bits` value leaves the client: 15 when absent or open.
    private static func bits(_ parameter: PerMessageDeflateParameters.ClientWindowBits?) -> Int {
        if case .bits(let bits) = parameter { return bits }
        return 15
    }

    private func agreement(
        responseElement: ExtensionHeaderElement,
        serverNoContextTakeover: Bool,
        clientNoContextTakeover: Bool,
        serverMaxWindowBits: Int,
        clientMaxWindowBits: Int
    ) -> NegotiatedPerMessageDeflate {
        NegotiatedPerMessageDeflate(
            responseElement: responseElement,
            serverNoContextTakeover: serverNoContextTakeover,
            clientNoContextTakeover: clientNoContextTakeover,
            serverMaxWindowBits: serverMaxWindowBits,
            clientMaxWindowBits: clientMaxWindowBits,
            threshold: configuration.threshold,
            compressionLevel: configuration.compressionLevel,
            memoryLevel: configuration.memoryLevel
        )
    }
}
