import Foundation

/// Writes a TensorBoard event file (`events.out.tfevents.<time>.<host>`): TFRecord
/// framing (length, masked CRC-32C of the length, the record, masked CRC-32C of the record)
/// around `Event` protocol buffers holding scalar and histogram `Summary` values, which
/// `tensorboard --logdir DIR` and its `event_accumulator` read.
///
/// ```swift
/// let tb = try TensorBoardWriter(directory: report.appendingPathComponent("tensorboard"))
/// try tb.addScalar("train/loss", 0.7, step: 1)
/// try tb.close()
/// ```
public final class TensorBoardWriter {
    /// The event file.
    public let url: URL
    private var handle: FileHandle?

    /// Creates `directory` if needed and starts an event file in it.
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let time = Int(Date().timeIntervalSince1970)
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        url = directory.appendingPathComponent("events.out.tfevents.\(time).\(host).\(UUID().uuidString.prefix(8))")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw TrainerError("TensorBoard: cannot create \(url.path)")
        }
        handle = try FileHandle(forWritingTo: url)
        try write(event(step: 0) { $0.string(3, "brain.Event:2") })   // file_version
    }

    /// One scalar (`Summary.Value.simple_value`) at `step`.
    public func addScalar(_ tag: String, _ value: Double, step: Int, wallTime: Date = Date()) throws {
        try write(event(step: step, wallTime: wallTime) { e in
            e.message(5) { summary in                                 // Event.summary
                summary.message(1) { v in                              // Summary.value
                    v.string(1, tag)                                   // tag
                    v.float(2, Float(value))                           // simple_value
                }
            }
        })
    }

    /// A histogram (`HistogramProto`) of `values` at `step`, in `buckets` equal-width buckets.
    public func addHistogram(_ tag: String, _ values: [Float], step: Int, buckets: Int = 30, wallTime: Date = Date()) throws {
        guard !values.isEmpty else { return }
        let lo = Double(values.min()!), hi = Double(values.max()!)
        let n = hi > lo ? max(buckets, 1) : 1
        let width = (hi - lo) / Double(n)
        var counts = [Double](repeating: 0, count: n)
        var sum = 0.0, squares = 0.0
        for v in values {
            let x = Double(v)
            sum += x; squares += x * x
            counts[width > 0 ? min(Int((x - lo) / width), n - 1) : 0] += 1
        }
        let limits = (1...n).map { $0 == n ? hi : lo + width * Double($0) }
        try write(event(step: step, wallTime: wallTime) { e in
            e.message(5) { summary in
                summary.message(1) { v in
                    v.string(1, tag)
                    v.message(5) { h in                                // histo
                        h.double(1, lo); h.double(2, hi); h.double(3, Double(values.count))
                        h.double(4, sum); h.double(5, squares)
                        h.packedDoubles(6, limits)                     // bucket_limit
                        h.packedDoubles(7, counts)                     // bucket
                    }
                }
            }
        })
    }

    /// Writes buffered records to disk.
    public func flush() throws { try handle?.synchronize() }

    /// Flushes and closes the file; later writes are errors.
    public func close() throws {
        guard let h = handle else { return }
        handle = nil
        try h.synchronize()
        try h.close()
    }

    private func event(step: Int, wallTime: Date = Date(), _ body: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var e = ProtobufWriter()
        e.double(1, wallTime.timeIntervalSince1970)                    // wall_time
        e.int64(2, Int64(step))                                        // step
        body(&e)
        return e.bytes
    }

    private func write(_ record: [UInt8]) throws {
        guard let handle else { throw TrainerError("TensorBoard: \(url.path) is closed") }
        var framed: [UInt8] = []
        framed.reserveCapacity(record.count + 16)
        let length = withUnsafeBytes(of: UInt64(record.count).littleEndian) { Array($0) }
        framed += length
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { framed += $0 }
        framed += record
        withUnsafeBytes(of: CRC32C.masked(record).littleEndian) { framed += $0 }
        try handle.write(contentsOf: framed)
    }
}
