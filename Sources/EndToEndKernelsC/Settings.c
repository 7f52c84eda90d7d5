// Process-wide settings read on hot paths, as atomics: the kernels' instruction set (read for
// every LSTM row, softmax row and pooling plane), the thread count (read by every parallelFor)
// and the thread count OpenBLAS was last given (checked before every BLAS call). Behind a
// mutex the two threads of a 2-thread run contended for them, about 1 % of each thread's samples
// in the transformer benchmark. Swift's Synchronization.Atomic needs macOS 15, which the package
// does not require.
#include "EndToEndKernelsC.h"

#include <stdatomic.h>

static _Atomic int settings[E2E_SETTING_COUNT];

int e2e_setting_load(int slot) {
    if (slot < 0 || slot >= E2E_SETTING_COUNT) return 0;
    return atomic_load_explicit(&settings[slot], memory_order_relaxed);
}

void e2e_setting_store(int slot, int value) {
    if (slot < 0 || slot >= E2E_SETTING_COUNT) return;
    atomic_store_explicit(&settings[slot], value, memory_order_relaxed);
}
