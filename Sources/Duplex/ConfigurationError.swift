/// A configuration value outside its valid range, named with the rule it breaks. Thrown where the
/// configuration is first used, before any socket is opened.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The setting, e.g. `inboundLowWatermark`.
    public let setting: String
    /// What the value must be, e.g. `must not be negative`.
    public let rule: String

    /// A sentence for logs and error messages.
    public var description: String { "invalid configuration: \(setting) \(rule)" }
}
