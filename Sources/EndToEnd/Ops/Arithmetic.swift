import Foundation

/// Broadcasting arithmetic: `+ - * /`, powers and negation, with gradients.
extension Tensor {
    /// Element-wise binary op with broadcasting; `grads(g)` returns the gradients for
    /// `a` and `b` at the broadcast shape, summed back to each input's shape here.
    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, op: String, _ f: @escaping (Float, Float) -> Float,
                       grads: @escaping (Tensor) -> (Tensor?, Tensor?)) -> Tensor {
        var out = a.zipElements(b, op: op, f)
        let sa = a.shape, sb = b.shape
        let needA = a.requiresGrad, needB = b.requiresGrad
        out.record(op: op, inputs: [a, b]) { g in
            let (ga, gb) = grads(g)
            return [needA ? ga?.sumToShape(sa) : nil, needB ? gb?.sumToShape(sb) : nil]
        }
        return out
    }

    /// ``binary(_:_:op:_:grads:)`` with the op as a type: its loop is specialized (see ``ElementOp``).
    @inline(__always)
    static func binary<Op: ElementOp>(_ a: Tensor, _ b: Tensor, op: String, _ kind: Op,
                                      grads: @escaping (Tensor) -> (Tensor?, Tensor?)) -> Tensor {
        var out = a.zipElements(b, op: op, kind)
        let sa = a.shape, sb = b.shape
        let needA = a.requiresGrad, needB = b.requiresGrad
        out.record(op: op, inputs: [a, b]) { g in
            let (ga, gb) = grads(g)
            return [needA ? ga?.sumToShape(sa) : nil, needB ? gb?.sumToShape(sb) : nil]
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, op: "add", AddOp()) { g in (g, g) }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, op: "sub", SubOp()) { g in (g, -g) }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (ad, bd) = (a.detached(), b.detached())
        let (na, nb) = (a.requiresGrad, b.requiresGrad)
        return binary(a, b, op: "mul", MulOp()) { g in (na ? g * bd : nil, nb ? g * ad : nil) }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (ad, bd) = (a.detached(), b.detached())
        let (na, nb) = (a.requiresGrad, b.requiresGrad)
        return binary(a, b, op: "div", DivOp()) { g in
            (na ? g / bd : nil, nb ? -(g * ad) / (bd * bd) : nil)
        }
    }

    /// `self` raised to `exponent`, element-wise with broadcasting.
    public func pow(_ exponent: Tensor) -> Tensor {
        let (ad, bd) = (detached(), exponent.detached())
        let (na, nb) = (requiresGrad, exponent.requiresGrad)
        var outValue = Tensor.zeros([])
        let out = Tensor.binary(self, exponent, op: "pow", { Foundation.pow($0, $1) }) { g in
            let ga = na ? g * bd * ad.zipElements(bd, op: "pow") { Foundation.pow($0, $1 - 1) } : nil
            // d/db a^b = a^b log a; defined as 0 where a == 0 (PyTorch's convention).
            let gb = nb ? g * outValue.zipElements(ad, op: "pow") { $1 == 0 ? 0 : $0 * Foundation.log($1) } : nil
            return (ga, gb)
        }
        outValue = out.detached()
        return out
    }

    /// `self` raised to a constant power.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return square() }
        var out = mapElements { Foundation.pow($0, exponent) }
        let x = detached()
        out.recordUnary(self, op: "pow") { g in g * x.mapElements { exponent * Foundation.pow($0, exponent - 1) } }
        return out
    }

    /// `self * self`.
    public func square() -> Tensor {
        var out = mapElements(0, SquareOp())
        let x = detached()
        out.recordUnary(self, op: "square") { g in g * x * 2 }
        return out
    }

    public static prefix func - (a: Tensor) -> Tensor {
        var out = a.mapElements(0, NegateOp())
        out.recordUnary(a, op: "neg") { g in -g }
        return out
    }

    // Scalar forms avoid materializing a broadcast tensor.

    public static func + (a: Tensor, s: Float) -> Tensor {
        var out = a.mapElements(s, AddOp())
        out.recordUnary(a, op: "add") { g in g }
        return out
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor {
        var out = a.mapElements(s, ReverseSubOp())
        out.recordUnary(a, op: "rsub") { g in -g }
        return out
    }

    public static func * (a: Tensor, s: Float) -> Tensor {
        var out = a.mapElements(s, MulOp())
        out.recordUnary(a, op: "mul") { g in g * s }
        return out
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    public static func / (a: Tensor, s: Float) -> Tensor {
        var out = a.mapElements(s, DivOp())
        out.recordUnary(a, op: "div") { g in g / s }
        return out
    }
    public static func / (s: Float, a: Tensor) -> Tensor {
        var out = a.mapElements(s, ReverseDivOp())
        let x = a.detached()
        out.recordUnary(a, op: "rdiv") { g in g * x.mapElements { -s / ($0 * $0) } }
        return out
    }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }
    public static func += (a: inout Tensor, s: Float) { a = a + s }
    public static func -= (a: inout Tensor, s: Float) { a = a - s }
    public static func *= (a: inout Tensor, s: Float) { a = a * s }
    public static func /= (a: inout Tensor, s: Float) { a = a / s }
}

/// Free-function forms, for code that reads like math.
public func pow(_ a: Tensor, _ b: Tensor) -> Tensor { a.pow(b) }
public func pow(_ a: Tensor, _ b: Float) -> Tensor { a.pow(b) }
