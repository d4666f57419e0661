#if Vapor
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Who signed in: the tokens `POST /api/token` handed out and their names (in memory; a real
/// app would sign them or keep them in its session store).
final class ChatMembers: Sendable {
    private let names = NIOLockedValueBox([String: String]())

    /// A new random token for `name`.
    func signIn(_ name: String) -> String {
        let token = UUID().uuidString
        names.withLockedValue { $0[token] = name }
        return token
    }

    /// The member `token` was handed out to, if any.
    func member(for token: String) -> ChatMember? {
        names.withLockedValue { $0[token] }.map(ChatMember.init(name:))
    }
}

/// A signed-in member, as ``ChatAuthentication`` leaves it in `request.auth`.
struct ChatMember: Authenticatable {
    let name: String
}

/// Lets through requests with a token ``ChatMembers`` handed out, from the query (`?token=T`:
/// what a browser's WebSocket can send) or `Authorization: Bearer T`; refuses others with 401 and
/// a short text. On a WebSocket route it runs before the upgrade, so the client gets that 401.
struct ChatAuthentication: AsyncMiddleware {
    let members: ChatMembers

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let token = (try? request.query.get(String.self, at: "token")) ?? request.headers.bearerAuthorization?.token
        guard let member = token.flatMap(members.member(for:)) else {
            return Response(
                status: .unauthorized, headers: ["Content-Type": "text/plain; charset=utf-8"],
                body: .init(string: "sign in first: POST /api/token\n"))
        }
        request.auth.login(member)
        return try await next.respond(to: request)
    }
}
#endif
