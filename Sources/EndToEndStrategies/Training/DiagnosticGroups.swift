import EndToEndNN
import EndToEndTraining

extension GradientDiagnostics {
    /// One group per node, plus the named prefix groups of `options` (matched against the
    /// model's dotted parameter names).
    public static func groups(for model: CompositeModel, options: DiagnosticsOptions, prefix: String = "") -> [Group] {
        var out = model.nodes.map { Group(name: prefix + $0.name, parameters: $0.module.parameters()) }
        let named = model.namedParameters()
        for (name, p) in options.snrGroups.sorted(by: { $0.key < $1.key }) {
            let ps = named.filter { $0.0.hasPrefix(p) }.map(\.1)
            if !ps.isEmpty { out.append(Group(name: prefix + name, parameters: ps)) }
        }
        return out
    }
}
