import EndToEnd
import Foundation

/// What a non-strict ``Module/loadStateDict(_:strict:renaming:)`` skipped.
public struct StateDictLoadResult: Sendable, Equatable {
    /// Names of the module's parameters and buffers that the state dict did not have.
    public var missing: [String]
    /// Names in the state dict (after renaming) that the module does not have.
    public var unexpected: [String]
}

extension Module {
    /// Every parameter and buffer with its dotted name (`layers.0.weight`), the names
    /// PyTorch's `state_dict()` uses for the same architecture. The tensors share storage
    /// with the module (no copy).
    public func stateDict() -> [(String, Tensor)] {
        namedParameters().map { ($0.0, $0.1.value) } + namedBuffers().map { ($0.0, $0.1.value) }
    }

    /// Copies `tensors` into the module's existing parameters and buffers (in place, so
    /// optimizers and other references to the parameters stay valid).
    ///
    /// `renaming` maps each name in `tensors` to the module's name for it, for example
    /// `{ "layers." + $0 }` to load PyTorch's `nn.Sequential` names (`0.weight`) into a
    /// ``Sequential`` (`layers.0.weight`); ``stateDictName(forSaved:)`` is applied after it.
    /// With `strict`, a missing or unexpected name is an error; shape mismatches always are.
    /// The error lists every problem at once, then one table of both sides' names and
    /// shapes, and nothing is changed unless everything checks.
    @discardableResult
    public func loadStateDict(_ tensors: [String: Tensor], strict: Bool = true,
                              renaming: ((String) -> String)? = nil) throws -> StateDictLoadResult {
        var renamed: [String: Tensor] = [:]
        var sources: [String: String] = [:]
        var collisions: [String] = []
        for key in tensors.keys.sorted() {
            let name = stateDictName(forSaved: renaming?(key) ?? key)
            if let other = sources[name] { collisions.append("'\(other)' and '\(key)' both map to '\(name)'") }
            sources[name] = key
            renamed[name] = tensors[key]
        }
        let targets = stateDictTargets()
        let known = Set(targets.map(\.name))

        var missing: [String] = []
        var mismatches: [String] = []
        for target in targets {
            guard let t = renamed[target.name] else { missing.append(target.name); continue }
            if t.shape != target.shape {
                let from = sources[target.name] == target.name ? "" : " (from '\(sources[target.name]!)')"
                mismatches.append("\(target.name)\(from): model \(shapeText(target.shape)) vs checkpoint \(shapeText(t.shape))")
            }
        }
        let unexpected = renamed.keys.filter { !known.contains($0) }.sorted()

        var problems: [String] = []
        if !collisions.isEmpty { problems.append("\(collisions.count) name collision(s) after renaming: " + collisions.joined(separator: "; ")) }
        if strict && !missing.isEmpty { problems.append("\(missing.count) missing: " + missing.joined(separator: ", ")) }
        if strict && !unexpected.isEmpty {
            problems.append("\(unexpected.count) unexpected: " + unexpected.map { sources[$0] == $0 ? $0 : "\($0) (from '\(sources[$0]!)')" }.joined(separator: ", "))
        }
        if !mismatches.isEmpty { problems.append("\(mismatches.count) shape mismatch(es): " + mismatches.joined(separator: "; ")) }
        guard problems.isEmpty else {
            let table = StateDictTable.render(model: targets.map { ($0.name, $0.shape) },
                                              file: renamed.map { (sources[$0.key]!, $0.key, $0.value.shape) })
            throw CheckpointError("cannot load state dict into \(summary): " + problems.joined(separator: "; ") + "\n" + table)
        }

        withNoGrad {
            for target in targets {
                guard let t = renamed[target.name] else { continue }
                switch target.kind {
                case .parameter(let p): p.assign(t)
                case .buffer(let b): b.value.assign(t)
                }
            }
        }
        return StateDictLoadResult(missing: missing, unexpected: unexpected)
    }

