import EndToEnd
import EndToEndData
import Foundation

/// Where the faces application's 25×25 windows come from.
enum FacesData {
    /// Where Debian's `python3-skimage` installs scikit-image's LFW subset.
    static let debianPath = "/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy"
    static let package = "python3-skimage"
    static let licence = "scikit-image: BSD-3-Clause; LFW (Huang et al. 2007, UMass Amherst): no formal licence, offered for research, photographs' copyright with their owners"
    static let installHint = "install the real data with `apt-get install python3-skimage` (or `pip install scikit-image`, then pass --data <site-packages>/skimage/data/lfw_subset.npy)"

    struct Loaded {
        var patches: FacePatches
        /// `"python3-skimage"`, the `--data` path, or `"generated"`.
        var source: String
        var licence: String?
        var note: String
    }

    /// The LFW subset from `path` (`--data`) or the Debian install path; without either, the
    /// generated stand-in of the same form (100 + 100 windows of 25×25). `installedPath` is
    /// where the package is looked for (the tests point it elsewhere to take the fallback).
    static func load(path: URL?, seed: UInt64, log: (String) -> Void, installedPath: String = debianPath) throws -> Loaded {
        if let path {
            return Loaded(patches: try read(path), source: path.path, licence: licence,
                          note: "LFW subset read from --data \(path.path)")
        }
        let url = URL(fileURLWithPath: installedPath)
        if FileManager.default.fileExists(atPath: url.path) {
            return Loaded(patches: try read(url), source: package, licence: licence,
                          note: "scikit-image's LFW subset, \(installedPath): 100 faces, then 100 non-faces from the photos' backgrounds, 25×25")
        }
        log("faces: \(installedPath) not found; \(installHint). Using generated faces and textures instead.")
        return Loaded(patches: SyntheticFaces.patches(perClass: 100, seed: seed), source: "generated", licence: nil,
                      note: "generated stand-in (\(package) not installed): synthetic face-like ovals with eyes and mouth vs textures; \(installHint)")
    }

    /// Reads an `[N, 25, 25]` NPY array whose first half are faces and second half non-faces,
    /// pixels in [0, 1] (scikit-image stores them as float64).
    static func read(_ url: URL) throws -> FacePatches {
        let t = try NPY.read(url)
        let s = FacePatches.side
        guard t.rank == 3, t.shape[1] == s, t.shape[2] == s, t.shape[0] >= 4, t.shape[0] % 2 == 0 else {
            throw DataError(file: url.path, location: "header", message: "expected an [N, 25, 25] array of windows with N even (faces, then as many non-faces), got shape \(t.shape)")
        }
        let values = t.scalars
        if let bad = values.firstIndex(where: { !$0.isFinite || $0 < 0 || $0 > 1 }) {
            throw DataError(file: url.path, location: "element \(bad)", message: "pixel value \(values[bad]) is outside [0, 1]")
        }
        let n = t.shape[0]
        let images = (0..<n).map { GrayImage(height: s, width: s, pixels: Array(values[($0 * s * s)..<(($0 + 1) * s * s)])) }
        return FacePatches(images: images, labels: (0..<n).map { $0 < n / 2 ? 1 : 0 })
    }
}
