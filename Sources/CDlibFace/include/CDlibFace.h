// CDlibFace: the only code in facegate that knows dlib.
//
// A C interface over dlib's HOG face detector, 5-point shape predictor, face chip
// alignment, ResNet face descriptor and MMOD (CNN) face detector. Every handle is
// opaque, every struct is plain data, and no C++ exception crosses this header:
// functions return FG_OK or an error code and fill an `fg_error`.
//
// Thread safety: a detector, a ResNet handle and an MMOD handle keep scratch state
// and must be used by one thread at a time. A shape model and images are read-only
// after creation and may be shared.
#ifndef CDLIBFACE_H
#define CDLIBFACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(__has_feature) || !__has_feature(nullability)
#define _Nonnull
#define _Nullable
#endif

/// Result codes.
enum {
    FG_OK = 0,
    FG_E_ARGUMENT = 1,   ///< a caller passed something invalid (a null handle, a bad size)
    FG_E_DECODE = 2,     ///< the bytes are not a decodable JPEG or PNG image
    FG_E_MODEL = 3,      ///< a model file is unreadable or of the wrong kind
    FG_E_MEMORY = 4,     ///< an allocation failed
    FG_E_INTERNAL = 5,   ///< anything else dlib threw
    FG_E_TOO_LARGE = 6,  ///< the image header claims more pixels than the caller's limit
};

/// An error: a code and a NUL-terminated message for a person to read.
typedef struct fg_error {
    int32_t code;
    char message[512];
} fg_error;

/// A borrowed, read-only view of packed 8-bit RGB pixels (R, G, B per pixel).
typedef struct fg_rgb_view {
    const uint8_t *_Nullable pixels;
    int32_t width;
    int32_t height;
    int64_t row_bytes;   ///< bytes from one row to the next (>= 3 * width)
} fg_rgb_view;

/// A rectangle in dlib's convention: right and bottom are inclusive.
typedef struct fg_rect {
    int64_t left;
    int64_t top;
    int64_t right;
    int64_t bottom;
    double confidence;   ///< detector score (HOG: SVM margin, MMOD: network score)
} fg_rect;

typedef struct fg_point {
    double x;
    double y;
} fg_point;

/// The five landmarks dlib's 5-point model gives, with the box they were fitted in.
typedef struct fg_landmarks {
    fg_rect box;
    fg_point points[5];
} fg_landmarks;

enum { FG_DESCRIPTOR_DIMENSIONS = 128, FG_CHIP_SIZE = 150 };

// MARK: Images

/// An RGB image decoded by dlib's JPEG or PNG loader. Its pixels are wiped on destroy.
typedef struct fg_image fg_image;

/// Decodes a JPEG or PNG held in memory. The header is checked against `max_pixels`
/// before any pixel memory is allocated; an alpha channel is dropped (not blended);
/// a truncated file is an error.
int32_t fg_image_decode(const uint8_t *_Nonnull data, size_t size, uint64_t max_pixels,
                        fg_image *_Nullable *_Nonnull out, fg_error *_Nonnull error);
fg_rgb_view fg_image_view(const fg_image *_Nonnull image);
void fg_image_destroy(fg_image *_Nullable image);

/// The width and height a JPEG or PNG's header declares, read without decoding any
/// pixel: what a caller budgets memory by before `fg_image_decode`.
int32_t fg_image_probe(const uint8_t *_Nonnull data, size_t size, int64_t *_Nonnull width, int64_t *_Nonnull height,
                       fg_error *_Nonnull error);

/// Downscales `source` to `width` x `height` (each at most the source's) by area
/// averaging: every destination pixel is the mean of the source area it covers.
/// Writes packed RGB rows (width * 3 bytes each) to `out`.
int32_t fg_image_downscale(fg_rgb_view source, int32_t width, int32_t height, uint8_t *_Nonnull out,
                           fg_error *_Nonnull error);

// MARK: HOG detection

typedef struct fg_hog_detector fg_hog_detector;

int32_t fg_hog_detector_create(fg_hog_detector *_Nullable *_Nonnull out, fg_error *_Nonnull error);
void fg_hog_detector_destroy(fg_hog_detector *_Nullable detector);

/// How many threads one detection may use: 1 (the default), or 2 to split the image
/// pyramid between this thread and another (the same boxes, about half the time on
/// two free cores). Values above 2 mean 2; 0 runs dlib's object_detector itself, the
/// reference the split scan is tested against.
void fg_hog_detector_set_threads(fg_hog_detector *_Nonnull detector, int32_t threads);

