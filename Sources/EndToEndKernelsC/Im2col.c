// im2col and col2im, the data movement around a convolution computed as a GEMM. Their rows are
// short (8 to 24 floats in LeNet), so Swift's loop, compiled for baseline x86-64, spent more
// on loop control and 16-byte moves than on the bytes (about 7.5 GB/s on Zen 4, 14 % of the
// CNN benchmark). Here rows move 8 floats at a time (AVX2, also on AVX-512 CPUs), with masked
// loads at the edges that zero the padding and never read outside an input row's valid part.
#include "EndToEndKernelsC.h"

#if defined(__x86_64__)
#include <immintrin.h>

// The output columns lo..hi whose input column ow * sw + off lies in 0..size (see Swift's
// convValidRange).
static inline void valid_range(long off, long sw, long size, long out, long *lo, long *hi) {
    long l = off >= 0 ? 0 : (-off + sw - 1) / sw;
    if (l > out) l = out;
    long room = size - off, h = l;
    if (room > 0) {
        h = (room + sw - 1) / sw;
        if (h > out) h = out;
        if (h < l) h = l;
    }
    *lo = l;
    *hi = h;
}

// An AVX2 lane mask (all bits set in lanes lo..hi of an 8-lane chunk at column base).
__attribute__((target("avx2")))
static inline __m256i mask8(long base, long lo, long hi) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i lane = _mm256_add_epi32(iota, _mm256_set1_epi32((int)base));
    __m256i ge = _mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int)lo - 1));
    __m256i lt = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), lane);
    return _mm256_and_si256(ge, lt);
}

// dst[0..n] = src[ow] for ow in lo..hi, 0 elsewhere (src may point before its row: only
// lanes lo..hi are read). Eight lanes at a time on both ISAs: a row is often 8 floats, and
// 16-lane AVX-512 moves with masked stores took 1.6 ms against 0.96 for LeNet's second layer
// (Zen 4, batch 64).
__attribute__((target("avx2")))
static inline void row_copy(const float *src, float *dst, long n, long lo, long hi) {
    for (long b = 0; b < n; b += 8) {
        __m256 v = lo <= b && b + 8 <= hi ? _mm256_loadu_ps(src + b) : _mm256_maskload_ps(src + b, mask8(b, lo, hi));
        if (b + 8 <= n) _mm256_storeu_ps(dst + b, v);
        else _mm256_maskstore_ps(dst + b, mask8(b, 0, n), v);
    }
}

__attribute__((target("avx2")))
static void im2col256(const float *x, const e2e_conv_geometry *g, float *cols, long r0, long r1) {
    long np = g->n * g->oh * g->ow;
    for (long r = r0; r < r1; r++) {
        long j = r % g->kw, i = (r / g->kw) % g->kh, c = r / (g->kw * g->kh);
        long offw = j * g->dw - g->pw, offh = i * g->dh - g->ph, lo, hi;
        valid_range(offw, 1, g->w, g->ow, &lo, &hi);
        float *dst = cols + r * np;
        for (long n = 0; n < g->n; n++) {
            const float *plane = x + (n * g->c + c) * g->h * g->w;
            for (long oh = 0; oh < g->oh; oh++, dst += g->ow) {
                long ih = oh * g->sh + offh;
                if (ih < 0 || ih >= g->h) row_copy(plane, dst, g->ow, 0, 0);
                else row_copy(plane + ih * g->w + offw, dst, g->ow, lo, hi);
            }
        }
    }
}

// Row blocks of 8 output positions, each written as [C*KH*KW][8]: the forward product's A in
// the AVX-512 GEMM kernel's own order. A block inside one output row reads each of its rows
// as one 8-float run of an input row; a block across rows (or past the end) gathers.
__attribute__((target("avx2")))
static void im2col_blocked(const float *x, const e2e_conv_geometry *g, float *dst, long rb0, long rb1) {
    long p = g->oh * g->ow, np = g->n * p, rows = g->c * g->kh * g->kw, plane_size = g->h * g->w;
    for (long rb = rb0; rb < rb1; rb++) {
        long q0 = rb * 8, n = q0 / p, rem = q0 - n * p, oh = rem / g->ow, ow0 = rem - oh * g->ow;
        float *out = dst + rb * 8 * rows;
        if (q0 + 8 <= np && ow0 + 8 <= g->ow) {
            const float *sample = x + n * g->c * plane_size;
            for (long c = 0; c < g->c; c++) {
                const float *plane = sample + c * plane_size;
                for (long i = 0; i < g->kh; i++) {
                    long ih = oh * g->sh + i * g->dh - g->ph;
                    for (long j = 0; j < g->kw; j++, out += 8) {
                        long offw = j * g->dw - g->pw, lo, hi;
                        if (ih < 0 || ih >= g->h) { row_copy(plane, out, 8, 0, 0); continue; }
                        valid_range(offw, 1, g->w, g->ow, &lo, &hi);
                        // Lanes q = output columns ow0 + q, valid for lo <= ow0 + q < hi.
                        row_copy(plane + ih * g->w + offw + ow0, out, 8, lo - ow0, hi - ow0);
                    }
                }
            }
            continue;
        }
        for (long q = 0; q < 8; q++) {
            long pos = q0 + q, qn = pos / p, qr = pos - qn * p, qh = qr / g->ow, qw = qr - qh * g->ow;
            for (long r = 0; r < rows; r++) {
                float v = 0;
                if (pos < np) {
                    long j = r % g->kw, i = (r / g->kw) % g->kh, c = r / (g->kw * g->kh);
                    long ih = qh * g->sh + i * g->dh - g->ph, iw = qw + j * g->dw - g->pw;
                    if (ih >= 0 && ih < g->h && iw >= 0 && iw < g->w) v = x[(qn * g->c + c) * plane_size + ih * g->w + iw];
                }
                out[r * 8 + q] = v;
            }
        }
    }
}

