// 2 x 2 / stride 2 max pooling, the CNN's usual halving: the scalar loop's data-dependent
// branches mispredicted on every other window. Vector compares with blends have none.
#include "EndToEndKernelsC.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// One window, the scalar rule: `!(v <= best)` takes v (strictly greater, or NaN).
static inline void window(const float *r0, const float *r1, int base, int w, int c, float *out, int *idx) {
    float best = r0[c]; int bi = base + c;
    if (!(r0[c + 1] <= best)) { best = r0[c + 1]; bi = base + c + 1; }
    if (!(r1[c] <= best)) { best = r1[c]; bi = base + w + c; }
    if (!(r1[c + 1] <= best)) { best = r1[c + 1]; bi = base + w + c + 1; }
    *out = best;
    if (idx) *idx = bi;
}

__attribute__((target("avx512f")))
static void pool512(const float *src, float *dst, int *indices, long planes, int h, int w, int oh, int ow) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for (long pl = 0; pl < planes; pl++) {
        const float *plane = src + pl * (long)h * w;
        float *out = dst + pl * (long)oh * ow;
        int *idx = indices ? indices + pl * (long)oh * ow : 0;
        for (int y = 0; y < oh; y++) {
            const float *r0 = plane + (long)2 * y * w, *r1 = r0 + w;
            int base = 2 * y * w, x = 0;
            for (; x + 16 <= ow; x += 16) {
                int c = 2 * x;
                __m512 a0 = _mm512_loadu_ps(r0 + c), a1 = _mm512_loadu_ps(r0 + c + 16);
                __m512 b0 = _mm512_loadu_ps(r1 + c), b1 = _mm512_loadu_ps(r1 + c + 16);
                __m512 best = _mm512_permutex2var_ps(a0, even, a1);
                __m512i bi = _mm512_add_epi32(even, _mm512_set1_epi32(base + c));
                __m512 v = _mm512_permutex2var_ps(a0, odd, a1);
                __mmask16 m = _mm512_cmp_ps_mask(v, best, _CMP_NLE_UQ);
                best = _mm512_mask_blend_ps(m, best, v);
                bi = _mm512_mask_blend_epi32(m, bi, _mm512_add_epi32(odd, _mm512_set1_epi32(base + c)));
                v = _mm512_permutex2var_ps(b0, even, b1);
                m = _mm512_cmp_ps_mask(v, best, _CMP_NLE_UQ);
                best = _mm512_mask_blend_ps(m, best, v);
                bi = _mm512_mask_blend_epi32(m, bi, _mm512_add_epi32(even, _mm512_set1_epi32(base + w + c)));
                v = _mm512_permutex2var_ps(b0, odd, b1);
                m = _mm512_cmp_ps_mask(v, best, _CMP_NLE_UQ);
                best = _mm512_mask_blend_ps(m, best, v);
                bi = _mm512_mask_blend_epi32(m, bi, _mm512_add_epi32(odd, _mm512_set1_epi32(base + w + c)));
                _mm512_storeu_ps(out + (long)y * ow + x, best);
                if (idx) _mm512_storeu_si512((void *)(idx + (long)y * ow + x), bi);
            }
            for (; x < ow; x++) window(r0, r1, base, w, 2 * x, out + (long)y * ow + x, idx ? idx + (long)y * ow + x : 0);
        }
    }
}

__attribute__((target("avx2")))
static inline __m256 blendv(__m256 a, __m256 b, __m256 mask) { return _mm256_blendv_ps(a, b, mask); }

