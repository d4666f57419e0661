#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The command line every peer echo server takes: `--port N` (default 9001).
public enum PeerArguments {
    /// The port from `--port N` in the process's arguments, or 9001 when absent. Exits with a
    /// usage message when the value is not a port number.
    public static func port(_ arguments: [String] = CommandLine.arguments) -> Int {
        guard let flag = arguments.firstIndex(of: "--port") else { return 9001 }
        let valueIndex = arguments.index(after: flag)
        guard valueIndex < arguments.endIndex, let port = Int(arguments[valueIndex]), (0...65535).contains(port) else {
            print("usage: \(arguments.first ?? "peer") [--port N]")
            exit(2)
        }
        return port
    }
}
