import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The faces application's pictures: attributions beside the HOG, and detections in scenes.
enum FacesFigures {
    static let scale = 4

    /// One row per test face: the window, the CNN's gradient × input and integrated gradients
    /// over it, the window's HOG (the pipeline's readable intermediate) and the SVM's
    /// positive weights drawn as a HOG (what the pipeline looks for, the same in every row).
    static func attributions(cnn: Module, faces: [GrayImage], svm: HOGLinearSVM, steps: Int) throws -> (png: PNGImage, notes: [String]) {
        cnn.eval()
        let s = FacePatches.side
        let weights = try svmWeightPicture(svm)
        var rows: [[PNGImage]] = []
        var notes: [String] = []
        for (k, face) in faces.enumerated() {
            let x = face.tensor.reshaped([1, 1, s, s])
            let gxi = try Attribution.gradientTimesInput(model: { cnn($0) }, input: x, target: 1)
            let ig = try Attribution.integratedGradients(model: { cnn($0) }, input: x, target: 1, steps: steps)
            // Completeness: integrated gradients sum to f(x) − f(black), a check on the picture.
            let f = withNoGrad { cnn(x).scalars[1] - cnn(Tensor.zeros(x.shape)).scalars[1] }
            notes.append("face \(k): integrated gradients sum \(String(format: "%.3f", ig.scalars.reduce(0, +))) vs logit change \(String(format: "%.3f", f))")
            let cells = try svm.hog.cells(face)
            let hogPicture = svm.hog.visualization(of: cells, height: s, width: s, scale: scale)
            rows.append([
                try PNGImage.gray(face.pixels, width: s, height: s, range: 0...1).scaled(by: scale),
                try PNGImage.heatMapOverlay(base: face.pixels, heat: gxi.scalars, width: s, height: s).scaled(by: scale),
                try PNGImage.heatMapOverlay(base: face.pixels, heat: ig.scalars, width: s, height: s).scaled(by: scale),
                try PNGImage.gray(hogPicture.pixels, width: hogPicture.width, height: hogPicture.height),
                weights,
            ])
        }
        return (try PNGImage.grid(rows, gap: 4), notes)
    }

    /// The SVM's positive weights summed per cell and bin over the blocks that hold the cell,
    /// drawn like a HOG (Dalal & Triggs' figure 6).
    static func svmWeightPicture(_ svm: HOGLinearSVM) throws -> PNGImage {
        let h = svm.hog, s = FacePatches.side
        let rows = s / h.cellHeight, cols = s / h.cellWidth
        let w = svm.svm.weight.value.scalars
        var values = [Double](repeating: 0, count: rows * cols * h.orientations)
        var k = 0
        for br in 0...(rows - h.blockHeight) {
            for bc in 0...(cols - h.blockWidth) {
                for i in 0..<h.blockHeight {
                    for j in 0..<h.blockWidth {
                        for o in 0..<h.orientations {
                            values[((br + i) * cols + bc + j) * h.orientations + o] += Double(max(w[k], 0))
                            k += 1
                        }
                    }
                }
            }
        }
        let cells = HOG.Cells(rows: rows, columns: cols, orientations: h.orientations, values: values)
        let picture = h.visualization(of: cells, height: s, width: s, scale: scale)
        return try PNGImage.gray(picture.pixels, width: picture.width, height: picture.height)
    }

    /// A scene with the true faces outlined in green and the detections scoring above
    /// `threshold` in red, one picture per approach, side by side.
    static func detections(_ scene: FaceScene, _ perApproach: [[Detection]], threshold: Double) throws -> PNGImage {
        let pictures = try perApproach.map { ds -> PNGImage in
            var rgb = try PNGImage.gray(scene.image.pixels, width: scene.image.width, height: scene.image.height, range: 0...1).rgb.scaled(by: 2)
            for b in scene.faces { rgb = outline(rgb, b, scale: 2, colour: (0, 200, 0)) }
            for d in ds where d.score > threshold { rgb = outline(rgb, d.box, scale: 2, colour: (230, 0, 0)) }
            return rgb
        }
        return try PNGImage.grid([pictures], gap: 6)
    }

    static func outline(_ image: PNGImage, _ box: BoundingBox, scale: Int, colour: (UInt8, UInt8, UInt8)) -> PNGImage {
        var px = image.pixels
        let r0 = Int(box.row) * scale, c0 = Int(box.column) * scale
        let r1 = min(image.height - 1, Int(box.row + box.height) * scale - 1), c1 = min(image.width - 1, Int(box.column + box.width) * scale - 1)
        func set(_ r: Int, _ c: Int) {
            guard r >= 0, r < image.height, c >= 0, c < image.width else { return }
            let i = (r * image.width + c) * 3
            px[i] = colour.0; px[i + 1] = colour.1; px[i + 2] = colour.2
        }
        if r0 <= r1 && c0 <= c1 {
            for c in c0...c1 { set(r0, c); set(r1, c) }
            for r in r0...r1 { set(r, c0); set(r, c1) }
        }
        return (try? PNGImage(width: image.width, height: image.height, colorType: .rgb, pixels: px)) ?? image
    }
}
