// Vector exp, tanh and sigmoid as inline functions for the C kernels (private header).
// E2E_VMATH_INLINE(SUFFIX, TARGET, F, I) defines sel_, exp_, tanh_ and sigmoid_SUFFIX for the
// float vector type F and the int32 vector type I of the same width, compiled for TARGET;
// the constants and steps follow VectorMath.swift line by line.
#ifndef END_TO_END_VECTOR_MATH_INLINE_H
#define END_TO_END_VECTOR_MATH_INLINE_H

#if defined(__x86_64__)
typedef float f16v __attribute__((vector_size(64)));
typedef int i16v __attribute__((vector_size(64)));
typedef float f8v __attribute__((vector_size(32)));
typedef int i8v __attribute__((vector_size(32)));

#define E2E_TARGET_512 "avx512f,avx512dq,fma"
#define E2E_TARGET_256 "avx2,fma"

#define E2E_VMATH_INLINE(SUFFIX, TARGET, F, I)                                                              \
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
}

E2E_VMATH_INLINE(512, E2E_TARGET_512, f16v, i16v)
E2E_VMATH_INLINE(256, E2E_TARGET_256, f8v, i8v)
#endif

#endif
