import FuzzSupport

/// libFuzzer's entry point: a Sec-WebSocket-Extensions value and permessage-deflate negotiation (`ExtensionFuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ExtensionFuzzer.run(data, size)
    return 0
}
