// gzip decoding through the system's zlib (libz.so.1), loaded at run time with dlopen.
//
// Why: the Swift inflate in EndToEndData is the reference decoder (it names the byte of every
// error), but decoding is a large part of a short run's start (Fashion-MNIST's 47 MB of
// training images; every MPI rank decodes them again), and zlib's hand-tuned inflate is faster.
// The default build links nothing: without libz.so.1 the caller keeps the Swift decoder. Any
// input zlib does not accept as it stands is handed back, so the Swift decoder reports it.
//
// z_stream is declared here as zlib 1.x lays it out (zlib.h is not needed to build); zlib
// checks that layout itself, through the structure size passed to inflateInit2_.

#include "EndToEndKernelsC.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *next_in;
    unsigned int avail_in;
    unsigned long total_in;
    unsigned char *next_out;
    unsigned int avail_out;
    unsigned long total_out;
    const char *msg;
    void *state;
    void *(*zalloc)(void *, unsigned int, unsigned int);
    void (*zfree)(void *, void *);
    void *opaque;
    int data_type;
    unsigned long adler;
    unsigned long reserved;
} e2e_z_stream;

#define Z_OK 0
#define Z_STREAM_END 1
#define Z_BUF_ERROR (-5)
#define Z_NO_FLUSH 0

typedef int (*inflate_init2_fn)(e2e_z_stream *, int, const char *, int);
typedef int (*inflate_fn)(e2e_z_stream *, int);
typedef int (*inflate_end_fn)(e2e_z_stream *);
typedef int (*inflate_reset_fn)(e2e_z_stream *);
typedef const char *(*zlib_version_fn)(void);

static struct {
    inflate_init2_fn init2;
    inflate_fn inflate;
    inflate_end_fn end;
    inflate_reset_fn reset;
    const char *version;
    int loaded;
} zlib;

static pthread_once_t zlib_once = PTHREAD_ONCE_INIT;

static void load_zlib(void) {
    void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libz.dylib", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    zlib.init2 = (inflate_init2_fn)dlsym(h, "inflateInit2_");
    zlib.inflate = (inflate_fn)dlsym(h, "inflate");
    zlib.end = (inflate_end_fn)dlsym(h, "inflateEnd");
    zlib.reset = (inflate_reset_fn)dlsym(h, "inflateReset");
    zlib_version_fn version = (zlib_version_fn)dlsym(h, "zlibVersion");
    if (!zlib.init2 || !zlib.inflate || !zlib.end || !zlib.reset || !version) return;
    zlib.version = version();
    // Only zlib 1.x has this z_stream layout.
    zlib.loaded = zlib.version && zlib.version[0] == '1';
}

int e2e_zlib_available(void) {
    pthread_once(&zlib_once, load_zlib);
    return zlib.loaded;
}

const char *e2e_zlib_version(void) { return e2e_zlib_available() ? zlib.version : NULL; }

struct e2e_gunzip {
    e2e_z_stream z;
    const unsigned char *in;
    size_t left;      // input bytes not yet given to zlib
    int finished;
};

e2e_gunzip *e2e_gunzip_begin(const unsigned char *in, size_t n) {
    if (!e2e_zlib_available() || n == 0) return NULL;
    e2e_gunzip *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->in = in;
    g->left = n;
    // 16 + 15: a gzip wrapper (header, CRC-32 and ISIZE checked by zlib) around a 32 KiB window.
    if (zlib.init2(&g->z, 16 + 15, zlib.version, (int)sizeof(e2e_z_stream)) != Z_OK) {
        free(g);
        return NULL;
    }
    return g;
}

// avail_in is 32 bits: feed large inputs in pieces.
static void feed(e2e_gunzip *g) {
    if (g->z.avail_in == 0 && g->left > 0) {
        unsigned int take = g->left > (1u << 30) ? (1u << 30) : (unsigned int)g->left;
        g->z.next_in = g->in;
        g->z.avail_in = take;
        g->in += take;
        g->left -= take;
    }
}

int e2e_gunzip_step(e2e_gunzip *g, unsigned char *out, size_t space, size_t *written) {
    *written = 0;
    if (g->finished) return 1;
    while (space > 0) {
        feed(g);
        unsigned int chunk = space > (1u << 30) ? (1u << 30) : (unsigned int)space;
        g->z.next_out = out;
        g->z.avail_out = chunk;
        int rc = zlib.inflate(&g->z, Z_NO_FLUSH);
        size_t made = chunk - g->z.avail_out;
        out += made;
        space -= made;
        *written += made;
        if (rc == Z_STREAM_END) {
            // The member ended: another member, zero padding, or the end of the input. Anything
            // else (trailing garbage) is for the reference decoder to report.
            size_t rest = g->z.avail_in + g->left;
            if (rest == 0) { g->finished = 1; return 1; }
            feed(g);
            const unsigned char *p = g->z.next_in;
            if (g->z.avail_in >= 2 && p[0] == 0x1F && p[1] == 0x8B) {
                if (zlib.reset(&g->z) != Z_OK) return -1;
                continue;
            }
            // Zero padding to the end, as gzip(1) tolerates; checked across input pieces.
            for (;;) {
                for (unsigned int i = 0; i < g->z.avail_in; i++) if (p[i] != 0) return -1;
                g->z.avail_in = 0;
                if (g->left == 0) break;
                feed(g);
                p = g->z.next_in;
            }
            g->finished = 1;
            return 1;
        }
        if (rc == Z_BUF_ERROR && made == 0 && g->z.avail_out > 0) return -1;  // truncated input
        if (rc != Z_OK && rc != Z_BUF_ERROR) return -1;                       // corrupt data
    }
    return 0;
}

void e2e_gunzip_end(e2e_gunzip *g) {
    if (!g) return;
    zlib.end(&g->z);
    free(g);
}
