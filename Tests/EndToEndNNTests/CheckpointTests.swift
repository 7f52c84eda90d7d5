import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// Safetensors reading and writing, state dicts, and training checkpoints.
final class CheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() }

    func mlp() -> Sequential { Sequential(Linear(6, 5), ReLU(), Linear(5, 3)) }
    let input = Tensor(shape: [4, 6], scalars: (0..<24).map { Float($0) * 0.17 - 2 })

    /// A file from a header (JSON text, unpadded) and raw data bytes.
    func rawFile(_ name: String, header: String, data: [UInt8] = [], headerLength: UInt64? = nil) throws -> URL {
        let h = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (headerLength ?? UInt64(h.count)).littleEndian) { Array($0) }
        bytes += h + data
        let u = url(name)
        try Data(bytes).write(to: u)
        return u
    }

    func assertReadFails(_ u: URL, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try SafeTensors.read(contentsOf: u)
            XCTFail("reading \(u.lastPathComponent) should fail", file: file, line: line)
        } catch let e as CheckpointError {
            let text = e.description
            XCTAssertTrue(text.contains(u.path), "message does not name the file: \(text)", file: file, line: line)
            for f in fragments { XCTAssertTrue(text.contains(f), "message lacks '\(f)': \(text)", file: file, line: line) }
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
    }

    func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

    // MARK: Format

    func testWriteReadRoundTrip() throws {
        let a = Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .infinity, -0.0, Float(bitPattern: 1)])
        let b = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]).transposed()  // non-contiguous view
        let s = Tensor(7)
        let empty = Tensor.zeros([0, 4])
        let u = url("x.safetensors")
        try SafeTensors.write([("a", a), ("nested.b", b), ("scalar", s), ("empty", empty)], metadata: ["epoch": "3", "path": "a/b"], to: u)
        let (tensors, metadata) = try SafeTensors.read(contentsOf: u)
        XCTAssertEqual(metadata, ["epoch": "3", "path": "a/b"])
        XCTAssertEqual(Set(tensors.keys), ["a", "nested.b", "scalar", "empty"])
        XCTAssertEqual(tensors["a"]!.shape, [2, 3])
        XCTAssertEqual(bits(tensors["a"]!), bits(a))
        XCTAssertEqual(tensors["nested.b"]!.shape, [2, 3])
        XCTAssertEqual(tensors["nested.b"]!.scalars, [1, 3, 5, 2, 4, 6])
        XCTAssertEqual(tensors["scalar"]!.shape, [])
        XCTAssertEqual(tensors["scalar"]!.item, 7)
        XCTAssertEqual(tensors["empty"]!.shape, [0, 4])

        // Layout: header length is a multiple of 8, padded with spaces, and the JSON is plain.
        let bytes = try Data(contentsOf: u)
        let n = Int(bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        XCTAssertEqual(n % 8, 0)
        XCTAssertEqual(bytes.count, 8 + n + 4 * (6 + 6 + 1))
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + n))) as? [String: Any])
        let entry = try XCTUnwrap(header["a"] as? [String: Any])
        XCTAssertEqual(entry["dtype"] as? String, "F32")
        XCTAssertEqual(entry["shape"] as? [Int], [2, 3])
    }

    func testIntegerTensorsAndOtherDtypes() throws {
        // Build a file by hand with F16, BF16, F64, I64 and I32 data.
        var data: [UInt8] = []
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00]  // 1, -2, 0.5, 65504, 2^-24, inf
        halves.forEach(le)
        let bf: [Float] = [1.5, -3, 1e30]
        bf.forEach { le(UInt16($0.bitPattern >> 16)) }
        let doubles: [Double] = [0.1, -1e10]
        doubles.forEach { le($0.bitPattern) }
        let longs: [Int64] = [-3, 5, 1 << 20]
        longs.forEach(le)
        let ints: [Int32] = [7, -8]
        ints.forEach(le)
        let header = """
        {"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"bf":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]},\
        "d":{"dtype":"F64","shape":[2],"data_offsets":[18,34]},"l":{"dtype":"I64","shape":[3],"data_offsets":[34,58]},\
        "i":{"dtype":"I32","shape":[1,2],"data_offsets":[58,66]},"__metadata__":{"k":"v"}}
        """
        let u = try rawFile("dtypes.safetensors", header: header, data: data)
        let (t, m) = try SafeTensors.read(contentsOf: u)
        XCTAssertEqual(m, ["k": "v"])
        XCTAssertEqual(t["h"]!.shape, [2, 3])
        XCTAssertEqual(t["h"]!.scalars, [1, -2, 0.5, 65504, Float(sign: .plus, exponent: -24, significand: 1), .infinity])
        XCTAssertEqual(t["bf"]!.scalars, bf.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
        XCTAssertEqual(t["d"]!.scalars, doubles.map { Float($0) })
        XCTAssertEqual(t["l"]!.scalars, [-3, 5, 1_048_576])
        XCTAssertEqual(t["i"]!.shape, [1, 2])
        XCTAssertEqual(t["i"]!.scalars, [7, -8])

        let (ints2, _) = try SafeTensors.readIntegers(contentsOf: u)
        XCTAssertEqual(Set(ints2.keys), ["l", "i"])
        XCTAssertEqual(ints2["l"], IntTensor(shape: [3], scalars: [-3, 5, 1 << 20]))
        XCTAssertEqual(ints2["i"], IntTensor(shape: [1, 2], scalars: [7, -8]))

        // Integer tensors are written as I64 and read back exactly.
        let w = url("ints.safetensors")
        let labels = IntTensor(shape: [2, 2], scalars: [1, -2, Int32.max, Int32.min])
        try SafeTensors.write([("x", Tensor([1, 2]))], integers: [("labels", labels)], to: w)
        XCTAssertEqual(try SafeTensors.readIntegers(contentsOf: w).tensors["labels"], labels)
        let info = try SafeTensors.readHeader(contentsOf: w).tensors.first { $0.name == "labels" }
        XCTAssertEqual(info?.dtype, .i64)

        let big = try rawFile("big.safetensors", header: #"{"l":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#,
                              data: withUnsafeBytes(of: Int64(1 << 40).littleEndian) { Array($0) })
        XCTAssertThrowsError(try SafeTensors.readIntegers(contentsOf: big)) { e in
            XCTAssertTrue("\(e)".contains("Int32"), "\(e)")
        }
    }

    func testAtomicWrite() throws {
        let u = url("model.safetensors")
        try SafeTensors.write([("w", Tensor([1, 2, 3]))], to: u)
        try SafeTensors.write([("w", Tensor([4, 5, 6]))], metadata: ["v": "2"], to: u)
        XCTAssertEqual(try SafeTensors.read(contentsOf: u).tensors["w"]!.scalars, [4, 5, 6])
        XCTAssertEqual(try listing(), ["model.safetensors"], "no temporary files after success")
        let before = try Data(contentsOf: u)

        // Encoding failure: nothing is touched.
        XCTAssertThrowsError(try SafeTensors.write([("w", Tensor([0])), ("w", Tensor([1]))], to: u)) { e in
            XCTAssertTrue("\(e)".contains("more than once"), "\(e)")
        }
        XCTAssertEqual(try Data(contentsOf: u), before)

        // Writing into a directory that does not exist fails cleanly.
        let missing = directory.appendingPathComponent("no/such/dir/m.safetensors")
        XCTAssertThrowsError(try SafeTensors.write([("w", Tensor([1]))], to: missing)) { e in
            XCTAssertTrue(e is CheckpointError)
            XCTAssertTrue("\(e)".contains("does not exist"), "\(e)")
        }
        XCTAssertEqual(try listing(), ["model.safetensors"])

        // The final rename fails (the destination is a non-empty directory): the temporary
        // file is removed and the destination is unchanged.
        let dirDest = url("occupied")
        try FileManager.default.createDirectory(at: dirDest, withIntermediateDirectories: false)
        try Data([1]).write(to: dirDest.appendingPathComponent("keep"))
        XCTAssertThrowsError(try SafeTensors.write([("w", Tensor([1]))], to: dirDest)) { e in
            XCTAssertTrue("\(e)".contains(dirDest.path), "\(e)")
        }
        XCTAssertEqual(try listing(), ["model.safetensors", "occupied"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dirDest.path), ["keep"])
        XCTAssertEqual(try Data(contentsOf: u), before)
    }

    // MARK: Malformed files

    func testTruncatedFiles() throws {
        let good = url("good.safetensors")
        try SafeTensors.write([("a", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])), ("b", Tensor([7, 8]))], to: good)
        let bytes = try Data(contentsOf: good)
        let n = Int(bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        XCTAssertNoThrow(try SafeTensors.read(contentsOf: good))
        for length in [0, 1, 7] {
            let u = url("short\(length).safetensors")
            try bytes.prefix(length).write(to: u)
            assertReadFails(u, ["\(length) bytes", "shorter than the 8-byte"])
        }
        for length in [8, 9, 8 + n / 2, 8 + n - 1] {
            let u = url("header\(length).safetensors")
            try bytes.prefix(length).write(to: u)
            assertReadFails(u, ["header length \(n)", "larger than"])
        }
        // Cut inside the data: "a" occupies [0, 24), "b" [24, 32).
        for (length, tensor) in [(8 + n, "a"), (8 + n + 10, "a"), (8 + n + 24, "b"), (bytes.count - 1, "b")] {
            let u = url("data\(length).safetensors")
            try bytes.prefix(length).write(to: u)
            assertReadFails(u, ["truncated", "tensor '\(tensor)'", "\(length - 8 - n)-byte data buffer"])
        }
        let huge = try rawFile("huge.safetensors", header: "{}", headerLength: .max)
        assertReadFails(huge, ["header length \(UInt64.max)", "larger than"])
    }

    func testCorruptHeaders() throws {
        assertReadFails(try rawFile("notjson.safetensors", header: "{\"a\": [1, 2"), ["not valid JSON"])
        assertReadFails(try rawFile("garbage.safetensors", header: "\u{7F}ELF\u{01}\u{02}"), ["not valid JSON"])
        assertReadFails(try rawFile("array.safetensors", header: "[1, 2, 3]"), ["not a JSON object"])
        assertReadFails(try rawFile("entry.safetensors", header: #"{"a": 3}"#), ["'a'", "not a JSON object"])
        assertReadFails(try rawFile("meta.safetensors", header: #"{"__metadata__": {"epoch": 3}}"#), ["__metadata__", "epoch", "not a string"])
        assertReadFails(try rawFile("nodtype.safetensors", header: #"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
                        ["'w'", "missing dtype"])
        assertReadFails(try rawFile("noshape.safetensors", header: #"{"w": {"dtype": "F32", "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
                        ["'w'", "missing shape"])
        assertReadFails(try rawFile("nooffsets.safetensors", header: #"{"w": {"dtype": "F32", "shape": [1]}}"#, data: [0, 0, 0, 0]),
                        ["'w'", "missing data_offsets"])
        assertReadFails(try rawFile("none.safetensors", header: #"{"w": {}}"#), ["'w'", "missing dtype, shape, data_offsets"])
        assertReadFails(try rawFile("badshape.safetensors", header: #"{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
                        ["'w'", "shape"])
        assertReadFails(try rawFile("fracshape.safetensors", header: #"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
                        ["'w'", "shape"])
    }

    func testUnsupportedDtype() throws {
        for dtype in ["U8", "F8_E4M3", "BOOL", "f32"] {
            let u = try rawFile("dtype-\(dtype).safetensors", header: #"{"w": {"dtype": "\#(dtype)", "shape": [4], "data_offsets": [0, 4]}}"#,
                                data: [1, 2, 3, 4])
            assertReadFails(u, ["'w'", "unsupported dtype '\(dtype)'", "F32"])
        }
    }

    func testBadOffsets() throws {
        let data = [UInt8](repeating: 0, count: 32)
        assertReadFails(try rawFile("size.safetensors", header: #"{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}"#, data: data),
                        ["'w'", "[2, 3]", "F32", "needs 24 bytes", "[0, 20]", "span 20 bytes"])
        assertReadFails(try rawFile("size64.safetensors", header: #"{"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}"#, data: data),
                        ["'w'", "[2]", "needs 16 bytes", "span 8 bytes"])
        assertReadFails(try rawFile("reversed.safetensors", header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}"#, data: data),
                        ["'w'", "[8, 4]"])
        assertReadFails(try rawFile("outside.safetensors", header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [28, 36]}}"#, data: data),
                        ["'w'", "[28, 36]", "32-byte data buffer"])
        assertReadFails(try rawFile("negative.safetensors", header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#, data: data),
                        ["'w'", "data_offsets"])
        assertReadFails(try rawFile("triple.safetensors", header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}"#, data: data),
                        ["'w'", "pair"])
        assertReadFails(try rawFile("overlap.safetensors", header: """
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [4], "data_offsets": [12, 28]}}
            """, data: data), ["'a' [0, 16]", "'b' [12, 28]", "overlapping"])
        // Non-overlapping, in any order, is fine.
        let ok = try rawFile("ok.safetensors", header: """
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]}, "b": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}
            """, data: data)
        XCTAssertEqual(try SafeTensors.read(contentsOf: ok).tensors.count, 2)
    }

    // MARK: State dicts

    func testStateDictNamesAndRoundTrip() throws {
        Random.seed(1)
        let model = mlp()
        XCTAssertEqual(model.stateDict().map(\.0), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        let u = url("mlp.safetensors")
        try model.save(to: u, metadata: ["note": "hi"])
        let expected = model(input)

        Random.seed(2)
        let fresh = mlp()
        let weight = (fresh.layers[0] as! Linear).weight
        XCTAssertNotEqual(bits(fresh(input)), bits(expected))
        let metadata = try fresh.load(from: u)
        XCTAssertEqual(metadata["note"], "hi")
        XCTAssertEqual(bits(fresh(input)), bits(expected))
        XCTAssertTrue((fresh.layers[0] as! Linear).weight === weight, "parameter identity is kept")
        XCTAssertTrue(weight.requiresGrad)
        XCTAssertEqual(try listing(), ["mlp.safetensors"])
    }

    func testLoadStateDictReportsEveryProblem() throws {
        let model = mlp()
        let good = Dictionary(uniqueKeysWithValues: model.stateDict())
        var bad = good
        bad["layers.0.bias"] = nil
        bad["layers.2.bias"] = nil
        bad["layers.0.weight"] = Tensor.zeros([6, 5])
        bad["layers.2.weight"] = Tensor.zeros([3, 4])
        bad["extra.one"] = Tensor.zeros([1])
        bad["extra.two"] = Tensor.zeros([1])
        let before = model.stateDict().map { bits($0.1) }
        do {
            try model.loadStateDict(bad)
            XCTFail("should fail")
        } catch let e as CheckpointError {
            let text = e.description
            for f in ["2 missing: layers.0.bias, layers.2.bias", "2 unexpected: extra.one, extra.two",
                      "layers.0.weight: model [5, 6] vs checkpoint [6, 5]", "layers.2.weight: model [3, 5] vs checkpoint [3, 4]"] {
                XCTAssertTrue(text.contains(f), "missing '\(f)' in: \(text)")
            }
        }
        XCTAssertEqual(model.stateDict().map { bits($0.1) }, before, "nothing changes on failure")

        // Non-strict: missing and unexpected names are reported, not errors; shapes still are.
        var partial = good
        partial["layers.2.bias"] = nil
        partial["other"] = Tensor([1])
        partial["layers.0.bias"] = Tensor.full([5], 0.25)
        let result = try model.loadStateDict(partial, strict: false)
        XCTAssertEqual(result, StateDictLoadResult(missing: ["layers.2.bias"], unexpected: ["other"]))
        XCTAssertEqual((model.layers[0] as! Linear).bias!.value.scalars, [Float](repeating: 0.25, count: 5))
        XCTAssertThrowsError(try model.loadStateDict(bad, strict: false)) { e in
            XCTAssertTrue("\(e)".contains("2 shape mismatch"), "\(e)")
            XCTAssertFalse("\(e)".contains("missing"), "\(e)")
        }

        // Errors from files name the file.
        let u = url("bad.safetensors")
        try SafeTensors.write(bad.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: u)
        XCTAssertThrowsError(try model.load(from: u)) { e in
            XCTAssertTrue("\(e)".contains(u.path) && "\(e)".contains("unexpected: extra.one, extra.two"), "\(e)")
        }
    }

    func testBuffersAreSaved() throws {
        final class WithBuffer: Module, @unchecked Sendable {
            let lin = Linear(2, 2)
            let running = Buffer(Tensor([1, 2]))
        }
        let a = WithBuffer()
        XCTAssertEqual(a.stateDict().map(\.0), ["lin.weight", "lin.bias", "running"])
        a.running.value = Tensor([5, 6])
        let u = url("buf.safetensors")
        try a.save(to: u)
        let b = WithBuffer()
        try b.load(from: u)
        XCTAssertEqual(b.running.value.scalars, [5, 6])
        XCTAssertEqual(b.lin.weight.value.scalars, a.lin.weight.value.scalars)
    }

    // MARK: PyTorch

    struct TorchFixture: Decodable {
        struct Arr: Decodable { let shape: [Int]; let values: [Float] }
        let names: [String]
        let x, y: Arr
    }

    func testLoadsPyTorchSafetensors() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let fixture = try JSONDecoder().decode(TorchFixture.self, from: Data(contentsOf: fixtures.appendingPathComponent("torch_mlp.json")))
        let file = fixtures.appendingPathComponent("torch_mlp.safetensors")
        let (tensors, metadata) = try SafeTensors.read(contentsOf: file)
        XCTAssertEqual(Set(tensors.keys), Set(fixture.names))
        XCTAssertEqual(metadata["format"], "pt")

        let model = mlp()
        // PyTorch's Sequential names are "0.weight"; ours are "layers.0.weight".
        XCTAssertThrowsError(try model.load(from: file)) { e in XCTAssertTrue("\(e)".contains("4 missing"), "\(e)") }
        try model.load(from: file, renaming: { "layers." + $0 })
        let y = model(Tensor(shape: fixture.x.shape, scalars: fixture.x.values))
        XCTAssertEqual(y.shape, fixture.y.shape)
        for (i, (a, b)) in zip(y.scalars, fixture.y.values).enumerated() {
            XCTAssertEqual(a, b, accuracy: 1e-5, "output \(i)")
        }
        // And what we save reloads in the same layout PyTorch wrote.
        let u = url("again.safetensors")
        try SafeTensors.write(model.stateDict().map { (String($0.0.dropFirst("layers.".count)), $0.1) }, to: u)
        let again = try SafeTensors.read(contentsOf: u).tensors
        for (k, v) in tensors { XCTAssertEqual(again[k]?.scalars, v.scalars, k) }
    }

    // MARK: Training checkpoints

    func trainStep(_ model: Module, _ optimizer: Optimizer, _ x: Tensor, _ target: Tensor) {
        optimizer.zeroGrad()
        let loss = (model(x) - target).square().mean()
        loss.backward()
        optimizer.step()
    }

    func testResumeIsExact() throws {
        let target = Tensor(shape: [4, 3], scalars: (0..<12).map { sin(Float($0)) })
        func make() -> (Sequential, Adam) {
            let model = mlp()
            let linears = model.layers.compactMap { $0 as? Linear }
            let optimizer = Adam([], learningRate: 0.01)
            optimizer.groups = [ParameterGroup(linears[0].parameters(), learningRate: 0.01, weightDecay: 0.01),
                                ParameterGroup(linears[1].parameters(), learningRate: 0.003)]
            return (model, optimizer)
        }
        Random.seed(7)
        let (model, optimizer) = make()
        for _ in 0..<3 { trainStep(model, optimizer, input, target) }
        let u = url("train.ckpt.safetensors")
        try Checkpoint.save(model: model, optimizer: optimizer, extra: ["epoch": "1", "note": "warmup"], to: u)
        for _ in 0..<2 { trainStep(model, optimizer, input, target) }
        let a = model.stateDict().map { bits($0.1) }
        let aOut = bits(model(input))

        let header = try SafeTensors.readHeader(contentsOf: u)
        let names = Set(header.tensors.map(\.name))
        XCTAssertTrue(names.isSuperset(of: ["model.layers.0.weight", "model.layers.2.bias", "optimizer.0.m", "optimizer.0.v", "optimizer.0.step", "optimizer.3.v"]), "\(names.sorted())")
        XCTAssertEqual(header.metadata["optimizer.type"], "Adam")
        XCTAssertEqual(try Checkpoint.savedStepCount(at: u), 3)

        Random.seed(99)
        let (model2, optimizer2) = make()
        optimizer2.learningRate = 0.5
        let identity = model2.parameters().map(ObjectIdentifier.init)
        let extra = try Checkpoint.load(into: model2, optimizer: optimizer2, from: u)
        XCTAssertEqual(extra, ["epoch": "1", "note": "warmup"])
        XCTAssertEqual(model2.parameters().map(ObjectIdentifier.init), identity)
        XCTAssertEqual(optimizer2.groups.map(\.learningRate), [0.01, 0.003])
        XCTAssertEqual(optimizer2.groups.map(\.weightDecay), [0.01, 0])
        XCTAssertEqual(optimizer2.stepCount, 3, "the optimizer's step count is restored")
        for _ in 0..<2 { trainStep(model2, optimizer2, input, target) }
        XCTAssertEqual(model2.stateDict().map { bits($0.1) }, a, "resumed training is bit-identical")
        XCTAssertEqual(bits(model2(input)), aOut)
        XCTAssertEqual(try listing(), ["train.ckpt.safetensors"])
    }

    func testTrainingCheckpointValidation() throws {
        let model = mlp()
        let sgd = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9)
        trainStep(model, sgd, input, Tensor.zeros([4, 3]))
        let u = url("sgd.safetensors")
        try Checkpoint.save(model: model, optimizer: sgd, to: u)
        XCTAssertEqual(try SafeTensors.readHeader(contentsOf: u).tensors.filter { $0.name.hasPrefix("optimizer.") }.count, 4)

        // Wrong optimizer type.
        let other = mlp()
        XCTAssertThrowsError(try Checkpoint.load(into: other, optimizer: Adam(other.parameters()), from: u)) { e in
            XCTAssertTrue("\(e)".contains("type is Adam, saved SGD") && "\(e)".contains(u.path), "\(e)")
        }
        // Wrong parameter count.
        XCTAssertThrowsError(try Checkpoint.load(into: other, optimizer: SGD(Array(other.parameters().prefix(2)), learningRate: 0.1), from: u)) { e in
            XCTAssertTrue("\(e)".contains("2 parameters, saved 4"), "\(e)")
        }
        // A plain model file is not a training checkpoint.
        let plain = url("plain.safetensors")
        try model.save(to: plain)
        XCTAssertThrowsError(try Checkpoint.load(into: other, from: plain)) { e in
            XCTAssertTrue("\(e)".contains("not a training checkpoint"), "\(e)")
        }
        // Model only, then the model with SGD.
        try Checkpoint.load(into: other, from: u)
        XCTAssertEqual(other.stateDict().map { bits($0.1) }, model.stateDict().map { bits($0.1) })
        let sgd2 = SGD(other.parameters(), learningRate: 0.1, momentum: 0.9)
        try Checkpoint.load(into: other, optimizer: sgd2, from: u)
        XCTAssertEqual(sgd2.state.count, 4)
        XCTAssertEqual(sgd2.state[ObjectIdentifier(other.parameters()[0])]?["momentum"]?.scalars,
                       sgd.state[ObjectIdentifier(model.parameters()[0])]?["momentum"]?.scalars)
    }
}
