import Duplex
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why `duplex connect` could not connect, in one line for a person.
enum ConnectFailure: Error {
    /// `--ca`'s file could not be read as PEM certificates.
    case unreadableCertificates(String, any Error)

    /// One line saying what failed: the URL or a value (``HTTPFieldError`` names the field, never
    /// its bytes), DNS, TCP, TLS, the proxy, or the handshake.
    static func describe(_ error: any Error) -> String {
        switch error {
        case ConnectFailure.unreadableCertificates(let path, let error):
            return "could not read certificates from \(path): \(error)"
        case let error as HTTPFieldError:
            return "invalid \(error)"
        case let error as HandshakeError:
            return error.description
        case let error as WebSocketError:
            return error.description
        case let error as WebSocketProxyError:
            return error.description
        case let error as ConfigurationError:
            return error.description
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
                return "could not resolve \(error.host)"
            }
            var reasons: [String] = []
            for failure in error.connectionErrors {
                let reason = (failure.error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(failure.error)"
                if !reasons.contains(reason) { reasons.append(reason) }
            }
            return "could not connect to \(error.host) port \(error.port): \(reasons.joined(separator: "; "))"
        case let error as IOError:
            return "could not connect: \(String(cString: strerror(error.errnoCode)))"
        case ChannelError.connectTimeout(let timeout):
            return "could not connect: no answer within \(timeout)"
        case let error as NIOSSLError:
            return tlsFailure(error)
        default:
            return "could not connect: \(error)"
        }
    }

    private static func tlsFailure(_ error: NIOSSLError) -> String {
        let detail = "\(error)"
        if detail.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS handshake failed: the server's certificate is not trusted (use --ca PEM to trust it, or --insecure)"
        }
        return "TLS handshake failed: \(detail)"
    }
}
