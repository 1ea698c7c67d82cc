// The x86-64-v3 build (AVX2, FMA) of the HOG, landmark and chip code, linked into
// libFacegateHOGv3.so on its own. Every symbol is hidden (-fvisibility=hidden) and bound
// inside the library (-Bsymbolic), so its AVX copies of dlib's templates and of the C++
// library's inline functions never replace the baseline copies in the executable, nor
// the reverse. The one export is the function table.
#include "../CDlibFace/hog_shape_impl.hpp"

#if !defined(__AVX2__) || !defined(__FMA__)
#error "CDlibFaceV3 must be compiled with -march=x86-64-v3"
#endif

extern "C" __attribute__((visibility("default"))) const fg_hog_ops *fg_hog_ops_x86_64_v3(void) { return make_ops(); }
