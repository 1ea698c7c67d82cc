// dlib's HOG face detection with its image pyramid split between two threads.
//
// Included by hog_shape_impl.hpp only (so once per code path, inside its unnamed
// namespace's translation unit). dlib's object_detector scans every level of a
// pyramid_down<6> pyramid on the calling thread. Level l costs (5/6)^(2l) of the
// first, so levels 0 and 1 are about half the work: one thread builds and scans them
// while another downsamples the image twice and scans levels 2 and beyond. The boxes
// are exactly dlib's: each level's scores are the same numbers, every box is mapped
// back from its level in one step as dlib maps it (rounding once), the candidates of
// each filter are put in dlib's order before its sort, and the non-maximum suppression
// is dlib's, on the same list. Checked against object_detector by the tests.
#pragma once

#include <algorithm>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

namespace {

using hog_pyramid = dlib::pyramid_down<6>;
using hog_scanner = dlib::scan_fhog_pyramid<hog_pyramid>;
using fhog_levels = dlib::array<dlib::array<dlib::array2d<float>>>;

/// The first level the second thread scans: levels 0 and 1 are 51.8 % of the
/// pyramid's area, the rest 48.2 % plus the two downsamplings that reach level 2.
constexpr unsigned long hog_split_level = 2;

/// A candidate window of one filter: dlib's (score, box) pair.
using hog_candidate = std::pair<double, dlib::rectangle>;

/// The geometry scan_fhog_pyramid derives from its window: the window in HOG cells
/// with its padding (the filter's size) and without it (the box a detection spans).
struct hog_window {
    long padded_rows, padded_cols, box_rows, box_cols;

    explicit hog_window(const hog_scanner &scanner) {
        const dlib::rectangle window = dlib::centered_rect(dlib::point(0, 0), scanner.get_detection_window_width(),
                                                           scanner.get_detection_window_height());
        const dlib::rectangle padded =
            dlib::grow_rect(scanner.get_feature_extractor().image_to_feats(window, scanner.get_cell_size(), 1, 1),
                            static_cast<long>(scanner.get_padding()));
        padded_rows = padded.height();
        padded_cols = padded.width();
        box_rows = padded_rows - 2 * static_cast<long>(scanner.get_padding());
        box_cols = padded_cols - 2 * static_cast<long>(scanner.get_padding());
    }
};

/// How many levels scan_fhog_pyramid builds for an image of `area`.
inline unsigned long hog_level_count(const hog_scanner &scanner, dlib::rectangle area) {
    hog_pyramid pyramid;
    unsigned long levels = 0;
    do {
        area = pyramid.rect_down(area);
        ++levels;
    } while (area.width() >= static_cast<long>(scanner.get_min_pyramid_layer_width()) &&
             area.height() >= static_cast<long>(scanner.get_min_pyramid_layer_height()) &&
             levels < scanner.get_max_pyramid_levels());
    return levels;
}

/// The HOG features of `levels` pyramid levels of `image`, the first being `image`.
template <typename Image>
void hog_features(const hog_scanner &scanner, const Image &image, unsigned long levels, fhog_levels &features) {
    const hog_window window(scanner);
    // No minimum size: the level count is decided by the caller, from the whole pyramid.
    dlib::impl::create_fhog_pyramid<hog_pyramid>(image, scanner.get_feature_extractor(), features,
                                                 static_cast<int>(scanner.get_cell_size()), window.padded_rows,
                                                 window.padded_cols, 0, 0, levels);
}

/// Every window of every level in `features` scoring at least `threshold` on `filter`,
/// in dlib's order (level, row, column), boxes in the coordinates of the level
/// `first_level` levels below the features' first.
template <typename Filter>
void hog_candidates(const hog_scanner &scanner, const fhog_levels &features, unsigned long first_level,
                    const Filter &filter, double threshold, std::vector<hog_candidate> &out) {
    const hog_window window(scanner);
    hog_pyramid pyramid;
    dlib::array2d<float> saliency;
    for (unsigned long l = 0; l < features.size(); ++l) {
        const dlib::rectangle area = dlib::impl::apply_filters_to_fhog(filter, features[l], saliency);
        for (long r = area.top(); r <= area.bottom(); ++r) {
            for (long c = area.left(); c <= area.right(); ++c) {
                if (!(saliency[r][c] >= threshold)) continue;  // as dlib: a NaN is no detection
                dlib::rectangle box = scanner.get_feature_extractor().feats_to_image(
                    dlib::centered_rect(dlib::point(c, r), window.box_cols, window.box_rows),
                    static_cast<int>(scanner.get_cell_size()), window.padded_rows, window.padded_cols);
                box = pyramid.rect_up(box, static_cast<unsigned int>(first_level + l));
                out.emplace_back(saliency[r][c], box);
            }
        }
    }
}

/// Wipes up to two resampled images when they go out of scope, an exception included.
struct hog_wiped {
    dlib::array2d<dlib::rgb_pixel> *first;
    dlib::array2d<dlib::rgb_pixel> *second = nullptr;
    ~hog_wiped() {
        for (auto *image : {first, second})
            if (image && image->size() > 0)
                explicit_bzero(dlib::image_data(*image), image->size() * sizeof(dlib::rgb_pixel));
    }
};

/// One half of the pyramid: its features, then each filter's candidates.
struct hog_half {
    fhog_levels features;
    std::vector<std::vector<hog_candidate>> candidates;

