// The LSTM's element-wise cell, forward and backward, one batch row (or a run of its hidden
// units) at a time: in Swift these loops ran on SSE2 without FMA; here on AVX-512 or AVX2 with
// the vector tanh and sigmoid.
#include "EndToEndKernelsC.h"
#include <string.h>
#include "VectorMathInline.h"

#if defined(__x86_64__)

// LOAD/STORE move the first `n` (<= W) lanes; the rest of a loaded vector is zero.
#define E2E_LSTM(SUFFIX, TARGET, F, W)                                                                  \
__attribute__((target(TARGET), always_inline)) static inline F ld_##SUFFIX(const float *p, int n) {     \
    F v = {0};                                                                                          \
    if (n == W) memcpy(&v, p, sizeof v); /* constant size: one vector load, no libc call */            \
    else memcpy(&v, p, (size_t)n * 4);                                                                  \
    return v;                                                                                           \
}                                                                                                       \
__attribute__((target(TARGET), always_inline)) static inline void st_##SUFFIX(float *p, F v, int n) {   \
    if (n == W) memcpy(p, &v, sizeof v);                                                                \
    else memcpy(p, &v, (size_t)n * 4);                                                                  \
}                                                                                                       \
__attribute__((target(TARGET))) static void forward_##SUFFIX(float *a, const float *bias, const float *cp, float *c, \
                                                             float *tc, float *h, int H, int N) {       \
    float *gi = a, *gf = a + H, *gg = a + 2 * H, *go = a + 3 * H;                                       \
    for (int j = 0; j < N; j += W) {                                                                    \
        int n = N - j < W ? N - j : W;                                                                  \
        F xi = ld_##SUFFIX(gi + j, n), xf = ld_##SUFFIX(gf + j, n);                                     \
        F xg = ld_##SUFFIX(gg + j, n), xo = ld_##SUFFIX(go + j, n);                                     \
        if (bias) {                                                                                     \
            xi += ld_##SUFFIX(bias + j, n); xf += ld_##SUFFIX(bias + H + j, n);                         \
            xg += ld_##SUFFIX(bias + 2 * H + j, n); xo += ld_##SUFFIX(bias + 3 * H + j, n);             \
        }                                                                                               \
        F i = sigmoid_##SUFFIX(xi), f = sigmoid_##SUFFIX(xf);                                           \
        F g = tanh_##SUFFIX(xg), o = sigmoid_##SUFFIX(xo);                                              \
        F cv = f * ld_##SUFFIX(cp + j, n) + i * g;                                                      \
        F t = tanh_##SUFFIX(cv);                                                                        \
        st_##SUFFIX(gi + j, i, n); st_##SUFFIX(gf + j, f, n); st_##SUFFIX(gg + j, g, n);                \
        st_##SUFFIX(go + j, o, n); st_##SUFFIX(c + j, cv, n); st_##SUFFIX(tc + j, t, n);               \
        st_##SUFFIX(h + j, o * t, n);                                                                   \
    }                                                                                                   \
}                                                                                                       \
__attribute__((target(TARGET))) static void backward_##SUFFIX(const float *a, const float *tc,          \
        const float *gy, const float *dh, const float *cp, float *dc, float *d, int H, int N) {         \
    for (int j = 0; j < N; j += W) {                                                                    \
        int n = N - j < W ? N - j : W;                                                                  \
        F dhj = ld_##SUFFIX(gy + j, n) + ld_##SUFFIX(dh + j, n);                                        \
        F t = ld_##SUFFIX(tc + j, n), o = ld_##SUFFIX(a + 3 * H + j, n), i = ld_##SUFFIX(a + j, n);     \
        F f = ld_##SUFFIX(a + H + j, n), g = ld_##SUFFIX(a + 2 * H + j, n);                             \
        F dcj = dhj * o * (1.0f - t * t) + ld_##SUFFIX(dc + j, n);                                      \
        st_##SUFFIX(d + j, dcj * g * i * (1.0f - i), n);                                                \
        st_##SUFFIX(d + H + j, dcj * ld_##SUFFIX(cp + j, n) * f * (1.0f - f), n);                       \
        st_##SUFFIX(d + 2 * H + j, dcj * i * (1.0f - g * g), n);                                        \
        st_##SUFFIX(d + 3 * H + j, dhj * t * o * (1.0f - o), n);                                        \
        st_##SUFFIX(dc + j, dcj * f, n);                                                                \
    }                                                                                                   \
}

E2E_LSTM(512, E2E_TARGET_512, f16v, 16)
E2E_LSTM(256, E2E_TARGET_256, f8v, 8)
#endif

int e2e_lstm_cell_forward(int isa, float *a, const float *bias, const float *c_prev, float *c, float *tc, float *h,
                          int hidden, int count) {
#if defined(__x86_64__)
    if (isa == E2E_CPU_AVX512F) { forward_512(a, bias, c_prev, c, tc, h, hidden, count); return 0; }
    if (isa == E2E_CPU_AVX2_FMA) { forward_256(a, bias, c_prev, c, tc, h, hidden, count); return 0; }
#endif
    (void)isa; (void)a; (void)bias; (void)c_prev; (void)c; (void)tc; (void)h; (void)hidden; (void)count;
    return -1;
}

int e2e_lstm_cell_backward(int isa, const float *a, const float *tc, const float *gy, const float *dh,
                           const float *c_prev, float *dc, float *d, int hidden, int count) {
#if defined(__x86_64__)
    if (isa == E2E_CPU_AVX512F) { backward_512(a, tc, gy, dh, c_prev, dc, d, hidden, count); return 0; }
    if (isa == E2E_CPU_AVX2_FMA) { backward_256(a, tc, gy, dh, c_prev, dc, d, hidden, count); return 0; }
#endif
    (void)isa; (void)a; (void)tc; (void)gy; (void)dh; (void)c_prev; (void)dc; (void)d; (void)hidden; (void)count;
    return -1;
}