    /// Saves ``stateDict()`` as a safetensors file (atomically), with `metadata`.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict(), metadata: metadata, to: url)
    }

    /// Loads a safetensors file written by ``save(to:metadata:)``, by
    /// ``Checkpoint/save(model:optimizer:extra:to:)`` (its model tensors; the optimizer state
    /// is ignored) or by PyTorch (`safetensors.torch.save_file(model.state_dict(), ...)`);
    /// see ``loadStateDict(_:strict:renaming:)``. Returns the file's metadata.
    ///
    /// Without `renaming`, names may carry a prefix that the module's names lack, such as
    /// `model.` or `module.` (a wrapped model's `state_dict()`): the shortest prefix shared
    /// by every name under which the names match is stripped. A mismatch throws one table
    /// of both sides' names and shapes.
    @discardableResult
    public func load(from url: URL, strict: Bool = true, renaming: ((String) -> String)? = nil) throws -> [String: String] {
        var (tensors, metadata) = try SafeTensors.read(contentsOf: url)
        if metadata[Checkpoint.formatKey] == Checkpoint.formatValue {
            tensors = Dictionary(uniqueKeysWithValues: tensors.compactMap { k, v in
                k.hasPrefix("model.") ? (String(k.dropFirst("model.".count)), v) : nil
            })
        }
        let rename = renaming ?? StateDictTable.prefixRenaming(for: Array(tensors.keys), module: self)
        do { try loadStateDict(tensors, strict: strict, renaming: rename) } catch let e as CheckpointError { throw e.attributed(to: url) }
        return metadata
    }

    /// The parameters and buffers that a state dict fills, in ``stateDict()`` order.
    func stateDictTargets() -> [StateDictTarget] {
        namedParameters().map { StateDictTarget(name: $0.0, shape: $0.1.shape, kind: .parameter($0.1)) }
            + namedBuffers().map { StateDictTarget(name: $0.0, shape: $0.1.shape, kind: .buffer($0.1)) }
    }
}

/// One tensor of a module's state dict.
struct StateDictTarget {
    enum Kind { case parameter(Parameter), buffer(Buffer) }
    let name: String
    let shape: [Int]
    let kind: Kind
}

/// Training checkpoints: a model's tensors and an optimizer's state in one safetensors file,
/// so that training resumes exactly where it stopped.
///
/// Layout: model tensors under `model.<name>`, optimizer state under
/// `optimizer.<index>.<key>` (the index of the parameter in `optimizer.parameters`, the key
/// of its state such as `m`, `v`, `step`, `momentum`), and in the metadata the optimizer's
/// type, step count, and each group's learning rate and weight decay, plus the caller's
/// `extra` entries under `extra.<key>`.
public enum Checkpoint {
    static let formatKey = "format"
    static let formatValue = "endtoend.checkpoint.v1"

