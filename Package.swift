// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "EndToEnd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EndToEnd", targets: ["EndToEnd"]),
        .library(name: "EndToEndNN", targets: ["EndToEndNN"]),
        .library(name: "EndToEndData", targets: ["EndToEndData"]),
        .library(name: "EndToEndTraining", targets: ["EndToEndTraining"]),
        .library(name: "EndToEndKernels", targets: ["EndToEndKernels"]),
        .library(name: "EndToEndStrategies", targets: ["EndToEndStrategies"]),
        .library(name: "EndToEndExperiments", targets: ["EndToEndExperiments"]),
        .library(name: "EndToEndApplications", targets: ["EndToEndApplications"]),
        .executable(name: "e2e", targets: ["e2e"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // Build-time only: `swift package generate-documentation` (DocC); adds nothing to the targets.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Layer 0: raw Float32 kernels (GEMM, BLAS loading, threading). No tensor types.
        // Its C kernels carry per-function ISA attributes (AVX-512, AVX2) chosen at run time.
        .target(name: "EndToEndKernelsC", path: "Sources/EndToEndKernelsC"),
        .target(name: "EndToEndKernels", dependencies: ["EndToEndKernelsC"], path: "Sources/EndToEndKernels"),
        // Layer 1: tensor engine, reverse-mode autodiff and differentiable ops.
        .target(name: "EndToEnd", dependencies: ["EndToEndKernels"], path: "Sources/EndToEnd"),
        // Layer 2: neural-network modules, layers, initializers and optimizers.
        .target(name: "EndToEndNN", dependencies: ["EndToEnd"], path: "Sources/EndToEndNN"),
        // Layer 3: data sets, readers, loaders and transforms.
        .target(name: "EndToEndData", dependencies: ["EndToEnd", "EndToEndKernels"], path: "Sources/EndToEndData"),
        // Layer 4: training loop, metrics, callbacks and reports.
        .target(
            name: "EndToEndTraining",
            dependencies: ["EndToEnd", "EndToEndNN", "EndToEndData", .product(name: "Yams", package: "Yams")],
            path: "Sources/EndToEndTraining"),
        // Layer 5: composite models and training strategies (end-to-end, step-by-step,
        // decomposition, local losses, ensembles) with fair accounting and diagnostics.
        .target(name: "EndToEndStrategies", dependencies: ["EndToEndTraining"], path: "Sources/EndToEndStrategies"),
        // Layer 6: the experiments that reproduce the limits of end-to-end learning.
        .target(name: "EndToEndExperiments", dependencies: ["EndToEndStrategies"], path: "Sources/EndToEndExperiments"),
        // Layer 6: the founding article's applications, end-to-end against the classic pipeline.
        .target(name: "EndToEndApplications", dependencies: ["EndToEndStrategies"], path: "Sources/EndToEndApplications"),
        // Command line.
        .executableTarget(
            name: "e2e",
            dependencies: [
                "EndToEnd", "EndToEndNN", "EndToEndData", "EndToEndTraining", "EndToEndKernels",
                "EndToEndStrategies", "EndToEndExperiments", "EndToEndApplications",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/e2e"),
        .testTarget(name: "EndToEndKernelsTests", dependencies: ["EndToEndKernels"], path: "Tests/EndToEndKernelsTests"),
        .testTarget(name: "EndToEndNNTests", dependencies: ["EndToEndNN"], path: "Tests/EndToEndNNTests", exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndDataTests", dependencies: ["EndToEndData"], path: "Tests/EndToEndDataTests", exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndTrainingTests", dependencies: ["EndToEndTraining"], path: "Tests/EndToEndTrainingTests", exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndStrategiesTests", dependencies: ["EndToEndStrategies"], path: "Tests/EndToEndStrategiesTests"),
        .testTarget(name: "EndToEndExperimentsTests", dependencies: ["EndToEndExperiments"], path: "Tests/EndToEndExperimentsTests", exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndApplicationsTests", dependencies: ["EndToEndApplications"], path: "Tests/EndToEndApplicationsTests", exclude: ["Fixtures"]),
        // The command line, run as a user would (child processes of the built `e2e`).
        .testTarget(name: "e2eTests", dependencies: ["e2e"], path: "Tests/e2eTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["EndToEnd"], path: "Tests/EndToEndTests", exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
