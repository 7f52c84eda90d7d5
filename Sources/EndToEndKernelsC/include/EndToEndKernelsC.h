// C kernels with per-function ISA attributes and run-time CPU dispatch. Swift cannot ask the
// compiler for AVX-512 code in a library without unsafeFlags; C can, one function at a time.
#ifndef END_TO_END_KERNELS_C_H
#define END_TO_END_KERNELS_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction sets the running CPU has (bit flags below); 0 on other architectures.
int e2e_cpu_features(void);
#define E2E_CPU_AVX2_FMA 1
#define E2E_CPU_AVX512F 2

/// Process-wide integer settings, read and written atomically (relaxed): slot
/// E2E_SETTING_ISA holds the instruction set the kernels run with now (0: the reference path),
/// E2E_SETTING_THREADS the thread count. Out-of-range slots read 0 and ignore stores.
int e2e_setting_load(int slot);
void e2e_setting_store(int slot, int value);
#define E2E_SETTING_ISA 0
#define E2E_SETTING_THREADS 1
#define E2E_SETTING_COUNT 2

/// Sets glibc malloc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (bytes). Returns 0, or -1 where
/// the C library is not glibc or refuses the values.
int e2e_tune_allocator(long mmap_threshold, long trim_threshold);

/// Columns per packed panel of `e2e_pack_b`.
#define E2E_PACK_NR 32

/// Floats needed to pack a K x N matrix: ceil(N / 32) panels of K x 32.
size_t e2e_packed_count(int k, int n);

/// Packs B (K x N; element (k, n) is b[n * ldb + k] when `trans_b`, else b[k * ldb + n]) into
/// 32-column panels, each K rows of 32 consecutive floats, the last one zero-padded.
void e2e_pack_b(int k, int n, const float *b, int ldb, int trans_b, float *packed);

/// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols: 8 x 8 blocks transposed in AVX
/// registers where the CPU has AVX2, scalar elsewhere and at the edges.
void e2e_transpose(int rows, int cols, const float *src, int lds, float *dst, int ldd);
/// e2e_transpose with an epilogue on each destination row j (source column j): plus bias[j]
/// when `bias` is not NULL, then zero unless above zero (NaN too) when `relu` is not 0. A
/// convolution computed position-major stores its output channel-major in this one pass.
void e2e_transpose_bias_relu(int rows, int cols, const float *src, int lds, float *dst, int ldd, const float *bias, int relu);

/// C[M x N] = A[M x K] * B (+ C when `accumulate`), B packed by `e2e_pack_b`, A row-major
/// (a[i * lda + k]) or, when `trans_a`, stored transposed (a[k * lda + i]), for the panels
/// `panel_lo ..< panel_hi` only (columns 32 * panel_lo ...), so callers can split the panels
/// over threads. `isa` is E2E_CPU_AVX512F or E2E_CPU_AVX2_FMA (the caller checked the CPU).
/// Returns 0, or -1 when `isa` is not one of the two.
int e2e_packed_gemm(int isa, int m, int n, int k, const float *a, int lda, int trans_a, const float *packed,
                    float *c, int ldc, int accumulate, int panel_lo, int panel_hi);

/// C[M x N] = A * B (+ C when `accumulate`) with A given in the kernel's blocked order,
/// [ceil(M / 8)][K][8] (element (i, kk) at ((i / 8) * K + kk) * 8 + i % 8, rows past M zero),
/// as `e2e_im2col_blocked` writes it, for the row blocks `rb_lo ..< rb_hi` only (rows
/// 8 * rb_lo ...), so callers can split them over threads. AVX-512 only: returns -1 (nothing
/// written) for any other `isa`, else 0.
int e2e_packed_gemm_blocked_a(int isa, int m, int n, int k, const float *a, const float *packed, float *c, int ldc,
                              int accumulate, int rb_lo, int rb_hi);

/// One chunk of a parallel loop: `fn(ctx, chunk)`.
typedef void (*e2e_chunk_fn)(void *ctx, long chunk);

/// Runs `fn(ctx, c)` for every c in 0 ..< chunks on the calling thread and up to `threads - 1`
/// pool workers (started on first use; idle workers spin for E2E_SPIN_US microseconds, default
/// 200, yielding the CPU each round, then sleep), and returns when all have run. Each chunk runs
/// exactly once. A call made while another runs (from a chunk, or from another thread) runs its
/// chunks inline, in order. Returns the number of workers that helped.
int e2e_pool_run(long chunks, int threads, e2e_chunk_fn fn, void *ctx);

/// y[i] = f(x[i]) for i < n with f = exp, tanh or the logistic sigmoid; the algorithms of
/// Swift's `VectorMath` (same polynomials and ranges), 16 (AVX-512) or 8 (AVX2) lanes at a
/// time with FMA. x and y may be the same buffer. Return 0, or -1 for an unknown `isa`.
int e2e_vexp(int isa, const float *x, float *y, long n);
int e2e_vtanh(int isa, const float *x, float *y, long n);
int e2e_vsigmoid(int isa, const float *x, float *y, long n);

/// A convolution's shape for `e2e_im2col` and `e2e_col2im`: input N x C x H x W, kernel
/// KH x KW, stride, padding and dilation per axis, output OH x OW.
typedef struct {
    long n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
} e2e_conv_geometry;

