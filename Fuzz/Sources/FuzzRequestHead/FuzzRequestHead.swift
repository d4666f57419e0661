import FuzzSupport

/// libFuzzer's entry point: bytes from a client read as a request head (`RequestHeadFuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RequestHeadFuzzer.run(data, size)
    return 0
}