    /// Writes `model` (and `optimizer`'s state) to `url` atomically.
    public static func save(model: Module, optimizer: Optimizer? = nil, extra: [String: String] = [:], to url: URL) throws {
        var tensors = model.stateDict().map { ("model." + $0.0, $0.1) }
        var metadata: [String: String] = [formatKey: formatValue]
        for (k, v) in extra { metadata["extra." + k] = v }
        if let optimizer {
            let parameters = optimizer.parameters
            metadata["optimizer.type"] = String(describing: type(of: optimizer))
            metadata["optimizer.stepCount"] = String(optimizer.stepCount)
            metadata["optimizer.parameterCount"] = String(parameters.count)
            metadata["optimizer.groupCount"] = String(optimizer.groups.count)
            for (i, g) in optimizer.groups.enumerated() {
                // Float's description is the shortest text that parses back to the same value.
                metadata["optimizer.group.\(i).learningRate"] = "\(g.learningRate)"
                metadata["optimizer.group.\(i).weightDecay"] = "\(g.weightDecay)"
                metadata["optimizer.group.\(i).parameterCount"] = String(g.parameters.count)
            }
            for (i, p) in parameters.enumerated() {
                guard let state = optimizer.state[ObjectIdentifier(p)] else { continue }
                for key in state.keys.sorted() { tensors.append(("optimizer.\(i).\(key)", state[key]!)) }
            }
        }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// Restores `model` (strictly) and, if given, `optimizer`'s state, group learning rates
    /// and weight decays from a file written by ``save(model:optimizer:extra:to:)``.
    /// Returns the `extra` entries. The optimizer must be built like the saved one (same
    /// type, groups and parameter order); its previous state is replaced.
    ///
    /// The saved step count (`optimizer.stepCount` in the metadata, see ``savedStepCount(at:)``)
    /// is restored into `Optimizer.stepCount`, and per-parameter state (Adam's moments and
    /// `step`) with it, so updates resume exactly.
    @discardableResult
    public static func load(into model: Module, optimizer: Optimizer? = nil, from url: URL) throws -> [String: String] {
        let (tensors, metadata) = try SafeTensors.read(contentsOf: url)
        func fail(_ message: String) -> CheckpointError { CheckpointError(message, file: url) }
        guard metadata[formatKey] == formatValue else {
            throw fail("not a training checkpoint (metadata '\(formatKey)' is \(metadata[formatKey].map { "'\($0)'" } ?? "absent"), expected '\(formatValue)')")
        }
        var modelTensors: [String: Tensor] = [:]
        var optimizerTensors: [(index: Int, key: String, tensor: Tensor)] = []
        var unexpected: [String] = []
        for (name, t) in tensors {
            if name.hasPrefix("model.") {
                modelTensors[String(name.dropFirst("model.".count))] = t
            } else if name.hasPrefix("optimizer.") {
                let rest = name.dropFirst("optimizer.".count)
                guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), index >= 0 else {
                    unexpected.append(name); continue
                }
                optimizerTensors.append((index, String(rest[rest.index(after: dot)...]), t))
            } else {
                unexpected.append(name)
            }
        }
        guard unexpected.isEmpty else {
            throw fail("unexpected tensor names (neither model.<name> nor optimizer.<index>.<key>): " + unexpected.sorted().joined(separator: ", "))
        }

        // Check the optimizer fully before changing anything.
        var newState: [ObjectIdentifier: [String: Tensor]] = [:]
        var rates: [(Float, Float)] = []
        if let optimizer {
            let parameters = optimizer.parameters
            guard let savedType = metadata["optimizer.type"] else { throw fail("the checkpoint has no optimizer state") }
            var problems: [String] = []
            let type = String(describing: Swift.type(of: optimizer))
            if savedType != type { problems.append("optimizer type is \(type), saved \(savedType)") }
            if metadata["optimizer.parameterCount"] != String(parameters.count) {
                problems.append("optimizer has \(parameters.count) parameters, saved \(metadata["optimizer.parameterCount"] ?? "?")")
            }
            if metadata["optimizer.groupCount"] != String(optimizer.groups.count) {
                problems.append("optimizer has \(optimizer.groups.count) groups, saved \(metadata["optimizer.groupCount"] ?? "?")")
            }
            if problems.isEmpty {
                for (i, g) in optimizer.groups.enumerated() {
                    if metadata["optimizer.group.\(i).parameterCount"] != String(g.parameters.count) {
                        problems.append("group \(i) has \(g.parameters.count) parameters, saved \(metadata["optimizer.group.\(i).parameterCount"] ?? "?")")
                    }
                    guard let lr = metadata["optimizer.group.\(i).learningRate"].flatMap(Float.init),
                          let wd = metadata["optimizer.group.\(i).weightDecay"].flatMap(Float.init) else {
                        problems.append("group \(i) learning rate or weight decay missing or not a number"); continue
                    }
                    rates.append((lr, wd))
                }
                for (index, key, t) in optimizerTensors {
                    guard index < parameters.count else {
                        problems.append("state 'optimizer.\(index).\(key)' is for parameter \(index) of \(parameters.count)"); continue
                    }
                    newState[ObjectIdentifier(parameters[index]), default: [:]][key] = t
                }
            }
            guard problems.isEmpty else { throw fail("cannot restore optimizer: " + problems.joined(separator: "; ")) }
        }

        var savedSteps: Int? = nil
        if optimizer != nil, let text = metadata["optimizer.stepCount"] {
            guard let n = Int(text), n >= 0 else { throw fail("optimizer.stepCount '\(text)' is not a non-negative integer") }
            savedSteps = n
        }
        do { try model.loadStateDict(modelTensors, strict: true) } catch let e as CheckpointError { throw e.attributed(to: url) }
        if let optimizer {
            optimizer.state = newState
            for (i, (lr, wd)) in rates.enumerated() {
                optimizer.groups[i].learningRate = lr
                optimizer.groups[i].weightDecay = wd
            }
            if let savedSteps { optimizer.restore(stepCount: savedSteps) }
        }
        var extra: [String: String] = [:]
        for (k, v) in metadata where k.hasPrefix("extra.") { extra[String(k.dropFirst("extra.".count))] = v }
        return extra
    }

    /// The optimizer step count stored in a training checkpoint, if it has one.
    public static func savedStepCount(at url: URL) throws -> Int? {
        try SafeTensors.readHeader(contentsOf: url).metadata["optimizer.stepCount"].flatMap { Int($0) }
    }
}
