extension GradCheckCatalog {
    /// The fused `lstm` op: sequence-first with biases and initial states, batch-first
    /// without biases or states, one step, a batch of one. The checked function returns
    /// the output sequence and the final hidden and cell states joined, so every output's
    /// gradient path (including the final cell state's) is exercised.
    static func recurrenceCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        func joined(_ r: (output: Tensor, h: Tensor, c: Tensor)) -> Tensor {
            Tensor.concat([r.output.reshaped([-1]), r.h.reshaped([-1]), r.c.reshaped([-1])], axis: 0)
        }
        let (F, H) = (3, 2)
        var c: [GradCheckCase] = []
        c.append(GradCheckCase("lstm", "[T 3, B 2, F 3] biases and states",
                               inputs: [normal([3, 2, F], &rng), normal([4 * H, F], &rng) * 0.5, normal([4 * H, H], &rng) * 0.5,
                                        normal([4 * H], &rng) * 0.5, normal([4 * H], &rng) * 0.5, normal([2, H], &rng), normal([2, H], &rng)]) { x in
            joined(Tensor.lstm(x[0], weightIH: x[1], weightHH: x[2], biasIH: x[3], biasHH: x[4], h0: x[5], c0: x[6]))
        })
        c.append(GradCheckCase("lstm", "batch-first [B 2, T 4, F 3], no bias, zero state",
                               inputs: [normal([2, 4, F], &rng), normal([4 * H, F], &rng) * 0.5, normal([4 * H, H], &rng) * 0.5]) { x in
            joined(Tensor.lstm(x[0], weightIH: x[1], weightHH: x[2], biasIH: nil, biasHH: nil, batchFirst: true))
        })
        c.append(GradCheckCase("lstm", "one step, batch 1, one bias",
                               inputs: [normal([1, 1, F], &rng), normal([4 * H, F], &rng) * 0.5, normal([4 * H, H], &rng) * 0.5,
                                        normal([4 * H], &rng) * 0.5, normal([1, H], &rng), normal([1, H], &rng)]) { x in
            joined(Tensor.lstm(x[0], weightIH: x[1], weightHH: x[2], biasIH: x[3], biasHH: nil, h0: x[4], c0: x[5]))
        })
        c.append(GradCheckCase("lstm", "output sequence of a transposed (strided) input",
                               inputs: [normal([2, 3, F], &rng), normal([4 * H, F], &rng) * 0.5, normal([4 * H, H], &rng) * 0.5,
                                        normal([4 * H], &rng) * 0.5, normal([4 * H], &rng) * 0.5]) { x in
            Tensor.lstm(x[0].transposed(0, 1), weightIH: x[1], weightHH: x[2], biasIH: x[3], biasHH: x[4]).output
        })
        return c
    }
}
