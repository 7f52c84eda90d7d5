import EndToEnd
import Foundation

/// The Wisconsin diagnostic breast-cancer table (Street, Wolberg & Mangasarian 1993): 569
/// fine-needle aspirates, 30 features measured from digitized images of their cell nuclei
/// (the mean, standard error and worst value of radius, texture, perimeter, area,
/// smoothness, compactness, concavity, concave points, symmetry and fractal dimension) —
/// itself the output of a classic feature pipeline — and the diagnosis.
///
/// Read from scikit-learn's copy, `sklearn/datasets/data/breast_cancer.csv` (Debian
/// `python3-sklearn`): a header line `569,30,malignant,benign`, then 30 feature columns and
/// the target (0 = malignant, 1 = benign, scikit-learn's coding). Here label 1 is malignant.
public struct BreastCancerTable: Sendable {
    /// Where Debian's `python3-sklearn` installs the table.
    public static let debianPath = "/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv"
    public static let package = "python3-sklearn"
    public static let licence = "scikit-learn: BSD-3-Clause; the data: UCI Machine Learning Repository (Wolberg, Street & Mangasarian 1995), CC BY 4.0"
    public static let measurements = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
                                      "concave points", "symmetry", "fractal dimension"]
    /// `mean radius`, ..., `radius error`, ..., `worst radius`, ... (scikit-learn's names).
    public static let featureNames = measurements.map { "mean " + $0 } + measurements.map { $0 + " error" } + measurements.map { "worst " + $0 }

    /// `[N, 30]`.
    public var features: Tensor
    /// 1 = malignant, 0 = benign.
    public var labels: [Int]
    /// The package or path it was read from, or `"generated"`.
    public var source: String

    public var count: Int { labels.count }

    /// Reads the CSV at `url`; errors name the file and the line.
    public static func read(_ url: URL) throws -> BreastCancerTable {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ApplicationError("\(url.path): cannot read the breast-cancer table: \(error.localizedDescription)")
        }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = lines.first else { throw ApplicationError("\(url.path): empty file, expected the breast-cancer table") }
        let h = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard h.count >= 2, let n = Int(h[0]), let d = Int(h[1]), d == 30 else {
            throw ApplicationError("\(url.path):1: expected the header '569,30,malignant,benign' (rows, 30 features, class names), got '\(header)'")
        }
        guard lines.count - 1 == n else {
            throw ApplicationError("\(url.path): the header announces \(n) rows but the file has \(lines.count - 1)")
        }
        var x: [Float] = [], y: [Int] = []
        x.reserveCapacity(n * d)
        for (i, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == d + 1 else {
                throw ApplicationError("\(url.path):\(i + 2): expected \(d + 1) columns (30 features and the target), got \(cells.count)")
            }
            for (j, c) in cells.prefix(d).enumerated() {
                guard let v = Float(c), v.isFinite else { throw ApplicationError("\(url.path):\(i + 2): column \(j + 1) ('\(c)') is not a number") }
                x.append(v)
            }
            guard let t = Int(cells[d]), t == 0 || t == 1 else {
                throw ApplicationError("\(url.path):\(i + 2): the target must be 0 (malignant) or 1 (benign), got '\(cells[d])'")
            }
            y.append(1 - t)
        }
        return BreastCancerTable(features: Tensor(shape: [n, d], scalars: x), labels: y, source: url.path)
    }

    /// `--data PATH` when given (it must exist), else the Debian package's copy, else (with one
    /// log line on how to install it) ``generated(seed:)``.
    public static func load(path: URL?, seed: UInt64, log: (String) -> Void) throws -> BreastCancerTable {
        if let path { return try read(path) }
        let debian = URL(fileURLWithPath: debianPath)
        if FileManager.default.fileExists(atPath: debian.path) {
            var t = try read(debian)
            t.source = package
            return t
        }
        log("breast-cancer table not found at \(debianPath): install it with `apt-get install python3-sklearn` (or pass --data PATH); using a generated table of the same form")
        return generated(seed: seed)
    }

    /// A table of the same form from `seed`: 212 malignant and 357 benign cases, each
    /// measurement drawn around class means close to the real table's (malignant nuclei are
    /// larger, more concave and more compact), with perimeter and area following the radius,
    /// standard errors a few per cent of the value and worst values above the mean.
    public static func generated(seed: UInt64, malignant: Int = 212, benign: Int = 357) -> BreastCancerTable {
        // Class means of the ten measurements (benign, malignant), rounded from the real table.
        let means: [(Double, Double)] = [(12.1, 17.5), (17.9, 21.6), (78, 115), (463, 978), (0.0925, 0.103), (0.080, 0.145),
                                         (0.046, 0.161), (0.0257, 0.088), (0.174, 0.193), (0.0629, 0.0627)]
        var rng = RandomGenerator(seed: seed)
        let order = rng.permutation(malignant + benign)
        var x: [Float] = [], y: [Int] = []
        for k in order {
            let m = k < malignant ? 1 : 0
            let r = max(6, (m == 1 ? means[0].1 : means[0].0) * (1 + 0.15 * Double(rng.nextNormal())))
            var v = [Double](repeating: 0, count: 10)
            v[0] = r
            v[2] = 2 * Double.pi * r * 1.02 * (1 + 0.03 * Double(rng.nextNormal()))
            v[3] = Double.pi * r * r * (1 + 0.05 * Double(rng.nextNormal()))
            for j in [1, 4, 5, 6, 7, 8, 9] {
                let mu = m == 1 ? means[j].1 : means[j].0
                v[j] = max(0, mu * (1 + 0.25 * Double(rng.nextNormal())))
            }
            let se = v.map { $0 * 0.06 * abs(1 + 0.3 * Double(rng.nextNormal())) }
            let worst = v.map { $0 * (1.15 + 0.1 * abs(Double(rng.nextNormal()))) }
            x += (v + se + worst).map(Float.init)
            y.append(m)
        }
        return BreastCancerTable(features: Tensor(shape: [y.count, 30], scalars: x), labels: y, source: "generated")
    }

    /// The rows at `indices`.
    public func subset(_ indices: [Int]) -> BreastCancerTable {
        let all = features.contiguous().scalars
        return BreastCancerTable(features: Tensor(shape: [indices.count, 30], scalars: indices.flatMap { all[($0 * 30)..<(($0 + 1) * 30)] }),
                                 labels: indices.map { labels[$0] }, source: source)
    }
}
