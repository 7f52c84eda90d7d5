import EndToEnd
import EndToEndNN

/// The learner for ``TeacherChain``: the same shape with `tanh` units,
/// `h_{i+1} = tanh(A_i h_i + c_i)`, and a linear readout to one score.
final class StudentChain: Module, @unchecked Sendable {
    let stages: [Linear]
    let readout: Linear

    init(m: Int, modules n: Int) {
        stages = (0..<n).map { _ in Linear(m, m) }
        readout = Linear(m, 1)
        super.init()
    }

    /// The code after the first `count` modules (the input itself for 0).
    func code(_ x: Tensor, upTo count: Int) -> Tensor {
        var h = x
        for s in stages.prefix(count) { h = s(h).tanh() }
        return h
    }

    override func forward(_ x: Tensor) -> Tensor { readout(code(x, upTo: stages.count)) }
}
