// GEMM against a matrix packed once and reused: the LSTM's recurrent weight is multiplied by
// every time step's small hidden state, and a BLAS re-packs it on every one of those calls.
// Panels of 32 columns; AVX-512: 8 rows x 2 zmm accumulators; AVX2: 3 rows x 4 ymm.
#include "EndToEndKernelsC.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define NR E2E_PACK_NR

size_t e2e_packed_count(int k, int n) {
    if (k <= 0 || n <= 0) return 0;
    return (size_t)((n + NR - 1) / NR) * (size_t)k * NR;
}

void e2e_pack_b(int k, int n, const float *b, int ldb, int trans_b, float *packed) {
    int panels = (n + NR - 1) / NR;
    for (int p = 0; p < panels; p++) {
        float *d = packed + (size_t)p * k * NR;
        int n0 = p * NR, w = n - n0 < NR ? n - n0 : NR;
        if (trans_b) {
            // Column j of the panel is row n0 + j of b: walk b's rows, scatter into the panel.
            for (int j = 0; j < w; j++) {
                const float *src = b + (size_t)(n0 + j) * ldb;
                for (int kk = 0; kk < k; kk++) d[(size_t)kk * NR + j] = src[kk];
            }
        } else {
            for (int kk = 0; kk < k; kk++) {
                const float *src = b + (size_t)kk * ldb + n0;
                for (int j = 0; j < w; j++) d[(size_t)kk * NR + j] = src[j];
            }
        }
        for (int kk = 0; kk < k; kk++)
            for (int j = w; j < NR; j++) d[(size_t)kk * NR + j] = 0;
    }
}

#if defined(__x86_64__)

// ---- AVX-512: MR = 8 rows, 2 x 16 columns --------------------------------------------------

__attribute__((target("avx512f,fma")))
static inline void store512(float *c, __m512 v, __mmask16 mask, int accumulate) {
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, c));
    _mm512_mask_storeu_ps(c, mask, v);
}

__attribute__((target("avx512f,fma")))
static void kernel512_8(int k, const float *a, long ars, long aks, const float *bp, float *c, int ldc,
                        __mmask16 m0, __mmask16 m1, int accumulate) {
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
    const float *a0 = a, *a1 = a + ars, *a2 = a + 2 * ars, *a3 = a + 3 * ars;
    const float *a4 = a + 4 * ars, *a5 = a + 5 * ars, *a6 = a + 6 * ars, *a7 = a + 7 * ars;
    for (int kk = 0; kk < k; kk++) {
        __m512 b0 = _mm512_loadu_ps(bp + (size_t)kk * NR), b1 = _mm512_loadu_ps(bp + (size_t)kk * NR + 16);
        __m512 x;
        long o = kk * aks;
        x = _mm512_set1_ps(a0[o]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
        x = _mm512_set1_ps(a1[o]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
        x = _mm512_set1_ps(a2[o]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
        x = _mm512_set1_ps(a3[o]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
        x = _mm512_set1_ps(a4[o]); c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41);
        x = _mm512_set1_ps(a5[o]); c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51);
        x = _mm512_set1_ps(a6[o]); c60 = _mm512_fmadd_ps(x, b0, c60); c61 = _mm512_fmadd_ps(x, b1, c61);
        x = _mm512_set1_ps(a7[o]); c70 = _mm512_fmadd_ps(x, b0, c70); c71 = _mm512_fmadd_ps(x, b1, c71);
    }
    store512(c, c00, m0, accumulate); store512(c + 16, c01, m1, accumulate); c += ldc;
    store512(c, c10, m0, accumulate); store512(c + 16, c11, m1, accumulate); c += ldc;
    store512(c, c20, m0, accumulate); store512(c + 16, c21, m1, accumulate); c += ldc;
    store512(c, c30, m0, accumulate); store512(c + 16, c31, m1, accumulate); c += ldc;
    store512(c, c40, m0, accumulate); store512(c + 16, c41, m1, accumulate); c += ldc;
    store512(c, c50, m0, accumulate); store512(c + 16, c51, m1, accumulate); c += ldc;
    store512(c, c60, m0, accumulate); store512(c + 16, c61, m1, accumulate); c += ldc;
    store512(c, c70, m0, accumulate); store512(c + 16, c71, m1, accumulate);
}

/// One row: the tail of M below 8.
__attribute__((target("avx512f,fma")))
static void kernel512_1(int k, const float *a, long aks, const float *bp, float *c, __mmask16 m0, __mmask16 m1, int accumulate) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), t0 = _mm512_setzero_ps(), t1 = _mm512_setzero_ps();
    int kk = 0;
    // Two independent chains so the FMA latency is hidden.
    for (; kk + 2 <= k; kk += 2) {
        __m512 x = _mm512_set1_ps(a[kk * aks]), y = _mm512_set1_ps(a[(kk + 1) * aks]);
        s0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bp + (size_t)kk * NR), s0);
        s1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bp + (size_t)kk * NR + 16), s1);
        t0 = _mm512_fmadd_ps(y, _mm512_loadu_ps(bp + (size_t)(kk + 1) * NR), t0);
        t1 = _mm512_fmadd_ps(y, _mm512_loadu_ps(bp + (size_t)(kk + 1) * NR + 16), t1);
    }
    for (; kk < k; kk++) {
        __m512 x = _mm512_set1_ps(a[kk * aks]);
        s0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bp + (size_t)kk * NR), s0);
        s1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(bp + (size_t)kk * NR + 16), s1);
    }
    store512(c, _mm512_add_ps(s0, t0), m0, accumulate);
    store512(c + 16, _mm512_add_ps(s1, t1), m1, accumulate);
}

