// swift-tools-version: 6.0
// libFuzzer targets for EndToEnd's parsers, apart from the main package so that its
// `swift build` and `swift test` never see `-sanitize=fuzzer`. Build and run with
// scripts/fuzz.sh (Linux: `swift build -c release -Xswiftc -sanitize=fuzzer --package-path Fuzz`).
import PackageDescription

let package = Package(
    name: "EndToEndFuzz",
    dependencies: [.package(name: "EndToEnd", path: "..")],
    targets: [
        .executableTarget(
            name: "e2e-fuzz",
            dependencies: [
                .product(name: "EndToEndData", package: "EndToEnd"),
                .product(name: "EndToEndNN", package: "EndToEnd"),
                .product(name: "EndToEndTraining", package: "EndToEnd"),
            ],
            path: "Sources/e2e-fuzz"),
    ],
    swiftLanguageModes: [.v6]
)
