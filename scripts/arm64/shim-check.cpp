// shim-check: the dlib shim's HOG detection and 5-point landmarks on a set of images,
// printed so that two builds (x86-64 here, aarch64 under qemu-aarch64-static) can be
// compared line by line (scripts/arm64/check-shim.sh). It links the shim's own sources
// (hog_dispatch.cpp, hog_shape.cpp: the baseline build, NEON on aarch64) and dlib.
//
//   shim-check decode IMAGE OUT.ppm       (host only: dlib's JPEG/PNG loader, to binary PPM)
//   shim-check detect MODEL PPM...        one block per image:
//       image NAME WIDTHxHEIGHT
//       face LEFT TOP RIGHT BOTTOM SCORE X1 Y1 ... X5 Y5
//
// Detection as `facegate detect` does by default: upsample 1, whole-size image, one thread.
#include "CDlibFace.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#ifdef SHIM_CHECK_DECODE
#include <dlib/image_io.h>
#include <dlib/image_transforms.h>
#endif

namespace {

struct image {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;
};

bool read_ppm(const char *path, image &out) {
    std::ifstream file(path, std::ios::binary);
    std::string magic;
    int maximum = 0;
    file >> magic >> out.width >> out.height >> maximum;
    if (!file || magic != "P6" || maximum != 255 || out.width <= 0 || out.height <= 0) return false;
    file.get();
    out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
    file.read(reinterpret_cast<char *>(out.pixels.data()), static_cast<std::streamsize>(out.pixels.size()));
    return static_cast<size_t>(file.gcount()) == out.pixels.size();
}

int fail(const char *what, const fg_error &error) {
    std::fprintf(stderr, "shim-check: %s: %s\n", what, error.message);
    return 1;
}

int detect(const char *model_path, int count, char **paths) {
    fg_error error{};
    fg_hog_detector *detector = nullptr;
    if (fg_hog_detector_create(&detector, &error) != FG_OK) return fail("the HOG detector", error);
    fg_hog_detector_set_threads(detector, 1);
    fg_shape_model *model = nullptr;
    if (fg_shape_model_load(model_path, &model, &error) != FG_OK) return fail(model_path, error);
    for (int index = 0; index < count; ++index) {
        image picture;
        if (!read_ppm(paths[index], picture)) {
            std::fprintf(stderr, "shim-check: %s is not a binary PPM\n", paths[index]);
            return 1;
        }
        const fg_rgb_view view{picture.pixels.data(), picture.width, picture.height, int64_t{picture.width} * 3};
        std::vector<fg_rect> boxes(64);
        int32_t found = 0;
        if (fg_hog_detect(detector, view, 1, 1.0, boxes.data(), 64, &found, &error) != FG_OK) return fail(paths[index], error);
        boxes.resize(static_cast<size_t>(found < 64 ? found : 64));
        std::vector<fg_landmarks> landmarks(boxes.size());
        if (!boxes.empty() &&
            fg_shape_landmarks(model, view, boxes.data(), static_cast<int32_t>(boxes.size()), landmarks.data(), &error) != FG_OK)
            return fail(paths[index], error);
        const char *name = std::strrchr(paths[index], '/');
        std::printf("image %s %dx%d\n", name ? name + 1 : paths[index], picture.width, picture.height);
        for (size_t face = 0; face < boxes.size(); ++face) {
            const fg_rect &box = boxes[face];
            std::printf("face %lld %lld %lld %lld %.9g", static_cast<long long>(box.left), static_cast<long long>(box.top),
                        static_cast<long long>(box.right), static_cast<long long>(box.bottom), box.confidence);
            for (const fg_point &point : landmarks[face].points) std::printf(" %.6f %.6f", point.x, point.y);
            std::printf("\n");
        }
    }
    fg_shape_model_destroy(model);
    fg_hog_detector_destroy(detector);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc >= 4 && std::strcmp(argv[1], "detect") == 0) return detect(argv[2], argc - 3, argv + 3);
#ifdef SHIM_CHECK_DECODE
    if (argc == 4 && std::strcmp(argv[1], "decode") == 0) {
        try {
            dlib::array2d<dlib::rgb_pixel> picture;
            dlib::load_image(picture, argv[2]);
            std::ofstream out(argv[3], std::ios::binary);
            out << "P6\n" << picture.nc() << " " << picture.nr() << "\n255\n";
            for (long row = 0; row < picture.nr(); ++row)
                for (long column = 0; column < picture.nc(); ++column) {
                    const dlib::rgb_pixel pixel = picture[row][column];
                    out.put(static_cast<char>(pixel.red)).put(static_cast<char>(pixel.green)).put(static_cast<char>(pixel.blue));
                }
            return out ? 0 : 1;
        } catch (const std::exception &error) {
            std::fprintf(stderr, "shim-check: %s: %s\n", argv[2], error.what());
            return 1;
        }
    }
#endif
    std::fprintf(stderr, "usage: shim-check detect MODEL PPM... | decode IMAGE OUT.ppm\n");
    return 64;
}
