// The baseline build of the HOG, landmark and chip code: the target's default flags
// (x86-64: SSE2 only; arm64: NEON, which dlib's simd4f uses).
#include "hog_shape_impl.hpp"

extern "C" const fg_hog_ops *fg_hog_ops_baseline(void) { return make_ops(); }
