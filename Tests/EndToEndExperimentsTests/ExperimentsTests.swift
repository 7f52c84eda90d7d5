import XCTest
@testable import EndToEndExperiments
