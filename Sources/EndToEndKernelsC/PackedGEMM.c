// GEMM against a matrix packed once and reused: the LSTM's recurrent weight is multiplied by
// every time step's small hidden state, and a BLAS re-packs it on every one of those calls.
// Panels of 32 columns; AVX-512: 6 rows x 4 zmm accumulators over a pair of panels; AVX2: 6 rows x
// 2 ymm, twice per panel.
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

// ---- AVX-512: 6 rows x 64 columns (a pair of panels) -----------------------------------------
// Intel's cores issue two loads per cycle, so the loads per FMA bound the kernel there: an 8 x 32
// tile (16 FMAs, 2 B vectors and 8 broadcasts per step of k) ran at 65-75 % of the FMA peak on an
// Ice Lake Xeon even with A and B in L1, and 6 x 64 (24 FMAs, 4 + 6 loads) at 85-95 %; `e2e bench
// gemm` at n = 1024 went from 100-114 GFLOP/s to 134-144 on one thread (peak 156-177). 24
// accumulators + 4 B vectors + 1 broadcast fit the 32 zmm registers. On Zen 4 the 8 x 32 tile had
// reached 95 % of the peak; the 6 x 64 one has not been measured there.

// The lanes of a 16-column slice starting at `lo` that hold one of `w` valid columns.
static inline __mmask16 panel_mask(int w, int lo) {
    int v = w - lo;
    return v >= 16 ? (__mmask16)0xFFFF : v > 0 ? (__mmask16)((1u << v) - 1) : (__mmask16)0;
}

// The tile's rows of C requested before its k loop: the LSTM's per-step gates are a slice of an
// 8 MiB buffer written long before, and the stores (and, accumulating, the loads) of a cold
// tile stalled on memory at the end of every tile. The per-step product h·W_hhᵀ ran at
// 0.18-0.20 ms (C cold) against 0.125 (C prefetched) on an Ice Lake Xeon under load.
static inline void prefetch_c(const float *c, int ldc, int rows, int width) {
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < width; q += 16) __builtin_prefetch(c + (size_t)r * ldc + q, 1, 3);
}

__attribute__((target("avx512f,fma")))
static inline void store512(float *c, __m512 v, __mmask16 mask, int accumulate) {
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, c));
    _mm512_mask_storeu_ps(c, mask, v);
}

// R rows (6, 4 or 2) x the 64 columns of the panels at b0 and b1 in the packed order (row
// stride NR each), `w` of them valid. Rows past `rows` re-read the last real row and
// are not stored (the store loop is unrolled to R, so that the accumulators stay in registers:
// a loop to `rows` put them on the stack, 15 % of a 25-step product). A(i, kk) = a[i * ars + kk * aks].
#define E2E_KERNEL512X64(R)                                                                          \
__attribute__((target("avx512f,fma")))                                                              \
static void kernel512x64_##R(int rows, int k, const float *a, long ars, long aks, const float *b0,   \
                             const float *b1, float *c, int ldc, int w, int accumulate) {            \
    __m512 v0[R], v1[R], v2[R], v3[R];                                                               \
    const float *ar[R];                                                                              \
    for (int r = 0; r < R; r++) {                                                                    \
        v0[r] = v1[r] = v2[r] = v3[r] = _mm512_setzero_ps();                                         \
        ar[r] = a + (r < rows ? r : rows - 1) * ars;                                                 \
    }                                                                                                \
    prefetch_c(c, ldc, rows < R ? rows : R, w < 64 ? w : 64);                                        \
    for (int kk = 0; kk < k; kk++) {                                                                 \
        const float *p0 = b0 + (size_t)kk * NR, *p1 = b1 + (size_t)kk * NR;                          \
        __m512 x0 = _mm512_loadu_ps(p0), x1 = _mm512_loadu_ps(p0 + 16);                              \
        __m512 x2 = _mm512_loadu_ps(p1), x3 = _mm512_loadu_ps(p1 + 16);                              \
        long o = kk * aks;                                                                           \
        for (int r = 0; r < R; r++) {                                                                \
            __m512 x = _mm512_set1_ps(ar[r][o]);                                                     \
            v0[r] = _mm512_fmadd_ps(x, x0, v0[r]); v1[r] = _mm512_fmadd_ps(x, x1, v1[r]);            \
            v2[r] = _mm512_fmadd_ps(x, x2, v2[r]); v3[r] = _mm512_fmadd_ps(x, x3, v3[r]);            \
        }                                                                                            \
    }                                                                                                \
    __mmask16 m0 = panel_mask(w, 0), m1 = panel_mask(w, 16), m2 = panel_mask(w, 32), m3 = panel_mask(w, 48); \
    _Pragma("unroll")                                                                                \
    for (int r = 0; r < R; r++) {                                                                    \
        if (r >= rows) break;                                                                        \
        float *cr = c + (size_t)r * ldc;                                                             \
        store512(cr, v0[r], m0, accumulate); store512(cr + 16, v1[r], m1, accumulate);               \
        store512(cr + 32, v2[r], m2, accumulate); store512(cr + 48, v3[r], m3, accumulate);          \
    }                                                                                                \
}
E2E_KERNEL512X64(6)
E2E_KERNEL512X64(4)
E2E_KERNEL512X64(2)

