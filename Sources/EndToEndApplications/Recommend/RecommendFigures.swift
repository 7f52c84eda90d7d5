import EndToEnd
import EndToEndTraining

/// What a person can read from each system: the movies nearest to a few well-known ones,
/// by cosine similarity of NeuMF's GMF item embeddings and of ALS's item factors.
enum RecommendFigures {
    /// A Markdown section: for the most-interacted movies, their 5 nearest neighbours in each space.
    static func nearestItems(network: NCFNetwork, als: ImplicitALS, popularity: [Double], titles: [String],
                             queries: Int = 4, neighbours: Int = 5) throws -> String {
        let items = popularity.count
        // Neighbours among movies with some support, so the list is not dominated by one-rating noise.
        let support = popularity.indices.filter { popularity[$0] >= 5 }
        let candidates = support.isEmpty ? Array(0..<items) : support
        let top = popularity.indices.sorted { (popularity[$0], -$0) > (popularity[$1], -$1) }.prefix(queries)
        var md = "## Nearest movies in embedding space\n\n"
        md += "Cosine similarity of item vectors: NeuMF's GMF item embeddings (end-to-end) and the ALS item factors (pipeline), "
        md += "for the \(queries) movies with the most training interactions, among movies with at least 5.\n\n"
        md += "| movie | NeuMF (GMF embedding) neighbours | ALS factor neighbours |\n|---|---|---|\n"
        for q in top {
            let a = nearest(q, candidates: candidates, neighbours: neighbours) { network.itemVector($0).map(Double.init) }
            let b = nearest(q, candidates: candidates, neighbours: neighbours) { als.itemVector($0) }
            md += "| \(escape(titles[q])) | \(a.map { escape(titles[$0]) }.joined(separator: "; ")) | \(b.map { escape(titles[$0]) }.joined(separator: "; ")) |\n"
        }
        return md
    }

    static func nearest(_ q: Int, candidates: [Int], neighbours: Int, vector: (Int) -> [Double]) -> [Int] {
        let v = vector(q)
        func cosine(_ w: [Double]) -> Double {
            var d = 0.0, a = 0.0, b = 0.0
            for (x, y) in zip(v, w) { d += x * y; a += x * x; b += y * y }
            return d / max((a * b).squareRoot(), 1e-12)
        }
        return candidates.filter { $0 != q }.map { ($0, cosine(vector($0))) }.sorted { ($0.1, -$0.0) > ($1.1, -$1.0) }.prefix(neighbours).map(\.0)
    }

    static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
}
