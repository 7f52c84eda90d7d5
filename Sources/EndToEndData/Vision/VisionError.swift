/// A bad argument to one of the vision stages (HOG, sliding window, boxes), naming the stage.
public struct VisionError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
