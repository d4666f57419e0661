#if Vapor
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Who is logged in: random tokens and the names they were handed out for.
final class Sessions: Sendable {
    private let names = NIOLockedValueBox([String: String]())

    /// A new token for `name`.
    func open(for name: String) -> String {
        let token = UUID().uuidString
        names.withLockedValue { $0[token] = name }
        return token
    }

    /// The name `token` was handed out for, if any.
    func member(for token: String) -> Member? {
        names.withLockedValue { $0[token] }.map(Member.init(name:))
    }
}

/// A logged-in member, as `TokenAuthentication` leaves it in `request.auth`.
struct Member: Authenticatable {
    let name: String
}

/// Lets through requests with a known token, as `Authorization: Bearer …` or, for browsers'
/// WebSockets (which cannot set headers), as the `token` query parameter; refuses others with 401.
struct TokenAuthentication: AsyncMiddleware {
    let sessions: Sessions

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let token = request.headers.bearerAuthorization?.token ?? (try? request.query.get(String.self, at: "token"))
        guard let member = token.flatMap(sessions.member(for:)) else {
            throw Abort(.unauthorized, reason: "log in first: POST /api/login")
        }
        request.auth.login(member)
        return try await next.respond(to: request)
    }
}
#endif
