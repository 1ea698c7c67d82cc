// Internal to the shim: the table of HOG, landmark and chip functions one build of
// dlib's classic code provides. CDlibFace holds the baseline table; on x86-64 a second
// table comes from libFacegateHOGv3.so (the same source compiled for x86-64-v3).
#pragma once

#include "CDlibFaceSIMD.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped whenever the table changes, so a stale library beside the binary is refused.
enum { FG_HOG_OPS_ABI = 2 };

typedef struct fg_hog_ops {
    int32_t abi;
    int32_t (*detector_create)(void **out, fg_error *error);
    void (*detector_destroy)(void *detector);
    void (*detector_set_threads)(void *detector, int32_t threads);
    int32_t (*detect)(void *detector, fg_rgb_view image, int32_t upsample, double scale, fg_rect *out,
                      int32_t capacity, int32_t *count, fg_error *error);
    int32_t (*shape_load)(const char *path, void **out, fg_error *error);
    void (*shape_destroy)(void *model);
    int32_t (*landmarks)(const void *model, fg_rgb_view image, const fg_rect *boxes, int32_t count,
                         fg_landmarks *out, fg_error *error);
    int32_t (*chips)(fg_rgb_view image, const fg_landmarks *landmarks, int32_t count, int32_t size, double padding,
                     uint8_t *out, fg_error *error);
} fg_hog_ops;

/// The baseline table, compiled in CDlibFace with the target's default flags.
const fg_hog_ops *fg_hog_ops_baseline(void);

/// The name under which libFacegateHOGv3.so exports its table.
#define FG_HOG_OPS_V3_SYMBOL "fg_hog_ops_x86_64_v3"

#ifdef __cplusplus
}
#endif