__attribute__((target("avx512f,fma")))
static void gemm512(int m, int n, int k, const float *a, long ars, long aks, const float *packed, float *c, int ldc,
                    int accumulate, int panel_lo, int panel_hi) {
    // Row blocks outside, panels inside: the 8 rows of A stay in L1 while the panels stream
    // from L2 (a packed weight of a few hundred KiB), which also suits tall A.
    int i = 0;
    for (; i < m; i += 8) {
        int rows = m - i < 8 ? m - i : 8;
        for (int p = panel_lo; p < panel_hi; p++) {
            int n0 = p * NR, w = n - n0 < NR ? n - n0 : NR;
            __mmask16 m0 = w >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << w) - 1);
            __mmask16 m1 = w >= 32 ? (__mmask16)0xFFFF : (w > 16 ? (__mmask16)((1u << (w - 16)) - 1) : (__mmask16)0);
            const float *bp = packed + (size_t)p * k * NR;
            if (rows == 8) {
                kernel512_8(k, a + i * ars, ars, aks, bp, c + (size_t)i * ldc + n0, ldc, m0, m1, accumulate);
            } else {
                for (int r = 0; r < rows; r++)
                    kernel512_1(k, a + (i + r) * ars, aks, bp, c + (size_t)(i + r) * ldc + n0, m0, m1, accumulate);
            }
        }
    }
}

// ---- AVX2 + FMA: MR = 3 rows, 4 x 8 columns --------------------------------------------------

__attribute__((target("avx2,fma")))
static inline void store256(float *c, __m256 v, int w, int accumulate) {
    // w: valid columns of this 8-wide slice (0...8).
    if (w >= 8) {
        if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(c));
        _mm256_storeu_ps(c, v);
    } else if (w > 0) {
        float tmp[8];
        _mm256_storeu_ps(tmp, v);
        for (int j = 0; j < w; j++) c[j] = accumulate ? c[j] + tmp[j] : tmp[j];
    }
}

__attribute__((target("avx2,fma")))
static void kernel256(int rows, int k, const float *a, long ars, long aks, const float *bp, float *c, int ldc, int w, int accumulate) {
    __m256 acc[3][4];
    for (int r = 0; r < 3; r++) for (int j = 0; j < 4; j++) acc[r][j] = _mm256_setzero_ps();
    const float *a0 = a, *a1 = a + (rows > 1 ? ars : 0), *a2 = a + (rows > 2 ? 2 * ars : 0);
    for (int kk = 0; kk < k; kk++) {
        const float *b = bp + (size_t)kk * NR;
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), b2 = _mm256_loadu_ps(b + 16), b3 = _mm256_loadu_ps(b + 24);
        long o = kk * aks;
        __m256 x = _mm256_broadcast_ss(a0 + o);
        acc[0][0] = _mm256_fmadd_ps(x, b0, acc[0][0]); acc[0][1] = _mm256_fmadd_ps(x, b1, acc[0][1]);
        acc[0][2] = _mm256_fmadd_ps(x, b2, acc[0][2]); acc[0][3] = _mm256_fmadd_ps(x, b3, acc[0][3]);
        x = _mm256_broadcast_ss(a1 + o);
        acc[1][0] = _mm256_fmadd_ps(x, b0, acc[1][0]); acc[1][1] = _mm256_fmadd_ps(x, b1, acc[1][1]);
        acc[1][2] = _mm256_fmadd_ps(x, b2, acc[1][2]); acc[1][3] = _mm256_fmadd_ps(x, b3, acc[1][3]);
        x = _mm256_broadcast_ss(a2 + o);
        acc[2][0] = _mm256_fmadd_ps(x, b0, acc[2][0]); acc[2][1] = _mm256_fmadd_ps(x, b1, acc[2][1]);
        acc[2][2] = _mm256_fmadd_ps(x, b2, acc[2][2]); acc[2][3] = _mm256_fmadd_ps(x, b3, acc[2][3]);
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < 4; j++) store256(c + (size_t)r * ldc + 8 * j, acc[r][j], w - 8 * j, accumulate);
}

__attribute__((target("avx2,fma")))
static void gemm256(int m, int n, int k, const float *a, long ars, long aks, const float *packed, float *c, int ldc,
                    int accumulate, int panel_lo, int panel_hi) {
    for (int i = 0; i < m; i += 3) {
        int rows = m - i < 3 ? m - i : 3;
        for (int p = panel_lo; p < panel_hi; p++) {
            int n0 = p * NR, w = n - n0 < NR ? n - n0 : NR;
            kernel256(rows, k, a + i * ars, ars, aks, packed + (size_t)p * k * NR, c + (size_t)i * ldc + n0, ldc, w, accumulate);
        }
    }
}

#endif

int e2e_packed_gemm(int isa, int m, int n, int k, const float *a, int lda, int trans_a, const float *packed,
                    float *c, int ldc, int accumulate, int panel_lo, int panel_hi) {
#if defined(__x86_64__)
    if (m <= 0 || n <= 0 || panel_lo >= panel_hi) return 0;
    // A(i, kk) = a[i * ars + kk * aks]: row-major, or stored transposed (K x M).
    long ars = trans_a ? 1 : lda, aks = trans_a ? lda : 1;
    if (isa == E2E_CPU_AVX512F) { gemm512(m, n, k, a, ars, aks, packed, c, ldc, accumulate, panel_lo, panel_hi); return 0; }
    if (isa == E2E_CPU_AVX2_FMA) { gemm256(m, n, k, a, ars, aks, packed, c, ldc, accumulate, panel_lo, panel_hi); return 0; }
#endif
    (void)isa; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)trans_a; (void)packed; (void)c; (void)ldc;
    (void)accumulate; (void)panel_lo; (void)panel_hi;
    return -1;
}
