#if Vapor
import Foundation

/// Examples/VaporChat's built binary (next to the test bundle in `.build/<configuration>`), run
/// as `VaporChat --port 0` on 127.0.0.1.
final class ChatProcess {
    struct NotStarted: Error, CustomStringConvertible {
        let description: String
    }

    private let process = Process()
    private let output: AsyncStream<String>
    private let exits: AsyncStream<Int32>

    /// Starts the binary; throws ``NotStarted`` when it is not built (`swift build --traits Vapor`).
    init() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("VaporChat")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw NotStarted(description: "\(binary.path) is not built: swift build --traits Vapor --build-tests")
        }
        process.executableURL = binary
        process.arguments = ["--port", "0"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let (output, lines) = AsyncStream.makeStream(of: String.self)
        self.output = output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                lines.finish()
            } else {
                lines.yield(String(decoding: data, as: UTF8.self))
            }
        }
        let (exits, exited) = AsyncStream.makeStream(of: Int32.self)
        self.exits = exits
        process.terminationHandler = { process in
            exited.yield(process.terminationStatus)
            exited.finish()
        }
        try process.run()
    }

    /// The port the app printed (`listening on ws://127.0.0.1:PORT/ …`), within `timeout`.
    func port(within timeout: Duration = .seconds(30)) async throws -> Int {
        let output = output
        return try await within(timeout) {
            var printed = ""
            for await chunk in output {
                printed += chunk
                if let range = printed.range(of: "listening on ws://127.0.0.1:") {
                    let digits = printed[range.upperBound...].prefix { $0.isNumber }
                    if let port = Int(digits), digits.endIndex < printed.endIndex { return port }
                }
            }
            throw NotStarted(description: "VaporChat ended before it started serving: \(printed)")
        }
    }

    /// Sends SIGTERM, as a process manager stopping the app would.
    func terminate() {
        process.terminate()
    }

    /// The exit status, once the process has exited within `timeout`.
    func exitStatus(within timeout: Duration) async throws -> Int32 {
        let exits = exits
        return try await within(timeout) {
            for await status in exits { return status }
            throw NotStarted(description: "no exit status")
        }
    }

    /// Kills the process if it still runs (by its PID).
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}
#endif
