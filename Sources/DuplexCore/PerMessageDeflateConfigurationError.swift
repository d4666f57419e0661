/// Why ``PerMessageDeflate/init(configuration:)`` rejected a configuration: a value zlib or
/// RFC 7692 does not allow.
public enum PerMessageDeflateConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A window size outside 8...15 (``PerMessageDeflateParameters/windowBitsRange``); `setting`
    /// names where it was, e.g. `serverPolicy.serverMaxWindowBits` or `offers[1].clientMaxWindowBits`.
    case windowBitsOutOfRange(setting: String, value: Int)
    /// A ``PerMessageDeflate/Configuration/compressionLevel`` outside 0...9.
    case compressionLevelOutOfRange(Int)
    /// A ``PerMessageDeflate/Configuration/memoryLevel`` outside 1...9.
    case memoryLevelOutOfRange(Int)
    /// A negative ``PerMessageDeflate/Configuration/threshold``.
    case negativeThreshold(Int)

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .windowBitsOutOfRange(let setting, let value): return "permessage-deflate \(setting) is \(value), not in 8...15"
        case .compressionLevelOutOfRange(let level): return "permessage-deflate compressionLevel is \(level), not in 0...9"
        case .memoryLevelOutOfRange(let level): return "permessage-deflate memoryLevel is \(level), not in 1...9"
        case .negativeThreshold(let threshold): return "permessage-deflate threshold is \(threshold), which is negative"
        }
    }
}
