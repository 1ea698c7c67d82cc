// Jittered copies of face chips: dlib's own recipe for better templates. Its own
// translation unit (dlib's image transforms only, seconds to compile) so that neither
// the HOG unit nor the networks rebuild for it.
#include "shim_common.hpp"

#include <vector>

#include <dlib/image_transforms.h>
#include <dlib/matrix.h>
#include <dlib/rand.h>

using namespace dlib;

extern "C" int32_t fg_jitter_chips(const uint8_t *chips, int32_t count, int32_t copies, uint64_t seed, uint8_t *out,
                                   fg_error *error) {
    if (!chips || !out || count < 0 || copies < 1 || copies > FG_MAX_JITTER)
        return fgshim::fail(error, FG_E_ARGUMENT, "jitter: invalid arguments");
    return fgshim::guarded(error, "jittering face chips", [&] {
        constexpr size_t chip_bytes = FG_CHIP_SIZE * FG_CHIP_SIZE * 3;
        matrix<rgb_pixel> chip(FG_CHIP_SIZE, FG_CHIP_SIZE);
        for (int32_t i = 0; i < count; ++i) {
            std::memcpy(&chip(0, 0), chips + i * chip_bytes, chip_bytes);
            // The same sequence for every chip: a chip's copies do not depend on its
            // place in the batch, so a photo always gives the same template.
            dlib::rand rnd;
            rnd.set_seed(cast_to_string(seed));
            for (int32_t c = 0; c < copies; ++c) {
                matrix<rgb_pixel> copy = jitter_image(chip, rnd);
                std::memcpy(out + (static_cast<size_t>(i) * copies + c) * chip_bytes, &copy(0, 0), chip_bytes);
                explicit_bzero(&copy(0, 0), chip_bytes);
            }
        }
        explicit_bzero(&chip(0, 0), chip_bytes);
    });
}
