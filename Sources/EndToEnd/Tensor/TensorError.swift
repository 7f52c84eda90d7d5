/// An error in how a tensor operation was called: a shape mismatch, a bad axis, a bad index.
///
/// The message always names the operation and the shapes involved, e.g.
/// `matmul: inner dimensions differ: [2, 3] x [4, 5]`.
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The operation that rejected its arguments, e.g. `"matmul"`.
    public let op: String
    /// What was wrong, including the shapes.
    public let message: String

    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }

    public var description: String { "\(op): \(message)" }
}

/// Stops the program with a `TensorError`'s message.
///
/// Tensor operations trap on misuse like PyTorch raises: an op on mismatched shapes is a
/// programming error, and making every arithmetic expression `throws` would bury models in
/// `try`. Validation lives in throwing functions (`Shape.broadcast`, `normalizeAxis`, ...)
/// so that callers who want to recover, and the tests, can call those directly.
@inline(never)
func fail(_ error: TensorError, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError(error.description, file: file, line: line)
}

/// Runs a throwing shape check and traps with its message if it throws.
@inline(__always)
func check<R>(_ body: () throws(TensorError) -> R) -> R {
    do { return try body() } catch { fail(error) }
}

/// Formats a shape the way error messages print it: `[2, 3]`.
func shapeString(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
