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

    /// Both switches in one value, written under its lock; the instruction set they select is
    /// published to an atomic that ``isa`` (called per LSTM row, per softmax row, per pooling
    /// plane, ...) reads without a lock. `E2E_C_KERNELS` sets them at launch: `0`, `false`, `no`
    /// or `off` turns the kernels off, `avx2` limits them to AVX2 + FMA.
    private struct Switches {
        var enabled: Bool
        var avx2Only: Bool
        var isa: Int32 {
            guard detected != 0 && enabled else { return 0 }
            return avx2Only ? E2E_CPU_AVX2_FMA : detected
        }
    }
    private static let switches = LockedValue<Switches>({
        guard let p = getenv("E2E_C_KERNELS") else { return Switches(enabled: true, avx2Only: false) }
        let v = String(cString: p).lowercased()
        return Switches(enabled: !["0", "false", "no", "off"].contains(v), avx2Only: v == "avx2")
    }())
    /// The launch value published once, before the first read or write.
    private static let published: Void = { switches.update { e2e_setting_store(E2E_SETTING_ISA, $0.isa) } }()

    private static func setSwitches(_ change: (inout Switches) -> Void) {
        _ = published
        switches.update {
            change(&$0)
            e2e_setting_store(E2E_SETTING_ISA, $0.isa)
        }
    }

    /// Whether the C kernels are used where the CPU has them. Thread-safe; a global switch.
    public static var isEnabled: Bool {
        get { switches.get().enabled }
        set { setSwitches { $0.enabled = newValue } }
    }

    /// Whether the AVX2 + FMA kernels are used even on a CPU with AVX-512 (`E2E_C_KERNELS=avx2`
    /// sets it at launch): the tests run both kernel families on an AVX-512 machine with it,
    /// and it reproduces an AVX2-only CPU's arithmetic. Thread-safe; a global switch.
    public static var limitedToAVX2: Bool {
        get { switches.get().avx2Only }
        set { setSwitches { $0.avx2Only = newValue } }
    }

    /// The instruction set to call the C kernels with now, or 0 for the reference path.
    @inline(__always)
    static var isa: Int32 {
        _ = published
        return e2e_setting_load(E2E_SETTING_ISA)
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

    /// Max pooling of `rows` rows of `w` floats (`h` rows per plane) in windows of `k` with stride
    /// `k` and no padding, `oW` per row, by the C kernel (`e2e_maxpool_rows`): values, and
    /// in-plane indices of each window's first maximum when `indices` is given. `false` (nothing
    /// written) where there is no kernel for this CPU.
    public static func maxPoolRows(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                   indices: UnsafeMutablePointer<Int32>?, rows: Int, h: Int, w: Int, oW: Int, k: Int) -> Bool {
        let isa = self.isa
        guard isa != 0, h <= Int(Int32.max), w <= Int(Int32.max), h * w <= Int(Int32.max), k >= 1, oW * k <= w else { return false }
        return e2e_maxpool_rows(isa, src, dst, indices, rows, Int32(h), Int32(w), Int32(oW), Int32(k)) == 0
    }
}

extension CPUKernels {
    /// The LSTM cell's C kernels for the running CPU (`e2e_lstm_cell_forward` and
    /// `e2e_lstm_cell_backward`), with the instruction set read once per LSTM call rather than
    /// for each of a step's rows (when that read took a lock, it cost 1.5 % of the LSTM
    /// benchmark); `nil` tells the caller to take the Swift path.
    public struct LSTMCell: Sendable {
        let isa: Int32

        /// The kernels, or `nil` when the C kernels are off or missing.
        public static var current: LSTMCell? {
            let isa = CPUKernels.isa
            return isa != 0 ? LSTMCell(isa: isa) : nil
        }

        /// Units `0 ..< count` of one cell row forward: `gates` points at the first unit's
        /// pre-activation gate `i`, with `f`, `g` and `o` `hidden`, `2 · hidden` and
        /// `3 · hidden` floats on; `bias` (the same layout, or `nil`) is added to them, and they
        /// get their activations in place; writes `count` floats of `c`, `tanh(c)` and `h`.
        @inline(__always)
        public func forward(gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, cPrev: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
                            hidden: Int, count: Int) {
            precondition(count <= hidden && hidden <= Int(Int32.max) / 4, "LSTMCell.forward: count \(count), hidden \(hidden)")
            _ = e2e_lstm_cell_forward(isa, gates, bias, cPrev, c, tanhC, h, Int32(hidden), Int32(count))
        }

