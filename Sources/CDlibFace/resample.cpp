// Area-averaging downscale of packed RGB, without dlib: a large photo shrunk for HOG.
// dlib's resize_image interpolates bilinearly, which at factors of 3 or more skips
// most source pixels (aliasing); averaging every source pixel keeps the edges HOG
// looks at. Its own translation unit, so it compiles in a moment.
#include "CDlibFace.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

namespace {

// The source pixels that make one destination pixel along one axis, with the share
// of each: destination pixel i covers [i * ratio, (i + 1) * ratio) of the source.
struct spans {
    std::vector<int32_t> first;
    std::vector<int32_t> count;
    std::vector<int32_t> offset;  // into weights
    std::vector<float> weights;

    spans(int32_t source, int32_t destination) : first(destination), count(destination), offset(destination) {
        const double ratio = static_cast<double>(source) / destination;
        for (int32_t i = 0; i < destination; ++i) {
            const double begin = i * ratio;
            const double end = std::min(static_cast<double>(source), (i + 1) * ratio);
            const int32_t lo = static_cast<int32_t>(begin);
            const int32_t hi = std::min(source, static_cast<int32_t>(end + 0.999999));
            first[i] = lo;
            count[i] = hi - lo;
            offset[i] = static_cast<int32_t>(weights.size());
            for (int32_t s = lo; s < hi; ++s) {
                const double covered = std::min(end, s + 1.0) - std::max(begin, static_cast<double>(s));
                weights.push_back(static_cast<float>(std::max(0.0, covered) / (end - begin)));
            }
        }
    }
};

}  // namespace

extern "C" int32_t fg_image_downscale(fg_rgb_view source, int32_t width, int32_t height, uint8_t *out,
                                      fg_error *error) {
    if (!source.pixels || source.width <= 0 || source.height <= 0 ||
        source.row_bytes < static_cast<int64_t>(source.width) * 3 || !out || width <= 0 || height <= 0 ||
        width > source.width || height > source.height) {
        error->code = FG_E_ARGUMENT;
        std::snprintf(error->message, sizeof error->message, "downscale: invalid image or size");
        return FG_E_ARGUMENT;
    }
    try {
        const spans columns(source.width, width);
        const spans rows(source.height, height);
        const size_t row_floats = static_cast<size_t>(width) * 3;
        std::vector<float> accumulated(row_floats);
        std::vector<float> reduced(row_floats);
        for (int32_t y = 0; y < height; ++y) {
            std::fill(accumulated.begin(), accumulated.end(), 0.0f);
            for (int32_t k = 0; k < rows.count[y]; ++k) {
                const float row_weight = rows.weights[static_cast<size_t>(rows.offset[y] + k)];
                const uint8_t *line = source.pixels + static_cast<int64_t>(rows.first[y] + k) * source.row_bytes;
                // This source row, reduced horizontally.
                for (int32_t x = 0; x < width; ++x) {
                    const uint8_t *pixel = line + static_cast<int64_t>(columns.first[x]) * 3;
                    const float *weight = columns.weights.data() + columns.offset[x];
                    float r = 0, g = 0, b = 0;
                    for (int32_t i = 0; i < columns.count[x]; ++i, pixel += 3) {
                        r += weight[i] * pixel[0];
                        g += weight[i] * pixel[1];
                        b += weight[i] * pixel[2];
                    }
                    reduced[static_cast<size_t>(x) * 3] = r;
                    reduced[static_cast<size_t>(x) * 3 + 1] = g;
                    reduced[static_cast<size_t>(x) * 3 + 2] = b;
                }
                for (size_t i = 0; i < row_floats; ++i) accumulated[i] += row_weight * reduced[i];
            }
            uint8_t *destination = out + static_cast<size_t>(y) * row_floats;
            for (size_t i = 0; i < row_floats; ++i)
                destination[i] = static_cast<uint8_t>(std::min(255.0f, accumulated[i] + 0.5f));
        }
        // The averages are of face pixels too.
        explicit_bzero(accumulated.data(), row_floats * sizeof(float));
        explicit_bzero(reduced.data(), row_floats * sizeof(float));
    } catch (const std::bad_alloc &) {
        error->code = FG_E_MEMORY;
        std::snprintf(error->message, sizeof error->message, "downscale: out of memory");
        return FG_E_MEMORY;
    }
    error->code = FG_OK;
    error->message[0] = '\0';
    return FG_OK;
}
