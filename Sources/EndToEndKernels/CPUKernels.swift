// The C kernels' switch and the instruction set they run with on this CPU.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import EndToEndKernelsC

/// The hand-written kernels of `EndToEndKernelsC` (AVX-512 or AVX2 + FMA, chosen when the
/// process starts) that replace Swift's baseline-ISA loops and BLAS calls on hot paths:
/// ``PackedMatrix`` and the `exp`, `tanh` and `sigmoid` of ``VectorMath``.
///
/// Every fast path has a reference path (the Swift code or the BLAS call), used on CPUs
/// without either instruction set, when the environment sets `E2E_C_KERNELS=0`, or when
/// ``isEnabled`` is set to `false` (the tests compare the two).
public enum CPUKernels {
    /// `"avx512f"`, `"avx2+fma"`, or `nil` when the CPU has neither (non-x86 included).
    public static let instructionSet: String? = {
        switch detected { case E2E_CPU_AVX512F: return "avx512f"; case E2E_CPU_AVX2_FMA: return "avx2+fma"; default: return nil }
    }()

    static let detected: Int32 = {
        let f = e2e_cpu_features()
        if f & E2E_CPU_AVX512F != 0 { return E2E_CPU_AVX512F }
        if f & E2E_CPU_AVX2_FMA != 0 { return E2E_CPU_AVX2_FMA }
        return 0
    }()

    private static let enabled = LockedValue<Bool>({
        guard let p = getenv("E2E_C_KERNELS") else { return true }
        return !["0", "false", "no", "off"].contains(String(cString: p).lowercased())
    }())

    /// Whether the C kernels are used where the CPU has them. Thread-safe; a global switch.
    public static var isEnabled: Bool {
        get { enabled.get() }
        set { enabled.set(newValue) }
    }

    /// The instruction set to call the C kernels with now, or 0 for the reference path.
    @inline(__always)
    static var isa: Int32 { detected != 0 && isEnabled ? detected : 0 }
}
