#if Hummingbird
import NIOConcurrencyHelpers

/// The tokens `POST /api/token` issued, and whose they are (in memory: a real app would sign them
/// or keep them in its session store).
final class TokenStore: Sendable {
    private let names = NIOLockedValueBox<[String: String]>([:])

    /// A new random token for `name`.
    func issue(for name: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        names.withLockedValue { $0[token] = name }
        return token
    }

    /// The name `token` was issued for, if it was.
    func name(for token: String) -> String? {
        names.withLockedValue { $0[token] }
    }
}
#endif
