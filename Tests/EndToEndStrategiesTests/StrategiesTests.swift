import XCTest
@testable import EndToEndStrategies
