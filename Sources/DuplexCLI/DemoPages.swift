import Duplex
import Foundation
import NIOCore

/// The browser demo's files (docs/demo.md), served by `duplex serve` to plain HTTP GETs.
struct DemoPages: Sendable {
    private let pages: [String: PlainHTTPResponse]
    private let notFound: PlainHTTPResponse

    /// Loads the files from the program's resources.
    init() throws {
        let files = [
            ("/", "index.html", "text/html"), ("/index.html", "index.html", "text/html"),
            ("/app.js", "app.js", "text/javascript"), ("/app.css", "app.css", "text/css"),
        ]
        var pages: [String: PlainHTTPResponse] = [:]
        for (path, name, type) in files {
            guard let url = Bundle.module.url(forResource: "demo/\(name)", withExtension: nil) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "demo/\(name)"])
            }
            pages[path] = try PlainHTTPResponse(
                contentType: "\(type); charset=utf-8", headers: try HeaderFields([("Cache-Control", "no-store")]),
                body: ByteBuffer(bytes: try Data(contentsOf: url)))
        }
        self.pages = pages
        notFound = PlainHTTPResponse.text("Not Found\n", status: .notFound)
    }

    /// The page for a GET of `request`'s path, or 404.
    func respond(to request: HandshakeRequest) -> PlainHTTPResponse {
        let path = String(request.target.prefix { $0 != "?" })
        guard request.method == "GET", let page = pages[path] else { return notFound }
        return page
    }
}
