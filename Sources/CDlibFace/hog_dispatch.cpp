// The public HOG, landmark and chip functions: each handle remembers the table (code
// path) it was made with. No dlib here, so this file has no SIMD of its own.
#include "hog_ops.h"
#include "shim_common.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <new>
#include <cstdlib>
#include <string>

struct fg_hog_detector {
    const fg_hog_ops *ops;
    void *impl;
};

struct fg_shape_model {
    const fg_hog_ops *ops;
    void *impl;
};

namespace {

/// fg_hog_detector_create and friends without a path.
constexpr int32_t FG_SIMD_DEFAULT = -1;

/// The shared object with the x86-64-v3 build; SwiftPM writes it beside the executables.
constexpr const char *v3_library = "libFacegateHOGv3.so";

struct paths {
    const fg_hog_ops *v3 = nullptr;
    std::string v3_missing;  ///< why v3 cannot run, when it cannot
    bool cpu_has_v3 = false;
    int32_t default_path = FG_SIMD_BASELINE;
};

#if defined(__x86_64__)
/// x86-64-v3 as the psABI defines it, minus XSAVE (implied by AVX being usable).
const char *missing_v3_feature() {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx")) return "AVX";
    if (!__builtin_cpu_supports("avx2")) return "AVX2";
    if (!__builtin_cpu_supports("fma")) return "FMA";
    if (!__builtin_cpu_supports("bmi")) return "BMI1";
    if (!__builtin_cpu_supports("bmi2")) return "BMI2";
    if (!__builtin_cpu_supports("f16c")) return "F16C";
    if (!__builtin_cpu_supports("movbe")) return "MOVBE";
    if (!__builtin_cpu_supports("lzcnt")) return "LZCNT";
    return nullptr;
}

/// The directory of the running executable, with a trailing slash.
std::string executable_directory() {
    char buffer[PATH_MAX];
    const ssize_t length = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (length <= 0) return "";
    std::string path(buffer, static_cast<size_t>(length));
    return path.substr(0, path.rfind('/') + 1);
}

void load_v3(paths &out) {
    if (const char *feature = missing_v3_feature()) {
        out.v3_missing = std::string("the CPU lacks ") + feature;
        return;
    }
    out.cpu_has_v3 = true;
    const std::string file = executable_directory() + v3_library;
    // RTLD_LOCAL: its symbols never satisfy anyone else's references.
    void *library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        out.v3_missing = std::string(v3_library) + " could not be loaded from beside the executable";
        return;
    }
    auto entry = reinterpret_cast<const fg_hog_ops *(*)()>(dlsym(library, FG_HOG_OPS_V3_SYMBOL));
    const fg_hog_ops *ops = entry ? entry() : nullptr;
    if (!ops || ops->abi != FG_HOG_OPS_ABI) {
        out.v3_missing = std::string(v3_library) + " is from another build of facegate";
        dlclose(library);
        return;
    }
    out.v3 = ops;  // never unloaded: handles may live until exit
}
#endif

paths decide() {
    paths out;
#if defined(__x86_64__)
    load_v3(out);
#else
    out.v3_missing = "x86-64-v3 exists only on x86-64";
#endif
    const char *forced = std::getenv("FACEGATE_SIMD");
    const bool baseline_forced = forced && std::string(forced) == "baseline";
    out.default_path = (out.v3 && !baseline_forced) ? FG_SIMD_X86_64_V3 : FG_SIMD_BASELINE;
    return out;
}

const paths &current() {
    static const paths decided = decide();
    return decided;
}

const fg_hog_ops *ops_for(int32_t path) {
    if (path == FG_SIMD_DEFAULT) path = current().default_path;
    if (path == FG_SIMD_BASELINE) return fg_hog_ops_baseline();
    if (path == FG_SIMD_X86_64_V3) return current().v3;
    return nullptr;
}

int32_t unavailable(fg_error *error, int32_t path) {
    if (path == FG_SIMD_X86_64_V3) return fgshim::fail(error, FG_E_ARGUMENT, "x86-64-v3 code path: " + current().v3_missing);
    return fgshim::fail(error, FG_E_ARGUMENT, "unknown code path " + std::to_string(path));
}

}  // namespace

extern "C" int32_t fg_simd_default_path(void) { return current().default_path; }

