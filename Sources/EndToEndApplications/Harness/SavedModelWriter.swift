import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

extension SavedModel {
    /// Writes `models/<folder>/` under the context's artefacts folder — the exported examples
    /// (`inputs.npy`, `labels.npy`), the weights (`model.safetensors`) and a config (`configFile`)
    /// whose data section points at the exported arrays where the report will hold them
    /// (`<report>/models/<folder>/`) — so that `e2e predict` and `e2e evaluate` work on the report.
    ///
    /// - Parameters:
    ///   - writeLabels: writes the targets (class labels or regression targets) to the URL given.
    ///   - configText: the config, given the final paths of the inputs and of the labels; it is
    ///     parsed before it is written, so a saved config always loads.
    static func write(approach: String, folder: String, in context: ApplicationContext, model: Module, inputs: Tensor,
                      writeLabels: (URL) throws -> Void, configFile: String,
                      configText: (_ inputs: String, _ labels: String) -> String) throws -> SavedModel {
        let relative = "models/\(folder)"
        let scratch = context.artifactsDirectory.appendingPathComponent(relative, isDirectory: true)
        let final = context.outputDirectory.appendingPathComponent(relative, isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try NPY.write(inputs.contiguous(), to: scratch.appendingPathComponent("inputs.npy"))
        try writeLabels(scratch.appendingPathComponent("labels.npy"))
        try model.save(to: scratch.appendingPathComponent("model.safetensors"), metadata: ["approach": approach])
        let text = configText(final.appendingPathComponent("inputs.npy").path, final.appendingPathComponent("labels.npy").path)
        _ = try TrainingConfig.parse(text, fileName: configFile)  // what is written must load
        try AtomicFile.write(Data(text.utf8), to: scratch.appendingPathComponent(configFile))
        return SavedModel(approach: approach, config: relative + "/" + configFile, checkpoint: relative + "/model.safetensors")
    }
}