__attribute__((target("avx2")))
static void pool256(const float *src, float *dst, int *indices, long planes, int h, int w, int oh, int ow) {
    const __m256i iota2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    for (long pl = 0; pl < planes; pl++) {
        const float *plane = src + pl * (long)h * w;
        float *out = dst + pl * (long)oh * ow;
        int *idx = indices ? indices + pl * (long)oh * ow : 0;
        for (int y = 0; y < oh; y++) {
            const float *r0 = plane + (long)2 * y * w, *r1 = r0 + w;
            int base = 2 * y * w, x = 0;
            for (; x + 8 <= ow; x += 8) {
                int c = 2 * x;
                __m256 a0 = _mm256_loadu_ps(r0 + c), a1 = _mm256_loadu_ps(r0 + c + 8);
                __m256 b0 = _mm256_loadu_ps(r1 + c), b1 = _mm256_loadu_ps(r1 + c + 8);
                // Even and odd columns in order: shuffle within lanes, then fix the lane order.
                __m256 ae = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a0, a1, 0x88)), 0xD8));
                __m256 ao = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a0, a1, 0xDD)), 0xD8));
                __m256 be = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(b0, b1, 0x88)), 0xD8));
                __m256 bo = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(b0, b1, 0xDD)), 0xD8));
                __m256i i0 = _mm256_add_epi32(iota2, _mm256_set1_epi32(base + c));
                __m256i i1 = _mm256_add_epi32(i0, _mm256_set1_epi32(1));
                __m256i i2 = _mm256_add_epi32(i0, _mm256_set1_epi32(w));
                __m256i i3 = _mm256_add_epi32(i2, _mm256_set1_epi32(1));
                __m256 best = ae, bi = _mm256_castsi256_ps(i0);
                __m256 m = _mm256_cmp_ps(ao, best, _CMP_NLE_UQ);
                best = blendv(best, ao, m); bi = blendv(bi, _mm256_castsi256_ps(i1), m);
                m = _mm256_cmp_ps(be, best, _CMP_NLE_UQ);
                best = blendv(best, be, m); bi = blendv(bi, _mm256_castsi256_ps(i2), m);
                m = _mm256_cmp_ps(bo, best, _CMP_NLE_UQ);
                best = blendv(best, bo, m); bi = blendv(bi, _mm256_castsi256_ps(i3), m);
                _mm256_storeu_ps(out + (long)y * ow + x, best);
                if (idx) _mm256_storeu_si256((__m256i *)(idx + (long)y * ow + x), _mm256_castps_si256(bi));
            }
            for (; x < ow; x++) window(r0, r1, base, w, 2 * x, out + (long)y * ow + x, idx ? idx + (long)y * ow + x : 0);
        }
    }
}
// Windows of k along rows (1-D pooling, or 2-D with a window one row high), kernel = stride,
// no padding: 16 windows at a time, their j-th elements gathered (lane x reads x * k + j), then
// the scalar rule by masked blends, so values and indices equal the scalar loop's bit for bit.
// The voice network's pools of 4 ran as a generic loop with per-window bounds: 8-9 % of the
// conv1d benchmark.
__attribute__((target("avx512f")))
static void pool_rows512(const float *src, float *dst, int *indices, long rows, int h, int w, int ow, int k) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i first = _mm512_mullo_epi32(lane, _mm512_set1_epi32(k));
    for (long r = 0; r < rows; r++) {
        const float *row = src + r * w;
        float *out = dst + r * ow;
        int *idx = indices ? indices + r * ow : 0;
        int base = (int)(r % h) * w;
        for (int x = 0; x < ow; x += 16) {
            __mmask16 live = ow - x >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (ow - x)) - 1);
            const float *p = row + (long)x * k;
            __m512 best = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, first, p, 4);
            __m512i bi = first;
            for (int j = 1; j < k; j++) {
                __m512i at = _mm512_add_epi32(first, _mm512_set1_epi32(j));
                __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, at, p, 4);
                __mmask16 m = _mm512_cmp_ps_mask(v, best, _CMP_NLE_UQ);
                best = _mm512_mask_blend_ps(m, best, v);
                bi = _mm512_mask_blend_epi32(m, bi, at);
            }
            _mm512_mask_storeu_ps(out + x, live, best);
            if (idx) _mm512_mask_storeu_epi32(idx + x, live, _mm512_add_epi32(bi, _mm512_set1_epi32(base + x * k)));
        }
    }
}

#endif

int e2e_maxpool2x2(int isa, const float *src, float *dst, int *indices, long planes, int h, int w, int oh, int ow) {
#if defined(__x86_64__)
    if (isa == E2E_CPU_AVX512F) { pool512(src, dst, indices, planes, h, w, oh, ow); return 0; }
    if (isa == E2E_CPU_AVX2_FMA) { pool256(src, dst, indices, planes, h, w, oh, ow); return 0; }
#endif
    (void)isa; (void)src; (void)dst; (void)indices; (void)planes; (void)h; (void)w; (void)oh; (void)ow;
    return -1;
}

int e2e_maxpool_rows(int isa, const float *src, float *dst, int *indices, long rows, int h, int w, int ow, int k) {
#if defined(__x86_64__)
    if (isa == E2E_CPU_AVX512F && k >= 1 && (long)ow * k <= w) { pool_rows512(src, dst, indices, rows, h, w, ow, k); return 0; }
#endif
    (void)isa; (void)src; (void)dst; (void)indices; (void)rows; (void)h; (void)w; (void)ow; (void)k;
    return -1;
}