/// Runs the HOG detector. The image is first resized by `scale` (1 = unchanged,
/// 0.5 = half size), then doubled `upsample` times with dlib's pyramid_up.
/// Rectangles come back in the coordinates of `image`. Writes at most
/// `capacity` rectangles and sets `*count` to the number found (which may exceed it).
int32_t fg_hog_detect(fg_hog_detector *_Nonnull detector, fg_rgb_view image,
                      int32_t upsample, double scale,
                      fg_rect *_Nullable out, int32_t capacity, int32_t *_Nonnull count,
                      fg_error *_Nonnull error);

// MARK: 5-point landmarks and chips

typedef struct fg_shape_model fg_shape_model;

int32_t fg_shape_model_load(const char *_Nonnull path, fg_shape_model *_Nullable *_Nonnull out,
                            fg_error *_Nonnull error);
void fg_shape_model_destroy(fg_shape_model *_Nullable model);

/// Fits the 5-point model in each box. Thread-safe for a shared model.
int32_t fg_shape_landmarks(const fg_shape_model *_Nonnull model, fg_rgb_view image,
                           const fg_rect *_Nonnull boxes, int32_t count,
                           fg_landmarks *_Nonnull out, fg_error *_Nonnull error);

/// Extracts aligned chips with dlib's get_face_chip_details(shape, size, padding).
/// `out` receives `count` chips of size*size*3 bytes, packed RGB, one after the other.
int32_t fg_extract_chips(fg_rgb_view image, const fg_landmarks *_Nonnull landmarks, int32_t count,
                         int32_t size, double padding, uint8_t *_Nonnull out,
                         fg_error *_Nonnull error);

// MARK: ResNet descriptors

typedef struct fg_resnet fg_resnet;

int32_t fg_resnet_load(const char *_Nonnull path, fg_resnet *_Nullable *_Nonnull out,
                       fg_error *_Nonnull error);
/// A copy with its own scratch state, for another thread (cheaper than loading).
int32_t fg_resnet_clone(const fg_resnet *_Nonnull net, fg_resnet *_Nullable *_Nonnull out,
                        fg_error *_Nonnull error);
void fg_resnet_destroy(fg_resnet *_Nullable net);

/// Computes 128-D descriptors for `count` 150x150 RGB chips (packed as fg_extract_chips
/// writes them) in batches. `out` receives count * 128 floats.
int32_t fg_resnet_descriptors(fg_resnet *_Nonnull net, const uint8_t *_Nonnull chips, int32_t count,
                              float *_Nonnull out, fg_error *_Nonnull error);

// MARK: Jittered chips

enum { FG_MAX_JITTER = 100 };

/// Writes `copies` jittered copies of each of `count` 150x150 chips to `out` (count *
/// copies chips, chip 0's copies first), by dlib's `jitter_image`: each copy shifted by
/// up to 2%, zoomed by 0-3%, rotated by up to 3 degrees and mirrored half the time. The
/// random sequence starts again from `seed` for every chip: reproducible, and
/// independent of the other chips in the batch.
int32_t fg_jitter_chips(const uint8_t *_Nonnull chips, int32_t count, int32_t copies, uint64_t seed,
                        uint8_t *_Nonnull out, fg_error *_Nonnull error);

// MARK: MMOD (CNN) detection

typedef struct fg_mmod fg_mmod;

int32_t fg_mmod_load(const char *_Nonnull path, fg_mmod *_Nullable *_Nonnull out, fg_error *_Nonnull error);
void fg_mmod_destroy(fg_mmod *_Nullable net);

/// Runs the CNN detector after `upsample` pyramid_up steps; rectangles in image coordinates.
int32_t fg_mmod_detect(fg_mmod *_Nonnull net, fg_rgb_view image, int32_t upsample,
                       fg_rect *_Nullable out, int32_t capacity, int32_t *_Nonnull count,
                       fg_error *_Nonnull error);

// MARK: BLAS

/// Limits OpenBLAS to `threads` threads (1 is fastest when each core runs its own
/// pipeline stage). Returns 1 if OpenBLAS is the BLAS in use, 0 otherwise.
int32_t fg_blas_set_threads(int32_t threads);

#ifdef __cplusplus
}
#endif

// The code paths (baseline, x86-64-v3) of the HOG, landmark and chip functions.
#include "CDlibFaceSIMD.h"

#endif
