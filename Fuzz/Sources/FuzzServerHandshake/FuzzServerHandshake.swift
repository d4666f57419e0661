import FuzzSupport

/// libFuzzer's entry point: a handshake request validated by the server (`ServerHandshakeFuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ServerHandshakeFuzzer.run(data, size)
    return 0
}
