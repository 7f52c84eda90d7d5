import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// RNN, LSTM and GRU: PyTorch parity (outputs, final states, gradients), names, shape errors.
/// Fixtures: scripts/make_recurrent_fixtures.py (Fixtures/recurrent.safetensors; each case's
/// configuration is the JSON metadata entry `cases/<case>/config`).
final class RecurrentTests: XCTestCase {
    struct Config: Decodable {
        let kind: String; let input_size, hidden_size, num_layers: Int
        let bias, batch_first: Bool; let nonlinearity: String
    }
    struct Case {
        let config: Config
        let params, grads: [String: Tensor]
        let x, y, hn, w, wh, grad_x: Tensor
        let cn, wc, h0, grad_h0, c0, grad_c0: Tensor?
    }
    static var file: Fixture { Fixtures.recurrent }

    static func recurrentCase(_ name: String) throws -> Case {
        let f = file, p = "cases/\(name)"
        func t(_ key: String) throws -> Tensor { try f.tensor("\(p)/\(key)") }
        func o(_ key: String) throws -> Tensor? { try f.optionalTensor("\(p)/\(key)") }
        return Case(config: try f.metaJSON(Config.self, "\(p)/config"),
                    params: try f.group("\(p)/params"), grads: try f.group("\(p)/grads"),
                    x: try t("x"), y: try t("y"), hn: try t("hn"), w: try t("w"), wh: try t("wh"), grad_x: try t("grad_x"),
                    cn: try o("cn"), wc: try o("wc"), h0: try o("h0"), grad_h0: try o("grad_h0"), c0: try o("c0"), grad_c0: try o("grad_c0"))
    }

    /// `cases/<case>/<what>`, which this case must have.
    static func required(_ value: Tensor?, _ name: String, _ what: String) throws -> Tensor {
        guard let value else { throw FixtureError(description: "fixture recurrent.safetensors has no tensor 'cases/\(name)/\(what)'") }
        return value
    }

