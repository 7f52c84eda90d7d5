import EndToEnd

/// The base class of every layer and model, like PyTorch's `nn.Module`.
///
/// Subclasses declare their parameters (``Parameter``) and sub-modules (``Module``, arrays
/// of modules, optionals) as stored properties; they are found automatically by
/// reflection, with stable dotted names such as `encoder.layers.0.weight`. Override
/// ``forward(_:)`` for single-input modules; ``callAsFunction(_:)`` calls it.
///
/// ```swift
/// final class MLP: Module {
///     let hidden = Linear(784, 128)
///     let output = Linear(128, 10)
///     override func forward(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
/// }
/// ```
open class Module: @unchecked Sendable {
    /// Training mode (dropout active, batch norm updating statistics) or evaluation mode.
    public private(set) var isTraining = true

    public init() {}

    /// The module's computation. Subclasses with one input override this.
    open func forward(_ x: Tensor) -> Tensor {
        fatalError("\(type(of: self)) does not override forward(_:)")
    }

    /// Applies the module: `model(x)`.
    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }

    /// Direct sub-modules with their names, in declaration order.
    open func namedChildren() -> [(String, Module)] {
        var out: [(String, Module)] = []
        Module.reflect(self) { name, value in
            switch value {
            case let m as Module: out.append((name, m))
            case let ms as [Module]: for (i, m) in ms.enumerated() { out.append(("\(name).\(i)", m)) }
            default: break
            }
        }
        return out
    }

    /// The module's own parameters (not those of sub-modules), in declaration order.
    open func namedOwnParameters() -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        Module.reflect(self) { name, value in
            switch value {
            case let p as Parameter: out.append((name, p))
            case let ps as [Parameter]: for (i, p) in ps.enumerated() { out.append(("\(name).\(i)", p)) }
            default: break
            }
        }
        return out
    }

    /// The module's own buffers (not those of sub-modules), in declaration order.
    open func namedOwnBuffers() -> [(String, Buffer)] {
        var out: [(String, Buffer)] = []
        Module.reflect(self) { name, value in
            if let b = value as? Buffer { out.append((name, b)) }
        }
        return out
    }

    /// This module's name for a tensor that a checkpoint stores as `name`. The default
    /// keeps the name; a module whose naming changed overrides it so that files written
    /// with the old names still load (see ``loadStateDict(_:strict:renaming:)``).
    open func stateDictName(forSaved name: String) -> String { name }

    /// Every buffer in the tree with its dotted name.
    public func namedBuffers() -> [(String, Buffer)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Buffer)] = []
        for (prefix, m) in namedModules() {
            for (n, b) in m.namedOwnBuffers() where seen.insert(ObjectIdentifier(b)).inserted {
                out.append((prefix.isEmpty ? n : prefix + "." + n, b))
            }
        }
        return out
    }

    /// Every parameter in the tree with its dotted name, parents before children. A
    /// parameter shared by two modules is listed once, under its first name.
    public func namedParameters() -> [(String, Parameter)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Parameter)] = []
        func visit(_ m: Module, _ prefix: String) {
            for (n, p) in m.namedOwnParameters() where seen.insert(ObjectIdentifier(p)).inserted {
                out.append((prefix + n, p))
            }
            for (n, c) in m.namedChildren() { visit(c, prefix + n + ".") }
        }
        visit(self, "")
        return out
    }

    /// Every parameter in the tree.
    public func parameters() -> [Parameter] { namedParameters().map(\.1) }

    /// Parameters that currently require gradients.
    public func trainableParameters() -> [Parameter] { parameters().filter(\.requiresGrad) }

    /// Every module in the tree with its dotted name (`""` for `self`).
    public func namedModules() -> [(String, Module)] {
        var out: [(String, Module)] = [("", self)]
        for (n, c) in namedChildren() {
            out += c.namedModules().map { ($0.0.isEmpty ? n : n + "." + $0.0, $0.1) }
        }
        return out
    }

    /// Total number of scalars in all parameters (shared ones counted once).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Number of scalars in trainable parameters.
    public var trainableParameterCount: Int { trainableParameters().reduce(0) { $0 + $1.count } }

    /// Switches this module and all sub-modules to training mode.
    public func train(_ on: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = on }
    }

    /// Switches this module and all sub-modules to evaluation mode.
    public func eval() { train(false) }

    /// Stops gradients to every parameter in this module's tree.
    public func freeze() { for p in parameters() { p.requiresGrad = false } }

    /// Makes every parameter in this module's tree trainable again.
    public func unfreeze() { for p in parameters() { p.requiresGrad = true } }

    /// Clears the gradients of every parameter.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    /// A short description of this module alone, e.g. `Linear(784 -> 10)`.
    open var summary: String { String(describing: type(of: self)) }

    /// The module tree with parameter shapes and counts.
    public var treeDescription: String {
        var lines: [String] = []
        func visit(_ m: Module, _ name: String, _ indent: String) {
            let own = m.namedOwnParameters().map { "\($0.0) \(shapeText($0.1.shape))\($0.1.requiresGrad ? "" : " frozen")" }
            lines.append(indent + (name.isEmpty ? "" : name + ": ") + m.summary + (own.isEmpty ? "" : "  [" + own.joined(separator: ", ") + "]"))
            for (n, c) in m.namedChildren() { visit(c, n, indent + "  ") }
        }
        visit(self, "", "")
        lines.append("parameters: \(parameterCount) (\(trainableParameterCount) trainable)")
        return lines.joined(separator: "\n")
    }

    /// Walks stored properties of every class in the hierarchy, unwrapping optionals.
    static func reflect(_ object: Any, _ visit: (String, Any) -> Void) {
        var mirror: Mirror? = Mirror(reflecting: object)
        var chain: [Mirror] = []
        while let m = mirror { chain.append(m); mirror = m.superclassMirror }
        // Base class properties first, so names follow declaration order through inheritance.
        for m in chain.reversed() {
            for child in m.children {
                guard var name = child.label else { continue }
                if name.hasPrefix("_") { name.removeFirst() }  // property wrappers, lazy storage
                if name.hasPrefix("$__lazy_storage_$_") { name.removeFirst("$__lazy_storage_$_".count) }
                let unwrapped = unwrapOptional(child.value)
                if let value = unwrapped { visit(name, value) }
            }
        }
    }

    static func unwrapOptional(_ value: Any) -> Any? {
        let m = Mirror(reflecting: value)
        guard m.displayStyle == .optional else { return value }
        return m.children.first.map { $0.value }
    }
}

extension Module: CustomStringConvertible {
    public var description: String { treeDescription }
}

func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
