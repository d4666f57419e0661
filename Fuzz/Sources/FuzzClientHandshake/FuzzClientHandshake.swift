import FuzzSupport

/// libFuzzer's entry point: a handshake response validated by the client (`ClientHandshakeFuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ClientHandshakeFuzzer.run(data, size)
    return 0
}
