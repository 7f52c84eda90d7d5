import EndToEndData
import Foundation

/// An error building an image: pixel counts that do not match the size.
public struct PNGImageError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "png: " + message }
}

/// An 8-bit gray or RGB image that encodes itself as PNG, for report figures that are
/// pictures (inputs, masks, attribution maps) rather than charts.
///
/// The encoder writes the smallest valid PNG: one IDAT chunk holding a zlib stream of
/// *stored* (uncompressed) deflate blocks, filter type 0 on every row, CRC-32 per chunk and
/// Adler-32 over the image data. Report images are small, so compression is not worth a
/// dependency. Write the bytes through ``ReportWriter`` (`extraFiles`), which makes them atomic.
///
/// ```swift
/// let overlay = try PNGImage.heatMapOverlay(base: pixels, heat: attribution, width: 32, height: 32)
/// let data = PNGImage.grid([[input, mask, overlay]], scale: 4).encoded()
/// ```
public struct PNGImage: Sendable, Equatable {
    public enum ColorType: UInt8, Sendable {
        case gray = 0
        case rgb = 2
        /// Bytes per pixel.
        public var channels: Int { self == .gray ? 1 : 3 }
    }

    public let width: Int
    public let height: Int
    public let colorType: ColorType
    /// Row-major samples, `channels` per pixel (RGB interleaved).
    public let pixels: [UInt8]

