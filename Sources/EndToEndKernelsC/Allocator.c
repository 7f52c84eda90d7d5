// glibc malloc's thresholds for a process whose temporaries are megabytes each step.
#include "EndToEndKernelsC.h"
#include <stdlib.h>  // defines __GLIBC__ where the C library is glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int e2e_tune_allocator(long mmap_threshold, long trim_threshold) {
#if defined(__GLIBC__)
    // Setting either threshold also stops glibc's own adjustment of them, which is what makes
    // the outcome depend on what the process happened to free first.
    if (mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) != 1) return -1;
    if (mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) != 1) return -1;
    return 0;
#else
    (void)mmap_threshold; (void)trim_threshold;
    return -1;
#endif
}
