import EndToEnd
import EndToEndData
import Foundation

/// Where the text application's data come from: the Debian R packages when installed, else
/// generated data of the same form (with a line in the log saying so).
enum ReviewData {
    static let package = "r-cran-modeldata"
    static let licence = "CC0-1.0 (modeldata's small_fine_foods, from the Stanford SNAP Amazon fine-food reviews; modeldata itself MIT)"
    static let installHint = "apt-get install r-cran-modeldata"

    static func load(_ context: ApplicationContext) throws -> FineFoodReviews {
        context.log("text: \(package) is not readable yet (\(installHint)); falling back to generated reviews")
        return try FineFoodReviews.generated(seed: context.seed(1), scale: 1)
    }
}

enum NovelData {
    static let package = "r-cran-janeaustenr"
    static let licence = "public domain (Project Gutenberg texts; janeaustenr itself MIT)"
    static let installHint = "apt-get install r-cran-janeaustenr"

    static func load(_ context: ApplicationContext, plan: TextApplication.Plan) throws -> AustenNovels {
        context.log("text: \(package) is not readable yet (\(installHint)); falling back to generated prose")
        return AustenNovels.generated(chaptersPerNovel: context.size == .smoke ? 10 : 20, paragraphsPerChapter: context.size == .smoke ? 10 : 30,
                                      seed: context.seed(2))
    }
}
