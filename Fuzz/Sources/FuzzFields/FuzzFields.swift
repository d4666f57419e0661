import FuzzSupport

/// libFuzzer's entry point: one value checked by a validator and written into a head (`FieldFuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FieldFuzzer.run(data, size)
    return 0
}