extern "C" int32_t fg_simd_cpu_supports(int32_t path) {
    return path == FG_SIMD_BASELINE || (path == FG_SIMD_X86_64_V3 && current().cpu_has_v3);
}

extern "C" int32_t fg_simd_path_available(int32_t path, char *why, size_t why_size) {
    if (ops_for(path)) return 1;
    if (why && why_size > 0) {
        const std::string reason = path == FG_SIMD_X86_64_V3 ? current().v3_missing : "unknown code path";
        std::snprintf(why, why_size, "%s", reason.c_str());
    }
    return 0;
}

extern "C" int32_t fg_hog_detector_create_on(int32_t path, fg_hog_detector **out, fg_error *error) {
    *out = nullptr;
    const fg_hog_ops *ops = ops_for(path);
    if (!ops) return unavailable(error, path);
    void *impl = nullptr;
    const int32_t status = ops->detector_create(&impl, error);
    if (status != FG_OK) return status;
    *out = new (std::nothrow) fg_hog_detector{ops, impl};
    if (*out) return status;
    ops->detector_destroy(impl);
    return fgshim::fail(error, FG_E_MEMORY, "creating the HOG face detector: out of memory");
}

extern "C" int32_t fg_hog_detector_create(fg_hog_detector **out, fg_error *error) {
    return fg_hog_detector_create_on(FG_SIMD_DEFAULT, out, error);
}

extern "C" void fg_hog_detector_destroy(fg_hog_detector *detector) {
    if (!detector) return;
    detector->ops->detector_destroy(detector->impl);
    delete detector;
}

extern "C" void fg_hog_detector_set_threads(fg_hog_detector *detector, int32_t threads) {
    if (detector) detector->ops->detector_set_threads(detector->impl, threads);
}

extern "C" int32_t fg_hog_detect(fg_hog_detector *detector, fg_rgb_view image, int32_t upsample, double scale,
                                 fg_rect *out, int32_t capacity, int32_t *count, fg_error *error) {
    *count = 0;
    if (!detector) return fgshim::fail(error, FG_E_ARGUMENT, "HOG detection: no detector");
    return detector->ops->detect(detector->impl, image, upsample, scale, out, capacity, count, error);
}

extern "C" int32_t fg_shape_model_load_on(int32_t path, const char *file, fg_shape_model **out, fg_error *error) {
    *out = nullptr;
    const fg_hog_ops *ops = ops_for(path);
    if (!ops) return unavailable(error, path);
    void *impl = nullptr;
    const int32_t status = ops->shape_load(file, &impl, error);
    if (status != FG_OK) return status;
    *out = new (std::nothrow) fg_shape_model{ops, impl};
    if (*out) return status;
    ops->shape_destroy(impl);
    return fgshim::fail(error, FG_E_MEMORY, "loading the 5-point shape model: out of memory");
}

extern "C" int32_t fg_shape_model_load(const char *file, fg_shape_model **out, fg_error *error) {
    return fg_shape_model_load_on(FG_SIMD_DEFAULT, file, out, error);
}

extern "C" void fg_shape_model_destroy(fg_shape_model *model) {
    if (!model) return;
    model->ops->shape_destroy(model->impl);
    delete model;
}

extern "C" int32_t fg_shape_landmarks(const fg_shape_model *model, fg_rgb_view image, const fg_rect *boxes,
                                      int32_t count, fg_landmarks *out, fg_error *error) {
    if (!model) return fgshim::fail(error, FG_E_ARGUMENT, "landmarks: no shape model");
    return model->ops->landmarks(model->impl, image, boxes, count, out, error);
}

extern "C" int32_t fg_extract_chips_on(int32_t path, fg_rgb_view image, const fg_landmarks *landmarks, int32_t count,
                                       int32_t size, double padding, uint8_t *out, fg_error *error) {
    const fg_hog_ops *ops = ops_for(path);
    if (!ops) return unavailable(error, path);
    return ops->chips(image, landmarks, count, size, padding, out, error);
}

extern "C" int32_t fg_extract_chips(fg_rgb_view image, const fg_landmarks *landmarks, int32_t count, int32_t size,
                                    double padding, uint8_t *out, fg_error *error) {
    return fg_extract_chips_on(FG_SIMD_DEFAULT, image, landmarks, count, size, padding, out, error);
}