// The same for a panel without a partner: R rows x 32 columns. A product of one panel (a
// convolution's 32 output channels) takes blocks of 8 rows, 16 accumulators: 6 rows gave 12,
// and fewer FMAs per load, and ran 15-30 % slower there.
#define E2E_KERNEL512X32(R)                                                                          \
__attribute__((target("avx512f,fma")))                                                              \
static void kernel512x32_##R(int rows, int k, const float *a, long ars, long aks, const float *b0,   \
                             float *c, int ldc, int w, int accumulate) {                             \
    __m512 v0[R], v1[R];                                                                             \
    const float *ar[R];                                                                              \
    for (int r = 0; r < R; r++) {                                                                    \
        v0[r] = v1[r] = _mm512_setzero_ps();                                                         \
        ar[r] = a + (r < rows ? r : rows - 1) * ars;                                                 \
    }                                                                                                \
    prefetch_c(c, ldc, rows < R ? rows : R, w < 32 ? w : 32);                                        \
    for (int kk = 0; kk < k; kk++) {                                                                 \
        __m512 x0 = _mm512_loadu_ps(b0 + (size_t)kk * NR), x1 = _mm512_loadu_ps(b0 + (size_t)kk * NR + 16); \
        long o = kk * aks;                                                                           \
        for (int r = 0; r < R; r++) {                                                                \
            __m512 x = _mm512_set1_ps(ar[r][o]);                                                     \
            v0[r] = _mm512_fmadd_ps(x, x0, v0[r]); v1[r] = _mm512_fmadd_ps(x, x1, v1[r]);            \
        }                                                                                            \
    }                                                                                                \
    __mmask16 m0 = panel_mask(w, 0), m1 = panel_mask(w, 16);                                         \
    _Pragma("unroll")                                                                                \
    for (int r = 0; r < R; r++) {                                                                    \
        if (r >= rows) break;                                                                        \
        store512(c + (size_t)r * ldc, v0[r], m0, accumulate);                                        \
        store512(c + (size_t)r * ldc + 16, v1[r], m1, accumulate);                                   \
    }                                                                                                \
}
E2E_KERNEL512X32(8)
E2E_KERNEL512X32(6)
E2E_KERNEL512X32(4)
E2E_KERNEL512X32(2)

