// JPEG and PNG decoding straight through libjpeg and libpng, so that the pixel
// limit is checked against the header before any pixel buffer is allocated and a
// truncated file is an error instead of a grey-filled image.
#include "CDlibFace.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

struct fg_image {
    uint8_t *pixels;
    int32_t width;
    int32_t height;
};

namespace {

int32_t fail(fg_error *error, int32_t code, const char *message) {
    error->code = code;
    std::snprintf(error->message, sizeof error->message, "%s", message);
    return code;
}

int32_t too_large(fg_error *error, uint64_t width, uint64_t height, uint64_t max_pixels) {
    error->code = FG_E_TOO_LARGE;
    std::snprintf(error->message, sizeof error->message,
                  "the image header says %llux%llu pixels, over the limit of %llu pixels",
                  static_cast<unsigned long long>(width), static_cast<unsigned long long>(height),
                  static_cast<unsigned long long>(max_pixels));
    return FG_E_TOO_LARGE;
}

fg_image *new_image(int32_t width, int32_t height) {
    auto *image = static_cast<fg_image *>(std::calloc(1, sizeof(fg_image)));
    if (!image) return nullptr;
    image->pixels = static_cast<uint8_t *>(std::malloc(static_cast<size_t>(width) * height * 3));
    if (!image->pixels) {
        std::free(image);
        return nullptr;
    }
    image->width = width;
    image->height = height;
    return image;
}

// ---- JPEG -----------------------------------------------------------------

struct jpeg_failure {
    jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    bool premature_end;
};

// A progressive JPEG may repeat scans without end (each a few bytes, each a pass over
// the whole coefficient buffer): a 400 KB file of 10,000 empty scans held a decode for
// a minute. Real encoders write at most a few dozen scans, and a photo decodes in well
// under a second; past either limit the decode stops with an error.
constexpr int kMaxJPEGScans = 100;
constexpr double kMaxJPEGDecodeSeconds = 10;

struct jpeg_limits {
    jpeg_progress_mgr manager;
    jpeg_failure *failure;
    double deadline;
};

double monotonic_seconds() {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

void jpeg_on_progress(j_common_ptr cinfo) {
    auto *limits = reinterpret_cast<jpeg_limits *>(cinfo->progress);
    auto *decompress = reinterpret_cast<j_decompress_ptr>(cinfo);
    if (decompress->input_scan_number > kMaxJPEGScans) {
        std::snprintf(limits->failure->message, sizeof limits->failure->message,
                      "the JPEG has more than %d scans (a real photo has a few dozen at most)", kMaxJPEGScans);
        std::longjmp(limits->failure->jump, 1);
    }
    if (monotonic_seconds() > limits->deadline) {
        std::snprintf(limits->failure->message, sizeof limits->failure->message,
                      "decoding the JPEG took more than %.0f seconds", kMaxJPEGDecodeSeconds);
        std::longjmp(limits->failure->jump, 1);
    }
}

void jpeg_on_error(j_common_ptr cinfo) {
    auto *failure = reinterpret_cast<jpeg_failure *>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, failure->message);
    std::longjmp(failure->jump, 1);
}

void jpeg_on_message(j_common_ptr cinfo, int level) {
    // level -1 is a warning about corrupt data; a missing end of file is the one
    // that means the picture is incomplete.
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        reinterpret_cast<jpeg_failure *>(cinfo->err)->premature_end = true;
    }
}

// Plain C style on purpose: longjmp must not skip C++ destructors. With `out` null,
// only the header is read: its size goes to `width` and `height`.
int32_t decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, fg_image **out, fg_error *error,
                    int64_t *width = nullptr, int64_t *height = nullptr) {
    jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    std::memset(&failure, 0, sizeof failure);
    cinfo.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_on_error;
    failure.manager.emit_message = jpeg_on_message;
    jpeg_limits limits;
    std::memset(&limits, 0, sizeof limits);
    limits.manager.progress_monitor = jpeg_on_progress;
    limits.failure = &failure;
    limits.deadline = monotonic_seconds() + kMaxJPEGDecodeSeconds;
    fg_image *volatile image = nullptr;

    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        if (image) {
            explicit_bzero(image->pixels, static_cast<size_t>(image->width) * image->height * 3);
            std::free(image->pixels);
            std::free(image);
        }
        char message[sizeof failure.message + 32];
        std::snprintf(message, sizeof message, "JPEG decoding failed: %s", failure.message);
        return fail(error, FG_E_DECODE, message);
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &limits.manager;
    jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
    jpeg_read_header(&cinfo, TRUE);
    if (!out) {
        *width = cinfo.image_width;
        *height = cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        return FG_OK;
    }
    if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
        static_cast<uint64_t>(cinfo.image_width) * cinfo.image_height > max_pixels) {
        uint64_t w = cinfo.image_width, h = cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        return too_large(error, w, h, max_pixels);
    }
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        return fail(error, FG_E_DECODE, "CMYK JPEG images are not supported; save the image as RGB");
    }
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    image = new_image(static_cast<int32_t>(cinfo.output_width), static_cast<int32_t>(cinfo.output_height));
    if (!image) {
        jpeg_destroy_decompress(&cinfo);
        return fail(error, FG_E_MEMORY, "out of memory for the decoded image");
    }
    const size_t row_bytes = static_cast<size_t>(image->width) * 3;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = image->pixels + cinfo.output_scanline * row_bytes;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (failure.premature_end) break;
    }
    if (failure.premature_end) {
        jpeg_destroy_decompress(&cinfo);
        fg_image_destroy(image);
        return fail(error, FG_E_DECODE, "the JPEG data ends early: the file is truncated");
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *out = image;
    return FG_OK;
}

