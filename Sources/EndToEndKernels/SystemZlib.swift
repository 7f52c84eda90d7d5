import EndToEndKernelsC
import Foundation

/// gzip decoding by the system's zlib (`libz.so.1`), loaded at run time: a faster path for
/// valid data beside a reference decoder written in Swift.
///
/// The default build links nothing; where zlib is missing, or `E2E_ZLIB=0` is set, ``isAvailable``
/// is false and callers keep their own decoder. zlib checks each member's CRC-32 and length.
/// Input it does not accept as it stands gives ``Outcome/rejected``: the caller's decoder then
/// decodes it again and says what is wrong, and where.
public enum SystemZlib {
    /// Whether the system's zlib is loaded and not switched off by `E2E_ZLIB=0`.
    public static let isAvailable: Bool = {
        if ProcessInfo.processInfo.environment["E2E_ZLIB"] == "0" { return false }
        return e2e_zlib_available() != 0
    }()

    /// zlib's version, when it is loaded.
    public static var version: String? { e2e_zlib_version().map { String(cString: $0) } }

    /// The result of ``gunzip(_:sizeHint:limit:)``.
    public enum Outcome: Equatable, Sendable {
        /// The whole input decoded.
        case decoded([UInt8])
        /// The output would exceed the limit (more than `limit` bytes).
        case overLimit
        /// zlib did not accept the input (corrupt, truncated, trailing bytes), or is missing.
        case rejected
    }

    /// Decodes gzip `bytes` (members, then optionally zero padding) into at most `limit` bytes.
    /// `sizeHint` sizes the first output buffer (it grows as needed, up to `limit`).
    public static func gunzip(_ bytes: [UInt8], sizeHint: Int, limit: Int) -> Outcome {
        guard isAvailable else { return .rejected }
        return bytes.withUnsafeBufferPointer { input -> Outcome in
            guard let base = input.baseAddress, let g = e2e_gunzip_begin(base, input.count) else { return .rejected }
            defer { e2e_gunzip_end(g) }
            // One byte past the limit tells "exactly at the limit" from "over it".
            let ceiling = limit == Int.max ? Int.max : limit + 1
            var out = [UInt8](repeating: 0, count: max(64, min(sizeHint, ceiling)))
            var filled = 0
            while true {
                var written = 0
                let rc = out.withUnsafeMutableBufferPointer { o in
                    e2e_gunzip_step(g, o.baseAddress! + filled, o.count - filled, &written)
                }
                filled += written
                if filled > limit { return .overLimit }
                switch rc {
                case 1:
                    out.removeSubrange(filled...)
                    return .decoded(out)
                case 0:
                    // Full: grow, doubling, up to one byte past the limit.
                    guard out.count < ceiling else { return .overLimit }
                    let grown = out.count > ceiling / 2 ? ceiling : out.count * 2
                    out.append(contentsOf: repeatElement(0, count: grown - out.count))
                default:
                    return .rejected
                }
            }
        }
    }
}
