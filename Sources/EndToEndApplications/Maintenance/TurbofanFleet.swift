import EndToEnd
import Foundation

/// A simulated fleet of turbofan engines run until failure, after the C-MAPSS set-up of
/// Saxena, Goebel, Simon & Eklund (2008, "Damage propagation modeling for aircraft engine
/// run-to-failure simulation"), seeded so every run sees the same engines.
///
/// Each engine flies one operating condition per cycle, drawn from C-MAPSS's six (altitude
/// in kft, Mach number, throttle resolver angle); the three settings are recorded with
/// small noise. Its 21 sensors (C-MAPSS's names and typical levels) read a level that the
/// condition sets, times `1 + sensitivity × damage` for the engine's fault mode, plus the
/// engine's manufacturing offset and measurement noise. Seven sensors (T2, P2, P15, epr,
/// farB, Nf_dmd, PCNfR_dmd) depend on the condition only, as in C-MAPSS; the other 14 drift
/// with wear. Damage grows exponentially, as in Saxena et al.'s `1 − d − exp(a tᵇ)` health
/// margin: `D(t) = d₀ + (1 − d₀)(exp(b t/T) − 1)/(exp(b) − 1)`, from the engine's unknown
/// initial wear `d₀` to 1 at failure (cycle `T`), with a per-engine rate `b`.
///
/// Two fault modes act on different sensors: high-pressure-compressor (HPC) degradation
/// (C-MAPSS FD001/FD002) and fan degradation (which FD003/FD004 add).
public struct TurbofanFleet: Sendable {
    /// Which component wears.
    public enum FaultMode: String, Sendable, CaseIterable {
        case hpc, fan
    }

    /// One flight regime: altitude (kft), Mach number, throttle resolver angle (degrees).
    public struct Condition: Sendable, Equatable {
        public var altitude: Double, mach: Double, throttle: Double
    }

    /// C-MAPSS's six operating conditions (FD002/FD004).
    public static let conditions: [Condition] = [
        Condition(altitude: 0, mach: 0, throttle: 100), Condition(altitude: 10, mach: 0.25, throttle: 100),
        Condition(altitude: 20, mach: 0.7, throttle: 100), Condition(altitude: 25, mach: 0.62, throttle: 60),
        Condition(altitude: 35, mach: 0.84, throttle: 100), Condition(altitude: 42, mach: 0.84, throttle: 100),
    ]

    /// One sensor: its level at sea-level static take-off, noise and wear sensitivities.
    struct Sensor {
        var name: String
        var level: Double
        /// Measurement noise, relative to the level.
        var noise: Double
        /// Relative change at failure (damage 1), per fault mode; 0 for condition-only sensors.
        var hpc: Double, fan: Double
    }

    /// C-MAPSS's 21 sensors. Wear shifts are a few noise standard deviations at failure, as
    /// in the C-MAPSS trajectories (T50 rises about 30 °R over its ~9 °R noise in FD001).
    static let sensors: [Sensor] = [
        Sensor(name: "T2", level: 518.67, noise: 0, hpc: 0, fan: 0),
        Sensor(name: "T24", level: 642.5, noise: 0.0008, hpc: 0.0028, fan: 0.0035),
        Sensor(name: "T30", level: 1590, noise: 0.0040, hpc: 0.0140, fan: 0.0040),
        Sensor(name: "T50", level: 1409, noise: 0.0060, hpc: 0.0210, fan: 0.0120),
        Sensor(name: "P2", level: 14.62, noise: 0, hpc: 0, fan: 0),
        Sensor(name: "P15", level: 21.61, noise: 0, hpc: 0, fan: 0),
        Sensor(name: "P30", level: 553.4, noise: 0.0016, hpc: -0.0050, fan: -0.0010),
        Sensor(name: "Nf", level: 2388.1, noise: 0.00003, hpc: 0.00010, fan: -0.00014),
        Sensor(name: "Nc", level: 9065, noise: 0.0010, hpc: 0.0030, fan: 0.0005),
        Sensor(name: "epr", level: 1.3, noise: 0, hpc: 0, fan: 0),
        Sensor(name: "Ps30", level: 47.5, noise: 0.0055, hpc: 0.0190, fan: 0.0030),
        Sensor(name: "phi", level: 521.7, noise: 0.0014, hpc: -0.0050, fan: -0.0010),
        Sensor(name: "NRf", level: 2388.1, noise: 0.00003, hpc: 0.00010, fan: -0.00014),
        Sensor(name: "NRc", level: 8143, noise: 0.0010, hpc: 0.0028, fan: 0.0004),
        Sensor(name: "BPR", level: 8.44, noise: 0.0045, hpc: 0.0120, fan: -0.0160),
        Sensor(name: "farB", level: 0.03, noise: 0, hpc: 0, fan: 0),
        Sensor(name: "htBleed", level: 393, noise: 0.0040, hpc: 0.0090, fan: 0.0110),
        Sensor(name: "Nf_dmd", level: 2388, noise: 0, hpc: 0, fan: 0),
        Sensor(name: "PCNfR_dmd", level: 100, noise: 0, hpc: 0, fan: 0),
        Sensor(name: "W31", level: 38.8, noise: 0.0050, hpc: -0.0150, fan: -0.0210),
        Sensor(name: "W32", level: 23.3, noise: 0.0050, hpc: -0.0150, fan: -0.0230),
    ]

