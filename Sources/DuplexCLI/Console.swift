import Foundation
import NIOCore

/// Unbuffered writes to standard output and standard error, so that scripts reading the program's
/// output see each line as soon as it is printed.
enum Console {
    /// Writes `line` and a newline to standard output.
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes `line` and a newline to standard error.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension Console {
    /// Writes `bytes` to standard output exactly.
    static func write(_ bytes: ByteBuffer) {
        FileHandle.standardOutput.write(Data(bytes.readableBytesView))
    }
}