/// Rows r0 ..< r1 of the column matrix [C*KH*KW, N*OH*OW] of the input `x` (N x C x H x W):
/// row (c, i, j), column n*OH*OW + oh*OW + ow holds x(n, c, oh*sh - ph + i*dh,
/// ow*sw - pw + j*dw), 0 outside the input. Returns 0, or -1 (nothing written) for an
/// unknown `isa` or a horizontal stride other than 1.
int e2e_im2col(int isa, const float *x, const e2e_conv_geometry *g, float *cols, long r0, long r1);

/// The transposed column matrix [N*OH*OW, C*KH*KW] in the blocked order that
/// `e2e_packed_gemm_blocked_a` reads, for the row blocks `rb0 ..< rb1` of 8 output positions:
/// (position q, row r) at ((q / 8) * C*KH*KW + r) * 8 + q % 8, positions past N*OH*OW zero.
/// Returns 0, or -1 (nothing written) for an `isa` other than AVX-512 or a horizontal stride
/// other than 1.
int e2e_im2col_blocked(int isa, const float *x, const e2e_conv_geometry *g, float *dst, long rb0, long rb1);

/// The adjoint of `e2e_im2col` for the input planes `item0 ..< item1`, numbered c*N + n:
/// each plane of `dx` is set to the sum of the column entries copied from it. Returns 0, or
/// -1 (nothing written) as `e2e_im2col` does.
int e2e_col2im(int isa, const float *cols, const e2e_conv_geometry *g, float *dx, long item0, long item1);

/// 2 x 2 max pooling with stride 2 and no padding of `planes` planes (h x w in, oh x ow
/// out, oh <= h / 2, ow <= w / 2): each window's maximum, and in `indices` (when not NULL)
/// the flat in-plane index of its first maximum; a NaN wins (as in PyTorch). Returns 0, or
/// -1 for an unknown `isa`.
int e2e_maxpool2x2(int isa, const float *src, float *dst, int *indices, long planes, int h, int w, int oh, int ow);

/// Max pooling along rows with a window of `k` floats and a stride of `k`, no padding: `rows`
/// rows of `w` floats in (the planes' rows, `h` per plane), `ow` (ow * k <= w) out per row;
/// each window's maximum and, in `indices` (when not NULL), its first maximum's in-plane index
/// ((row % h) * w + column), by the same rule as `e2e_maxpool2x2`. AVX-512 only: returns -1
/// (nothing written) for any other `isa`, else 0.
int e2e_maxpool_rows(int isa, const float *src, float *dst, int *indices, long rows, int h, int w, int ow, int k);

/// `count` units of one LSTM cell row of `hidden` units, forward: `a` points at the first
/// unit's pre-activation gate i, with f, g and o `hidden`, 2 `hidden` and 3 `hidden` floats on;
/// `bias` (laid out the same way, or NULL) is added to them, and they get their activations
/// (sigmoid, sigmoid, tanh, sigmoid) in place; then c = f * c_prev + i * g, tc = tanh(c),
/// h = o * tc (`count` floats each). Returns 0, or -1 for an unknown `isa`.
int e2e_lstm_cell_forward(int isa, float *a, const float *bias, const float *c_prev, float *c, float *tc, float *h,
                          int hidden, int count);

/// `count` units of one LSTM cell row backward: from the activated gates `a` (laid out as in
/// the forward), tanh(c) `tc`, the output gradient `gy`, the recurrent gradient `dh` and
/// c_prev, writes the pre-activation gate gradients `d` (the gates' layout) and replaces the
/// carried cell gradient `dc` by its value for the previous step. Returns 0, or -1 for an
/// unknown `isa`.
int e2e_lstm_cell_backward(int isa, const float *a, const float *tc, const float *gy, const float *dh,
                           const float *c_prev, float *dc, float *d, int hidden, int count);

/// The exact GELU, y = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), and its gradient,
/// dx = g * (Phi(x) + x * phi(x)), over n floats, with erf from Abramowitz & Stegun 7.1.26
/// (absolute error below 1.5e-7). Return 0, or -1 for an unknown `isa`.
int e2e_gelu_forward(int isa, const float *x, float *y, long n);
int e2e_gelu_backward(int isa, const float *x, const float *g, float *dx, long n);

/// Whether the system's zlib 1.x (libz.so.1) could be loaded; it is looked for once.
int e2e_zlib_available(void);
/// zlib's version string, or NULL without it.
const char *e2e_zlib_version(void);

/// A gzip decode in progress through the system's zlib.
typedef struct e2e_gunzip e2e_gunzip;
/// Starts decoding the n bytes at `in` (one or more gzip members, optionally followed by zero
/// padding), which must stay valid until `e2e_gunzip_end`. NULL without zlib or for n = 0.
e2e_gunzip *e2e_gunzip_begin(const unsigned char *in, size_t n);
/// Decodes up to `space` bytes into `out` (`*written` says how many). Returns 1 when the input
/// is fully decoded, 0 when `out` is full and more output follows, and -1 when zlib does not
/// accept the input as it stands (corrupt, truncated, or followed by bytes that are neither a
/// gzip member nor zero padding): the caller's own decoder then says why.
int e2e_gunzip_step(e2e_gunzip *g, unsigned char *out, size_t space, size_t *written);
/// Frees the decode (NULL is allowed).
void e2e_gunzip_end(e2e_gunzip *g);

#ifdef __cplusplus
}
#endif

#endif
