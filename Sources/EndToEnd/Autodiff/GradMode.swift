/// Whether operations currently record the autodiff graph.
public enum GradMode {
    @TaskLocal static var enabled: Bool = true

    /// `true` unless inside ``withNoGrad(_:)``.
    public static var isEnabled: Bool { enabled }
}

/// Runs `body` without recording any autodiff graph, like PyTorch's `torch.no_grad()`.
///
/// Use it for evaluation, for optimizer updates, and for the frozen part of a model in
/// step-by-step training. Results computed inside never require gradients.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabled.withValue(false, operation: body)
}

/// Runs `body` with graph recording switched back on inside an enclosing no-grad scope.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabled.withValue(true, operation: body)
}
