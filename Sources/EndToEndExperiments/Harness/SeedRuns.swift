import EndToEnd
import EndToEndTraining
import Foundation

/// Runs an experiment once per seed and aggregates the runs into one result: rows carry the
/// mean test accuracy, its sample standard deviation and every seed's outcome; curves carry the
/// mean with a min–max band.
///
/// Seed index 0 is the root seed itself, so a one-seed run computes exactly what a plain
/// `experiment.run(context)` computes; index i > 0 uses a seed derived from the root with
/// ``SeedDerivation``. Each run's strategy checkpoints live in their own `seed-<i>` scope, so
/// resuming works run by run.
public enum SeedRuns {
    /// The root seed of repetition `index` under `root`.
    public static func seed(root: UInt64, index: Int) -> UInt64 {
        index == 0 ? root : SeedDerivation.derive(root, [0x5EED, UInt64(index)])
    }

    /// Runs `experiment` for `seeds` seeds (at least 1) and summarizes the aggregate.
    public static func run(_ experiment: any Experiment, _ context: ExperimentContext, seeds: Int) throws -> ExperimentResult {
        guard seeds >= 1 else { throw ExperimentError.invalidSetting("--seeds must be at least 1, got \(seeds)") }
        var runs: [ExperimentResult] = [], seedValues: [UInt64] = []
        for i in 0..<seeds {
            var c = context
            c.seed = seed(root: context.seed, index: i)
            c.seedIndex = i
            c.checkpointing = context.checkpointing?.scoped("seed-\(i)")
            if seeds > 1 {
                let log = context.log
                c.log = { log("[seed \(i + 1)/\(seeds)] " + $0) }
                context.log("seed \(i + 1)/\(seeds): root seed \(c.seed)")
            }
            runs.append(try experiment.run(c))
            seedValues.append(c.seed)
        }
        var combined = try combine(runs, seeds: seedValues)
        if runs.count == 1 {
            combined.figures = runs[0].figures
            combined.notes = runs[0].notes
            combined.summaryFields = runs[0].summaryFields
        }
        return try experiment.summarize(combined, runs: runs, context: context)
    }

    /// The aggregate of runs of one experiment under different seeds (same rows and curves in the
    /// same order): rows matched by label, curves by label and metric. Figures, notes and summary
    /// fields are left empty (they belong to ``Experiment/summarize(_:runs:context:)``).
    ///
    /// A row's test accuracy, steps (rounded) and wall time are the means over seeds; a metric is
    /// the mean when it is a number in every seed, the common value when all agree, else null
    /// (the per-seed values are in `perSeed`).
    public static func combine(_ runs: [ExperimentResult], seeds: [UInt64]) throws -> ExperimentResult {
        guard let first = runs.first, seeds.count == runs.count else {
            throw ExperimentError.invalidSetting("seed runs: need one seed per run and at least one run")
        }
        var rows: [ResultRow] = []
        for (r, row) in first.rows.enumerated() {
            var matched: [ResultRow] = []
            for (i, run) in runs.enumerated() {
                guard r < run.rows.count, run.rows[r].label == row.label else {
                    throw ExperimentError.invalidSetting("seed runs: run \(i) has no row '\(row.label)' at position \(r)")
                }
                matched.append(run.rows[r])
            }
            var out = row
            out.testAccuracy = SampleStatistics.mean(matched.map(\.testAccuracy))
            out.steps = Int(SampleStatistics.mean(matched.map { Double($0.steps) }).rounded())
            out.wallSeconds = SampleStatistics.mean(matched.map(\.wallSeconds))
            out.metrics = row.metrics.map { key, _ in
                (key, combineMetric(matched.map { m in m.metrics.first { $0.0 == key }?.1 ?? .null }))
            }
            out.perSeed = zip(seeds, matched).map { seed, m in
                ResultRow.SeedOutcome(seed: seed, testAccuracy: m.testAccuracy, steps: m.steps, metrics: m.metrics)
            }
            rows.append(out)
        }
        let curves = first.curves.map { c in
            combineCurve(c, runs.map { run in run.curves.first { $0.label == c.label && $0.metric == c.metric } ?? Curve(label: c.label, metric: c.metric, points: []) })
        }
        return ExperimentResult(rows: rows, curves: curves, styles: first.styles, setup: first.setup)
    }

    /// Mean of numbers, else the shared value, else null.
    static func combineMetric(_ values: [JSONValue]) -> JSONValue {
        let numbers = values.compactMap { v -> Double? in
            switch v {
            case .int(let i): return Double(i)
            case .double(let d): return d
            default: return nil
            }
        }
        if numbers.count == values.count, values.count > 1 { return .double(SampleStatistics.mean(numbers)) }
        if let f = values.first, values.allSatisfy({ $0 == f }) { return f }
        return .null
    }

    /// The mean curve with a min–max band, on the steps of the longest run; a run that stopped
    /// earlier (e.g. at its target) holds its last value, and every run contributes at a step its
    /// latest point at or before it.
    static func combineCurve(_ reference: Curve, _ curves: [Curve]) -> Curve {
        guard curves.count > 1, let longest = curves.max(by: { $0.points.count < $1.points.count }) else { return reference }
        let points = longest.points.map { p -> Curve.Point in
            let values = curves.compactMap { c in (c.points.last { $0.step <= p.step } ?? c.points.first)?.value }
            return Curve.Point(step: p.step, wallSeconds: p.wallSeconds, value: SampleStatistics.mean(values),
                               low: values.min(), high: values.max())
        }
        return Curve(label: reference.label, metric: reference.metric, points: points)
    }
}
