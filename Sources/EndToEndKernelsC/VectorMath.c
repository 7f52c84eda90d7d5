// exp, tanh and sigmoid over buffers, written once with vector extensions and compiled for
// AVX-512 (16 lanes) and AVX2 + FMA (8 lanes): Swift's SIMD8 code runs on the baseline ISA
// (SSE2, no FMA), which made these a tenth of an LSTM step.
#include "EndToEndKernelsC.h"
#include <string.h>
#include "VectorMathInline.h"

#if defined(__x86_64__)

// The buffer loops for vector type F of W lanes.
#define E2E_VMATH(SUFFIX, TARGET, F, I, W)                                                              \
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

E2E_VMATH(512, E2E_TARGET_512, f16v, i16v, 16)
E2E_VMATH(256, E2E_TARGET_256, f8v, i8v, 8)

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