    template <typename Image>
    void scan(const dlib::frontal_face_detector &detector, const Image &image, unsigned long first_level,
              unsigned long levels) {
        const hog_scanner &scanner = detector.get_scanner();
        hog_features(scanner, image, levels, features);
        candidates.assign(detector.num_detectors(), {});
        for (unsigned long i = 0; i < detector.num_detectors(); ++i) {
            const double threshold = detector.get_w(i)(scanner.get_num_dimensions());
            hog_candidates(scanner, features, first_level, detector.get_processed_w(i).get_detect_argument(), threshold,
                           candidates[i]);
        }
    }
};

/// dlib's object_detector on `image` (adjust_threshold 0), the pyramid split between
/// this thread and one more when `threads` > 1 and the pyramid reaches the split.
/// `scratch` keeps the HOG feature buffers from one call to the next.
template <typename Image>
std::vector<dlib::rect_detection> hog_detect(const dlib::frontal_face_detector &detector, const Image &image,
                                             int threads, hog_half (&scratch)[2]) {
    const hog_scanner &scanner = detector.get_scanner();
    const unsigned long levels = hog_level_count(scanner, dlib::get_rect(image));
    hog_half &fine = scratch[0];
    hog_half &coarse = scratch[1];
    std::exception_ptr failure;
    std::thread worker;
    if (threads > 1 && levels > hog_split_level) {
        try {
            worker = std::thread([&] {
                try {
                    // The level-2 image exactly as create_fhog_pyramid makes it.
                    hog_pyramid pyramid;
                    dlib::array2d<dlib::rgb_pixel> level, next;
                    const hog_wiped wiped{&level, &next};
                    pyramid(image, level);
                    for (unsigned long l = 1; l < hog_split_level; ++l) {
                        pyramid(level, next);
                        level.swap(next);
                    }
                    coarse.scan(detector, level, hog_split_level, levels - hog_split_level);
                } catch (...) {
                    failure = std::current_exception();
                }
            });
        } catch (const std::system_error &) {
            // No thread to be had (a process at its limit): the whole pyramid here.
        }
    }
    if (!worker.joinable()) {
        fine.scan(detector, image, 0, levels);
        coarse.candidates.assign(detector.num_detectors(), {});
    } else {
        try {
            fine.scan(detector, image, 0, hog_split_level);
        } catch (...) {
            worker.join();
            throw;
        }
        worker.join();
        if (failure) std::rethrow_exception(failure);
    }
    // As object_detector: each filter's candidates sorted by score, then all of them by
    // confidence, then the non-maximum suppression in that order.
    std::vector<dlib::rect_detection> all;
    for (unsigned long i = 0; i < detector.num_detectors(); ++i) {
        std::vector<hog_candidate> &mine = fine.candidates[i];
        mine.insert(mine.end(), coarse.candidates[i].begin(), coarse.candidates[i].end());
        std::sort(mine.rbegin(), mine.rend(), dlib::impl::compare_pair_rect);
        const double threshold = detector.get_w(i)(scanner.get_num_dimensions());
        for (const hog_candidate &candidate : mine) {
            dlib::rect_detection detection;
            detection.detection_confidence = candidate.first - threshold;
            detection.weight_index = i;
            detection.rect = candidate.second;
            all.push_back(detection);
        }
    }
    if (detector.num_detectors() > 1) std::sort(all.rbegin(), all.rend());
    std::vector<dlib::rect_detection> kept;
    for (const dlib::rect_detection &detection : all) {
        bool overlaps = false;
        for (const dlib::rect_detection &other : kept) {
            if (detector.get_overlap_tester()(detection.rect, other.rect)) {
                overlaps = true;
                break;
            }
        }
        if (!overlaps) kept.push_back(detection);
    }
    return kept;
}

}  // namespace
