import EndToEnd
import EndToEndNN

/// A multilayer perceptron as a ``CompositeModel`` whose blocks are nodes: `block1`…`blockN`
/// (Linear + ReLU each) and `output` (the last Linear), so that local losses and diagnostics can
/// address each layer. PyTorch's default initialization, deterministic for `seed`.
public enum BlockMLP {
    public static func make(inputs: Int, hidden: [Int], classes: Int, seed: UInt64) -> CompositeModel {
        precondition(inputs >= 1 && classes >= 1 && hidden.allSatisfy { $0 >= 1 }, "BlockMLP: sizes must be positive")
        Random.seed(seed)
        var nodes: [CompositeModel.Node] = []
        var width = inputs
        for (i, h) in hidden.enumerated() {
            nodes.append(.init("block\(i + 1)", Sequential(Linear(width, h), ReLU())))
            width = h
        }
        nodes.append(.init("output", Linear(width, classes)))
        return try! CompositeModel(nodes)
    }
}
