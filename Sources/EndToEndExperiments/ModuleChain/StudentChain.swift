import EndToEnd
import EndToEndNN

/// The learner for ``TeacherChain``: the same shape with `tanh` units,
/// `h_{i+1} = tanh(A_i h_i + c_i)`, and a linear readout to one score.
///
/// Trained module by module, each module is a classifier of the teacher's ±1 code, and the
/// chain passes discrete codes, `h_{i+1} = sign(A_i h_i + c_i)` (`snap`), as the teacher does.
final class StudentChain: Module, @unchecked Sendable {
    let stages: [Linear]
    let readout: Linear

    init(m: Int, modules n: Int) {
        stages = (0..<n).map { _ in Linear(m, m) }
        readout = Linear(m, 1)
        super.init()
    }

    /// The code after the first `count` modules (the input itself for 0); `snap` passes
    /// ±1 codes between modules instead of tanh values.
    func code(_ x: Tensor, upTo count: Int, snap: Bool = false) -> Tensor {
        var h = x
        for s in stages.prefix(count) { h = snap ? TeacherChain.sign(s(h)) : s(h).tanh() }
        return h
    }

    /// The score with tanh codes (differentiable end to end).
    override func forward(_ x: Tensor) -> Tensor { readout(code(x, upTo: stages.count)) }

    /// The score with ±1 codes between modules.
    func snapped(_ x: Tensor) -> Tensor { readout(code(x, upTo: stages.count, snap: true)) }
}