    func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        let scale = b.scalars.map { Swift.abs($0) }.max() ?? 0
        for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where Swift.abs(x - y) > 1e-4 * Swift.max(Swift.abs(y), 1e-2 * scale, 1e-3) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)", file: file, line: line); return
        }
    }

    static func make(_ c: Config) -> RecurrentLayer {
        switch c.kind {
        case "rnn":
            return RNN(inputSize: c.input_size, hiddenSize: c.hidden_size, numLayers: c.num_layers,
                       nonlinearity: c.nonlinearity == "relu" ? .relu : .tanh, bias: c.bias, batchFirst: c.batch_first)
        case "lstm":
            return LSTM(inputSize: c.input_size, hiddenSize: c.hidden_size, numLayers: c.num_layers, bias: c.bias, batchFirst: c.batch_first)
        default:
            return GRU(inputSize: c.input_size, hiddenSize: c.hidden_size, numLayers: c.num_layers, bias: c.bias, batchFirst: c.batch_first)
        }
    }

    /// Loads PyTorch's parameters by name, runs forward and backward of the same weighted
    /// sum of output and final states, and compares everything PyTorch recorded.
    func check(_ name: String) throws {
        let c = try Self.recurrentCase(name)
        let module = Self.make(c.config)
        let params = module.namedParameters()
        XCTAssertEqual(params.map(\.0).sorted(), c.params.keys.sorted(), "\(name) parameter names")
        for (n, p) in params {
            let value = try Self.required(c.params[n], name, "params/\(n)")
            XCTAssertEqual(p.shape, value.shape, "\(name) shape of \(n)")
            p.assign(value)
        }
        let x = c.x.requiringGrad()
        let h0 = c.h0?.requiringGrad(), c0 = c.c0?.requiringGrad()
        let y: Tensor, hn: Tensor, cn: Tensor?
        switch module {
        case let lstm as LSTM:
            let state = try h0.map { ($0, try Self.required(c0, name, "c0")) }
            let r = lstm(x, initialState: state)
            (y, hn, cn) = (r.output, r.state.h, r.state.c)
        case let rnn as RNN:
            let r = rnn(x, initialState: h0)
            (y, hn, cn) = (r.output, r.state, nil)
        case let gru as GRU:
            let r = gru(x, initialState: h0)
            (y, hn, cn) = (r.output, r.state, nil)
        default: fatalError()
        }
        assertClose(y, c.y, "\(name) output")
        assertClose(hn, c.hn, "\(name) final h")
        if let cn { assertClose(cn, try Self.required(c.cn, name, "cn"), "\(name) final c") }
        var loss = (y * c.w).sum() + (hn * c.wh).sum()
        if let cn { loss = loss + (cn * (try Self.required(c.wc, name, "wc"))).sum() }
        loss.backward()
        let byName = Dictionary(uniqueKeysWithValues: params)
        for (n, g) in c.grads { assertClose(byName[n]!.grad!, g, "\(name) grad \(n)") }
        assertClose(x.grad!, c.grad_x, "\(name) grad input")
        if let h0 { assertClose(h0.grad!, try Self.required(c.grad_h0, name, "grad_h0"), "\(name) grad h0") }
        if let c0 { assertClose(c0.grad!, try Self.required(c.grad_c0, name, "grad_c0"), "\(name) grad c0") }
        // forward(_:) (Sequential's entry point) is the output from a zero state.
        if h0 == nil { assertClose(module(c.x), c.y, "\(name) forward(_:)") }
    }

    func testRNNTanhMatchesPyTorch() throws { try check("rnn_tanh") }
    func testRNNReLUStackedBatchFirstNoBiasMatchesPyTorch() throws { try check("rnn_relu_2layers_batchfirst_nobias_nostate") }
    func testLSTMStackedBatchFirstMatchesPyTorch() throws { try check("lstm_2layers_batchfirst") }
    func testLSTMUnbatchedMatchesPyTorch() throws { try check("lstm_unbatched") }
    func testGRUStackedMatchesPyTorch() throws { try check("gru_2layers") }
    func testGRUNoBiasNoStateMatchesPyTorch() throws { try check("gru_nobias_nostate") }

    func testParameterNamesShapesAndInit() {
        let lstm = LSTM(inputSize: 4, hiddenSize: 6, numLayers: 2)
        XCTAssertEqual(lstm.namedParameters().map(\.0), [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
        ])
        XCTAssertEqual(lstm.namedParameters().map(\.1.shape), [[24, 4], [24, 6], [24], [24], [24, 6], [24, 6], [24], [24]])
        let bound = 1 / Float(6).squareRoot()
        for p in lstm.parameters() { XCTAssertTrue(p.value.scalars.allSatisfy { Swift.abs($0) <= bound }) }
        let gru = GRU(inputSize: 3, hiddenSize: 5, bias: false)
        XCTAssertEqual(gru.namedParameters().map(\.0), ["weight_ih_l0", "weight_hh_l0"])
        XCTAssertEqual(gru.namedParameters().map(\.1.shape), [[15, 3], [15, 5]])
        XCTAssertEqual(RNN(inputSize: 3, hiddenSize: 5).parameterCount, 5 * 3 + 5 * 5 + 5 + 5)
        // Inside a container the names are prefixed as usual.
        let seq = Sequential(LSTM(inputSize: 2, hiddenSize: 3))
        XCTAssertTrue(seq.namedParameters().map(\.0).contains("layers.0.weight_hh_l0"), "\(seq.namedParameters().map(\.0))")
    }

    func testShapeValidation() {
        let lstm = LSTM(inputSize: 4, hiddenSize: 6, numLayers: 2, batchFirst: true)
        XCTAssertNoThrow(try lstm.validate(input: [3, 5, 4]))
        XCTAssertNoThrow(try lstm.validate(input: [5, 4], states: [("hidden state", [2, 6])]))
        func message(_ input: [Int], _ states: [(name: String, shape: [Int])] = []) -> String {
            do { _ = try lstm.validate(input: input, states: states); return "" } catch { return error.description }
        }
        XCTAssertEqual(message([3, 5, 7]), "LSTM(4 -> 6, layers: 2, batchFirst): input of shape [3, 5, 7] must be [batch, time, 4] or unbatched [time, 4]")
        XCTAssertTrue(message([2, 3, 5, 4]).contains("must be [batch, time, 4]"))
        XCTAssertTrue(message([3, 0, 4]).contains("no time steps"))
        XCTAssertEqual(message([3, 5, 4], [("hidden state", [2, 5, 6])]),
                       "LSTM(4 -> 6, layers: 2, batchFirst): initial hidden state of shape [2, 5, 6] must be [2, 3, 6] ([numLayers, batch, hiddenSize]) for input of shape [3, 5, 4]")
        XCTAssertTrue(message([5, 4], [("cell state", [2, 1, 6])]).contains("must be [2, 6]"))
        let rnn = RNN(inputSize: 2, hiddenSize: 3)
        do { _ = try rnn.validate(input: [4, 2, 3]); XCTFail("expected an error") } catch {
            XCTAssertEqual(error.description, "RNN(2 -> 3): input of shape [4, 2, 3] must be [time, batch, 2] or unbatched [time, 2]")
        }
    }

    func testStatesCarryAcrossCalls() {
        // Running a sequence in two halves with the state carried over equals one run.
        Random.seed(3)
        let gru = GRU(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true)
        let x = Tensor.randn([2, 6, 3], seed: 5)
        let whole = gru(x, initialState: nil)
        let a = gru(x.sliced(axis: 1, 0..<4), initialState: nil)
        let b = gru(x.sliced(axis: 1, 4..<6), initialState: a.state)
        let joined = Tensor.concat([a.output, b.output], axis: 1)
        for (u, v) in zip(joined.scalars, whole.output.scalars) { XCTAssertEqual(u, v, accuracy: 1e-5) }
        for (u, v) in zip(b.state.scalars, whole.state.scalars) { XCTAssertEqual(u, v, accuracy: 1e-5) }
    }

    func testDropoutBetweenLayersOnlyInTraining() {
        let a = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5)
        let b = LSTM(inputSize: 3, hiddenSize: 4, numLayers: 2)
        for (p, q) in zip(a.parameters(), b.parameters()) { q.assign(p.value) }
        let x = Tensor.randn([5, 2, 3], seed: 9)
        XCTAssertNotEqual(a(x).scalars, b(x).scalars, "dropout is active in training mode")
        a.eval()
        XCTAssertEqual(a(x).scalars, b(x).scalars, "dropout is off in evaluation mode")
        XCTAssertEqual(a.summary, "LSTM(3 -> 4, layers: 2, dropout: 0.5)")
    }
}
