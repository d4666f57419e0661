#if Postgres
/// Why a ``PostgresTopicBroker/Configuration`` cannot be used. Thrown by
/// ``PostgresTopicBroker/Configuration/init(url:)`` and ``PostgresTopicBroker/init(configuration:logger:metricsFactory:)``,
/// before any connection is made. No description repeats the URL: it may hold a password.
public enum PostgresBrokerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not a URL of the form `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    case malformedURL
    /// The URL's scheme is not `postgres` or `postgresql`.
    case unsupportedScheme(String)
    /// The URL names no host.
    case missingHost
    /// The URL names no user.
    case missingUser
    /// The URL names no database (its path is empty).
    case missingDatabase
    /// The URL's port is not a number from 1 to 65535.
    case invalidPort
    /// The URL has a query parameter this broker does not support (TLS, for one, is not supported yet).
    case unsupportedParameter(String)
    /// A setting is out of its range, e.g. `maxQueuedMessages` `must be positive`.
    case invalidSetting(name: String, rule: String)

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .malformedURL: "the broker URL is not of the form postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        case .unsupportedScheme(let scheme): "the broker URL's scheme is \(scheme), not postgres or postgresql"
        case .missingHost: "the broker URL names no host"
        case .missingUser: "the broker URL names no user"
        case .missingDatabase: "the broker URL names no database"
        case .invalidPort: "the broker URL's port is not a number from 1 to 65535"
        case .unsupportedParameter(let name): "the broker URL's parameter \(name) is not supported"
        case .invalidSetting(let name, let rule): "invalid broker configuration: \(name) \(rule)"
        }
    }
}
#endif
