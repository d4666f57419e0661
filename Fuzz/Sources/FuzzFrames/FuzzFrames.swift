import FuzzSupport

/// libFuzzer's entry point: frames and messages received by a connection without extensions (`FrameFuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FrameFuzzer.run(data, size, deflate: false)
    return 0
}
