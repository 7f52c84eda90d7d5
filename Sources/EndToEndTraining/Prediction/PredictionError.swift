/// An error while predicting: an unreadable or mismatched input file, a missing
/// checkpoint, an unusable output path. The message names the file and what was expected.
public struct PredictionError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
