#include "EndToEndKernelsC.h"

int e2e_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int f = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= E2E_CPU_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f") && (f & E2E_CPU_AVX2_FMA)) f |= E2E_CPU_AVX512F;
    return f;
#else
    return 0;
#endif
}
