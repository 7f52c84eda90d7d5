import Foundation

/// The discrete Fourier transform by the iterative radix-2 Cooley–Tukey algorithm
/// (bit-reversal permutation, then log₂ n butterfly passes), in double precision.
///
/// `X[k] = Σₙ x[n] e^{−2πi kn/N}`: numpy's `np.fft.fft` convention (no scaling).
public struct FFT: Sendable {
    /// The transform length, a power of two.
    public let size: Int
    private let cosines: [Double], sines: [Double], reversed: [Int]

    /// - Throws: ``DataError`` when `size` is not a power of two ≥ 1.
    public init(size: Int) throws {
        guard size >= 1, size & (size - 1) == 0 else {
            throw DataError(file: "<fft>", message: "FFT size must be a power of two, got \(size)")
        }
        self.size = size
        let half = size / 2
        cosines = (0..<half).map { cos(-2 * Double.pi * Double($0) / Double(size)) }
        sines = (0..<half).map { sin(-2 * Double.pi * Double($0) / Double(size)) }
        let bits = size.trailingZeroBitCount
        reversed = (0..<size).map { i in
            var r = 0, v = i
            for _ in 0..<bits { r = (r << 1) | (v & 1); v >>= 1 }
            return r
        }
    }

    /// Transforms `real` + i·`imaginary` in place (both of length ``size``).
    public func transform(real: inout [Double], imaginary: inout [Double]) {
        precondition(real.count == size && imaginary.count == size, "FFT: expected \(size) values, got \(real.count) and \(imaginary.count)")
        // Raw pointers: the butterflies are the hot loop of the MFCC, also in debug builds.
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                cosines.withUnsafeBufferPointer { wc in
                    sines.withUnsafeBufferPointer { ws in
                        reversed.withUnsafeBufferPointer { rev in butterflies(re.baseAddress!, im.baseAddress!, wc.baseAddress, ws.baseAddress, rev.baseAddress!) }
                    }
                }
            }
        }
    }

    private func butterflies(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>,
                             _ wc: UnsafePointer<Double>?, _ ws: UnsafePointer<Double>?, _ rev: UnsafePointer<Int>) {
        for i in 0..<size where rev[i] > i {
            let j = rev[i]
            (re[i], re[j]) = (re[j], re[i])
            (im[i], im[j]) = (im[j], im[i])
        }
        guard let wc, let ws else { return }   // size 1: nothing to combine
        var length = 2
        while length <= size {
            let halfLength = length / 2, step = size / length
            var start = 0
            while start < size {
                for j in 0..<halfLength {
                    let wr = wc[j * step], wi = ws[j * step]
                    let a = start + j, b = a + halfLength
                    let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                }
                start += length
            }
            length *= 2
        }
    }

    /// `|X[k]|²` for `k = 0 … size/2` of the real signal `x`, zero-padded (or cut) to ``size``
    /// (numpy: `np.abs(np.fft.rfft(x, n=size))**2`).
    public func powerSpectrum(_ x: [Double]) -> [Double] {
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        for i in 0..<min(x.count, size) { re[i] = x[i] }
        transform(real: &re, imaginary: &im)
        return (0...(size / 2)).map { re[$0] * re[$0] + im[$0] * im[$0] }
    }
}
