/// One vertex of the dynamic autodiff graph.
///
/// A *leaf* node belongs to a tensor created with ``Tensor/requiringGrad()`` (a parameter)
/// and accumulates its gradient across backward passes until cleared. An *op* node is made
/// when an operation runs on inputs that require gradients; it keeps its parents and a
/// closure that maps the gradient of its output to gradients of its inputs. Backward drops
/// the closures (and with them every tensor saved for backward) so memory stays flat.
final class GradNode: @unchecked Sendable {
    /// Name of the op that produced the tensor, or `"leaf"`.
    let op: String
    /// Shape of the tensor this node belongs to.
    let shape: [Int]
    /// Autodiff nodes of the op's inputs, aligned with the closure's returned gradients;
    /// `nil` where an input does not require a gradient.
    var parents: [GradNode?]
    /// Output gradient -> input gradients. `nil` for leaves and after the graph is freed.
    var backwardFn: ((Tensor) -> [Tensor?])?
    /// Accumulated gradient: persistent for leaves, per-pass for op nodes.
    var grad: Tensor?
    /// Whether an op node keeps its gradient after backward (``Tensor/retainGrad()``).
    var retainsGrad = false
    let isLeaf: Bool

    init(leafWithShape shape: [Int]) {
        op = "leaf"
        self.shape = shape
        parents = []
        isLeaf = true
    }

    init(op: String, shape: [Int], parents: [GradNode?], backward: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.shape = shape
        self.parents = parents
        backwardFn = backward
        isLeaf = false
    }

    /// Adds `g` to the pending gradient.
    func accumulate(_ g: Tensor) {
        if let existing = grad { grad = existing + g } else { grad = g }
    }
}
