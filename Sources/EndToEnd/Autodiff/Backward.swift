extension Tensor {
    /// Back-propagates from this tensor, accumulating gradients into every leaf it depends on.
    ///
    /// - Parameters:
    ///   - gradient: the gradient of the final objective with respect to `self`. May be
    ///     omitted only for a one-element tensor (a loss), where it defaults to 1.
    ///   - retainGraph: keep the graph so that backward can be called again through it.
    ///     By default the graph is freed, releasing every tensor saved for backward.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        if let error = backwardError(gradient: gradient) { fail(error) }
        let seed = gradient?.detached() ?? Tensor.ones(shape)
        Autodiff.run(root: node!, seed: seed, retainGraph: retainGraph)
    }

    /// Why ``backward(_:retainGraph:)`` would refuse to run, or `nil` if it can.
    public func backwardError(gradient: Tensor? = nil) -> TensorError? {
        guard node != nil else {
            return TensorError("backward", "tensor of shape \(shapeString(shape)) does not require a gradient: no parameter that requires one was used to compute it (or it was computed inside withNoGrad)")
        }
        if let gradient {
            if gradient.shape != shape {
                return TensorError("backward", "gradient of shape \(shapeString(gradient.shape)) does not match tensor shape \(shapeString(shape))")
            }
        } else if count != 1 {
            return TensorError("backward", "called on a non-scalar tensor of shape \(shapeString(shape)); pass a gradient of the same shape, or reduce it (e.g. .sum() or .mean()) first")
        }
        return nil
    }
}

/// The reverse pass over the recorded graph.
enum Autodiff {
    static func run(root: GradNode, seed: Tensor, retainGraph: Bool) {
        let order = topologicalOrder(root)
        withNoGrad {
            if root.isLeaf { root.accumulate(seed); return }
            root.grad = root.grad.map { $0 + seed } ?? seed
            for node in order.reversed() {
                guard !node.isLeaf, let g = node.grad else { continue }
                guard let fn = node.backwardFn else {
                    fail(TensorError("backward", "the graph through '\(node.op)' was already freed by an earlier backward; pass retainGraph: true to the first call to backward through it twice"))
                }
                if !node.retainsGrad { node.grad = nil }
                let grads = fn(g)
                for (i, parent) in node.parents.enumerated() {
                    guard let parent, i < grads.count, let gi = grads[i] else { continue }
                    if AnomalyDetection.enabled { AnomalyDetection.check(gi, op: node.op, phase: .backward) }
                    if gi.shape != parent.shape {
                        fail(TensorError("backward", "op '\(node.op)' produced a gradient of shape \(shapeString(gi.shape)) for an input of shape \(shapeString(parent.shape))"))
                    }
                    parent.accumulate(gi)
                }
                if !retainGraph {
                    node.backwardFn = nil
                    node.parents = []
                }
            }
        }
    }

    /// Nodes reachable from `root`, each after all of its parents (iterative DFS: graphs of
    /// long unrolled sequences are deeper than the call stack allows).
    static func topologicalOrder(_ root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                if let p = node.parents[next], visited.insert(ObjectIdentifier(p)).inserted {
                    stack.append((p, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }
}