// `rows` rows of A (1...6, or 1...8 when b1 is NULL) against the panel at b0, and the one at b1
// too unless b1 is NULL: the narrowest kernel that covers them. `w`: valid columns from b0's first on.
__attribute__((target("avx512f,fma")))
static inline void tile512(int rows, int k, const float *a, long ars, long aks, const float *b0, const float *b1,
                           float *c, int ldc, int w, int accumulate) {
    if (b1) {
        if (rows > 4) kernel512x64_6(rows, k, a, ars, aks, b0, b1, c, ldc, w, accumulate);
        else if (rows > 2) kernel512x64_4(rows, k, a, ars, aks, b0, b1, c, ldc, w, accumulate);
        else kernel512x64_2(rows, k, a, ars, aks, b0, b1, c, ldc, w, accumulate);
    } else {
        if (rows > 6) kernel512x32_8(rows, k, a, ars, aks, b0, c, ldc, w, accumulate);
        else if (rows > 4) kernel512x32_6(rows, k, a, ars, aks, b0, c, ldc, w, accumulate);
        else if (rows > 2) kernel512x32_4(rows, k, a, ars, aks, b0, c, ldc, w, accumulate);
        else kernel512x32_2(rows, k, a, ars, aks, b0, c, ldc, w, accumulate);
    }
}

// Row blocks of 6, but 7 or 8 rows left go as 4 + 3 or 4 + 4 (a batch of 32: 6 x 4 + 4 x 2);
// of 8 against a single panel (mr = 8).
static inline int row_block(int rem, int mr) {
    if (mr == 8) return rem < 8 ? rem : 8;
    return rem > 8 ? 6 : rem > 6 ? 4 : rem;
}

// Panel p's tile (a pair when p + 1 < p_hi) of the packed matrix (k steps per panel), from step
// k0 on: its panels' pointers and its valid columns.
typedef struct { const float *b0, *b1; int w; } e2e_tile_b;
static inline e2e_tile_b tile_b(const float *packed, int n, int k, int k0, int p, int p_hi) {
    e2e_tile_b t;
    t.b0 = packed + (size_t)p * k * NR + (size_t)k0 * NR;
    t.b1 = p + 1 < p_hi ? t.b0 + (size_t)k * NR : NULL;
    int span = t.b1 ? 2 * NR : NR, left = n - p * NR;
    t.w = left < span ? left : span;
    return t;
}

// Panels per group: about 128 KiB of B, an even count so pairs stay whole.
static inline int panel_group512(int k) {
    int g = panel_group(k);
    return g < 2 ? 2 : g & ~1;
}

// A stored transposed: blocks of KC512 steps of k and MC512 rows of A copied into the kernel's
// order ([row block][k][6], or [k][8] for a single panel; rows past m zero) first. KC512 = 128
// keeps a pair's KC x 64 slice at 32 KiB, within the L1 of Ice Lake (48 KiB) and Zen 4 (32 KiB),
// across the block's row blocks.
// Strided, the kernel ran at 14-16 % of the peak on the LSTM's weight gradient dGatesᵀ · h (Zen 4).
enum { E2E_KC512 = 128, E2E_MC512 = 48 };

