import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// One parser per fuzz target. Each must return or throw for any bytes: a trap, a hang or
/// an allocation past the input's own size is a finding.
enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "idx": { _ = try? IDX.parse($0, file: "fuzz.idx") },
        "npy": { _ = try? NPY.decode($0, file: "fuzz.npy") },
        "csv": { bytes in
            guard let table = try? CSVTable.parse(bytes, file: "fuzz.csv"), let target = table.columnNames.last else { return }
            _ = try? table.dataset(target: target, task: .classification)
            _ = try? table.dataset(target: target, task: .regression, categorical: .index, missing: .dropRows)
        },
        "text": { bytes in
            _ = try? TextCorpus.parse(bytes, file: "fuzz.txt", mode: .characters(vocabulary: nil))
            _ = try? TextCorpus.parse(bytes, file: "fuzz.txt", mode: .bytes)
        },
        "gzip": { _ = try? Gzip.decompress($0, file: "fuzz.gz") },
        "inflate": { _ = try? Inflate.inflate($0, file: "fuzz.deflate") },
        "rdata": { _ = try? RSerialization.decode(Data($0), source: "fuzz.rds") },
        "lzma2": { _ = try? LZMA2Decoder.decompress($0, limit: 1 << 24, file: "fuzz.lzma2") },
        "safetensors": { _ = try? SafeTensors.read(data: Data($0), name: "fuzz.safetensors") },
        "config": { bytes in
            // Configs are text: the bytes as UTF-8 (invalid sequences repaired), in both syntaxes.
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? TrainingConfig.parse(text, fileName: "fuzz.yaml")
            _ = try? TrainingConfig.parse(text, fileName: "fuzz.json")
        },
    ]
}
