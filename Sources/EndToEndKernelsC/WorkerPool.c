// A pool of worker threads for parallelFor whose idle workers spin briefly before they sleep.
//
// Why: libdispatch's concurrentPerform wakes a sleeping worker for every call. On a VM an idle
// vCPU halts, and waking it costs tens of microseconds, as much as a whole per-timestep product
// of the LSTM takes on one core: with two threads the LSTM, the transformer and the 1-D CNN ran
// no faster, or slower, than with one (perf: the main thread waited while the worker woke).
// OpenMP runtimes (PyTorch's) keep workers spinning for a while after each region for the
// same reason. The spin yields the CPU on every round, so it does not starve OpenBLAS's
// threads or other processes, and it ends after E2E_SPIN_US microseconds (default 200).

#include "EndToEndKernelsC.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define E2E_PAUSE() _mm_pause()
#else
#define E2E_PAUSE() ((void)0)
#endif

#define E2E_MAX_WORKERS 63

typedef struct {
    e2e_chunk_fn fn;
    void *ctx;
    long chunks;
    _Atomic long next;     // the next chunk to take
    _Atomic int pending;   // workers posted this job that have not finished it
} job_t;

typedef struct {
    _Atomic(job_t *) job;  // the posted job, taken (or revoked) by exchanging it for NULL
    _Atomic int sleeping;  // 1: waiting on `cond`
    pthread_mutex_t mutex;
    pthread_cond_t cond;
} worker_t;

static worker_t workers[E2E_MAX_WORKERS];
static _Atomic int started;  // workers whose threads run
static pthread_mutex_t grow = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int busy;     // a job is running (nested and concurrent calls run inline)
static _Thread_local int on_worker;
static long spin_ns = -1;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void run_chunks(job_t *j) {
    long c;
    while ((c = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->chunks) j->fn(j->ctx, c);
}

static void *worker_main(void *arg) {
    worker_t *w = arg;
    on_worker = 1;
    for (;;) {
        long deadline = now_ns() + spin_ns;
        int rounds = 0;
        while (atomic_load(&w->job) == NULL) {
            for (int i = 0; i < 16; i++) E2E_PAUSE();
            if (++rounds % 4 == 0) {
                if (now_ns() >= deadline) break;
                sched_yield();
            }
        }
        if (atomic_load(&w->job) == NULL) {
            pthread_mutex_lock(&w->mutex);
            atomic_store(&w->sleeping, 1);
            while (atomic_load(&w->job) == NULL) pthread_cond_wait(&w->cond, &w->mutex);
            atomic_store(&w->sleeping, 0);
            pthread_mutex_unlock(&w->mutex);
        }
        // NULL: the caller ran every chunk itself and revoked the post.
        job_t *j = atomic_exchange(&w->job, NULL);
        if (j == NULL) continue;
        run_chunks(j);
        // `j` lives on the caller's stack until `pending` reaches 0.
        atomic_fetch_sub_explicit(&j->pending, 1, memory_order_release);
    }
    return NULL;
}

// Starts workers until `count` run; returns how many run (fewer if a thread cannot start).
static int ensure_workers(int count) {
    if (count > E2E_MAX_WORKERS) count = E2E_MAX_WORKERS;
    if (atomic_load(&started) >= count) return count;
    pthread_mutex_lock(&grow);
    if (spin_ns < 0) {
        const char *s = getenv("E2E_SPIN_US");
        long us = 200;
        if (s) {
            char *end = NULL;
            long v = strtol(s, &end, 10);
            if (end == s || *end != '\0' || v < 0 || v > 1000000) {
                fprintf(stderr, "warning: E2E_SPIN_US='%s' is not a whole number of microseconds in 0...1000000; "
                                "idle workers spin for the default 200 us\n", s);
            } else {
                us = v;
            }
        }
        spin_ns = us * 1000L;
    }
    int n = atomic_load(&started);
    while (n < count) {
        worker_t *w = &workers[n];
        atomic_store(&w->job, NULL);
        atomic_store(&w->sleeping, 0);
        pthread_mutex_init(&w->mutex, NULL);
        pthread_cond_init(&w->cond, NULL);
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t t;
        int rc = pthread_create(&t, &attr, worker_main, w);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        n++;
        atomic_store(&started, n);
    }
    pthread_mutex_unlock(&grow);
    return n < count ? n : count;
}

int e2e_pool_run(long chunks, int threads, e2e_chunk_fn fn, void *ctx) {
    if (chunks <= 0) return 0;
    int helpers = threads - 1;
    if (helpers > chunks - 1) helpers = (int)(chunks - 1);
    int expected = 0;
    if (helpers <= 0 || on_worker || !atomic_compare_exchange_strong(&busy, &expected, 1)) {
        for (long c = 0; c < chunks; c++) fn(ctx, c);
        return 0;
    }
    helpers = ensure_workers(helpers);
    job_t job;
    job.fn = fn;
    job.ctx = ctx;
    job.chunks = chunks;
    atomic_init(&job.next, 0);
    atomic_init(&job.pending, helpers);
    for (int i = 0; i < helpers; i++) {
        worker_t *w = &workers[i];
        atomic_store(&w->job, &job);
        if (atomic_load(&w->sleeping)) {
            pthread_mutex_lock(&w->mutex);
            pthread_cond_signal(&w->cond);
            pthread_mutex_unlock(&w->mutex);
        }
    }
    run_chunks(&job);
    // A worker that has not taken the job yet is not waited for: waking it would cost more
    // than the chunks did (the caller has run them all).
    for (int i = 0; i < helpers; i++) {
        job_t *posted = &job;
        if (atomic_compare_exchange_strong(&workers[i].job, &posted, NULL)) atomic_fetch_sub(&job.pending, 1);
    }
    int rounds = 0;
    while (atomic_load_explicit(&job.pending, memory_order_acquire) > 0) {
        E2E_PAUSE();
        if (++rounds % 64 == 0) sched_yield();
    }
    atomic_store(&busy, 0);
    return helpers;
}
