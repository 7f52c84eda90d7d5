/// An application could not run: bad data, a bad setting, a missing source file.
public struct ApplicationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
