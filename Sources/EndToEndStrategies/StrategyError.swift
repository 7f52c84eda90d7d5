/// A strategy, composite model or comparison was set up wrongly (unknown node, missing
/// intermediate target, bad budget...). The message names the thing and what was expected.
public struct StrategyError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
