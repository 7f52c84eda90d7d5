/// Comparisons (to 0/1 masks), selection with `where`, and element-wise max/min.
extension Tensor {
    /// A mask with 1 where `f(self, other)` holds, else 0. Masks carry no gradient.
    func compare(_ other: Tensor, op: String, _ f: @escaping (Float, Float) -> Bool) -> Tensor {
        withNoGrad { zipElements(other, op: op) { f($0, $1) ? 1 : 0 } }
    }

    /// 1 where equal, else 0 (broadcasting).
    public func eq(_ other: Tensor) -> Tensor { compare(other, op: "eq", ==) }
    /// 1 where not equal, else 0.
    public func ne(_ other: Tensor) -> Tensor { compare(other, op: "ne", !=) }
    /// 1 where `self < other`.
    public func lt(_ other: Tensor) -> Tensor { compare(other, op: "lt", <) }
    /// 1 where `self <= other`.
    public func le(_ other: Tensor) -> Tensor { compare(other, op: "le", <=) }
    /// 1 where `self > other`.
    public func gt(_ other: Tensor) -> Tensor { compare(other, op: "gt", >) }
    /// 1 where `self >= other`.
    public func ge(_ other: Tensor) -> Tensor { compare(other, op: "ge", >=) }

    /// 1 where equal to the scalar.
    public func eq(_ s: Float) -> Tensor { withNoGrad { mapElements { $0 == s ? 1 : 0 } } }
    /// 1 where below the scalar.
    public func lt(_ s: Float) -> Tensor { withNoGrad { mapElements { $0 < s ? 1 : 0 } } }
    /// 1 where above the scalar.
    public func gt(_ s: Float) -> Tensor { withNoGrad { mapElements { $0 > s ? 1 : 0 } } }
    /// 1 where at most the scalar.
    public func le(_ s: Float) -> Tensor { withNoGrad { mapElements { $0 <= s ? 1 : 0 } } }
    /// 1 where at least the scalar.
    public func ge(_ s: Float) -> Tensor { withNoGrad { mapElements { $0 >= s ? 1 : 0 } } }

    /// Element-wise choice: `a` where `condition` is non-zero, else `b` (all broadcast).
    /// Gradients flow to `a` and `b` through the chosen positions only.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        var out = condition.zip3Elements(a, b, op: "where") { $0 != 0 ? $1 : $2 }
        let c = condition.detached()
        let (sa, sb) = (a.shape, b.shape)
        let (na, nb) = (a.requiresGrad, b.requiresGrad)
        out.record(op: "where", inputs: [a, b]) { g in
            [na ? c.zip3Elements(g, Tensor(0), op: "where") { $0 != 0 ? $1 : $2 }.sumToShape(sa) : nil,
             nb ? c.zip3Elements(Tensor(0), g, op: "where") { $0 != 0 ? $1 : $2 }.sumToShape(sb) : nil]
        }
        return out
    }

    /// Element-wise maximum; where equal, each side gets half the gradient (as in PyTorch).
    public func maximum(_ other: Tensor) -> Tensor { Tensor.extremum(self, other, op: "maximum", >) }

    /// Element-wise minimum; where equal, each side gets half the gradient.
    public func minimum(_ other: Tensor) -> Tensor { Tensor.extremum(self, other, op: "minimum", <) }

    static func extremum(_ a: Tensor, _ b: Tensor, op: String, _ better: @escaping (Float, Float) -> Bool) -> Tensor {
        let (ad, bd) = (a.detached(), b.detached())
        let (na, nb) = (a.requiresGrad, b.requiresGrad)
        return binary(a, b, op: op, { better($0, $1) || $0 == $1 ? $0 : $1 }) { g in
            // Share of the gradient each side receives: 1, 0, or 0.5 on ties.
            let wa = ad.zipElements(bd, op: op) { better($0, $1) ? 1 : ($0 == $1 ? 0.5 : 0) }
            return (na ? g * wa : nil, nb ? g * (1 - wa) : nil)
        }
    }
}

/// Element-wise maximum of two tensors.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.maximum(b) }
/// Element-wise minimum of two tensors.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.minimum(b) }
