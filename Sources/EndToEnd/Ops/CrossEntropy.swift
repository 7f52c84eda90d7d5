import EndToEndKernels
import Foundation

/// Softmax cross-entropy from logits and class indices as one differentiable op.
///
/// Why one op: `logSoftmax`, `gather`, a reshape, a negation and a mean are five graph
/// nodes, five allocations and a scatter in backward; fused, the gradient is
/// `(softmax − onehot)·scale` in one pass over the logits.
extension Tensor {
    /// `−log softmax(self)[i, targets[i]]` over the rows of `self` `[N, C]`, averaged over
    /// the rows (`mean: true`, PyTorch's default reduction) or summed.
    /// Targets must be in `0..<C`.
    public func softmaxCrossEntropy(_ targets: IntTensor, mean: Bool = true) -> Tensor {
        if let error = Tensor.softmaxCrossEntropyError(shape, targets: targets) { fail(error) }
        let (n, c) = (shape[0], shape[1])
        let x = contiguousCopyIfNeeded()
        let t = targets.scalars
        // Row log-sum-exps are kept for backward: softmax = exp(x − lse). Rows split over the
        // threads (the language models' [2048, 98] logits took 1 % of a step on one thread
        // while the other waited); each row's loss is kept and summed in order afterwards, so
        // the total does not depend on the thread count.
        var lse = [Float](repeating: 0, count: n)
        var rowLoss = [Float](repeating: 0, count: n)
        let px = x.storage.pointer + x.offset
        let grain = Swift.max(1, (1 << 14) / Swift.max(c, 1))
        lse.withUnsafeMutableBufferPointer { lb in
            rowLoss.withUnsafeMutableBufferPointer { rb in
                let (pl, pr) = (lb.baseAddress!, rb.baseAddress!)
                parallelFor(n, grain: grain) { range in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: Swift.max(c, 1)) { tmp in
                        let e = tmp.baseAddress!
                        for i in range {
                            let row = px + i * c
                            let (m, s) = SoftmaxKernels.shiftedExp(row, into: e, count: c)
                            pl[i] = Foundation.log(s) + m
                            pr[i] = pl[i] - row[Int(t[i])]
                        }
                    }
                }
            }
        }
        var total: Double = 0
        for v in rowLoss { total += Double(v) }
        let rowLSE = lse
        let scale: Float = mean ? (n > 0 ? 1 / Float(n) : .nan) : 1
        var out = Tensor(mean ? Float(total / Double(n)) : Float(total))
        let inShape = shape
        out.recordUnary(self, op: "softmaxCrossEntropy") { g in
            let k = g.item * scale
            // Captures `x`, which keeps the logits alive until the graph is freed.
            let px = x.storage.pointer + x.offset
            return Tensor(shape: inShape) { d, _ in
                parallelFor(n, grain: grain) { range in
                    for i in range {
                        let row = px + i * c, drow = d + i * c
                        for j in 0..<c { drow[j] = row[j] - rowLSE[i] }
                        VectorMath.exp(drow, drow, count: c)
                        for j in 0..<c { drow[j] *= k }
                        drow[Int(t[i])] -= k
                    }
                }
            }
        }
        return out
    }

    /// Why ``softmaxCrossEntropy(_:mean:)`` would refuse these arguments, or `nil`.
    public static func softmaxCrossEntropyError(_ shape: [Int], targets: IntTensor) -> TensorError? {
        guard shape.count == 2, targets.shape == [shape[0]] else {
            return TensorError("softmaxCrossEntropy", "logits must be [N, C] and targets [N], got \(shapeString(shape)) and \(shapeString(targets.shape))")
        }
        for (i, v) in targets.scalars.enumerated() where v < 0 || Int(v) >= shape[1] {
            return TensorError("softmaxCrossEntropy", "target \(v) at position \(i) is outside 0..<\(shape[1])")
        }
        return nil
    }
}
