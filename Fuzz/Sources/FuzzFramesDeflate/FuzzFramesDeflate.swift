import FuzzSupport

/// libFuzzer's entry point: frames and messages received by a connection with permessage-deflate (`FrameFuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FrameFuzzer.run(data, size, deflate: true)
    return 0
}
