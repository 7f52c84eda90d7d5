// GEMM against a matrix packed once and reused: the LSTM's recurrent weight is multiplied by
// every time step's small hidden state, and a BLAS re-packs it on every one of those calls.
// Panels of 32 columns; AVX-512: 8 rows x 2 zmm accumulators; AVX2: 6 rows x 2 ymm, twice per panel.
#include "EndToEndKernelsC.h"
#include <stdlib.h>
#include <string.h>

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
            // Column j of the panel is row n0 + j of b: a transposition of that w x k block.
            e2e_transpose(w, k, b + (size_t)n0 * ldb, ldb, d, NR);
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

// Both kernels walk the panels in groups of about 128 KiB: within a group, row blocks outside
// and panels inside, so a row block of A stays in L1 while the group's panels stay in L2. Row
// blocks outside over all the panels streamed the whole packed matrix from L3 once per row
// block when it outgrew L2 (the LSTM's 1 MiB recurrent weight against Zen 3's 512 KiB L2,
// 11 row blocks of 3 for a batch of 32).
static inline int panel_group(int k) {
    int g = (128 << 10) / (k * NR * 4);
    return g > 0 ? g : 1;
}

// A stored transposed (a[kk * aks + i]): rows i0 ..< i0 + mc, steps k0 ..< k0 + kc copied into the
// kernels' order, [row block][k][mr] with rows past mc zero; both bodies' copied-A paths use it.
static inline void copy_a_block(const float *a, long aks, int k0, int kc, int i0, int mc, int mr, float *buf) {
    int blocks = (mc + mr - 1) / mr;
    for (int kk = 0; kk < kc; kk++) {
        const float *src = a + (k0 + kk) * aks + i0;
        for (int rb = 0; rb < blocks; rb++) {
            float *dst = buf + (size_t)rb * mr * kc + kk * mr;
            int have = mc - rb * mr;
            if (have >= mr) memcpy(dst, src + rb * mr, mr * sizeof(float));
            else for (int r = 0; r < mr; r++) dst[r] = r < have ? src[rb * mr + r] : 0.0f;
        }
    }
}

// ---- AVX-512: MR = 8 rows, 2 x 16 columns --------------------------------------------------

// The lanes of a panel's 16-column half starting at `lo` that hold one of its `w` valid columns.
static inline __mmask16 panel_mask(int w, int lo) {
    int v = w - lo;
    return v >= 16 ? (__mmask16)0xFFFF : v > 0 ? (__mmask16)((1u << v) - 1) : (__mmask16)0;
}

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

// One 8-row block of A (in the kernel's [k][8] order, rows past `rows` zero) against a panel.
// A partial block is computed into a tile, and only its real rows are stored.
__attribute__((target("avx512f,fma")))
static inline void block512_8(int k, const float *ab, const float *bp, float *cp, int ldc, int rows, int w,
                              __mmask16 m0, __mmask16 m1, int accumulate) {
    if (rows == 8) {
        kernel512_8(k, ab, 1, 8, bp, cp, ldc, m0, m1, accumulate);
        return;
    }
    float tile[8 * NR];
    kernel512_8(k, ab, 1, 8, bp, tile, NR, m0, m1, 0);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < w; j++)
            cp[(size_t)r * ldc + j] = accumulate ? cp[(size_t)r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
}

// A stored transposed, as in the AVX2 body below: blocks of KC512 steps of k and MC512 rows of A
// copied into the kernel's order ([row block][k][8], rows past m zero) first. KC512 = 128 keeps
// a panel's KC x 32 slice at 16 KiB, half of Zen 4's L1, across the block's row blocks. Strided,
// the kernel ran at 14-16 % of the peak on the LSTM's weight gradient dGatesᵀ · h (Zen 4).
enum { E2E_KC512 = 128, E2E_MC512 = 48 };

__attribute__((target("avx512f,fma")))
static int gemm512_packed_a(int m, int n, int k, const float *a, long aks, const float *packed, float *c, int ldc,
                            int accumulate, int panel_lo, int panel_hi) {
    float *buf = malloc(sizeof(float) * E2E_MC512 * E2E_KC512);
    if (!buf) return -1;
    for (int k0 = 0; k0 < k; k0 += E2E_KC512) {
        int kc = k - k0 < E2E_KC512 ? k - k0 : E2E_KC512;
        int acc = k0 == 0 ? accumulate : 1;
        for (int i0 = 0; i0 < m; i0 += E2E_MC512) {
            int mc = m - i0 < E2E_MC512 ? m - i0 : E2E_MC512, blocks = (mc + 7) / 8;
            copy_a_block(a, aks, k0, kc, i0, mc, 8, buf);
            for (int p = panel_lo; p < panel_hi; p++) {
                int n0 = p * NR, w = n - n0 < NR ? n - n0 : NR;
                __mmask16 m0 = panel_mask(w, 0), m1 = panel_mask(w, 16);
                const float *bp = packed + (size_t)p * k * NR + (size_t)k0 * NR;
                for (int rb = 0; rb < blocks; rb++) {
                    int rows = mc - rb * 8 < 8 ? mc - rb * 8 : 8;
                    block512_8(kc, buf + rb * 8 * kc, bp, c + (size_t)(i0 + rb * 8) * ldc + n0, ldc, rows, w, m0, m1, acc);
                }
            }
        }
    }
    free(buf);
    return 0;
}