    /// The sensors' names, in channel order.
    public static var sensorNames: [String] { sensors.map(\.name) }
    public static let settingNames = ["altitude", "mach", "throttle"]
    /// Channels per cycle: three settings, then the sensors.
    public static var channels: Int { settingNames.count + sensors.count }
    /// The sensors that drift with wear (C-MAPSS's 14 informative ones).
    public static var wearSensors: [Int] { sensors.indices.filter { sensors[$0].noise > 0 } }

    /// How strongly each sensor's level responds to altitude, Mach and throttle: part of the
    /// engine design, the same for every run (its own fixed seed), so conditions move the
    /// levels far more than wear does (as in FD002, where T50 spans 1100–1430 °R).
    static let response: [[Double]] = {
        var rng = RandomGenerator(seed: 0x7475_7262_6F66_616E)  // "turbofan"
        return sensors.map { s in
            s.name == "PCNfR_dmd" || s.name == "Nf_dmd" ? [0, 0, 0.3] : (0..<3).map { _ in Double(rng.nextNormal()) * 0.25 }
        }
    }()

    /// The condition's multiplier of every sensor's level.
    static func levelFactor(_ c: Condition) -> [Double] {
        let z = [c.altitude / 42 - 0.5, c.mach / 0.84 - 0.5, (c.throttle - 80) / 40]
        return response.map { r in Foundation.exp(r[0] * z[0] + r[1] * z[1] + r[2] * z[2]) }
    }

    /// One engine's recorded cycles.
    public struct Engine: Sendable {
        /// The engine's index in its set.
        public var id: Int
        public var fault: FaultMode
        /// Cycle `T` at which the engine failed (the last cycle of a full trajectory).
        public var lifetime: Int
        /// Cycles recorded: `lifetime` for training engines, fewer for truncated test ones.
        public var observed: Int
        /// `observed × channels` values, row-major: settings then sensors, per cycle.
        public var cycles: [Float]
        /// Condition index of every recorded cycle.
        public var conditions: [Int]
        /// Remaining useful life after the last recorded cycle.
        public var remainingLife: Int { lifetime - observed }
    }

    /// Every engine's draws derive from it.
    public var seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    /// `count` engines of one fault mode flying the conditions `allowed` (indices into
    /// ``conditions``). With `truncate`, each record stops before failure, at a remaining
    /// life drawn uniformly from 5...150 cycles (at least 31 cycles recorded), like the
    /// C-MAPSS test sets; otherwise it runs to failure. `stream` keeps sets apart.
    public func engines(count: Int, fault: FaultMode, allowed: [Int], truncate: Bool, stream: UInt64,
                        lifetimes: ClosedRange<Int> = 128...362) throws -> [Engine] {
        guard count >= 0, !allowed.isEmpty, allowed.allSatisfy({ Self.conditions.indices.contains($0) }) else {
            throw ApplicationError("turbofan fleet: need count >= 0 and conditions in 0..<\(Self.conditions.count), got \(count), \(allowed)")
        }
        guard lifetimes.lowerBound >= 40 else { throw ApplicationError("turbofan fleet: lifetimes must be at least 40 cycles, got \(lifetimes)") }
        let factors = Self.conditions.map(Self.levelFactor)
        return (0..<count).map { id in
            var rng = RandomGenerator(seed: SeedDerivation.derive(seed, [stream, UInt64(id)]))
            let lifetime = lifetimes.lowerBound + rng.nextInt(below: lifetimes.count)
            let initialWear = 0.15 * rng.nextUniformDouble()
            let rate = 2 + 3 * rng.nextUniformDouble()
            let offsets = Self.sensors.map { Double(rng.nextNormal()) * 0.4 * $0.noise }
            var observed = lifetime
            if truncate {
                let rul = 5 + rng.nextInt(below: min(146, lifetime - 31 - 4))
                observed = lifetime - rul
            }
            var cycles = [Float](repeating: 0, count: observed * Self.channels)
            var regimes = [Int](repeating: 0, count: observed)
            for t in 0..<observed {
                let c = allowed[rng.nextInt(below: allowed.count)]
                regimes[t] = c
                let cond = Self.conditions[c]
                let base = t * Self.channels
                cycles[base] = Float(cond.altitude + 0.002 * Double(rng.nextNormal()))
                cycles[base + 1] = Float(cond.mach + 0.0002 * Double(rng.nextNormal()))
                cycles[base + 2] = Float(cond.throttle)
                let s = Double(t + 1) / Double(lifetime)
                let damage = initialWear + (1 - initialWear) * (Foundation.exp(rate * s) - 1) / (Foundation.exp(rate) - 1)
                for (j, sensor) in Self.sensors.enumerated() {
                    let wear = fault == .hpc ? sensor.hpc : sensor.fan
                    let level = sensor.level * factors[c][j]
                    let value = level * (1 + wear * damage + offsets[j] + sensor.noise * Double(rng.nextNormal()))
                    cycles[base + 3 + j] = Float(value)
                }
            }
            return Engine(id: id, fault: fault, lifetime: lifetime, observed: observed, cycles: cycles, conditions: regimes)
        }
    }

    /// Remaining useful life capped at `cap`, the piecewise-linear target of the literature
    /// (Heimes 2008; Babu et al. 2016 and Li et al. 2018 use 125–130): constant while the
    /// engine is healthy, then falling one per cycle.
    public static func cappedLife(_ rul: Int, cap: Int) -> Double { Double(min(rul, cap)) }
}
