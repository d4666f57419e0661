import Duplex
import Foundation

/// The browser demo's files (docs/demo.md), served by `duplex serve` to plain HTTP GETs.
struct DemoPages: Sendable {
    private let pages: [String: HandshakeResponse]
    private let notFound: HandshakeResponse

    /// Loads the files from the program's resources.
    init() throws {
        let files = [
            ("/", "index.html", "text/html"), ("/index.html", "index.html", "text/html"),
            ("/app.js", "app.js", "text/javascript"), ("/app.css", "app.css", "text/css"),
        ]
        var pages: [String: HandshakeResponse] = [:]
        for (path, name, type) in files {
            guard let url = Bundle.module.url(forResource: "demo/\(name)", withExtension: nil) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "demo/\(name)"])
            }
            let headers = try HeaderFields([("Content-Type", "\(type); charset=utf-8"), ("Cache-Control", "no-store")])
            pages[path] = try HandshakeResponse(
                status: 200, reason: "OK", headers: headers, body: try String(contentsOf: url, encoding: .utf8))
        }
        self.pages = pages
        notFound = try HandshakeResponse(
            status: 404, reason: "Not Found", headers: HeaderFields([("Content-Type", "text/plain; charset=utf-8")]),
            body: "Not Found\n")
    }

    /// The page for a GET of `request`'s path, or 404.
    func respond(to request: HandshakeRequest) -> HandshakeResponse {
        let path = String(request.target.prefix { $0 != "?" })
        guard request.method == "GET", let page = pages[path] else { return notFound }
        return page
    }
}