        /// Units `0 ..< count` of one cell row backward: writes the pre-activation gate
        /// gradients `gateGradients` (laid out as the gates) and carries `cellGradient` one step
        /// back.
        @inline(__always)
        public func backward(gates: UnsafePointer<Float>, tanhC: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                             hiddenGradient: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                             cellGradient: UnsafeMutablePointer<Float>, gateGradients: UnsafeMutablePointer<Float>,
                             hidden: Int, count: Int) {
            precondition(count <= hidden && hidden <= Int(Int32.max) / 4, "LSTMCell.backward: count \(count), hidden \(hidden)")
            _ = e2e_lstm_cell_backward(isa, gates, tanhC, outputGradient, hiddenGradient, cPrev, cellGradient, gateGradients,
                                       Int32(hidden), Int32(count))
        }
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

/// A convolution's shape for ``CPUKernels/im2col(_:_:into:rows:)`` and
/// ``CPUKernels/col2im(_:_:into:planes:)``: input `n × c × h × w`, kernel `kH × kW`, stride,
/// padding and dilation per axis, output `oH × oW`.
public struct ConvolutionShape: Sendable {
    public var n, c, h, w, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW: Int

    public init(n: Int, c: Int, h: Int, w: Int, kH: Int, kW: Int, sH: Int, sW: Int, pH: Int, pW: Int, dH: Int, dW: Int,
                oH: Int, oW: Int) {
        (self.n, self.c, self.h, self.w, self.kH, self.kW) = (n, c, h, w, kH, kW)
        (self.sH, self.sW, self.pH, self.pW, self.dH, self.dW, self.oH, self.oW) = (sH, sW, pH, pW, dH, dW, oH, oW)
    }

    var geometry: e2e_conv_geometry {
        e2e_conv_geometry(n: n, c: c, h: h, w: w, kh: kH, kw: kW, sh: sH, sw: sW, ph: pH, pw: pW, dh: dH, dw: dW, oh: oH, ow: oW)
    }
}

extension CPUKernels {
    /// Rows `rows` of the im2col matrix `[c·kH·kW, n·oH·oW]` of `x` (see `e2e_im2col`).
    /// `false` (nothing written) when the C kernels are off or missing, or for a horizontal
    /// stride other than 1; the caller then runs its reference loop.
    public static func im2col(_ x: UnsafePointer<Float>, _ shape: ConvolutionShape, into cols: UnsafeMutablePointer<Float>,
                              rows: Range<Int>) -> Bool {
        let isa = self.isa
        guard isa != 0 else { return false }
        var g = shape.geometry
        return e2e_im2col(isa, x, &g, cols, rows.lowerBound, rows.upperBound) == 0
    }

    /// The adjoint of ``im2col(_:_:into:rows:)`` for the input planes `planes`, numbered
    /// `c·n + n` (see `e2e_col2im`): each is overwritten with the sums of its column entries.
    /// `false` (nothing written) as for ``im2col(_:_:into:rows:)``.
    public static func col2im(_ cols: UnsafePointer<Float>, _ shape: ConvolutionShape, into dx: UnsafeMutablePointer<Float>,
                              planes: Range<Int>) -> Bool {
        let isa = self.isa
        guard isa != 0 else { return false }
        var g = shape.geometry
        return e2e_col2im(isa, cols, &g, dx, planes.lowerBound, planes.upperBound) == 0
    }

    /// Whether ``im2colBlocked(_:_:into:rowBlocks:)`` and ``PackedMatrix/multiply(blockedA:m:c:ldc:accumulate:)``
    /// run now (AVX-512 kernels on, a horizontal stride of 1, and rows the kernels' 32-bit lane
    /// offsets can address, as `e2e_im2col_blocked` requires).
    public static func blockedColumnsAvailable(for shape: ConvolutionShape) -> Bool {
        isa == E2E_CPU_AVX512F && shape.sW == 1 && shape.oW > 0 && shape.w < 1 << 30 && shape.oW < 1 << 30
    }

    /// Row blocks `rowBlocks` of 8 output positions of the transposed column matrix
    /// `[n·oH·oW, c·kH·kW]`, in the blocked order ``PackedMatrix/multiply(blockedA:m:c:ldc:accumulate:)``
    /// reads (see `e2e_im2col_blocked`). `false` (nothing written) unless
    /// ``blockedColumnsAvailable(for:)``.
    public static func im2colBlocked(_ x: UnsafePointer<Float>, _ shape: ConvolutionShape, into dst: UnsafeMutablePointer<Float>,
                                     rowBlocks: Range<Int>) -> Bool {
        let isa = self.isa
        guard isa == E2E_CPU_AVX512F else { return false }
        var g = shape.geometry
        return e2e_im2col_blocked(isa, x, &g, dst, rowBlocks.lowerBound, rowBlocks.upperBound) == 0
    }
}
