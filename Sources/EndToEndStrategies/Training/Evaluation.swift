import EndToEnd
import EndToEndData
import EndToEndNN

/// Test metrics of a model (or a combined ensemble) given as a function from inputs to node
/// outputs: `test_loss` and `test_accuracy` at the output, `<node>_accuracy` at every
/// interface that has a target and appears in the outputs.
func evaluate(_ setup: StrategySetup, modules: [Module], includeLoss: Bool = true,
              outputs: (Tensor) -> [String: Tensor], outputNode: String) -> [String: Double] {
    for m in modules { m.eval() }
    defer { for m in modules { m.train() } }
    var lossSum = 0.0, examples = 0
    var correct: [String: (Int, Int)] = [:]
    withNoGrad {
        for indices in setup.test.sequentialBatches(size: setup.evaluationBatchSize) {
            let batch = setup.test.batch(at: indices)
            let outs = outputs(batch.inputs)
            let target = setup.task.outputTarget(batch)
            let out = outs[outputNode]!
            if includeLoss {
                lossSum += Double(setup.task.objective.loss(out, target).item) * Double(batch.count)
            }
            examples += batch.count
            if setup.task.objective.isClassification {
                let (c, n) = setup.task.objective.correct(out, target)
                correct["test", default: (0, 0)].0 += c
                correct["test", default: (0, 0)].1 += n
            }
            for t in setup.task.intermediates where t.objective.isClassification {
                guard let o = outs[t.node], let tt = t.source.tensor(in: batch) else { continue }
                let (c, n) = t.objective.correct(o, tt)
                correct[t.node, default: (0, 0)].0 += c
                correct[t.node, default: (0, 0)].1 += n
            }
        }
    }
    var metrics: [String: Double] = [:]
    if includeLoss { metrics["test_loss"] = lossSum / Double(max(examples, 1)) }
    for (name, (c, n)) in correct where n > 0 {
        metrics[name == "test" ? "test_accuracy" : "\(name)_accuracy"] = Double(c) / Double(n)
    }
    return metrics
}
