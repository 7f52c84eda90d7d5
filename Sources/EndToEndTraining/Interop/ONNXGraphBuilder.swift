import EndToEnd

/// A tensor of the graph being built: its name and its shape, `nil` for the symbolic
/// batch dimension.
struct ONNXValue {
    var name: String
    var shape: [Int?]
    var rank: Int { shape.count }
}

/// Collects nodes and initializers, with unique names, while modules are translated.
final class ONNXGraphBuilder {
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensorProto] = []
    private var used: Set<String> = []
    private var scalars: [String: String] = [:]

    /// `base`, or `base_2`, `base_3`… if it is taken.
    func unique(_ base: String) -> String {
        var name = base, k = 2
        while used.contains(name) { name = "\(base)_\(k)"; k += 1 }
        used.insert(name)
        return name
    }

    /// A float initializer with `tensor`'s values (named after the parameter it holds).
    func initializer(_ name: String, _ tensor: Tensor) -> String {
        initializer(name, dims: tensor.shape, floats: tensor.scalars)
    }

    func initializer(_ name: String, dims: [Int], floats: [Float]) -> String {
        let n = unique(name)
        initializers.append(ONNXTensorProto(name: n, dims: dims, floats: floats))
        return n
    }

    func int64Initializer(_ name: String, _ values: [Int], dims: [Int]? = nil) -> String {
        let n = unique(name)
        initializers.append(ONNXTensorProto(name: n, dims: dims ?? [values.count], int64s: values))
        return n
    }

    /// A shared float scalar constant.
    func scalar(_ v: Float) -> String {
        let key = String(v.bitPattern, radix: 16)
        if let n = scalars[key] { return n }
        let n = initializer("const_\(v)", dims: [], floats: [v])
        scalars[key] = n
        return n
    }

    /// Appends a node with `outputCount` outputs named after `name`; returns their names.
    @discardableResult
    func node(_ op: String, _ inputs: [String], name: String, outputs outputCount: Int = 1,
              _ attributes: [ONNXAttribute] = []) -> [String] {
        let nodeName = unique(name + "/" + op)
        let outs = (0..<outputCount).map { i in unique(outputCount == 1 ? nodeName + ":0" : nodeName + ":\(i)") }
        nodes.append(ONNXNode(opType: op, name: nodeName, inputs: inputs, outputs: outs, attributes: attributes))
        return outs
    }

    /// One-output ``node(_:_:name:outputs:_:)`` as a value of `shape`.
    func apply(_ op: String, _ inputs: [String], name: String, shape: [Int?], _ attributes: [ONNXAttribute] = []) -> ONNXValue {
        ONNXValue(name: node(op, inputs, name: name, attributes)[0], shape: shape)
    }

    /// Renames the output `old` of the node that produces it (to give the graph output a
    /// stable name); false when no node produces it (it is a graph input).
    func renameOutput(_ old: String, to new: String) -> Bool {
        for i in nodes.indices {
            if let j = nodes[i].outputs.firstIndex(of: old) {
                nodes[i].outputs[j] = new
                for k in nodes.indices { nodes[k].inputs = nodes[k].inputs.map { $0 == old ? new : $0 } }
                return true
            }
        }
        return false
    }
}

/// `path.child`, or `child` at the root.
func qualified(_ path: String, _ child: String) -> String { path.isEmpty ? child : path + "." + child }

/// The node-name prefix of the module at `path`.
func label(_ path: String) -> String { path.isEmpty ? "model" : path }

/// `[batch, 3, 28, 28]`-style text of a shape with a symbolic batch.
func text(_ shape: [Int?]) -> String {
    "[" + shape.map { $0.map(String.init) ?? "batch" }.joined(separator: ", ") + "]"
}
