@testable import EndToEndKernels

/// Deterministic values in [-1, 1], multiples of 1/1000, for the kernel tests' operands.
func kernelTestValues(_ n: Int, seed: UInt64) -> [Float] {
    var s = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<n).map { _ in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int((s >> 33) % 2001) - 1000) / 1000
    }
}

/// Every kernel family this CPU has, as values of ``CPUKernels/limitedToAVX2``: the AVX2 + FMA
/// kernels also run on an AVX-512 CPU.
var kernelFamiliesOfThisCPU: [Bool] { CPUKernels.instructionSet == "avx512f" ? [false, true] : [false] }
