// HOG detection, 5-point landmarks and aligned chips: dlib's classic (non-DNN) parts.
//
// Included by exactly one translation unit per build: hog_shape.cpp (CDlibFace, the
// baseline) and hog_shape_v3.cpp (CDlibFaceV3, -march=x86-64-v3, a shared object of
// its own). Everything here is internal to the including file (an unnamed namespace);
// the only thing it exports is the function table `make_ops()` fills.
#pragma once

#include "hog_ops.h"
#include "hog_pyramid_scan.hpp"
#include "shim_common.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <dlib/matrix.h>

namespace {

using namespace dlib;

struct hog_detector {
    frontal_face_detector detector = get_frontal_face_detector();
    /// Threads one detection may use (hog_pyramid_scan.hpp): 1 or 2; 0 runs dlib's
    /// object_detector itself, the reference the split scan is tested against.
    int threads = 1;
    /// The two halves' HOG feature buffers, kept from one detection to the next.
    hog_half scratch[2];
};

struct shape_model {
    shape_predictor predictor;
};

rectangle to_dlib(const fg_rect &r) { return rectangle(r.left, r.top, r.right, r.bottom); }

fg_rect to_fg(const rectangle &r, double confidence) {
    fg_rect out;
    out.left = r.left();
    out.top = r.top();
    out.right = r.right();
    out.bottom = r.bottom();
    out.confidence = confidence;
    return out;
}

template <typename Image>
std::vector<rect_detection> detect_once(hog_detector &detector, const Image &image) {
    if (detector.threads > 0) return hog_detect(detector.detector, image, detector.threads, detector.scratch);
    std::vector<rect_detection> found;
    detector.detector(image, found, 0.0);
    return found;
}

template <typename Image>
std::vector<rect_detection> detect_upsampled(hog_detector &detector, const Image &image, int upsample) {
    if (upsample <= 0) return detect_once(detector, image);
    // The same steps as dlib's Python binding, which face_recognition calls.
    pyramid_down<2> pyramid;
    array2d<rgb_pixel> larger;
    const hog_wiped wiped{&larger};
    pyramid_up(image, larger, pyramid);
    for (int level = 1; level < upsample; ++level) pyramid_up(larger);
    auto found = detect_once(detector, larger);
    for (auto &d : found) d.rect = pyramid.rect_down(d.rect, static_cast<unsigned int>(upsample));
    return found;
}

int32_t write_rects(const std::vector<rect_detection> &found, double back_x, double back_y, fg_rect *out,
                    int32_t capacity, int32_t *count) {
    *count = static_cast<int32_t>(found.size());
    for (int32_t i = 0; i < *count && i < capacity && out; ++i) {
        const rectangle &r = found[static_cast<size_t>(i)].rect;
        rectangle mapped = r;
        if (back_x != 1.0 || back_y != 1.0) {
            mapped = rectangle(std::lround(r.left() * back_x), std::lround(r.top() * back_y),
                               std::lround((r.right() + 1) * back_x) - 1, std::lround((r.bottom() + 1) * back_y) - 1);
        }
        out[i] = to_fg(mapped, found[static_cast<size_t>(i)].detection_confidence);
    }
    return FG_OK;
}

int32_t detector_create(void **out, fg_error *error) {
    *out = nullptr;
    return fgshim::guarded(error, "creating the HOG face detector", [&] { *out = new hog_detector(); });
}

void detector_destroy(void *detector) { delete static_cast<hog_detector *>(detector); }

void detector_set_threads(void *detector, int32_t threads) {
    static_cast<hog_detector *>(detector)->threads = std::clamp(threads, 0, 2);
}

int32_t detect(void *opaque, fg_rgb_view image, int32_t upsample, double scale,
                                 fg_rect *out, int32_t capacity, int32_t *count, fg_error *error) {
    *count = 0;
    auto *detector = static_cast<hog_detector *>(opaque);
    if (!detector || !fgshim::valid(image)) return fgshim::fail(error, FG_E_ARGUMENT, "HOG detection: invalid image");
    if (!(scale > 0.0) || scale > 16.0 || upsample < 0 || upsample > 4)
        return fgshim::fail(error, FG_E_ARGUMENT, "HOG detection: scale must be in (0, 16] and upsample in 0...4");
    return fgshim::guarded(error, "HOG detection", [&] {
        const fgshim::rgb_view view{image};
        if (scale == 1.0) {
            write_rects(detect_upsampled(*detector, view, upsample), 1.0, 1.0, out, capacity, count);
            return;
        }
        const long width = std::max(1L, std::lround(image.width * scale));
        const long height = std::max(1L, std::lround(image.height * scale));
        matrix<rgb_pixel> resized(height, width);
        resize_image(view, resized);
        auto found = detect_upsampled(*detector, resized, upsample);
        write_rects(found, static_cast<double>(image.width) / width, static_cast<double>(image.height) / height, out,
                    capacity, count);
        explicit_bzero(&resized(0, 0), static_cast<size_t>(width * height) * sizeof(rgb_pixel));
    });
}

int32_t shape_load(const char *path, void **out, fg_error *error) {
    *out = nullptr;
    return fgshim::guarded(error, "loading the 5-point shape model", [&] {
        auto model = std::make_unique<shape_model>();
        deserialize(path) >> model->predictor;
        if (model->predictor.num_parts() != 5) {
            throw serialization_error("the file is a shape predictor with " +
                                      std::to_string(model->predictor.num_parts()) +
                                      " landmarks, not dlib's 5-point face model");
        }
        *out = model.release();
    });
}

void shape_destroy(void *model) { delete static_cast<shape_model *>(model); }

int32_t shape_landmarks(const void *opaque, fg_rgb_view image, const fg_rect *boxes,
                                      int32_t count, fg_landmarks *out, fg_error *error) {
    const auto *model = static_cast<const shape_model *>(opaque);
    if (!model || !fgshim::valid(image) || count < 0)
        return fgshim::fail(error, FG_E_ARGUMENT, "landmarks: invalid image or arguments");
    return fgshim::guarded(error, "fitting landmarks", [&] {
        const fgshim::rgb_view view{image};
        for (int32_t i = 0; i < count; ++i) {
            full_object_detection shape = model->predictor(view, to_dlib(boxes[i]));
            out[i].box = boxes[i];
            for (unsigned long p = 0; p < 5; ++p) {
                out[i].points[p].x = static_cast<double>(shape.part(p).x());
                out[i].points[p].y = static_cast<double>(shape.part(p).y());
            }
        }
    });
}

int32_t extract_chips(fg_rgb_view image, const fg_landmarks *landmarks, int32_t count, int32_t size,
                                    double padding, uint8_t *out, fg_error *error) {
    if (!fgshim::valid(image) || count < 0 || size <= 0 || size > 1024 || padding < 0)
        return fgshim::fail(error, FG_E_ARGUMENT, "chips: invalid image or arguments");
    return fgshim::guarded(error, "extracting face chips", [&] {
        const fgshim::rgb_view view{image};
        std::vector<chip_details> details;
        details.reserve(static_cast<size_t>(count));
        for (int32_t i = 0; i < count; ++i) {
            std::vector<point> parts;
            for (int p = 0; p < 5; ++p)
                parts.emplace_back(std::lround(landmarks[i].points[p].x), std::lround(landmarks[i].points[p].y));
            full_object_detection shape(to_dlib(landmarks[i].box), parts);
            details.push_back(get_face_chip_details(shape, static_cast<unsigned long>(size), padding));
        }
        dlib::array<matrix<rgb_pixel>> extracted;
        extract_image_chips(view, details, extracted);
        const size_t chip_bytes = static_cast<size_t>(size) * size * 3;
        for (size_t i = 0; i < extracted.size(); ++i) {
            std::memcpy(out + i * chip_bytes, &extracted[i](0, 0), chip_bytes);
            explicit_bzero(&extracted[i](0, 0), chip_bytes);
        }
    });
}

/// This build's table. Function-local and constant: no static initialiser runs on load.
const fg_hog_ops *make_ops() {
    static const fg_hog_ops ops = {FG_HOG_OPS_ABI,  detector_create, detector_destroy, detector_set_threads, detect,
                                   shape_load,      shape_destroy,   shape_landmarks,  extract_chips};
    return &ops;
}

}  // namespace
