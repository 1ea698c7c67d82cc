// CDlibFace: which build (code path) of dlib's classic face code runs.
//
// dlib's HOG detector, 5-point shape predictor and chip extraction are compiled twice
// on x86-64: into the binary for the x86-64 baseline (SSE2), and for x86-64-v3 (AVX2,
// FMA) into libFacegateHOGv3.so, which is loaded from beside the executable (RTLD_LOCAL,
// every symbol bound inside it) when the CPU can run it. On arm64 there is only the
// baseline, which has NEON (dlib's simd4f uses it).
//
// The functions in CDlibFace.h that take no path (fg_hog_detector_create,
// fg_shape_model_load, fg_extract_chips) run on the default path.
#ifndef CDLIBFACE_SIMD_H
#define CDLIBFACE_SIMD_H

#include "CDlibFace.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The code paths.
enum { FG_SIMD_BASELINE = 0, FG_SIMD_X86_64_V3 = 1 };

/// The default path: x86-64-v3 when it is available and the environment variable
/// FACEGATE_SIMD is not `baseline`. Decided once per process, at the first call of any
/// function here or of the HOG, shape or chip functions.
int32_t fg_simd_default_path(void);

/// 1 when the CPU has every feature `path` was compiled for (whether or not it loads).
int32_t fg_simd_cpu_supports(int32_t path);

/// 1 when `path` can run in this process; otherwise 0 and, in `why` (NUL-terminated,
/// at most `why_size` bytes), the reason: a CPU feature missing, or the library.
int32_t fg_simd_path_available(int32_t path, char *_Nullable why, size_t why_size);

/// fg_hog_detector_create on `path`; FG_E_ARGUMENT when that path is not available.
int32_t fg_hog_detector_create_on(int32_t path, fg_hog_detector *_Nullable *_Nonnull out, fg_error *_Nonnull error);

/// fg_shape_model_load on `path`: the model's landmarks run on that path.
int32_t fg_shape_model_load_on(int32_t path, const char *_Nonnull file, fg_shape_model *_Nullable *_Nonnull out,
                               fg_error *_Nonnull error);

/// fg_extract_chips on `path`.
int32_t fg_extract_chips_on(int32_t path, fg_rgb_view image, const fg_landmarks *_Nonnull landmarks, int32_t count,
                            int32_t size, double padding, uint8_t *_Nonnull out, fg_error *_Nonnull error);

#ifdef __cplusplus
}
#endif

#endif
