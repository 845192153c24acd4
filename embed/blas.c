/*
 * blas.c -- the BLAS, opened with the first model rather than linked:
 * OpenBLAS starts a thread pool in its library constructor, before main(),
 * which every command (a crawl, `extract` of one page, `--help`) paid for at
 * start although only the encoder multiplies matrices. MALMOI_BLAS names
 * another library with the CBLAS interface (Debian's libblis.so.4,
 * libblas.so.3); the default is OpenBLAS's libopenblas.so.0.
 */
#include <dlfcn.h>
#include <stdlib.h>

#include "embed_int.h"

#define EMB_BLAS_DEFAULT "libopenblas.so.0"

mm_rc emb_blas_open(struct emb_blas *b, struct mm_err *err) {
    const char *name = getenv("MALMOI_BLAS");
    if (name == NULL || *name == '\0')
        name = EMB_BLAS_DEFAULT;
    /* Never unloaded: OpenBLAS's destructor joins threads it may no longer
     * own, and a second model reuses the loaded library. */
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib == NULL)
        return mm_err_set(err, MM_EMODEL, "cannot load the BLAS library %s (%s); install libopenblas0, or set MALMOI_BLAS to a library with the CBLAS interface",
                          name, dlerror());
    b->sgemm = (emb_sgemm_fn *)dlsym(lib, "cblas_sgemm");
    b->sgemv = (emb_sgemv_fn *)dlsym(lib, "cblas_sgemv");
    if (b->sgemm == NULL || b->sgemv == NULL) {
        dlclose(lib);
        return mm_err_set(err, MM_EMODEL, "the BLAS library %s has no cblas_sgemm/cblas_sgemv; set MALMOI_BLAS to a library with the CBLAS interface",
                          name);
    }
    /* One pool, ours (emb_encode's threads): OpenBLAS runs each call in the
     * calling thread, and the pool its constructor started is stopped, as
     * it spins a tenth of a CPU-second before it sleeps. */
    void (*set_num_threads)(int) = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    if (set_num_threads)
        set_num_threads(1);
    int (*shutdown)(void) = (int (*)(void))dlsym(lib, "blas_thread_shutdown_");
    if (shutdown)
        shutdown();
    b->lib = lib;
    return MM_OK;
}

void emb_blas_close(struct emb_blas *b) {
    if (b->lib)
        dlclose(b->lib);
    b->lib = NULL;
}