    /// - Throws: ``PNGImageError`` when the size is not positive or `pixels` has the wrong count.
    public init(width: Int, height: Int, colorType: ColorType, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else { throw PNGImageError("image size must be positive, got \(width)x\(height)") }
        guard pixels.count == width * height * colorType.channels else {
            throw PNGImageError("a \(width)x\(height) \(colorType) image needs \(width * height * colorType.channels) samples, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.colorType = colorType
        self.pixels = pixels
    }

    /// A gray image from values mapped linearly from `range` (default: their minimum and
    /// maximum) to 0...255; values outside the range are clamped, a constant image is black.
    public static func gray(_ values: [Float], width: Int, height: Int, range: ClosedRange<Float>? = nil) throws -> PNGImage {
        let r = range ?? Self.extent(values)
        let span = r.upperBound - r.lowerBound
        let bytes = values.map { v -> UInt8 in
            guard span > 0, v.isFinite else { return 0 }
            return UInt8(max(0, min(255, ((v - r.lowerBound) / span * 255).rounded())))
        }
        return try PNGImage(width: width, height: height, colorType: .gray, pixels: bytes)
    }

    /// An RGB picture of integer labels (a segmentation): 0 is black, each other label a
    /// colour from ``SVGChart/palette`` (black left out) by label modulo its size.
    public static func labels(_ labels: [Int], width: Int, height: Int) throws -> PNGImage {
        let colours = SVGChart.palette.filter { $0 != "#000000" }.map(Self.hex)
        var rgb: [UInt8] = []
        rgb.reserveCapacity(labels.count * 3)
        for l in labels {
            let c: (UInt8, UInt8, UInt8) = l <= 0 ? (0, 0, 0) : colours[(l - 1) % colours.count]
            rgb += [c.0, c.1, c.2]
        }
        return try PNGImage(width: width, height: height, colorType: .rgb, pixels: rgb)
    }

    /// An attribution map drawn over its input: the input in gray (scaled to its own
    /// extent), blended towards red where the heat is positive and blue where it is
    /// negative, in proportion to |heat| / max |heat| (times `opacity`). With
    /// `signed: false` the magnitude alone is drawn, in red.
    public static func heatMapOverlay(base: [Float], heat: [Float], width: Int, height: Int, signed: Bool = true,
                                      opacity: Float = 0.8) throws -> PNGImage {
        guard base.count == width * height, heat.count == width * height else {
            throw PNGImageError("overlay of \(width)x\(height) needs \(width * height) base and heat values, got \(base.count) and \(heat.count)")
        }
        let b = Self.extent(base)
        let bSpan = b.upperBound - b.lowerBound
        let hMax = heat.map { $0.isFinite ? abs($0) : 0 }.max() ?? 0
        var rgb: [UInt8] = []
        rgb.reserveCapacity(width * height * 3)
        for i in 0..<(width * height) {
            let g = bSpan > 0 ? (base[i] - b.lowerBound) / bSpan : 0
            let h = hMax > 0 && heat[i].isFinite ? heat[i] / hMax : 0
            let a = min(1, abs(h) * opacity)
            let target: (Float, Float, Float) = (!signed || h >= 0) ? (1, 0, 0) : (0, 0.35, 1)
            for t in [target.0, target.1, target.2] {
                rgb.append(UInt8(max(0, min(255, (((1 - a) * g + a * t) * 255).rounded()))))
            }
        }
        return try PNGImage(width: width, height: height, colorType: .rgb, pixels: rgb)
    }

    /// This image enlarged `factor` times by repeating pixels (small inputs become visible).
    public func scaled(by factor: Int) -> PNGImage {
        guard factor > 1 else { return self }
        let c = colorType.channels, w = width * factor
        var out = [UInt8](repeating: 0, count: w * height * factor * c)
        for y in 0..<(height * factor) {
            for x in 0..<w {
                let src = ((y / factor) * width + x / factor) * c, dst = (y * w + x) * c
                for k in 0..<c { out[dst + k] = pixels[src + k] }
            }
        }
        return try! PNGImage(width: w, height: height * factor, colorType: colorType, pixels: out)  // sizes consistent by construction
    }

    /// The same picture in RGB.
    public var rgb: PNGImage {
        guard colorType == .gray else { return self }
        return try! PNGImage(width: width, height: height, colorType: .rgb, pixels: pixels.flatMap { [$0, $0, $0] })
    }

    /// Rows of images tiled on a white background, `gap` pixels apart, each enlarged by `scale`.
    public static func grid(_ rows: [[PNGImage]], scale: Int = 1, gap: Int = 2) throws -> PNGImage {
        let cells = rows.map { $0.map { $0.scaled(by: scale).rgb } }
        guard !cells.isEmpty, cells.allSatisfy({ !$0.isEmpty }) else { throw PNGImageError("a grid needs at least one image in every row") }
        let rowHeights = cells.map { $0.map(\.height).max()! }
        let width = cells.map { $0.reduce(gap) { $0 + $1.width + gap } }.max()!
        let height = rowHeights.reduce(gap) { $0 + $1 + gap }
        var out = [UInt8](repeating: 255, count: width * height * 3)
        var top = gap
        for (r, row) in cells.enumerated() {
            var left = gap
            for img in row {
                for y in 0..<img.height {
                    let dst = ((top + y) * width + left) * 3, src = y * img.width * 3
                    out.replaceSubrange(dst..<(dst + img.width * 3), with: img.pixels[src..<(src + img.width * 3)])
                }
                left += img.width + gap
            }
            top += rowHeights[r] + gap
        }
        return try PNGImage(width: width, height: height, colorType: .rgb, pixels: out)
    }

    // MARK: - Encoding

    /// The PNG file's bytes.
    public func encoded() -> Data {
        var raw: [UInt8] = []
        let stride = width * colorType.channels
        raw.reserveCapacity((stride + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type 0 (none)
            raw += pixels[(y * stride)..<((y + 1) * stride)]
        }
        var ihdr: [UInt8] = []
        ihdr += Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height))
        ihdr += [8, colorType.rawValue, 0, 0, 0]  // bit depth, colour type, deflate, filter method 0, no interlace
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += Self.chunk("IHDR", ihdr)
        out += Self.chunk("IDAT", Self.zlibStored(raw))
        out += Self.chunk("IEND", [])
        return Data(out)
    }

    /// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4), at most 65,535 bytes each.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]  // deflate, 32 K window; check bits make 0x7801 divisible by 31
        var start = 0
        repeat {
            let n = min(65_535, data.count - start)
            let final: UInt8 = start + n >= data.count ? 1 : 0
            out.append(final)  // BFINAL, BTYPE = 00 (stored)
            out += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[start..<(start + n)]
            start += n
        } while start < data.count
        out += bigEndian(adler32(data))
        return out
    }

    /// Adler-32 (RFC 1950 §8.2).
    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < data.count {
            // 5552 is the most bytes before b can overflow 32 bits (zlib's NMAX).
            let end = min(i + 5552, data.count)
            while i < end { a += UInt32(data[i]); b += a; i += 1 }
            a %= 65_521
            b %= 65_521
        }
        return (b << 16) | a
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(CRC32.checksum(typeBytes + data))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func extent(_ values: [Float]) -> ClosedRange<Float> {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        return lo...hi
    }

    static func hex(_ s: String) -> (UInt8, UInt8, UInt8) {
        let v = UInt32(s.dropFirst(), radix: 16) ?? 0
        return (UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }
}
