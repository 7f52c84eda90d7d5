import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// E-commerce recommendations (the article's recommender systems): neural collaborative
/// filtering (NeuMF, He et al. 2017) trained end to end on implicit feedback against a
/// popularity ranking and implicit ALS matrix factorization, on dslabs' MovieLens ratings
/// with the paper's leave-one-out protocol (HR@10, NDCG@10 among 100 candidates); the shift
/// is users with few interactions.
public struct RecommendApplication: Application {
    public let name = "recommend"
    public let summary = "movie recommendations (MovieLens, HR@10/NDCG@10 leave-one-out): NeuMF end to end vs popularity and implicit ALS; step-by-step pretraining and an ensemble; shift: users with few interactions"

    public init() {}

    /// How much to run for one size.
    struct Plan {
        var userLimit: Int?, itemLimit: Int? = nil
        var factors: Int, tower: [Int]
        var pretrainEpochs: Int, jointEpochs: Int, fineTuneEpochs: Int, batchSize: Int
        var als: RecommendPipeline.ALSSettings
        /// Users whose histories the shift cuts, and how many interactions they keep.
        var sparseShare: Double, sparseKeep: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke: return Plan(userLimit: 40, itemLimit: 800, factors: 8, tower: [16, 8], pretrainEpochs: 1, jointEpochs: 1, fineTuneEpochs: 1, batchSize: 256,
                                     als: .init(factors: 8, regularization: 0.1, alpha: 10, sweeps: 2), sparseShare: 0.2, sparseKeep: 5)
            case .quick: return Plan(userLimit: nil, factors: 8, tower: [32, 16, 8], pretrainEpochs: 3, jointEpochs: 3, fineTuneEpochs: 2, batchSize: 512,
                                     als: .init(factors: 32, regularization: 0.1, alpha: 10, sweeps: 8), sparseShare: 0.2, sparseKeep: 5)
            case .full: return Plan(userLimit: nil, factors: 8, tower: [64, 32, 16, 8], pretrainEpochs: 20, jointEpochs: 20, fineTuneEpochs: 10, batchSize: 256,
                                    als: .init(factors: 32, regularization: 0.1, alpha: 10, sweeps: 15), sparseShare: 0.2, sparseKeep: 5)
            }
        }

        var pretrain: NCFTraining { NCFTraining(epochs: pretrainEpochs, batchSize: batchSize) }
        var joint: NCFTraining { NCFTraining(epochs: jointEpochs, batchSize: batchSize) }
        var fineTune: NCFTraining { NCFTraining(epochs: fineTuneEpochs, learningRate: 1e-4, batchSize: batchSize) }
    }

    /// One fitted recommender: its scores for (user, item) pairs and its cost.
    struct Fitted {
        var scorer: LeaveOneOutEvaluation.Scorer
        var seconds: Double
        var parameters: Int
        var steps: Int
        var history: [MetricsRecord] = []
    }

    /// The training half of a split, with what the fits need.
    struct TrainingSet {
        var set: InteractionSet
        var positives: [(user: Int, item: Int)]
        var sampler: NegativeSampler
        init(_ set: InteractionSet) throws {
            self.set = set
            positives = set.interactions.map { (user: $0.user, item: $0.item) }
            sampler = try NegativeSampler(items: set.items, positives: set.itemsByUser())
        }
    }

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let plan = Plan.of(context.size)
        let data = try RecommendDataSource.load(context, userLimit: plan.userLimit, itemLimit: plan.itemLimit)
        let split = data.interactions.leaveLastOut()
        let train = try TrainingSet(try data.interactions.with(split.train))
        let evaluation = try LeaveOneOutEvaluation(test: split.test, allPositives: data.interactions.itemsByUser(),
                                                   items: data.interactions.items, seed: context.seed(1))
        context.log("recommend: \(data.source): \(data.interactions.users) users, \(data.interactions.items) items, \(train.set.count) training interactions, \(split.test.count) held-out (each ranked among 100)")

        // The systems on the whole training set.
        let gmf = try fitNetwork(.gmf, train, plan: plan, training: plan.pretrain, seed: context.seed(2), part: (context, "gmf"))
        let mlp = try fitNetwork(.mlp, train, plan: plan, training: plan.pretrain, seed: context.seed(3), part: (context, "mlp"))
        let neumf = try fitNetwork(.neumf, train, plan: plan, training: plan.joint, seed: context.seed(4), part: (context, "end-to-end"))
        let stepByStep = try fineTune(gmf: gmf.network, mlp: mlp.network, train, plan: plan, seed: context.seed(5), context: context)
        let als = try fitALS(train.set, plan: plan, seed: context.seed(6), part: (context, "pipeline"))
        let popularity = fitPopularity(train.set)
        let ensemble = Fitted(scorer: { u, i in zip(try gmf.fitted.scorer(u, i), try mlp.fitted.scorer(u, i)).map { (sigmoid($0) + sigmoid($1)) / 2 } },
                              seconds: gmf.fitted.seconds + mlp.fitted.seconds, parameters: gmf.fitted.parameters + mlp.fitted.parameters,
                              steps: gmf.fitted.steps + mlp.fitted.steps)
        var pretrainedTotal = stepByStep.fitted
        pretrainedTotal.seconds += gmf.fitted.seconds + mlp.fitted.seconds
        pretrainedTotal.steps += gmf.fitted.steps + mlp.fitted.steps

        let systems: [(String, String, Fitted)] = [
            ("end-to-end", "NeuMF trained jointly from random initialization", neumf.fitted),
            ("step-by-step", "NeuMF from pretrained GMF and MLP, fine-tuned (the paper's recipe; time and steps include the pretraining)", pretrainedTotal),
            ("ensemble", "GMF and MLP trained separately, probabilities averaged", ensemble),
            ("gmf", "GMF alone (the step-by-step's first part)", gmf.fitted),
            ("mlp", "MLP alone (the step-by-step's second part)", mlp.fitted),
            ("pipeline", "implicit ALS matrix factorization, candidates ranked by x_u·y_i", als.fitted),
            ("popularity", "items ranked by training interactions", popularity),
        ]
        var scores: [String: [[Double]]] = [:]
        var results: [ApproachResult] = []
        let counts = train.set.itemsByUser().map(\.count)
        let fewest = fewestQuartile(evaluation.users, counts: counts)
        for (approach, what, fitted) in systems {
            let s = try evaluation.scores(fitted.scorer)
            scores[approach] = s
            let all = try evaluation.measure(s), few = try evaluation.measure(s, cases: fewest)
            results.append(ApproachResult(approach: approach, metric: "hr@10", value: all.hitRate, trainSeconds: fitted.seconds, parameters: fitted.parameters,
                                          extra: [("ndcg@10", .double(all.ndcg)), ("steps", .int(fitted.steps)),
                                                  ("hr@10_fewest_quartile", .double(few.hitRate)), ("ndcg@10_fewest_quartile", .double(few.ndcg)),
                                                  ("system", .string(what))]))
            context.log("recommend: \(approach): HR@10 \(f(all.hitRate)), NDCG@10 \(f(all.ndcg)) (users in the fewest-interactions quartile: \(f(few.hitRate)), \(f(few.ndcg))); \(fitted.steps) steps in \(f(fitted.seconds)) s")
        }

        // Data efficiency: nested fractions of every user's training interactions.
        let efficiencyApproaches = ["end-to-end", "pipeline", "popularity"]
        let efficiency = try DataEfficiency.measure(approaches: efficiencyApproaches, labels: train.set.interactions.map(\.user),
                                                    seed: context.seed(7), context: context, log: context.log) { approach, fraction, indices in
            if fraction == 1 { return results.first { $0.approach == approach }!.value }
            return try efficiencyPoint(approach, fraction: fraction, indices: indices, train: train, evaluation: evaluation, plan: plan,
                                       fullSteps: neumf.fitted.steps, seed: context.seed(8, UInt64(indices.count)))
        }

        // Shift: a share of users keep only their first few interactions.
        let shiftResult = try shift(train: train, evaluation: evaluation, scores: scores, plan: plan, context: context)

        let nearest = try RecommendFigures.nearestItems(network: neumf.network, als: als.model, popularity: RecommendPipeline.popularity(train.set),
                                                        titles: data.titles)
        try saveModels(neumf: neumf.network, stepByStep: stepByStep.network, als: als.model, context: context)
        let maintenance = try maintenanceCosts(networkParameters: neumf.fitted.parameters, pipelineParameters: als.fitted.parameters)
        var result = ApplicationResult(
            data: DataSource(source: data.source, train: train.set.count, test: split.test.count, licence: data.licence, note: data.note),
            results: results, dataEfficiency: efficiency, shift: shiftResult.rows, maintenance: maintenance,
            extra: [("users", .int(data.interactions.users)), ("items", .int(data.interactions.items)),
                    ("candidates_per_user", .int(100)), ("sparse_users", .int(shiftResult.users)), ("sparse_history", .int(plan.sparseKeep))],
            figures: [("data_efficiency", DataEfficiency.chart(efficiency, metric: "HR@10")),
                      ("shift", ShiftComparison.chart(shiftResult.rows, shift: "\(plan.sparseKeep)-interaction users"))],
            setup: setup(data: data, plan: plan, train: train.set.count, test: split.test.count),
            notes: [nearest, modelsNote])
        result.log = ApplicationResult.curves(neumf.fitted.history, label: "end-to-end")
            + ApplicationResult.curves(gmf.fitted.history, label: "gmf") + ApplicationResult.curves(mlp.fitted.history, label: "mlp")
            + ApplicationResult.curves(stepByStep.fitted.history, label: "step-by-step")
        return result
    }

    // MARK: - The fits (each a separate call, for the run cache)

    /// With `part`, the fit is that resumable part of the run (``ApplicationContext/part(_:modules:_:)``).
    func fitNetwork(_ kind: NCFNetwork.Kind, _ train: TrainingSet, plan: Plan, training: NCFTraining, seed: UInt64,
                    part: (context: ApplicationContext, key: String)? = nil) throws -> (network: NCFNetwork, fitted: Fitted) {
        let net = NCFNetwork(kind: kind, users: train.set.users, items: train.set.items, factors: plan.factors, towerSizes: plan.tower, seed: seed)
        let fit = { try training.fit(net, positives: train.positives, sampler: train.sampler, seed: seed) }
        let s = try part.map { try $0.context.part($0.key, modules: [net], fit) } ?? fit()
        return (net, Fitted(scorer: Self.scorer(net), seconds: s.wallSeconds, parameters: net.parameterCount, steps: s.steps, history: s.history))
    }

    func fineTune(gmf: NCFNetwork, mlp: NCFNetwork, _ train: TrainingSet, plan: Plan, seed: UInt64, context: ApplicationContext) throws -> (network: NCFNetwork, fitted: Fitted) {
        let net = NCFNetwork(pretrainedGMF: gmf, mlp: mlp)
        let s = try context.part("step-by-step", modules: [net]) {
            try plan.fineTune.fit(net, positives: train.positives, sampler: train.sampler, seed: seed)
        }
        return (net, Fitted(scorer: Self.scorer(net), seconds: s.wallSeconds, parameters: net.parameterCount, steps: s.steps, history: s.history))
    }

    /// A finished ALS fit, as a resumable part keeps it.
    struct ALSFactors: Codable {
        var users: [Double], items: [Double], seconds: Double
    }

    func fitALS(_ train: InteractionSet, plan: Plan, seed: UInt64, part: (context: ApplicationContext, key: String)? = nil) throws -> (model: ImplicitALS, fitted: Fitted) {
        let fit = {
            let start = ProgressReporter.monotonicSeconds()
            let als = try RecommendPipeline.fitALS(train, settings: plan.als, seed: seed)
            return ALSFactors(users: als.userFactors, items: als.itemFactors, seconds: ProgressReporter.monotonicSeconds() - start)
        }
        let factors = try part.map { try $0.context.part($0.key, fit) } ?? fit()
        let als = try ImplicitALS(users: train.users, items: train.items, factors: plan.als.factors, regularization: plan.als.regularization,
                                  alpha: plan.als.alpha, seed: seed)
        try als.setFactors(users: factors.users, items: factors.items)
        let seconds = factors.seconds
        return (als, Fitted(scorer: { u, i in zip(u, i).map { als.score(user: $0, item: $1) } }, seconds: seconds,
                            parameters: als.parameterCount, steps: plan.als.sweeps))
    }

    func fitPopularity(_ train: InteractionSet) -> Fitted {
        let start = ProgressReporter.monotonicSeconds()
        let counts = RecommendPipeline.popularity(train)
        return Fitted(scorer: { _, i in i.map { counts[$0] } }, seconds: ProgressReporter.monotonicSeconds() - start, parameters: counts.count, steps: 1)
    }

    func efficiencyPoint(_ approach: String, fraction: Double, indices: [Int], train: TrainingSet, evaluation: LeaveOneOutEvaluation,
                         plan: Plan, fullSteps: Int, seed: UInt64) throws -> Double {
        let subset = try TrainingSet(try train.set.with(indices.map { train.set.interactions[$0] }))
        let fitted: Fitted
        switch approach {
        case "end-to-end":
            var training = plan.joint
            training.minimumSteps = max(1, fullSteps / 4)
            fitted = try fitNetwork(.neumf, subset, plan: plan, training: training, seed: seed).fitted
        case "pipeline": fitted = try fitALS(subset.set, plan: plan, seed: seed).fitted
        default: fitted = fitPopularity(subset.set)
        }
        return try evaluation.measure(try evaluation.scores(fitted.scorer)).hitRate
    }

    /// Users with few interactions: a seeded share of the test users keep only their first
    /// `sparseKeep` training interactions; every approach is refitted on that training set and
    /// scored on those users, against its main fit on the same users with full histories.
    func shift(train: TrainingSet, evaluation: LeaveOneOutEvaluation, scores: [String: [[Double]]], plan: Plan,
               context: ApplicationContext) throws -> (rows: [ShiftResult], users: Int) {
        var rng = RandomGenerator(seed: context.seed(9))
        let order = rng.permutation(evaluation.users.count)
        let sparseCases = Array(order.prefix(max(1, Int((plan.sparseShare * Double(order.count)).rounded())))).sorted()
        let sparseUsers = Set(sparseCases.map { evaluation.users[$0] })
        var kept: [Interaction] = []
        for history in train.set.historyByUser() {
            guard let u = history.first?.user else { continue }
            kept += sparseUsers.contains(u) ? Array(history.prefix(plan.sparseKeep)) : history
        }
        let shifted = try TrainingSet(try train.set.with(kept))
        context.log("recommend: shift: \(sparseUsers.count) users cut to their first \(plan.sparseKeep) interactions (\(shifted.set.count) training interactions)")
        var values: [(approach: String, inDistribution: Double, shifted: Double)] = []
        for approach in ["end-to-end", "pipeline", "popularity"] {
            let fitted: Fitted
            switch approach {
            case "end-to-end": fitted = try fitNetwork(.neumf, shifted, plan: plan, training: plan.joint, seed: context.seed(10), part: (context, "shift/end-to-end")).fitted
            case "pipeline": fitted = try fitALS(shifted.set, plan: plan, seed: context.seed(11), part: (context, "shift/pipeline")).fitted
            default: fitted = fitPopularity(shifted.set)
            }
            let after = try evaluation.measure(try evaluation.scores(fitted.scorer), cases: sparseCases).hitRate
            let before = try evaluation.measure(scores[approach]!, cases: sparseCases).hitRate
            values.append((approach, before, after))
            context.log("recommend: shift: \(approach) HR@10 on those users \(f(before)) with full histories, \(f(after)) with \(plan.sparseKeep)")
        }
        return (ShiftComparison.rows(metric: "hr@10", values), sparseUsers.count)
    }

    // MARK: - Helpers

    /// Logits of `network` for (user, item) pairs, in evaluation mode, in chunks.
    static func scorer(_ network: NCFNetwork) -> LeaveOneOutEvaluation.Scorer {
        { users, items in
            network.eval()
            defer { network.train() }
            var out: [Double] = []
            out.reserveCapacity(users.count)
            let chunk = 16_384
            var start = 0
            while start < users.count {
                let end = min(users.count, start + chunk)
                var pairs = [Float](repeating: 0, count: 2 * (end - start))
                for r in start..<end { pairs[2 * (r - start)] = Float(users[r]); pairs[2 * (r - start) + 1] = Float(items[r]) }
                let logits = withNoGrad { network(Tensor(shape: [end - start, 2], scalars: pairs)) }
                out += logits.contiguous().scalars.map(Double.init)
                start = end
            }
            return out
        }
    }

    /// Indices of the test cases whose users have the fewest training items (the lowest quartile).
    func fewestQuartile(_ users: [Int], counts: [Int]) -> [Int] {
        let sorted = users.indices.sorted { (counts[users[$0]], $0) < (counts[users[$1]], $1) }
        return Array(sorted.prefix(max(1, users.count / 4))).sorted()
    }

    func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    func f(_ v: Double) -> String { String(format: "%.4f", v) }

    let modelsNote = """
    ## Models

    The NeuMF networks are not expressible in the configuration schema (two id inputs, two towers), so `e2e predict` cannot load them: \
    `models/end-to-end/model.safetensors` and `models/step-by-step/model.safetensors` hold their weights (tensor names as in \
    `NCFNetwork`: `gmfUser.weight`, `mlpItem.weight`, `tower.0.weight`, ..., `output.weight`), and `models/pipeline/als.safetensors` \
    the ALS factors (`user_factors` [users, k], `item_factors` [items, k]).
    """

    func saveModels(neumf: NCFNetwork, stepByStep: NCFNetwork, als: ImplicitALS, context: ApplicationContext) throws {
        let models = context.artifactsDirectory.appendingPathComponent("models", isDirectory: true)
        for folder in ["end-to-end", "step-by-step", "pipeline"] {
            try FileManager.default.createDirectory(at: models.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try neumf.save(to: models.appendingPathComponent("end-to-end/model.safetensors"), metadata: ["approach": "end-to-end", "model": "NeuMF"])
        let k = als.factors
        try SafeTensors.write([("user_factors", Tensor(shape: [als.users, k], scalars: als.userFactors.map(Float.init))),
                               ("item_factors", Tensor(shape: [als.items, k], scalars: als.itemFactors.map(Float.init)))],
                              metadata: ["approach": "pipeline", "model": "implicit ALS"], to: models.appendingPathComponent("pipeline/als.safetensors"))
        try stepByStep.save(to: models.appendingPathComponent("step-by-step/model.safetensors"), metadata: ["approach": "step-by-step", "model": "NeuMF"])
    }

    func maintenanceCosts(networkParameters: Int, pipelineParameters: Int) throws -> [MaintenanceCost] {
        let here = SourceLines.directory(of: #filePath)
        let classic = here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("EndToEndTraining/Classic")
        let network = try MaintenanceCost.counted(approach: "end-to-end", stages: 1, handSetConstants: 7,
                                                  sourceFiles: ["NCFModels.swift", "NCFTraining.swift"], in: here, parameters: networkParameters)
        var pipeline = try MaintenanceCost.counted(approach: "pipeline", stages: 2, handSetConstants: RecommendPipeline.handSetConstantCount,
                                                   sourceFiles: ["RecommendPipeline.swift"], in: here, parameters: pipelineParameters)
        pipeline.linesOfCode += try SourceLines.count(files: ["ImplicitALS.swift"], in: classic)
        return [network, pipeline]
    }

    func setup(data: RecommendData, plan: Plan, train: Int, test: Int) -> String {
        """
        **Task**: recommend movies: for each user, rank the movie they rated last (by timestamp) among 100 candidates, the \
        other 99 sampled from movies they never rated (He et al. 2017's leave-one-out protocol); HR@10 is the share of users whose \
        held-out movie is in the top 10, NDCG@10 weights it by 1/log₂(rank + 2). Ties count as a random order of the tie.

        **Data**: \(data.note). \(data.interactions.users) users, \(data.interactions.items) movies; every rating is an interaction \
        (implicit feedback, the rating value unused). \(train) training interactions, \(test) held out.

        **End-to-end**: NeuMF (GMF with \(plan.factors) factors + MLP tower \(plan.tower.map(String.init).joined(separator: "→")), ReLU; \
        embeddings N(0, 0.01²)) from the (user, item) ids to one logit, log loss on each observed pair and 4 negatives per pair drawn \
        anew each epoch, Adam (lr 0.001, batch \(plan.batchSize)), \(plan.jointEpochs) epochs from random initialization.

        **Step-by-step**: GMF and MLP each trained alone the same way (\(plan.pretrainEpochs) epochs), NeuMF built from both (output \
        layer the two weighted ½, ½) and fine-tuned \(plan.fineTuneEpochs) epochs at lr 0.0001. **Ensemble**: the two pretrained \
        models' probabilities averaged.

        **Pipeline**: implicit ALS (Hu, Koren and Volinsky 2008) on the binary interaction matrix: \(plan.als.factors) factors, \
        λ = \(plan.als.regularization), confidence 1 + \(Int(plan.als.alpha)) on observed cells, \(plan.als.sweeps) sweeps; candidates \
        ranked by x_u·y_i. **Popularity**: candidates ranked by their number of training interactions.

        **Shift**: \(Int(plan.sparseShare * 100)) % of the users (seeded) keep only their first \(plan.sparseKeep) training \
        interactions; every approach is refitted and scored on those users' held-out movies against its main fit on the same users.
        """
    }
}
