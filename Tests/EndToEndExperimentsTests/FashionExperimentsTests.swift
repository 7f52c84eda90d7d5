import EndToEndData
import EndToEndStrategies
import Foundation
import XCTest
@testable import EndToEndExperiments

/// Smoke runs of the two Fashion-MNIST experiments on small synthetic 10-class data (Gaussian
/// blobs in 20 dimensions), so they stay fast and need no download.
final class FashionExperimentsTests: XCTestCase {
    var context: ExperimentContext { ExperimentContext(seed: 1, outputDirectory: FileManager.default.temporaryDirectory) }

    static func blobs() -> (train: TrainingData, test: TrainingData) {
        let train = GaussianBlobs(classes: 10, pointsPerClass: 60, dimensions: 20, std: 2, seed: 1)
        let centers = (0..<10).map { train.centers[$0].scalars }
        return (TrainingData(train.data), TrainingData(GaussianBlobs(centers: centers, pointsPerClass: 20, std: 2, seed: 2).data))
    }

    func testLocalLossesComparesGlobalLocalAndGreedy() throws {
        var e = LocalLossesExperiment(hidden: [32, 32], epochs: 10)
        e.data = Self.blobs()
        e.batchSize = 30
        let result = try e.run(context)
        XCTAssertEqual(result.rows.map(\.strategy), ["global loss (end-to-end)", "local losses (pred)", "greedy layer-wise"])
        for row in result.rows {
            XCTAssertEqual(row.steps, 200)
            XCTAssertGreaterThan(row.testAccuracy, 0.3, "\(row.strategy) learns (chance is 0.1)")
        }
        XCTAssertGreaterThan(result.rows[0].testAccuracy, 0.8, "the global loss separates well-spread blobs")
        XCTAssertGreaterThan(result.rows[1].testAccuracy, 0.8, "so do local losses")
    }

    func testEnsembleRowsCoverEveryLambdaAndTheSingleNetwork() throws {
        var e = EnsembleVsEndToEndExperiment(configurations: [(2, 8), (1, 16)], epochs: 2)
        e.data = Self.blobs()
        e.lambdas = [0, 1]
        e.batchSize = 60
        let result = try e.run(context)
        XCTAssertEqual(result.rows.map(\.strategy), ["ensemble", "ensemble", "single network"])
        XCTAssertEqual(result.rows.map { $0.parameters.first { $0.0 == "lambda" }?.1 }, [.double(0), .double(1), .null])
        XCTAssertEqual(result.figures.first?.chart.series.count, 1)
    }
}
