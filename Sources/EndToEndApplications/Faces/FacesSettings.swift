/// How much the faces application runs at each size.
struct FacesSettings: Sendable {
    /// Generated scenes (train: background negatives; test: detection).
    var trainScenes: Int
    var testScenes: Int
    var sceneSide: Int
    /// Background windows cut from the training scenes as extra detector negatives.
    var sceneNegatives: Int
    /// Optimizer steps of each network (the same budget at every data fraction).
    var cnnSteps: Int
    var detectorSteps: Int
    var svmSteps: Int
    /// Test faces whose attributions are drawn, and integrated-gradient steps.
    var attributionExamples: Int
    var integratedGradientSteps: Int

    static func forSize(_ size: ApplicationContext.Size) -> FacesSettings {
        switch size {
        case .smoke:
            return FacesSettings(trainScenes: 2, testScenes: 2, sceneSide: 49, sceneNegatives: 20, cnnSteps: 4, detectorSteps: 4,
                                 svmSteps: 10,
                                 attributionExamples: 2, integratedGradientSteps: 4)
        case .quick:
            return FacesSettings(trainScenes: 40, testScenes: 20, sceneSide: 81, sceneNegatives: 1500, cnnSteps: 300, detectorSteps: 1000,
                                 svmSteps: 1000, attributionExamples: 4, integratedGradientSteps: 32)
        case .full:
            return FacesSettings(trainScenes: 150, testScenes: 100, sceneSide: 97, sceneNegatives: 6000, cnnSteps: 1000, detectorSteps: 8000,
                                 svmSteps: 8000, attributionExamples: 6, integratedGradientSteps: 64)
        }
    }
}
