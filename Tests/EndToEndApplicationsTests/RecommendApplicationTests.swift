import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// The recommend application: one smoke run for the result's shape, and its pieces.
final class RecommendApplicationTests: XCTestCase {
    func testSmokeRunReportsEveryApproachFiveFractionsTheShiftAndSavedWeights() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("recommend-app-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let context = ApplicationContext(size: .smoke, seed: 2, outputDirectory: root.appendingPathComponent("report"),
                                         artifactsDirectory: root.appendingPathComponent("artifacts"),
                                         cacheDirectory: root.appendingPathComponent("cache"),
                                         parts: FinishedParts(directory: root.appendingPathComponent("parts")))
        XCTAssertTrue(ApplicationRegistry.names.contains("recommend"))
        let r = try RecommendApplication().run(context)
        // A resumed run reads every fit back (network weights, ALS factors, data-efficiency points) and reports the same.
        XCTAssertTrue(Set(context.parts!.finishedKeys()).isSuperset(of: ["gmf", "mlp", "end-to-end", "step-by-step", "pipeline", "shift/end-to-end", "shift/pipeline"]))
        let again = try RecommendApplication().run(context)
        XCTAssertEqual(again.results.map(\.value), r.results.map(\.value))
        XCTAssertEqual(again.results.dropLast().map(\.trainSeconds), r.results.dropLast().map(\.trainSeconds), "popularity is counted anew")
        XCTAssertEqual(again.dataEfficiency, r.dataEfficiency)
        XCTAssertEqual(again.shift, r.shift)
        XCTAssertEqual(r.results.map(\.approach), ["end-to-end", "step-by-step", "ensemble", "gmf", "mlp", "pipeline", "popularity"])
        XCTAssertEqual(r.data.test, 40, "one held-out interaction per smoke user")
        for row in r.results {
            XCTAssertEqual(row.metric, "hr@10")
            XCTAssertTrue((0...1).contains(row.value), row.approach)
            let ndcg = try XCTUnwrap(row.extra.first { $0.0 == "ndcg@10" }?.1)
            guard case .double(let n) = ndcg else { return XCTFail("ndcg@10 is not a number") }
            XCTAssertLessThanOrEqual(n, row.value + 1e-12, "NDCG@10 never exceeds HR@10 with one relevant item")
            XCTAssertGreaterThan(row.parameters, 0)
        }
        for a in ["end-to-end", "pipeline", "popularity"] {
            XCTAssertGreaterThanOrEqual(Set(r.dataEfficiency.filter { $0.approach == a }.map(\.fraction)).count, 5, a)
        }
        XCTAssertEqual(r.shift.map(\.approach), ["end-to-end", "pipeline", "popularity"])
        XCTAssertTrue(r.shift.allSatisfy { $0.inDistribution != nil && (0...1).contains($0.value) })
        XCTAssertEqual(r.maintenance.map(\.approach), ["end-to-end", "pipeline"])
        XCTAssertTrue(r.maintenance.allSatisfy { $0.linesOfCode > 0 && $0.parameters > 0 })
        for file in ["models/end-to-end/model.safetensors", "models/step-by-step/model.safetensors", "models/pipeline/als.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: context.artifactsDirectory.appendingPathComponent(file).path), file)
        }
        XCTAssertTrue(r.notes.contains { $0.contains("Nearest movies") })
        let json = r.summary(app: "recommend", report: nil).encoded
        XCTAssertTrue(json.contains("\"ndcg@10\"") && json.contains("\"sparse_users\""))
    }

    func testNetworkGradientsMatchFiniteDifferences() throws {
        let x = Tensor(shape: [6, 2], scalars: [0, 1, 1, 2, 2, 0, 0, 3, 1, 1, 2, 3])
        let y = Tensor(shape: [6], scalars: [1, 0, 1, 0, 1, 0])
        for kind in [NCFNetwork.Kind.gmf, .mlp, .neumf] {
            let net = NCFNetwork(kind: kind, users: 3, items: 4, factors: 3, towerSizes: [4, 3, 2], seed: 7)
            // Larger embeddings than the paper's 0.01 so the ReLUs and products are not flat.
            for p in net.parameters() { p.assign(Tensor(shape: p.shape, scalars: p.value.scalars.map { $0 * 40 + 0.05 })) }
            func loss() -> Tensor { Loss.binaryCrossEntropyWithLogits(net(x), y) }
            net.zeroGrad()
            loss().backward()
            for (name, p) in net.namedParameters() {
                let g = try XCTUnwrap(p.grad, "\(kind) \(name)").contiguous().scalars
                for e in stride(from: 0, to: p.count, by: max(1, p.count / 4)) {
                    let base = p.value.contiguous().scalars
                    var v = base
                    let h: Float = 1e-2
                    v[e] = base[e] + h; p.assign(Tensor(shape: p.shape, scalars: v))
                    let up = Double(withNoGrad { loss() }.item)
                    v[e] = base[e] - h; p.assign(Tensor(shape: p.shape, scalars: v))
                    let down = Double(withNoGrad { loss() }.item)
                    p.assign(Tensor(shape: p.shape, scalars: base))
                    XCTAssertEqual(Double(g[e]), (up - down) / (2 * Double(h)), accuracy: 2e-3, "\(kind) \(name)[\(e)]")
                }
            }
        }
    }

    func testNeuMFFromPretrainedPartsMixesTheirLogits() throws {
        let gmf = NCFNetwork(kind: .gmf, users: 3, items: 5, factors: 4, towerSizes: [6, 4, 2], seed: 1)
        let mlp = NCFNetwork(kind: .mlp, users: 3, items: 5, factors: 4, towerSizes: [6, 4, 2], seed: 2)
        for p in gmf.parameters() + mlp.parameters() { p.assign(Tensor(shape: p.shape, scalars: p.value.scalars.map { $0 * 50 })) }
        let neumf = NCFNetwork(pretrainedGMF: gmf, mlp: mlp, alpha: 0.3)
        let x = Tensor(shape: [4, 2], scalars: [0, 0, 1, 4, 2, 2, 1, 3])
        let expected = zip(gmf(x).scalars, mlp(x).scalars).map { 0.3 * $0 + 0.7 * $1 }
        for (a, b) in zip(neumf(x).scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        XCTAssertEqual(neumf.parameterCount, gmf.parameterCount + mlp.parameterCount - 1, "one output bias instead of two")
    }

    func testTrainingBatchesDrawFreshNegativesPerEpochAndEvaluationCandidatesAvoidPositives() throws {
        let positives = [(user: 0, item: 0), (user: 0, item: 1), (user: 1, item: 2)]
        let sampler = try NegativeSampler(items: 6, positives: [[0, 1], [2]])
        let batches = try NCFBatches(positives: positives, sampler: sampler, negatives: 4, batchSize: 4, seed: 9)
        XCTAssertEqual(batches.sampleCount, 15)
        XCTAssertEqual(batches.batchCount, 4)
        func epoch(_ e: Int) -> [Batch] { Array(batches.batches(epoch: e, startingAt: 0)) }
        let first = epoch(0)
        XCTAssertEqual(first.map(\.count), [4, 4, 4, 3])
        let pairs = first.flatMap { $0.inputs.scalars }, targets = first.flatMap { $0.targets!.scalars }
        XCTAssertEqual(targets.filter { $0 == 1 }.count, 3)
        for r in 0..<15 where targets[r] == 0 {
            XCTAssertFalse(sampler.isPositive(user: Int(pairs[2 * r]), item: Int(pairs[2 * r + 1])), "a negative is never a positive")
        }
        XCTAssertEqual(epoch(0).flatMap { $0.inputs.scalars }, pairs, "an epoch is a function of the seed")
        XCTAssertNotEqual(epoch(1).flatMap { $0.inputs.scalars }, pairs, "each epoch draws anew")
        XCTAssertEqual(Array(batches.batches(epoch: 0, startingAt: 2)).flatMap { $0.inputs.scalars }, Array(pairs[16...]), "resuming mid-epoch")

        let data = try InteractionSet([Interaction(user: 0, item: 3, time: 1), Interaction(user: 0, item: 7, time: 2), Interaction(user: 1, item: 0, time: 1),
                                       Interaction(user: 1, item: 5, time: 3)], users: 2, items: 120)
        let split = data.leaveLastOut()
        let evaluation = try LeaveOneOutEvaluation(test: split.test, allPositives: data.itemsByUser(), items: 120, seed: 3)
        XCTAssertEqual(evaluation.candidates.map(\.first), [7, 5])
        for (u, c) in zip(evaluation.users, evaluation.candidates) {
            XCTAssertEqual(c.count, 100)
            XCTAssertEqual(Set(c).count, 100)
            XCTAssertTrue(c.dropFirst().allSatisfy { !data.itemsByUser()[u].contains($0) })
        }
        // A scorer that knows the answer gets HR = NDCG = 1; a constant one gets 0.1.
        let heldOut = [0: 7, 1: 5]
        let oracle = try evaluation.measure(try evaluation.scores { users, items in zip(users, items).map { heldOut[$0] == $1 ? 1 : 0 } })
        XCTAssertEqual(oracle.hitRate, 1)
        XCTAssertEqual(oracle.ndcg, 1)
        XCTAssertEqual(try evaluation.measure(try evaluation.scores { u, _ in u.map { _ in 0 } }).hitRate, 0.1, accuracy: 1e-12)
    }

    func testGeneratedRatingsAreSeededAndFollowMovieLensFloor() throws {
        let a = GeneratedRatings(users: 12, movies: 150, seed: 4).table(), b = GeneratedRatings(users: 12, movies: 150, seed: 4).table()
        XCTAssertEqual(a.userIds, b.userIds)
        XCTAssertEqual(a.movieIds, b.movieIds)
        XCTAssertEqual(a.ratings, b.ratings)
        for u in 1...12 { XCTAssertGreaterThanOrEqual(a.userIds.filter { $0 == u }.count, 20) }
        XCTAssertTrue(a.ratings.allSatisfy { (0.5...5).contains($0) && ($0 * 2).rounded() == $0 * 2 })
        let data = try RecommendData(table: a, userLimit: 5, source: "generated", licence: nil, note: "")
        XCTAssertEqual(data.interactions.users, 5)
        XCTAssertEqual(data.interactions.count, a.userIds.filter { $0 <= 5 }.count)
        XCTAssertEqual(data.titles.count, data.interactions.items)
    }

    func testCSVDataPathReadsMovieLensColumnsAndNamesTheBadLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recommend-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("ratings.csv"), bad = dir.appendingPathComponent("bad.csv")
        try Data("userId,movieId,rating,timestamp,title\n7,31,2.5,100,\"Dangerous Minds\"\n7,1029,3,90,Dumbo\n9,31,4,50,\"Dangerous Minds\"\n".utf8).write(to: good)
        try Data("userId,movieId,rating,timestamp\n1,2,3,4\n1,x,3,5\n".utf8).write(to: bad)
        func context(_ url: URL) -> ApplicationContext {
            ApplicationContext(size: .smoke, dataPath: url, outputDirectory: dir, artifactsDirectory: dir, cacheDirectory: dir)
        }
        let data = try RecommendDataSource.load(context(good), userLimit: nil)
        XCTAssertEqual(data.source, good.path)
        XCTAssertEqual(data.interactions.users, 2)
        XCTAssertEqual(data.titles, ["Dangerous Minds", "Dumbo"])
        XCTAssertEqual(data.interactions.leaveLastOut().test.map(\.item), [0], "user 7's latest is movie 31 (time 100); user 9 has one rating")
        XCTAssertThrowsError(try RecommendDataSource.load(context(bad), userLimit: nil)) { e in
            XCTAssertTrue("\(e)".contains("bad.csv") && "\(e)".contains("line 3") && "\(e)".contains("movieId"), "\(e)")
        }
    }
}
