import Foundation

// No main: libFuzzer (-sanitize=fuzzer) supplies it and calls LLVMFuzzerTestOneInput for
// every input; E2E_FUZZ_TARGET picks the parser.
nonisolated(unsafe) var selected: (([UInt8]) -> Void)? = nil

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if selected == nil {
        let name = ProcessInfo.processInfo.environment["E2E_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTargets.all[name] else {
            FileHandle.standardError.write(Data("set E2E_FUZZ_TARGET to one of \(FuzzTargets.all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        selected = target
    }
    selected!(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
