// exp, tanh and sigmoid over buffers, written once with vector extensions and compiled for
// AVX-512 (16 lanes) and AVX2 + FMA (8 lanes): Swift's SIMD8 code runs on the baseline ISA
// (SSE2, no FMA), which made these a tenth of an LSTM step.
#include "EndToEndKernelsC.h"
#include <string.h>

#if defined(__x86_64__)

typedef float f16v __attribute__((vector_size(64)));
typedef int i16v __attribute__((vector_size(64)));
typedef float f8v __attribute__((vector_size(32)));
typedef int i8v __attribute__((vector_size(32)));

// The body of every function for vector types F (float) and I (int32) of W lanes; the
// constants and steps follow VectorMath.swift line by line.
#define E2E_VMATH(SUFFIX, TARGET, F, I, W)                                                              \
__attribute__((target(TARGET), always_inline)) static inline F sel_##SUFFIX(I m, F a, F b) {            \
    return (F)((m & (I)a) | (~m & (I)b));                                                             \
}                                                                                                       \
__attribute__((target(TARGET), always_inline)) static inline F exp_##SUFFIX(F v) {                      \
    const F zero = {0}, hi = zero + 89.0f, lo = zero - 104.0f;                                                    \
    F x = sel_##SUFFIX(v > hi, hi, v);                                                                  \
    x = sel_##SUFFIX(x < lo, lo, x);                                                                    \
    const float magic = 0x1.8p23f;                                                                      \
    F t = x * 1.44269504088896341f + magic;                                                             \
    F n = t - magic;                                                                                    \
    F r = x - n * 0.693359375f;                                                                         \
    r = r - n * -2.12194440e-4f;                                                                        \
    F z = r * r;                                                                                        \
    F p = zero + 1.9875691500e-4f;                                                                     \
    p = p * r + 1.3981999507e-3f;                                                                       \
    p = p * r + 8.3334519073e-3f;                                                                       \
    p = p * r + 4.1665795894e-2f;                                                                       \
    p = p * r + 1.6666665459e-1f;                                                                       \
    p = p * r + 5.0000001201e-1f;                                                                       \
    p = p * z + r + 1.0f;                                                                               \
    I ni = (I)t - 0x4B400000;                                                                           \
    I n1 = ni >> 1;                                                                                     \
    I n2 = ni - n1;                                                                                     \
    F s1 = (F)((n1 + 127) << 23);                                                                       \
    F s2 = (F)((n2 + 127) << 23);                                                                       \
    return p * s1 * s2;                                                                                 \
}                                                                                                       \
__attribute__((target(TARGET), always_inline)) static inline F tanh_##SUFFIX(F v) {                     \
    I b = (I)v;                                                                                         \
    I sign = b & (int)0x80000000u;                                                                      \
    F ax = (F)(b & 0x7FFFFFFF);                                                                         \
    F z = ax * ax;                                                                                      \
    const F zero = {0};                                                                                 \
    F p = zero - 5.70498872745e-3f;                                                                    \
    p = p * z + 2.06390887954e-2f;                                                                      \
    p = p * z + -5.37397155531e-2f;                                                                     \
    p = p * z + 1.33314422036e-1f;                                                                      \
    p = p * z + -3.33332819422e-1f;                                                                     \
    F small = p * z * ax + ax;                                                                          \
    F e = exp_##SUFFIX(ax + ax);                                                                        \
    F r = 1.0f - 2.0f / (e + 1.0f);                                                                     \
    r = sel_##SUFFIX(ax < 0.625f, small, r);                                                            \
    r = sel_##SUFFIX(ax > 9.0f, zero + 1.0f, r);                                                       \
    return (F)((I)r | sign);                                                                            \
}                                                                                                       \
__attribute__((target(TARGET), always_inline)) static inline F sigmoid_##SUFFIX(F v) {                  \
    return 1.0f / (1.0f + exp_##SUFFIX(-v));                                                            \
}                                                                                                       \
/* The whole buffer: full vectors, then a zero-padded tail through the same code. */                  \
__attribute__((target(TARGET))) static void map_exp_##SUFFIX(const float *x, float *y, long n) {       \
    long i = 0; F v;                                                                                    \
    for (; i + W <= n; i += W) { memcpy(&v, x + i, sizeof v); v = exp_##SUFFIX(v); memcpy(y + i, &v, sizeof v); } \
    if (i < n) { F t = {0}; memcpy(&t, x + i, (size_t)(n - i) * 4); t = exp_##SUFFIX(t); memcpy(y + i, &t, (size_t)(n - i) * 4); } \
}                                                                                                       \
__attribute__((target(TARGET))) static void map_tanh_##SUFFIX(const float *x, float *y, long n) {      \
    long i = 0; F v;                                                                                    \
    for (; i + W <= n; i += W) { memcpy(&v, x + i, sizeof v); v = tanh_##SUFFIX(v); memcpy(y + i, &v, sizeof v); } \
    if (i < n) { F t = {0}; memcpy(&t, x + i, (size_t)(n - i) * 4); t = tanh_##SUFFIX(t); memcpy(y + i, &t, (size_t)(n - i) * 4); } \
}                                                                                                       \
__attribute__((target(TARGET))) static void map_sigmoid_##SUFFIX(const float *x, float *y, long n) {   \
    long i = 0; F v;                                                                                    \
    for (; i + W <= n; i += W) { memcpy(&v, x + i, sizeof v); v = sigmoid_##SUFFIX(v); memcpy(y + i, &v, sizeof v); } \
    if (i < n) { F t = {0}; memcpy(&t, x + i, (size_t)(n - i) * 4); t = sigmoid_##SUFFIX(t); memcpy(y + i, &t, (size_t)(n - i) * 4); } \
}

E2E_VMATH(512, "avx512f,avx512dq,fma", f16v, i16v, 16)
E2E_VMATH(256, "avx2,fma", f8v, i8v, 8)

#define E2E_DISPATCH(NAME)                                                                              \
int e2e_v##NAME(int isa, const float *x, float *y, long n) {                                           \
    if (isa == E2E_CPU_AVX512F) { map_##NAME##_512(x, y, n); return 0; }                               \
    if (isa == E2E_CPU_AVX2_FMA) { map_##NAME##_256(x, y, n); return 0; }                              \
    return -1;                                                                                          \
}
E2E_DISPATCH(exp)
E2E_DISPATCH(tanh)
E2E_DISPATCH(sigmoid)

#else

int e2e_vexp(int isa, const float *x, float *y, long n) { (void)isa; (void)x; (void)y; (void)n; return -1; }
int e2e_vtanh(int isa, const float *x, float *y, long n) { (void)isa; (void)x; (void)y; (void)n; return -1; }
int e2e_vsigmoid(int isa, const float *x, float *y, long n) { (void)isa; (void)x; (void)y; (void)n; return -1; }

#endif