// ---- PNG ------------------------------------------------------------------

int32_t decode_png(const uint8_t *data, size_t size, uint64_t max_pixels, fg_image **out, fg_error *error) {
    // The IHDR chunk follows the signature: check the size it claims before libpng
    // (whose own limits would give a less useful message) sees the file.
    if (size >= 24 && std::memcmp(data + 12, "IHDR", 4) == 0) {
        auto be32 = [](const uint8_t *p) {
            return (uint64_t(p[0]) << 24) | (uint64_t(p[1]) << 16) | (uint64_t(p[2]) << 8) | uint64_t(p[3]);
        };
        const uint64_t width = be32(data + 16), height = be32(data + 20);
        if (width * height > max_pixels) return too_large(error, width, height, max_pixels);
    }
    png_image png;
    std::memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, data, size)) {
        std::string message = std::string("PNG decoding failed: ") + png.message;
        png_image_free(&png);
        return fail(error, FG_E_DECODE, message.c_str());
    }
    if (png.width == 0 || png.height == 0 || static_cast<uint64_t>(png.width) * png.height > max_pixels) {
        uint64_t w = png.width, h = png.height;
        png_image_free(&png);
        return too_large(error, w, h, max_pixels);
    }
    // Read with alpha and drop it afterwards: that is what PIL's convert("RGB")
    // does, and the reference pipeline decodes with PIL.
    png.format = PNG_FORMAT_RGBA;
    const size_t pixel_count = static_cast<size_t>(png.width) * png.height;
    auto *rgba = static_cast<uint8_t *>(std::malloc(pixel_count * 4));
    if (!rgba) {
        png_image_free(&png);
        return fail(error, FG_E_MEMORY, "out of memory for the decoded image");
    }
    if (!png_image_finish_read(&png, nullptr, rgba, 0, nullptr)) {
        std::string message = std::string("PNG decoding failed: ") + png.message;
        explicit_bzero(rgba, pixel_count * 4);
        std::free(rgba);
        png_image_free(&png);
        return fail(error, FG_E_DECODE, message.c_str());
    }
    auto *image = static_cast<fg_image *>(std::calloc(1, sizeof(fg_image)));
    if (!image) {
        explicit_bzero(rgba, pixel_count * 4);
        std::free(rgba);
        return fail(error, FG_E_MEMORY, "out of memory for the decoded image");
    }
    // Alpha dropped in place (each RGB triple moves to or before where it was read):
    // the decode never holds more than 4 bytes a pixel, where a second RGB buffer
    // beside the RGBA one held 7. The buffer keeps its size, its last quarter zeroed:
    // a shrinking realloc may move the pixels and leave a copy behind unwiped.
    for (size_t i = 0; i < pixel_count; ++i) {
        rgba[i * 3 + 0] = rgba[i * 4 + 0];
        rgba[i * 3 + 1] = rgba[i * 4 + 1];
        rgba[i * 3 + 2] = rgba[i * 4 + 2];
    }
    explicit_bzero(rgba + pixel_count * 3, pixel_count);
    image->pixels = rgba;
    image->width = static_cast<int32_t>(png.width);
    image->height = static_cast<int32_t>(png.height);
    *out = image;
    return FG_OK;
}

}  // namespace

extern "C" int32_t fg_image_decode(const uint8_t *data, size_t size, uint64_t max_pixels, fg_image **out,
                                   fg_error *error) {
    *out = nullptr;
    error->code = FG_OK;
    error->message[0] = '\0';
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        return decode_jpeg(data, size, max_pixels, out, error);
    }
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (size >= 8 && std::memcmp(data, png_signature, 8) == 0) {
        return decode_png(data, size, max_pixels, out, error);
    }
    return fail(error, FG_E_DECODE, "not a JPEG or PNG image (unrecognised file signature)");
}

extern "C" int32_t fg_image_probe(const uint8_t *data, size_t size, int64_t *width, int64_t *height, fg_error *error) {
    *width = 0;
    *height = 0;
    error->code = FG_OK;
    error->message[0] = '\0';
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        return decode_jpeg(data, size, 0, nullptr, error, width, height);
    }
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (size >= 24 && std::memcmp(data, png_signature, 8) == 0 && std::memcmp(data + 12, "IHDR", 4) == 0) {
        auto be32 = [](const uint8_t *p) {
            return (int64_t(p[0]) << 24) | (int64_t(p[1]) << 16) | (int64_t(p[2]) << 8) | int64_t(p[3]);
        };
        *width = be32(data + 16);
        *height = be32(data + 20);
        return FG_OK;
    }
    return fail(error, FG_E_DECODE, "not a JPEG or PNG image (unrecognised file signature)");
}

extern "C" fg_rgb_view fg_image_view(const fg_image *image) {
    fg_rgb_view view;
    view.pixels = image->pixels;
    view.width = image->width;
    view.height = image->height;
    view.row_bytes = static_cast<int64_t>(image->width) * 3;
    return view;
}

extern "C" void fg_image_destroy(fg_image *image) {
    if (!image) return;
    explicit_bzero(image->pixels, static_cast<size_t>(image->width) * image->height * 3);
    std::free(image->pixels);
    std::free(image);
}