// dst[0..n] += src[0..n].
__attribute__((target("avx2")))
static inline void row_add(const float *src, float *dst, long n) {
    for (long b = 0; b < n; b += 8) {
        if (b + 8 <= n) {
            _mm256_storeu_ps(dst + b, _mm256_add_ps(_mm256_loadu_ps(dst + b), _mm256_loadu_ps(src + b)));
        } else {
            __m256i m = mask8(b, 0, n);
            _mm256_maskstore_ps(dst + b, m, _mm256_add_ps(_mm256_maskload_ps(dst + b, m), _mm256_maskload_ps(src + b, m)));
        }
    }
}

// Each column row is added into its input rows in turn (kernel column outside, output row
// inside, so consecutive adds go to different rows). Summing each input row in registers from
// the kH x kW rows that read it instead took 1.4 ms against 0.9 for LeNet's second layer.
__attribute__((target("avx2")))
static void col2im256(const float *cols, const e2e_conv_geometry *g, float *dx, long item0, long item1) {
    long plane_size = g->h * g->w, np = g->n * g->oh * g->ow, p = g->oh * g->ow;
    for (long item = item0; item < item1; item++) {
        long c = item / g->n, n = item - c * g->n;
        float *dst = dx + (n * g->c + c) * plane_size;
        for (long e = 0; e < plane_size; e++) dst[e] = 0;
        for (long i = 0; i < g->kh; i++) {
            long offh = i * g->dh - g->ph;
            for (long j = 0; j < g->kw; j++) {
                long offw = j * g->dw - g->pw, lo, hi;
                valid_range(offw, 1, g->w, g->ow, &lo, &hi);
                if (lo >= hi) continue;
                const float *src = cols + ((c * g->kh + i) * g->kw + j) * np + n * p;
                for (long oh = 0; oh < g->oh; oh++) {
                    long ih = oh * g->sh + offh;
                    if (ih < 0 || ih >= g->h) continue;
                    row_add(src + oh * g->ow + lo, dst + ih * g->w + offw + lo, hi - lo);
                }
            }
        }
    }
}
#endif

// The vector moves address lanes by a 32-bit offset within a row; rows wider than that, and
// horizontal strides other than 1 (a gather per row), stay with the caller's loop.
static int supported(const e2e_conv_geometry *g) {
    return g->sw == 1 && g->ow > 0 && g->w < (1L << 30) && g->ow < (1L << 30);
}

int e2e_im2col(int isa, const float *x, const e2e_conv_geometry *g, float *cols, long r0, long r1) {
#if defined(__x86_64__)
    if (!supported(g)) return -1;
    if (isa == E2E_CPU_AVX512F || isa == E2E_CPU_AVX2_FMA) { im2col256(x, g, cols, r0, r1); return 0; }
#endif
    (void)isa; (void)x; (void)g; (void)cols; (void)r0; (void)r1;
    return -1;
}

int e2e_col2im(int isa, const float *cols, const e2e_conv_geometry *g, float *dx, long item0, long item1) {
#if defined(__x86_64__)
    if (!supported(g)) return -1;
    if (isa == E2E_CPU_AVX512F || isa == E2E_CPU_AVX2_FMA) { col2im256(cols, g, dx, item0, item1); return 0; }
#endif
    (void)isa; (void)cols; (void)g; (void)dx; (void)item0; (void)item1;
    return -1;
}

int e2e_im2col_blocked(int isa, const float *x, const e2e_conv_geometry *g, float *dst, long rb0, long rb1) {
#if defined(__x86_64__)
    if (!supported(g) || isa != E2E_CPU_AVX512F) return -1;
    im2col_blocked(x, g, dst, rb0, rb1);
    return 0;
#else
    (void)isa; (void)x; (void)g; (void)dst; (void)rb0; (void)rb1;
    return -1;
#endif
}