__attribute__((target("avx512f,fma")))
static void gemm512(int m, int n, int k, const float *a, long ars, long aks, const float *packed, float *c, int ldc,
                    int accumulate, int panel_lo, int panel_hi) {
    if (ars == 1 && aks != 1 && gemm512_packed_a(m, n, k, a, aks, packed, c, ldc, accumulate, panel_lo, panel_hi) == 0) return;
    const int group = panel_group(k);
    for (int g = panel_lo; g < panel_hi; g += group) {
        int g_hi = g + group < panel_hi ? g + group : panel_hi;
        for (int i = 0; i < m; i += 8) {
            int rows = m - i < 8 ? m - i : 8;
            for (int p = g; p < g_hi; p++) {
                int n0 = p * NR, w = n - n0 < NR ? n - n0 : NR;
                __mmask16 m0 = panel_mask(w, 0), m1 = panel_mask(w, 16);
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
}

// A already in the kernel's order for all of K ([row block][k][8], as `e2e_im2col_blocked`
// writes a convolution's columns): row blocks rb_lo ..< rb_hi against the panel groups of
// gemm512. It saves the copy gemm512_packed_a makes of a transposed A (9 % of the CNN benchmark,
// the column matrix being the A of the forward product colsᵀ · Wᵀ).
__attribute__((target("avx512f,fma")))
static void gemm512_blocked_a(int m, int n, int k, const float *a, const float *packed, float *c, int ldc, int accumulate,
                              int rb_lo, int rb_hi) {
    const int group = panel_group(k), panels = (n + NR - 1) / NR;
    for (int g = 0; g < panels; g += group) {
        int g_hi = g + group < panels ? g + group : panels;
        for (int rb = rb_lo; rb < rb_hi; rb++) {
            int i = rb * 8, rows = m - i < 8 ? m - i : 8;
            const float *ab = a + (size_t)rb * 8 * k;
            for (int p = g; p < g_hi; p++) {
                int n0 = p * NR, w = n - n0 < NR ? n - n0 : NR;
                block512_8(k, ab, packed + (size_t)p * k * NR, c + (size_t)i * ldc + n0, ldc, rows, w,
                           panel_mask(w, 0), panel_mask(w, 16), accumulate);
            }
        }
    }
}

// ---- AVX2 + FMA: MR = 6 rows, 2 x 8 columns (half a panel) ----------------------------------
// AVX2 has 16 ymm registers: 12 accumulators, 2 B vectors and the broadcast A value fit; the
// earlier 3 x 32 kernel needed 17 (12 + 4 + 1) and spilled in its inner loop (perf: 87 % of the
// LSTM benchmark in it, about 25 % of the FMA peak on Zen 3).

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

// R rows (R = 6, 4 or 2) x 16 columns of the panel half at `b` (row stride NR). Rows past
// `rows` re-read the last real row and are not stored.
#define E2E_KERNEL256(R)                                                                             \
__attribute__((target("avx2,fma")))                                                                 \
static void kernel256_##R(int rows, int k, const float *a, long ars, long aks, const float *b,       \
                          float *c, int ldc, int w, int accumulate) {                                \
    __m256 lo[R], hi[R];                                                                             \
    const float *ar[R];                                                                              \
    for (int r = 0; r < R; r++) {                                                                    \
        lo[r] = _mm256_setzero_ps(); hi[r] = _mm256_setzero_ps();                                    \
        ar[r] = a + (r < rows ? r : rows - 1) * ars;                                                 \
    }                                                                                                \
    for (int kk = 0; kk < k; kk++) {                                                                 \
        __m256 b0 = _mm256_loadu_ps(b + (size_t)kk * NR), b1 = _mm256_loadu_ps(b + (size_t)kk * NR + 8); \
        long o = kk * aks;                                                                           \
        for (int r = 0; r < R; r++) {                                                                \
            __m256 x = _mm256_broadcast_ss(ar[r] + o);                                               \
            lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);                                                   \
            hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);                                                   \
        }                                                                                            \
    }                                                                                                \
    for (int r = 0; r < rows; r++) {                                                                 \
        store256(c + (size_t)r * ldc, lo[r], w, accumulate);                                         \
        store256(c + (size_t)r * ldc + 8, hi[r], w - 8, accumulate);                                 \
    }                                                                                                \
}
E2E_KERNEL256(6)
E2E_KERNEL256(4)
E2E_KERNEL256(2)

