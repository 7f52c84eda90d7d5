// The exact GELU of transformer feed-forward layers: Foundation's scalar erf, one value at a
// time, was a fifth of a transformer step. Vector erf from A&S 7.1.26 and the vector exp.
#include "EndToEndKernelsC.h"
#include <string.h>
#include "VectorMathInline.h"

#if defined(__x86_64__)

#define E2E_GELU(SUFFIX, TARGET, F, I, W)                                                               \
/* Phi(x) and phi(x) = exp(-x^2 / 2) / sqrt(2 pi) together: they share the exponential. */           \
__attribute__((target(TARGET), always_inline)) static inline void cdf_##SUFFIX(F x, F *cdf, F *pdf) {   \
    const F zero = {0};                                                                                 \
    F z = x * 0.70710678118654752f;                                                                     \
    I sign = (I)z & (int)0x80000000u;                                                                   \
    F az = (F)((I)z & 0x7FFFFFFF);                                                                      \
    F t = 1.0f / (1.0f + 0.3275911f * az);                                                              \
    F p = zero + 1.061405429f;                                                                          \
    p = p * t - 1.453152027f;                                                                           \
    p = p * t + 1.421413741f;                                                                           \
    p = p * t - 0.284496736f;                                                                           \
    p = p * t + 0.254829592f;                                                                           \
    F e = exp_##SUFFIX(zero - az * az);                                                                 \
    F erfAbs = 1.0f - p * t * e;                                                                        \
    F erf = (F)((I)erfAbs | sign);                                                                      \
    *cdf = 0.5f + 0.5f * erf;                                                                           \
    *pdf = e * 0.39894228040143268f;                                                                    \
}                                                                                                       \
__attribute__((target(TARGET))) static void forward_##SUFFIX(const float *x, float *y, long n) {       \
    for (long i = 0; i < n; i += W) {                                                                   \
        long m = n - i < W ? n - i : W;                                                                 \
        F v = {0}, c, d;                                                                                \
        if (m == W) memcpy(&v, x + i, sizeof v); else memcpy(&v, x + i, (size_t)m * 4);                 \
        cdf_##SUFFIX(v, &c, &d);                                                                        \
        v = v * c;                                                                                      \
        if (m == W) memcpy(y + i, &v, sizeof v); else memcpy(y + i, &v, (size_t)m * 4);                 \
    }                                                                                                   \
}                                                                                                       \
__attribute__((target(TARGET))) static void backward_##SUFFIX(const float *x, const float *g, float *dx, long n) { \
    for (long i = 0; i < n; i += W) {                                                                   \
        long m = n - i < W ? n - i : W;                                                                 \
        F v = {0}, gv = {0}, c, d;                                                                      \
        if (m == W) { memcpy(&v, x + i, sizeof v); memcpy(&gv, g + i, sizeof gv); }                    \
        else { memcpy(&v, x + i, (size_t)m * 4); memcpy(&gv, g + i, (size_t)m * 4); }                   \
        cdf_##SUFFIX(v, &c, &d);                                                                        \
        v = gv * (c + v * d);                                                                           \
        if (m == W) memcpy(dx + i, &v, sizeof v); else memcpy(dx + i, &v, (size_t)m * 4);               \
    }                                                                                                   \
}

E2E_GELU(512, E2E_TARGET_512, f16v, i16v, 16)
E2E_GELU(256, E2E_TARGET_256, f8v, i8v, 8)
#endif

int e2e_gelu_forward(int isa, const float *x, float *y, long n) {
#if defined(__x86_64__)
    if (isa == E2E_CPU_AVX512F) { forward_512(x, y, n); return 0; }
    if (isa == E2E_CPU_AVX2_FMA) { forward_256(x, y, n); return 0; }
#endif
    (void)isa; (void)x; (void)y; (void)n;
    return -1;
}

int e2e_gelu_backward(int isa, const float *x, const float *g, float *dx, long n) {
#if defined(__x86_64__)
    if (isa == E2E_CPU_AVX512F) { backward_512(x, g, dx, n); return 0; }
    if (isa == E2E_CPU_AVX2_FMA) { backward_256(x, g, dx, n); return 0; }
#endif
    (void)isa; (void)x; (void)g; (void)dx; (void)n;
    return -1;
}
