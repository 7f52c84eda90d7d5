import EndToEndKernels

/// Every kernel family this CPU has, as values of ``CPUKernels/limitedToAVX2``: the AVX2 + FMA
/// kernels also run on an AVX-512 CPU.
var kernelFamiliesOfThisCPU: [Bool] { CPUKernels.instructionSet == "avx512f" ? [false, true] : [false] }

/// Runs `body` with the C kernels on or off (`enabled`), limited to AVX2 or not, on `threads`
/// threads, and restores both switches after: the fast-path tests compare these runs with the
/// reference path's.
func withCPUKernels<R>(enabled: Bool, avx2: Bool, threads: Int, _ body: () -> R) -> R {
    let saved = (CPUKernels.isEnabled, CPUKernels.limitedToAVX2)
    CPUKernels.isEnabled = enabled
    CPUKernels.limitedToAVX2 = avx2
    defer { (CPUKernels.isEnabled, CPUKernels.limitedToAVX2) = saved }
    return Threading.withThreadCount(threads, body)
}
