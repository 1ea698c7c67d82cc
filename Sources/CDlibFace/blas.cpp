// Which BLAS dlib's network runs on, and how many threads it may use. OpenBLAS's
// functions are weak references: with Debian's reference BLAS they are absent.
#include "CDlibFace.h"

#include <cstdio>

extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
char *openblas_get_config(void) __attribute__((weak));
}

extern "C" int32_t fg_blas_set_threads(int32_t threads) {
    if (!openblas_set_num_threads) return 0;
    openblas_set_num_threads(threads);
    return 1;
}

extern "C" int32_t fg_blas_describe(char *out, size_t capacity) {
    if (!openblas_get_config) {
        std::snprintf(out, capacity, "reference or other BLAS (not OpenBLAS)");
        return 0;
    }
    std::snprintf(out, capacity, "%s, %d thread(s)", openblas_get_config(),
                  openblas_get_num_threads ? openblas_get_num_threads() : 0);
    return 1;
}
