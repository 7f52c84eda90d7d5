import EndToEnd
import EndToEndData
import Foundation

/// Where the text application's data come from: Debian's R packages, read with the data
/// layer's ``RLazyLoadDatabase`` (from `--data LIBRARY`, an R library folder holding
/// `modeldata/` and `janeaustenr/`, or the installed packages), else generated data of the same
/// form, with a line in the log saying so.
enum ReviewData {
    static let package = "r-cran-modeldata"
    static let licence = "CC0-1.0 (modeldata's small_fine_foods, a sample of the SNAP Amazon fine-food reviews; modeldata itself MIT)"
    static let installHint = "apt-get install r-cran-modeldata"

    static func load(_ context: ApplicationContext) throws -> FineFoodReviews {
        guard let base = try RPackageData.base("modeldata", context) else {
            context.log("text: \(package) not found (\(installHint)); falling back to generated reviews")
            return try FineFoodReviews.generated(seed: context.seed(1), scale: 1)
        }
        let db = try RLazyLoadDatabase(contentsOf: base)
        func reviews(_ name: String) throws -> LabeledTexts {
            let frame = try db.dataFrame(name)
            let texts = try frame.column("review").strings(), products = try frame.column("product").strings()
            let scores = try frame.column("score").strings()
            var labels: [Int] = []
            for (i, s) in scores.enumerated() {
                guard let s, let y = FineFoodReviews.classNames.firstIndex(of: s) else {
                    throw DataError(file: base.path, location: "\(name), row \(i + 1)", message: "score \(scores[i] ?? "NA") is not great or other")
                }
                labels.append(y)
            }
            return try LabeledTexts(texts: texts.map { $0 ?? "" }, labels: labels, groups: products.map { $0 ?? "" },
                                    classNames: FineFoodReviews.classNames)
        }
        return try FineFoodReviews.split(train: reviews("training_data"), test: reviews("testing_data"), source: package)
    }
}

enum NovelData {
    static let package = "r-cran-janeaustenr"
    static let licence = "public domain (the Project Gutenberg texts; janeaustenr itself MIT)"
    static let installHint = "apt-get install r-cran-janeaustenr"

    static func load(_ context: ApplicationContext, plan: TextApplication.Plan) throws -> AustenNovels {
        guard let base = try RPackageData.base("janeaustenr", context) else {
            context.log("text: \(package) not found (\(installHint)); falling back to generated prose")
            return AustenNovels.generated(chaptersPerNovel: context.size == .smoke ? 10 : 20, paragraphsPerChapter: context.size == .smoke ? 10 : 30,
                                          seed: context.seed(2))
        }
        let db = try RLazyLoadDatabase(contentsOf: base)
        var chapters: [AustenNovels.Chapter] = []
        for novel in AustenNovels.novels {
            let lines = try db.characterVector(novel).map { $0 ?? "" }
            let found = AustenNovels.chapters(novel: novel, lines: lines)
            guard !found.isEmpty else { throw DataError(file: base.path, location: novel, message: "no chapter headings (CHAPTER … / Chapter …) found") }
            chapters += found
        }
        return AustenNovels(chapters: chapters, source: package)
    }
}

/// The `data/Rdata` base of an R package: under `--data` (an R library folder) when given,
/// else where R installs packages.
enum RPackageData {
    /// - Throws: ``DataError`` when `--data` was given but holds no such package.
    static func base(_ name: String, _ context: ApplicationContext) throws -> URL? {
        if let library = context.dataPath {
            let b = library.appendingPathComponent(name).appendingPathComponent("data/Rdata")
            guard FileManager.default.fileExists(atPath: b.path + ".rdb") else {
                throw DataError(file: library.path, message: "--data: expected an R library folder holding \(name)/data/Rdata.rdb")
            }
            return b
        }
        return RLazyLoadDatabase.package(name)
    }
}
