// Internal to CDlibFace: error plumbing and a dlib image view over fg_rgb_view.
#pragma once

#include "CDlibFace.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include <dlib/error.h>
#include <dlib/image_processing/generic_image.h>
#include <dlib/pixel.h>
#include <dlib/serialize.h>

namespace fgshim {

inline int32_t fail(fg_error *error, int32_t code, const std::string &message) {
    if (error) {
        error->code = code;
        std::snprintf(error->message, sizeof error->message, "%s", message.c_str());
    }
    return code;
}

inline int32_t ok(fg_error *error) {
    if (error) {
        error->code = FG_OK;
        error->message[0] = '\0';
    }
    return FG_OK;
}

/// Runs `body`, turning every exception into an error code and message.
/// `model_context` says whether a deserialization error means a bad model file.
template <typename Body>
int32_t guarded(fg_error *error, const char *what, Body &&body) {
    try {
        body();
        return ok(error);
    } catch (const dlib::serialization_error &e) {
        return fail(error, FG_E_MODEL, std::string(what) + ": " + e.what());
    } catch (const std::bad_alloc &) {
        return fail(error, FG_E_MEMORY, std::string(what) + ": out of memory");
    } catch (const std::exception &e) {
        return fail(error, FG_E_INTERNAL, std::string(what) + ": " + e.what());
    } catch (...) {
        return fail(error, FG_E_INTERNAL, std::string(what) + ": unknown C++ exception");
    }
}

/// A read-only dlib generic image over caller-owned packed RGB pixels: no copy.
struct rgb_view {
    fg_rgb_view view;
};

inline long num_rows(const rgb_view &image) { return image.view.height; }
inline long num_columns(const rgb_view &image) { return image.view.width; }
inline const void *image_data(const rgb_view &image) { return image.view.pixels; }
inline long width_step(const rgb_view &image) { return static_cast<long>(image.view.row_bytes); }

inline bool valid(const fg_rgb_view &view) {
    return view.pixels != nullptr && view.width > 0 && view.height > 0 &&
           view.row_bytes >= static_cast<int64_t>(view.width) * 3;
}

}  // namespace fgshim

namespace dlib {
template <> struct image_traits<fgshim::rgb_view> {
    typedef rgb_pixel pixel_type;
};
}  // namespace dlib

static_assert(sizeof(dlib::rgb_pixel) == 3, "dlib::rgb_pixel must be packed RGB");
