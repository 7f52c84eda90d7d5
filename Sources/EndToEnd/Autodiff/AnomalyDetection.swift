import Foundation

/// Finds the op that first produces a NaN or an infinity, like
/// `torch.autograd.detect_anomaly`: while enabled, every recorded op's output is checked in
/// the forward pass and every gradient it produces in the backward pass, and the first
/// non-finite one is kept with the op's name and the module that was running.
///
/// It costs a pass over every tensor, so it is off by default; training loops check only the
/// loss (and, when that is not finite, replay the step with detection on to name the op).
public enum AnomalyDetection {
    /// Where a non-finite value first appeared.
    public struct Anomaly: Sendable, Equatable, CustomStringConvertible {
        public enum Phase: String, Sendable { case forward, backward }
        public var phase: Phase
        /// The op, e.g. `"log"`, `"matmul"`.
        public var op: String
        /// The innermost module running at the time (its type name), if any.
        public var module: String?
        /// The modules running at the time, outermost first (for a dotted path).
        public var moduleStack: [ObjectIdentifier]
        public var shape: [Int]
        /// `"nan"` or `"inf"`.
        public var kind: String

        public var description: String {
            let what = phase == .forward ? "the output of '\(op)'" : "the gradient computed by '\(op)''s backward"
            return "\(what) (shape \(shape)) holds \(kind)" + (module.map { " in module \($0)" } ?? "")
        }
    }

    nonisolated(unsafe) static var enabled = false
    nonisolated(unsafe) static var first: Anomaly?
    nonisolated(unsafe) static var modules: [(id: ObjectIdentifier, name: String)] = []

    /// Whether detection is on.
    public static var isEnabled: Bool { enabled }

    /// Runs `body` with detection on and returns what it found (the first anomaly, if any).
    public static func run<R>(_ body: () throws -> R) rethrows -> (result: R, anomaly: Anomaly?) {
        let (wasEnabled, wasFirst, wasModules) = (enabled, first, modules)
        enabled = true
        first = nil
        defer { (enabled, first, modules) = (wasEnabled, wasFirst, wasModules) }
        let r = try body()
        return (r, first)
    }

    /// Turns detection on or off for everything that follows (the `anomaly_detection` option).
    public static func setEnabled(_ on: Bool) {
        enabled = on
        first = nil
    }

    /// The first anomaly since detection was switched on (or last taken); clears it.
    public static func take() -> Anomaly? {
        defer { first = nil }
        return first
    }

    /// Marks `module` (its identity and type name) as running while `body` runs.
    public static func within<R>(_ module: AnyObject, name: String, _ body: () -> R) -> R {
        guard enabled else { return body() }
        modules.append((ObjectIdentifier(module), name))
        defer { modules.removeLast() }
        return body()
    }

    /// Checks `t`; records the first non-finite tensor.
    static func check(_ t: Tensor, op: String, phase: Anomaly.Phase) {
        guard enabled, first == nil else { return }
        var kind: String?
        for v in t.contiguous().scalars where !v.isFinite { kind = v.isNaN ? "nan" : "inf"; break }
        guard let kind else { return }
        first = Anomaly(phase: phase, op: op, module: modules.last?.name, moduleStack: modules.map(\.id),
                        shape: t.shape, kind: kind)
    }
}
