import DuplexCore

/// The permessage-deflate offers the agent makes, in order of preference (RFC 7692 §5).
///
/// The fuzzing server enables compression in a 13.x case only when an offer suits it: the first
/// offer (`client_max_window_bits`) serves 13.1, 13.3, 13.4 and 13.7; the second adds
/// `client_no_context_takeover` for 13.2, 13.5 and 13.6. Every message is compressed (threshold 0)
/// so the echoes are judged as compressed messages.
enum AutobahnOffers {
    /// The negotiator to put in the client configuration's extensions.
    static var perMessageDeflate: PerMessageDeflate {
        get throws(PerMessageDeflateConfigurationError) {
            var configuration = PerMessageDeflate.Configuration()
            configuration.offers = [
                PerMessageDeflateParameters(clientMaxWindowBits: .supported),
                PerMessageDeflateParameters(clientNoContextTakeover: true, clientMaxWindowBits: .supported),
            ]
            configuration.threshold = 0
            return try PerMessageDeflate(configuration: configuration)
        }
    }
}
