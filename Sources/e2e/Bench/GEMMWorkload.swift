import EndToEndKernels

/// `bench_gemm.py`: square float32 matmul at each size, GFLOP/s (median of 5 trials of
/// about 0.3 s, measured by ``benchmarkGEMM(sizes:threads:backend:)``).
enum GEMMWorkload {
    static func run(sizes: [Int], backend: GEMM.BackendPreference) -> (results: [(n: Int, gflops: Double)], backend: String) {
        let results = benchmarkGEMM(sizes: sizes, threads: Threading.threadCount, backend: backend)
        let used = GEMM.withBackend(backend) { GEMM.effectiveDescription }
        return (results.map { ($0.n, $0.gflops) }, used)
    }
}
