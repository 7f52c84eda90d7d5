import EndToEnd
import EndToEndNN

/// A model made of named modules wired as a pipeline or a small DAG, so that strategies can
/// address its parts: train one module on its own target, freeze it, stop the gradient in front
/// of it, or attach an auxiliary head to its output.
///
/// Each node applies one module to the model input (`"input"`) or to earlier nodes' outputs
/// (several inputs are concatenated along the last axis). A node with ``Node/Mapping/perItem``
/// applies its module to each item of axis 1 with shared weights: `[B, k, ...]` becomes
/// `[B·k, ...]`, goes through the module, and comes back as `[B, k, ...out]`. This is how one
/// image encoder is applied to each of k images before an aggregator.
///
/// ```swift
/// let model = try CompositeModel([
///     .init("encoder", Sequential(Conv2d(1, 16, kernelSize: 5), ReLU(), ...), mapping: .perItem),
///     .init("aggregator", Sequential(Sigmoid(), Flatten(), Linear(k, 100), ReLU(), Linear(100, 1)),
///           inputs: ["encoder"]),
/// ])
/// let outputs = model.outputs(x)          // ["encoder": [B, k, 1], "aggregator": [B, 1]]
/// ```
public final class CompositeModel: Module, @unchecked Sendable {
    /// The name that refers to the model's input in ``Node/inputs``.
    public static let inputName = "input"

    /// One named module and where its input comes from.
    public struct Node: @unchecked Sendable {
        /// How the module is applied to its input.
        public enum Mapping: String, Sendable, Equatable {
            /// To the whole input.
            case whole
            /// To each item along axis 1, with shared weights.
            case perItem = "per_item"
        }

        public let name: String
        public let module: Module
        /// Node names (or ``CompositeModel/inputName``) whose outputs feed this node. Empty
        /// means the previous node (or the model input for the first node).
        public let inputs: [String]
        public let mapping: Mapping

        public init(_ name: String, _ module: Module, inputs: [String] = [], mapping: Mapping = .whole) {
            self.name = name
            self.module = module
            self.inputs = inputs
            self.mapping = mapping
        }
    }

    /// The nodes in evaluation order; every input names an earlier node or the model input.
    public let nodes: [Node]
    private let resolvedInputs: [[String]]

    /// Validates the wiring: names unique and not `"input"`, inputs defined earlier.
    public init(_ nodes: [Node]) throws {
        guard !nodes.isEmpty else { throw StrategyError("a composite model needs at least one node") }
        var seen: Set<String> = []
        var resolved: [[String]] = []
        for (i, node) in nodes.enumerated() {
            guard !node.name.isEmpty, node.name != Self.inputName, !node.name.contains(".") else {
                throw StrategyError("node \(i): name '\(node.name)' is empty, reserved or contains '.'")
            }
            guard seen.insert(node.name).inserted else {
                throw StrategyError("node \(i): duplicate name '\(node.name)'")
            }
            let inputs = node.inputs.isEmpty ? [i == 0 ? Self.inputName : nodes[i - 1].name] : node.inputs
            for input in inputs where input != Self.inputName && !nodes[..<i].contains(where: { $0.name == input }) {
                throw StrategyError("node '\(node.name)': input '\(input)' is not the model input or an earlier node")
            }
            resolved.append(inputs)
        }
        self.nodes = nodes
        self.resolvedInputs = resolved
        super.init()
    }

    /// Children are named after their nodes, so parameter names read `encoder.layers.0.weight`.
    public override func namedChildren() -> [(String, Module)] { nodes.map { ($0.name, $0.module) } }

    /// Node names in evaluation order.
    public var nodeNames: [String] { nodes.map(\.name) }

    /// The node whose output is the model's output (the last one).
    public var outputNode: String { nodes[nodes.count - 1].name }

    /// The node named `name`.
    public func node(_ name: String) -> Node? { nodes.first { $0.name == name } }

    /// Where node `name` takes its input from.
    public func inputs(of name: String) -> [String] {
        guard let i = nodes.firstIndex(where: { $0.name == name }) else { return [] }
        return resolvedInputs[i]
    }

    /// Every node's output for input `x`.
    ///
    /// - Parameters:
    ///   - stopGradientBefore: nodes whose inputs are detached, so no gradient flows from them
    ///     into earlier nodes (local losses).
    ///   - upTo: stop after this node (the rest is not computed).
    public func outputs(_ x: Tensor, stopGradientBefore: Set<String> = [], upTo: String? = nil) -> [String: Tensor] {
        var values: [String: Tensor] = [Self.inputName: x]
        for (i, node) in nodes.enumerated() {
            let parts = resolvedInputs[i].map { values[$0]! }
            var input = parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: -1)
            if stopGradientBefore.contains(node.name) { input = input.detached() }
            values[node.name] = Self.apply(node, to: input)
            if node.name == upTo { break }
        }
        values[Self.inputName] = nil
        return values
    }

    public override func forward(_ x: Tensor) -> Tensor { outputs(x)[outputNode]! }

    static func apply(_ node: Node, to input: Tensor) -> Tensor {
        switch node.mapping {
        case .whole:
            return node.module(input)
        case .perItem:
            precondition(input.rank >= 2, "CompositeModel: node '\(node.name)' maps per item over axis 1 but its input has shape \(input.shape)")
            let (b, k) = (input.shape[0], input.shape[1])
            let flat = input.reshaped([b * k] + input.shape.dropFirst(2))
            let out = node.module(flat)
            return out.reshaped([b, k] + out.shape.dropFirst())
        }
    }

    /// Parameters of the named nodes.
    public func parameters(ofNodes names: some Sequence<String>) -> [Parameter] {
        let wanted = Set(names)
        return nodes.filter { wanted.contains($0.name) }.flatMap { $0.module.parameters() }
    }

    public override var summary: String {
        "CompositeModel(" + nodes.map { n in
            let src = inputs(of: n.name).joined(separator: "+")
            return "\(n.name)\(n.mapping == .perItem ? "[per item]" : "") <- \(src)"
        }.joined(separator: ", ") + ")"
    }
}
