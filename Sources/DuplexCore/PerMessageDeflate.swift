/// Negotiates the permessage-deflate extension (RFC 7692) for either role.
///
/// ```swift
/// // Client: offer context takeover first, then a fallback without it.
/// var configuration = PerMessageDeflate.Configuration()
/// configuration.offers = [
///     .init(clientMaxWindowBits: .supported),
///     .init(clientNoContextTakeover: true, clientMaxWindowBits: .supported),
/// ]
/// let deflate = try PerMessageDeflate(configuration: configuration)
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
        /// The zlib memory level, 1 to 9: more memory compresses faster and better. Default 5
        /// (zlib's own default is 8): with the server's 12-bit window its compressor holds about
        /// 32 KiB instead of 256 KiB, for a few percent of ratio (docs/compression.md has the table).
        public var memoryLevel: Int = 5

        /// The defaults.
        public init() {}
    }

    /// How a server answers an offer. The defaults accept any valid offer with context takeover,
    /// compress with a 4 KiB window (12 bits) and let the client use up to 32 KiB (15 bits).
    public struct ServerPolicy: Sendable, Hashable {
        /// Always reset the server's compression context after each message, asked or not.
        public var serverNoContextTakeover = false
        /// Ask the client to reset its compression context after each message. (When an offer
        /// carries `client_no_context_takeover`, the response confirms it regardless.)
        public var clientNoContextTakeover = false
        /// The largest window (8–15) the server compresses with; lower values a client asks for win.
        /// Below 15 the response carries `server_max_window_bits`, and the server's compressor uses
        /// exactly the window it answered. Default 12 (4 KiB), a compressor of about 32 KiB at
        /// memory level 5 for each connection that keeps its context, against 256 KiB at 15/8.
        public var serverMaxWindowBits = 12
        /// The largest window (8–15) the server accepts from the client's compressor, which is the
        /// window its decompressor holds once the client sends a compressed message. Below 15, an
        /// offer without `client_max_window_bits` is declined, since the client could not be
        /// limited. Default 15: no offer is declined.
        public var clientMaxWindowBits = 15

        /// The defaults.
        public init() {}
    }

    /// The configuration in use.
    public let configuration: Configuration

    /// Creates a negotiator with the default ``Configuration``.
    public init() {
        configuration = Configuration()
    }

    /// Creates a negotiator, or throws the first value out of range: window sizes (the policy's and
    /// those in the offers) must be 8–15, ``Configuration/compressionLevel`` 0–9,
    /// ``Configuration/memoryLevel`` 1–9, and ``Configuration/threshold`` not negative.
    public init(configuration: Configuration) throws(PerMessageDeflateConfigurationError) {
        let windows = PerMessageDeflateParameters.windowBitsRange
        var windowSettings = [
            ("serverPolicy.serverMaxWindowBits", configuration.serverPolicy.serverMaxWindowBits),
            ("serverPolicy.clientMaxWindowBits", configuration.serverPolicy.clientMaxWindowBits),
        ]
        for (index, offer) in configuration.offers.enumerated() {
            if let bits = offer.serverMaxWindowBits { windowSettings.append(("offers[\(index)].serverMaxWindowBits", bits)) }
            if case .bits(let bits) = offer.clientMaxWindowBits {
                windowSettings.append(("offers[\(index)].clientMaxWindowBits", bits))
            }
        }
        if let (setting, value) = windowSettings.first(where: { !windows.contains($0.1) }) {
            throw .windowBitsOutOfRange(setting: setting, value: value)
        }
        guard (0...9).contains(configuration.compressionLevel) else {
            throw .compressionLevelOutOfRange(configuration.compressionLevel)
        }
        guard (1...9).contains(configuration.memoryLevel) else { throw .memoryLevelOutOfRange(configuration.memoryLevel) }
        guard configuration.threshold >= 0 else { throw .negativeThreshold(configuration.threshold) }
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
