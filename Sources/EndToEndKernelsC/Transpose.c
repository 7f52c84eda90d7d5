// Out-of-place transposition: packing a transposed B for the packed GEMM, and the layout changes
// around a convolution computed as colsᵀ · Wᵀ. Scalar, it ran at about 12 GB/s against 70 for a
// plain copy (a quarter of a 128 x 784 x 512 product's time in its packing).
#include "EndToEndKernelsC.h"

// One element of e2e_transpose_bias_relu's epilogue: plus bias[j] when given, then the ReLU.
static inline float epilogue1(float v, const float *bias, int j, int relu) {
    if (bias) v += bias[j];
    return relu ? (v > 0 ? v : 0.0f) : v;
}

#if defined(__x86_64__)
#include <immintrin.h>

// dst row r of the block, plus bias[r] when `bias` is given, then zero unless above zero (NaN
// too) when `relu`: the ReLU of ReLUKernels.forward.
__attribute__((target("avx2"), always_inline))
static inline __m256 epilogue(__m256 v, const float *bias, int r, int relu) {
    if (bias) v = _mm256_add_ps(v, _mm256_set1_ps(bias[r]));
    if (relu) v = _mm256_and_ps(v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ));
    return v;
}

// dst rows r = 0..7 (stride ldd) get src column r of the 8 x 8 block at src (stride lds), with
// the epilogue for row r (bias8: the block's 8 row biases, or NULL).
__attribute__((target("avx2"), always_inline))
static inline void transpose8x8_op(const float *src, size_t lds, float *dst, size_t ldd, const float *bias8, int relu) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds);
    __m256 r3 = _mm256_loadu_ps(src + 3 * lds), r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
    __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3);
    __m256 t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44);
    __m256 u3 = _mm256_shuffle_ps(t1, t3, 0xEE), u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst + 0 * ldd, epilogue(_mm256_permute2f128_ps(u0, u4, 0x20), bias8, 0, relu));
    _mm256_storeu_ps(dst + 1 * ldd, epilogue(_mm256_permute2f128_ps(u1, u5, 0x20), bias8, 1, relu));
    _mm256_storeu_ps(dst + 2 * ldd, epilogue(_mm256_permute2f128_ps(u2, u6, 0x20), bias8, 2, relu));
    _mm256_storeu_ps(dst + 3 * ldd, epilogue(_mm256_permute2f128_ps(u3, u7, 0x20), bias8, 3, relu));
    _mm256_storeu_ps(dst + 4 * ldd, epilogue(_mm256_permute2f128_ps(u0, u4, 0x31), bias8, 4, relu));
    _mm256_storeu_ps(dst + 5 * ldd, epilogue(_mm256_permute2f128_ps(u1, u5, 0x31), bias8, 5, relu));
    _mm256_storeu_ps(dst + 6 * ldd, epilogue(_mm256_permute2f128_ps(u2, u6, 0x31), bias8, 6, relu));
    _mm256_storeu_ps(dst + 7 * ldd, epilogue(_mm256_permute2f128_ps(u3, u7, 0x31), bias8, 7, relu));
}

// Tiles of 32 x 32 (8 x 8 blocks inside) keep both sides' cache lines in L1 while they are used.
// Inlined into both callers, so the plain transposition keeps no epilogue.
__attribute__((target("avx2"), always_inline))
static inline void transpose_avx2_op(int rows, int cols, const float *src, size_t lds, float *dst, size_t ldd,
                                     const float *bias, int relu) {
    int r8 = rows & ~7, c8 = cols & ~7;
    for (int i0 = 0; i0 < r8; i0 += 32) {
        int i1 = i0 + 32 < r8 ? i0 + 32 : r8;
        for (int j0 = 0; j0 < c8; j0 += 32) {
            int j1 = j0 + 32 < c8 ? j0 + 32 : c8;
            for (int i = i0; i < i1; i += 8)
                for (int j = j0; j < j1; j += 8)
                    transpose8x8_op(src + i * lds + j, lds, dst + j * ldd + i, ldd, bias ? bias + j : NULL, relu);
        }
    }
    // The edges: columns past c8 of the first r8 rows, then the last rows.
    for (int i = 0; i < r8; i++)
        for (int j = c8; j < cols; j++) dst[j * ldd + i] = epilogue1(src[i * lds + j], bias, j, relu);
    for (int i = r8; i < rows; i++)
        for (int j = 0; j < cols; j++) dst[j * ldd + i] = epilogue1(src[i * lds + j], bias, j, relu);
}

__attribute__((target("avx2")))
static void transpose_avx2(int rows, int cols, const float *src, size_t lds, float *dst, size_t ldd) {
    transpose_avx2_op(rows, cols, src, lds, dst, ldd, NULL, 0);
}

__attribute__((target("avx2")))
static void transpose_avx2_bias_relu(int rows, int cols, const float *src, size_t lds, float *dst, size_t ldd,
                                     const float *bias, int relu) {
    transpose_avx2_op(rows, cols, src, lds, dst, ldd, bias, relu);
}
#endif

static int has_avx2(void) {
    static int cached = -1;  // racing first calls compute the same value
    if (cached < 0) cached = (e2e_cpu_features() & E2E_CPU_AVX2_FMA) != 0;
    return cached;
}

void e2e_transpose(int rows, int cols, const float *src, int lds, float *dst, int ldd) {
    if (rows <= 0 || cols <= 0) return;
#if defined(__x86_64__)
    if (has_avx2()) { transpose_avx2(rows, cols, src, (size_t)lds, dst, (size_t)ldd); return; }
#endif
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) dst[(size_t)j * ldd + i] = src[(size_t)i * lds + j];
}

void e2e_transpose_bias_relu(int rows, int cols, const float *src, int lds, float *dst, int ldd, const float *bias, int relu) {
    if (rows <= 0 || cols <= 0) return;
#if defined(__x86_64__)
    if (has_avx2()) { transpose_avx2_bias_relu(rows, cols, src, (size_t)lds, dst, (size_t)ldd, bias, relu); return; }
#endif
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) dst[(size_t)j * ldd + i] = epilogue1(src[(size_t)i * lds + j], bias, j, relu);
}