__attribute__((target("avx512f,fma")))
static int gemm512_packed_a(int m, int n, int k, const float *a, long aks, const float *packed, float *c, int ldc,
                            int accumulate, int panel_lo, int panel_hi) {
    float *buf = malloc(sizeof(float) * E2E_MC512 * E2E_KC512);
    if (!buf) return -1;
    const int mr = panel_hi - panel_lo == 1 ? 8 : 6;
    for (int k0 = 0; k0 < k; k0 += E2E_KC512) {
        int kc = k - k0 < E2E_KC512 ? k - k0 : E2E_KC512;
        int acc = k0 == 0 ? accumulate : 1;
        for (int i0 = 0; i0 < m; i0 += E2E_MC512) {
            int mc = m - i0 < E2E_MC512 ? m - i0 : E2E_MC512, blocks = (mc + mr - 1) / mr;
            // A constant mr, so that the row copies inline (a call to memmove was 24 % of a
            // one-panel product).
            if (mr == 8) copy_a_block(a, aks, k0, kc, i0, mc, 8, buf);
            else copy_a_block(a, aks, k0, kc, i0, mc, 6, buf);
            for (int p = panel_lo; p < panel_hi; p += 2) {
                e2e_tile_b t = tile_b(packed, n, k, k0, p, panel_hi);
                for (int rb = 0; rb < blocks; rb++) {
                    int rows = mc - rb * mr < mr ? mc - rb * mr : mr;
                    tile512(rows, kc, buf + rb * mr * kc, 1, mr, t.b0, t.b1, c + (size_t)(i0 + rb * mr) * ldc + p * NR, ldc,
                            t.w, acc);
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
    const int group = panel_group512(k), mr = panel_hi - panel_lo == 1 ? 8 : 6;
    for (int g = panel_lo; g < panel_hi; g += group) {
        int g_hi = g + group < panel_hi ? g + group : panel_hi;
        for (int i = 0, rows; i < m; i += rows) {
            rows = row_block(m - i, mr);
            for (int p = g; p < g_hi; p += 2) {
                e2e_tile_b t = tile_b(packed, n, k, 0, p, g_hi);
                tile512(rows, k, a + i * ars, ars, aks, t.b0, t.b1, c + (size_t)i * ldc + p * NR, ldc, t.w, accumulate);
            }
        }
    }
}

// A already in the blocked order for all of K ([row block][k][8], as `e2e_im2col_blocked`
// writes a convolution's columns): row blocks rb_lo ..< rb_hi against the panel groups of
// gemm512: each block as two halves of 4 rows (stride 8 per step of k) against a pair of
// panels, whole against a single one. It saves the copy
// gemm512_packed_a makes of a transposed A (9 % of the CNN benchmark, the column matrix being
// the A of the forward product colsᵀ · Wᵀ).
__attribute__((target("avx512f,fma")))
static void gemm512_blocked_a(int m, int n, int k, const float *a, const float *packed, float *c, int ldc, int accumulate,
                              int rb_lo, int rb_hi) {
    const int group = panel_group512(k), panels = (n + NR - 1) / NR;
    for (int g = 0; g < panels; g += group) {
        int g_hi = g + group < panels ? g + group : panels;
        for (int rb = rb_lo; rb < rb_hi; rb++) {
            const float *ab = a + (size_t)rb * 8 * k;
            int i = rb * 8, rows = m - i < 8 ? m - i : 8;
            for (int p = g; p < g_hi; p += 2) {
                e2e_tile_b t = tile_b(packed, n, k, 0, p, g_hi);
                float *cp = c + (size_t)i * ldc + p * NR;
                if (!t.b1) { tile512(rows, k, ab, 1, 8, t.b0, NULL, cp, ldc, t.w, accumulate); continue; }
                tile512(rows < 4 ? rows : 4, k, ab, 1, 8, t.b0, t.b1, cp, ldc, t.w, accumulate);
                if (rows > 4) tile512(rows - 4, k, ab + 4, 1, 8, t.b0, t.b1, cp + (size_t)4 * ldc, ldc, t.w, accumulate);
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
// `rows` re-read the last real row and are not stored (the store loop unrolled, as in the
// AVX-512 kernels).
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
    prefetch_c(c, ldc, rows < R ? rows : R, w < 16 ? w : 16);                                        \
    for (int kk = 0; kk < k; kk++) {                                                                 \
        __m256 b0 = _mm256_loadu_ps(b + (size_t)kk * NR), b1 = _mm256_loadu_ps(b + (size_t)kk * NR + 8); \
        long o = kk * aks;                                                                           \
        for (int r = 0; r < R; r++) {                                                                \
            __m256 x = _mm256_broadcast_ss(ar[r] + o);                                               \
            lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);                                                   \
            hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);                                                   \
        }                                                                                            \
    }                                                                                                \
    _Pragma("unroll")                                                                                \
    for (int r = 0; r < R; r++) {                                                                    \
        if (r >= rows) break;                                                                        \
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
            rows = row_block(m - i, 6);
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
