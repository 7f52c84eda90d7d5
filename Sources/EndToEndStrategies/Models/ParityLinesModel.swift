import EndToEnd
import EndToEndNN

/// The network of Shalev-Shwartz, Shamir & Shammah 2017, §3.1, for the parity of k line images,
/// as a ``CompositeModel`` with two nodes:
///
/// - `encoder`, applied to each of the k images with shared weights: conv 5×5 (16) + ReLU +
///   max pool 2; conv 5×5 (16) + ReLU + max pool 2; FC 50 + ReLU; FC 100 + ReLU; FC 1 (the
///   image's score, whose target is the image's own label θ < π/2);
/// - `aggregator`: a sigmoid on each score, the k values concatenated, FC 100 + ReLU, FC 1
///   (the parity score).
///
/// Weights are drawn from a truncated normal with standard deviation 1/√fan_in, biases are zero.
public enum ParityLinesModel {
    /// Parameter-name prefix of the encoder's last layer, for SNR measurements.
    public static let encoderLastLayer = "encoder.layers.11."

    /// A freshly initialized model for k images, deterministic for `seed`.
    public static func make(k: Int, seed: UInt64) -> CompositeModel {
        precondition(k >= 1, "ParityLinesModel: k must be at least 1, got \(k)")
        Random.seed(seed)
        let encoder = Sequential(
            Conv2d(1, 16, kernelSize: 5), ReLU(), MaxPool2d(2),
            Conv2d(16, 16, kernelSize: 5), ReLU(), MaxPool2d(2),
            Flatten(), Linear(256, 50), ReLU(), Linear(50, 100), ReLU(), Linear(100, 1))
        let aggregator = Sequential(Sigmoid(), Flatten(), Linear(k, 100), ReLU(), Linear(100, 1))
        let model = try! CompositeModel([
            .init("encoder", encoder, mapping: .perItem),
            .init("aggregator", aggregator),
        ])
        initialize(model)
        return model
    }

    /// The task: hinge loss on the parity, and a hinge loss on each image's score against its
    /// own label (the intermediate target `image_labels` of ``ParityLines``).
    public static var task: Task {
        Task(objective: .hinge, intermediates: [
            InterfaceTarget(node: "encoder", source: .intermediate("image_labels"), objective: .hinge),
        ])
    }

    /// Truncated normal weights with std 1/√fan_in, zero biases (the paper's initialization).
    public static func initialize(_ model: Module) {
        for (name, p) in model.namedParameters() {
            if name.hasSuffix("bias") {
                p.assign(Tensor.zeros(p.shape))
            } else {
                let fanIn = p.shape.dropFirst().reduce(1, *)
                p.assign(Initializer.truncatedNormal(p.shape, std: 1 / Float(fanIn).squareRoot()))
            }
        }
    }
}