// The narrowest of the three kernels that covers `rows` (1...6).
__attribute__((target("avx2,fma")))
static inline void kernel256_rows(int rows, int k, const float *a, long ars, long aks, const float *b, float *c, int ldc,
                                  int w, int accumulate) {
    if (rows > 4) kernel256_6(rows, k, a, ars, aks, b, c, ldc, w, accumulate);
    else if (rows > 2) kernel256_4(rows, k, a, ars, aks, b, c, ldc, w, accumulate);
    else kernel256_2(rows, k, a, ars, aks, b, c, ldc, w, accumulate);
}

// A stored transposed (the weight gradients' dGatesᵀ · h, K of thousands): each step of k is
// a new row of A, a new cache line and, for wide A, a new page, so the kernel above ran at a
// fifth of the peak. Here blocks of KC steps of k and MC rows of A are copied into the kernel's
// order first ([row block][k][6], rows past m zero), GotoBLAS-style: the block stays in L2 while
// every panel half's KC x 16 slice stays in L1 across its row blocks.
enum { E2E_KC = 256, E2E_MC = 48 };

__attribute__((target("avx2,fma")))
static int gemm256_packed_a(int m, int n, int k, const float *a, long aks, const float *packed, float *c, int ldc,
                            int accumulate, int panel_lo, int panel_hi) {
    float *buf = malloc(sizeof(float) * E2E_MC * E2E_KC);
    if (!buf) return -1;
    for (int k0 = 0; k0 < k; k0 += E2E_KC) {
        int kc = k - k0 < E2E_KC ? k - k0 : E2E_KC;
        int acc = k0 == 0 ? accumulate : 1;
        for (int i0 = 0; i0 < m; i0 += E2E_MC) {
            int mc = m - i0 < E2E_MC ? m - i0 : E2E_MC, blocks = (mc + 5) / 6;
            copy_a_block(a, aks, k0, kc, i0, mc, 6, buf);
            for (int p = panel_lo; p < panel_hi; p++) {
                for (int half = 0; half < 2; half++) {
                    int n0 = p * NR + 16 * half, w = n - n0 < 16 ? n - n0 : 16;
                    if (w <= 0) break;
                    const float *bp = packed + (size_t)p * k * NR + (size_t)k0 * NR + 16 * half;
                    for (int rb = 0; rb < blocks; rb++) {
                        int rows = mc - rb * 6 < 6 ? mc - rb * 6 : 6;
                        kernel256_rows(rows, kc, buf + rb * 6 * kc, 1, 6, bp, c + (size_t)(i0 + rb * 6) * ldc + n0, ldc, w, acc);
                    }
                }
            }
        }
    }
    free(buf);
    return 0;
}

__attribute__((target("avx2,fma")))
static void gemm256(int m, int n, int k, const float *a, long ars, long aks, const float *packed, float *c, int ldc,
                    int accumulate, int panel_lo, int panel_hi) {
    if (ars == 1 && aks != 1 && gemm256_packed_a(m, n, k, a, aks, packed, c, ldc, accumulate, panel_lo, panel_hi) == 0) return;
    const int group = panel_group(k);
    for (int g = panel_lo; g < panel_hi; g += group) {
        int g_hi = g + group < panel_hi ? g + group : panel_hi;
        for (int i = 0, rows; i < m; i += rows) {
            // Blocks of 6, but 7 or 8 left go as 4 + 3 or 4 + 4 (a batch of 32: 6 x 4 + 4 x 2).
            int rem = m - i;
            rows = rem > 8 ? 6 : rem > 6 ? 4 : rem;
            for (int p = g; p < g_hi; p++) {
                for (int half = 0; half < 2; half++) {
                    int n0 = p * NR + 16 * half, w = n - n0 < 16 ? n - n0 : 16;
                    if (w <= 0) break;
                    kernel256_rows(rows, k, a + i * ars, ars, aks, packed + (size_t)p * k * NR + 16 * half,
                                   c + (size_t)i * ldc + n0, ldc, w, accumulate);
                }
            }
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

int e2e_packed_gemm_blocked_a(int isa, int m, int n, int k, const float *a, const float *packed, float *c, int ldc,
                              int accumulate, int rb_lo, int rb_hi) {
#if defined(__x86_64__)
    if (isa != E2E_CPU_AVX512F) return -1;
    if (m <= 0 || n <= 0 || rb_lo >= rb_hi) return 0;
    gemm512_blocked_a(m, n, k, a, packed, c, ldc, accumulate, rb_lo, rb_hi);
    return 0;
#else
    (void)isa; (void)m; (void)n; (void)k; (void)a; (void)packed; (void)c; (void)ldc; (void)accumulate; (void)rb_lo; (void)rb_hi;
    return -1;
#endif
}
