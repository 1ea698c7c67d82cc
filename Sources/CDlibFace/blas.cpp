// How many threads OpenBLAS (under dlib's network) may use. OpenBLAS's
// functions are weak references: with Debian's reference BLAS they are absent.
#include "CDlibFace.h"


extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
}

extern "C" int32_t fg_blas_set_threads(int32_t threads) {
    if (!openblas_set_num_threads) return 0;
    openblas_set_num_threads(threads);
    return 1;
}
