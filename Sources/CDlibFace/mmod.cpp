// dlib's MMOD CNN face detector (mmod_human_face_detector). Its own translation unit
// because the network instantiation is slow to compile.
#include "shim_common.hpp"

#include <vector>

#include <dlib/dnn.h>
#include <dlib/image_transforms.h>

using namespace dlib;

namespace {

template <long Filters, typename Subnet> using con5d = con<Filters, 5, 5, 2, 2, Subnet>;
template <long Filters, typename Subnet> using con5 = con<Filters, 5, 5, 1, 1, Subnet>;
template <typename Subnet>
using downsampler = relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16, Subnet>>>>>>>>>;
template <typename Subnet> using rcon5 = relu<affine<con5<45, Subnet>>>;

using face_mmod = loss_mmod<con<1, 9, 9, 1, 1, rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;

}  // namespace

struct fg_mmod {
    face_mmod net;
};

extern "C" int32_t fg_mmod_load(const char *path, fg_mmod **out, fg_error *error) {
    *out = nullptr;
    return fgshim::guarded(error, "loading the MMOD face detector", [&] {
        auto model = std::make_unique<fg_mmod>();
        deserialize(path) >> model->net;
        *out = model.release();
    });
}

extern "C" void fg_mmod_destroy(fg_mmod *net) { delete net; }

extern "C" int32_t fg_mmod_detect(fg_mmod *net, fg_rgb_view image, int32_t upsample, fg_rect *out, int32_t capacity,
                                  int32_t *count, fg_error *error) {
    *count = 0;
    if (!net || !fgshim::valid(image) || upsample < 0 || upsample > 4)
        return fgshim::fail(error, FG_E_ARGUMENT, "MMOD detection: invalid image or arguments");
    return fgshim::guarded(error, "MMOD detection", [&] {
        const fgshim::rgb_view view{image};
        matrix<rgb_pixel> input;
        assign_image(input, view);
        pyramid_down<2> pyramid;
        for (int level = 0; level < upsample; ++level) pyramid_up(input, pyramid);
        std::vector<mmod_rect> found = net->net(input);
        *count = static_cast<int32_t>(found.size());
        for (int32_t i = 0; i < *count && i < capacity && out; ++i) {
            rectangle r = found[static_cast<size_t>(i)].rect;
            if (upsample > 0) r = pyramid.rect_down(r, static_cast<unsigned int>(upsample));
            out[i].left = r.left();
            out[i].top = r.top();
            out[i].right = r.right();
            out[i].bottom = r.bottom();
            out[i].confidence = found[static_cast<size_t>(i)].detection_confidence;
        }
        explicit_bzero(&input(0, 0), static_cast<size_t>(input.size()) * sizeof(rgb_pixel));
    });
}
