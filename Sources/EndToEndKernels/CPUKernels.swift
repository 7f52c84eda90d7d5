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

    /// Both switches in one value, so ``isa`` (called per LSTM row, per pooling plane, ...)
    /// takes one lock. `E2E_C_KERNELS` sets them at launch: `0`, `false`, `no` or `off` turns
    /// the kernels off, `avx2` limits them to AVX2 + FMA.
    private struct Switches { var enabled: Bool; var avx2Only: Bool }
    private static let switches = LockedValue<Switches>({
        guard let p = getenv("E2E_C_KERNELS") else { return Switches(enabled: true, avx2Only: false) }
        let v = String(cString: p).lowercased()
        return Switches(enabled: !["0", "false", "no", "off"].contains(v), avx2Only: v == "avx2")
    }())

    /// Whether the C kernels are used where the CPU has them. Thread-safe; a global switch.
    public static var isEnabled: Bool {
        get { switches.get().enabled }
        set { switches.update { $0.enabled = newValue } }
    }

    /// Whether the AVX2 + FMA kernels are used even on a CPU with AVX-512 (`E2E_C_KERNELS=avx2`
    /// sets it at launch): the tests run both kernel families on an AVX-512 machine with it,
    /// and it reproduces an AVX2-only CPU's arithmetic. Thread-safe; a global switch.
    public static var limitedToAVX2: Bool {
        get { switches.get().avx2Only }
        set { switches.update { $0.avx2Only = newValue } }
    }

    /// The instruction set to call the C kernels with now, or 0 for the reference path.
    @inline(__always)
    static var isa: Int32 {
        let s = switches.get()
        guard detected != 0 && s.enabled else { return 0 }
        return s.avx2Only ? E2E_CPU_AVX2_FMA : detected
    }
}

extension CPUKernels {
    /// 2 × 2, stride-2, unpadded max pooling of `planes` planes `h × w` into `oH × oW`
    /// (`oH ≤ h / 2`, `oW ≤ w / 2`), with each window's first-maximum in-plane index in
    /// `indices` when given; NaN wins, as in PyTorch. Returns `false` (nothing written) when
    /// the C kernels are off or missing; the caller then runs its reference loop.
    public static func maxPool2x2(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                  indices: UnsafeMutablePointer<Int32>?, planes: Int, h: Int, w: Int, oH: Int, oW: Int) -> Bool {
        let isa = self.isa
        guard isa != 0, h <= Int(Int32.max), w <= Int(Int32.max), h * w <= Int(Int32.max) else { return false }
        return e2e_maxpool2x2(isa, src, dst, indices, planes, Int32(h), Int32(w), Int32(oH), Int32(oW)) == 0
    }
}

extension CPUKernels {
    /// One LSTM cell row forward (see `e2e_lstm_cell_forward`): activates the gates `a`
    /// (`4 · hidden`) in place and writes `c`, `tanh(c)` and `h`. `false` when the C kernels
    /// are off or missing (nothing written).
    @inline(__always)
    public static func lstmCellForward(gates a: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                                       tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, hidden: Int) -> Bool {
        let isa = self.isa
        return isa != 0 && hidden <= Int(Int32.max) && e2e_lstm_cell_forward(isa, a, cPrev, c, tanhC, h, Int32(hidden)) == 0
    }

    /// One LSTM cell row backward (see `e2e_lstm_cell_backward`): writes the pre-activation
    /// gate gradients `d` and carries `dc` one step back. `false` when the C kernels are off
    /// or missing (nothing written).
    @inline(__always)
    public static func lstmCellBackward(gates a: UnsafePointer<Float>, tanhC: UnsafePointer<Float>, outputGradient gy: UnsafePointer<Float>,
                                        hiddenGradient dh: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                                        cellGradient dc: UnsafeMutablePointer<Float>, gateGradients d: UnsafeMutablePointer<Float>,
                                        hidden: Int) -> Bool {
        let isa = self.isa
        return isa != 0 && hidden <= Int(Int32.max) && e2e_lstm_cell_backward(isa, a, tanhC, gy, dh, cPrev, dc, d, Int32(hidden)) == 0
    }
}

extension CPUKernels {
    /// Whether the C kernels run now (the CPU has them and ``isEnabled``).
    public static var areActive: Bool { isa != 0 }

    /// The exact GELU `x·Φ(x)` of `count` floats (erf from Abramowitz & Stegun 7.1.26,
    /// absolute error below 1.5e-7). `false` when the C kernels are off or missing.
    public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        let isa = self.isa
        return isa != 0 && e2e_gelu_forward(isa, x, y, count) == 0
    }

    /// `dx = g · (Φ(x) + x·φ(x))`, the exact GELU's gradient, for `count` floats. `false` when
    /// the C kernels are off or missing.
    public static func geluBackward(_ x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                    count: Int) -> Bool {
        let isa = self.isa
        return isa != 0 && e2e_gelu_backward(isa, x, g, dx, count) == 0
    }
}
