import Foundation
import XCTest
@testable import EndToEndData

final class WAVReaderTests: XCTestCase {
    /// A RIFF/WAVE file with a `fmt ` chunk and the given data bytes.
    static func wav(format: UInt16 = 1, channels: UInt16 = 1, rate: UInt32 = 16_000, bits: UInt16 = 16, data: [UInt8],
                    dataSize: UInt32? = nil, extraChunk: Bool = false) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let block = channels * bits / 8
        var fmt = le(format) + le(channels) + le(rate) + le(rate * UInt32(block)) + le(block) + le(bits)
        fmt = Array("fmt ".utf8) + le(UInt32(fmt.count)) + fmt
        let extra = extraChunk ? Array("LIST".utf8) + le(UInt32(3)) + [1, 2, 3, 0] : []
        let body = Array("WAVE".utf8) + fmt + extra + Array("data".utf8) + le(dataSize ?? UInt32(data.count)) + data
        return Array("RIFF".utf8) + le(UInt32(body.count)) + body
    }

    func testReads16BitPCMAndSkipsOddSizedChunks() throws {
        let samples: [Int16] = [0, 16384, -32768, 32767]
        let bytes = samples.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let clip = try WAVReader.parse(Self.wav(data: bytes, extraChunk: true))
        XCTAssertEqual(clip.sampleRate, 16_000)
        XCTAssertEqual(clip.samples, [0, 0.5, -1, Float(32767) / 32768])
    }

    func testAveragesChannelsAndReads8BitAndFloat() throws {
        let stereo: [Int16] = [16384, 0, -16384, -16384]
        let c = try WAVReader.parse(Self.wav(channels: 2, data: stereo.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }))
        XCTAssertEqual(c.samples, [0.25, -0.5])
        XCTAssertEqual(try WAVReader.parse(Self.wav(bits: 8, data: [128, 192, 0])).samples, [0, 0.5, -1])
        let floats: [Float] = [0.25, -0.75]
        let f = try WAVReader.parse(Self.wav(format: 3, bits: 32, data: floats.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }))
        XCTAssertEqual(f.samples, floats)
    }

    func testAcceptsTheStreamingSizeEspeakWritesToAPipe() throws {
        let clip = try WAVReader.parse(Self.wav(data: [0, 64, 0, 0], dataSize: 0x7FFF_FFFF))
        XCTAssertEqual(clip.samples, [0.5, 0])
    }

    func testMalformedFilesNameTheProblemAndTheByte() {
        func fails(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try WAVReader.parse(bytes, file: "x.wav"), line: line) { e in
                XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
                XCTAssertTrue("\(e)".hasPrefix("x.wav"), "\(e)", line: line)
            }
        }
        let good = Self.wav(data: [0, 0, 1, 0])
        fails(Array(good.prefix(8)), "too short")
        var notRiff = good; notRiff[0] = UInt8(ascii: "X")
        fails(notRiff, "byte 0: not a WAV file")
        var notWave = good; notWave[8] = UInt8(ascii: "X")
        fails(notWave, "byte 8")
        fails(Self.wav(data: [0, 0, 1, 0], dataSize: 1000), "declares 1000 bytes but only 4 remain")
        fails(Self.wav(format: 2, data: [0, 0]), "unsupported WAV encoding 2")
        fails(Self.wav(bits: 12, data: [0, 0]), "unsupported 12-bit")
        fails(Array(good.prefix(36)), "no 'data' chunk")
        fails(Self.wav(format: 3, bits: 32, data: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) }), "not a finite number")
        XCTAssertThrowsError(try WAVReader.read(URL(fileURLWithPath: "/nonexistent/a.wav"))) { XCTAssertTrue("\($0)".contains("no such file")) }
    }
}
