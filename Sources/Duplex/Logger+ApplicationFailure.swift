import DuplexCore
import Logging

extension Logger {
    /// Logs at `error` that the application threw while answering a request (`answering`, e.g.
    /// "the handshake") and that the server answered 500 and closed the connection. An
    /// ``HTTPFieldError`` is logged with its field and rule (`duplex.field`), which never hold the
    /// rejected bytes; any other error by its type only, since its text may hold anything.
    func applicationFailed(_ error: any Error, answering: String) {
        if let error = error as? HTTPFieldError {
            self.error(
                "answered 500: the application's answer to \(answering) has an invalid value: \(error)",
                metadata: ["duplex.field": "\(error.field)"])
        } else {
            self.error("answered 500: the application threw \(type(of: error)) while answering \(answering)")
        }
    }
}
