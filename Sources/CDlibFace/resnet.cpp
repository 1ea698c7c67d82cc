// dlib's ResNet face descriptor (dlib_face_recognition_resnet_model_v1). Kept alone in
// this translation unit: instantiating the network takes about a minute to compile.
#include "shim_common.hpp"

#include <vector>

#include <dlib/dnn.h>

using namespace dlib;

namespace {

// The network dlib_face_recognition_resnet_model_v1.dat was trained with; the layer
// types must match the file exactly or deserialization fails.
template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename Subnet>
using residual = add_prev1<Block<N, BN, 1, tag1<Subnet>>>;

template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename Subnet>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<Block<N, BN, 2, tag1<Subnet>>>>>>;

template <int N, template <typename> class BN, int Stride, typename Subnet>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, Stride, Stride, Subnet>>>>>;

template <int N, typename Subnet> using ares = relu<residual<block, N, affine, Subnet>>;
template <int N, typename Subnet> using ares_down = relu<residual_down<block, N, affine, Subnet>>;

template <typename Subnet> using level0 = ares_down<256, Subnet>;
template <typename Subnet> using level1 = ares<256, ares<256, ares_down<256, Subnet>>>;
template <typename Subnet> using level2 = ares<128, ares<128, ares_down<128, Subnet>>>;
template <typename Subnet> using level3 = ares<64, ares<64, ares<64, ares_down<64, Subnet>>>>;
template <typename Subnet> using level4 = ares<32, ares<32, ares<32, Subnet>>>;

using face_resnet = loss_metric<fc_no_bias<
    128, avg_pool_everything<level0<level1<level2<level3<level4<
             max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

constexpr unsigned long batch_size = 16;

}  // namespace

struct fg_resnet {
    face_resnet net;
};

extern "C" int32_t fg_resnet_load(const char *path, fg_resnet **out, fg_error *error) {
    *out = nullptr;
    return fgshim::guarded(error, "loading the ResNet face model", [&] {
        auto model = std::make_unique<fg_resnet>();
        deserialize(path) >> model->net;
        *out = model.release();
    });
}

extern "C" int32_t fg_resnet_clone(const fg_resnet *net, fg_resnet **out, fg_error *error) {
    *out = nullptr;
    if (!net) return fgshim::fail(error, FG_E_ARGUMENT, "ResNet clone: null handle");
    return fgshim::guarded(error, "copying the ResNet face model", [&] { *out = new fg_resnet(*net); });
}

extern "C" void fg_resnet_destroy(fg_resnet *net) { delete net; }

extern "C" int32_t fg_resnet_descriptors(fg_resnet *net, const uint8_t *chips, int32_t count, float *out,
                                         fg_error *error) {
    if (!net || count < 0) return fgshim::fail(error, FG_E_ARGUMENT, "descriptors: invalid arguments");
    if (count == 0) return fgshim::ok(error);
    return fgshim::guarded(error, "computing face descriptors", [&] {
        constexpr size_t chip_bytes = FG_CHIP_SIZE * FG_CHIP_SIZE * 3;
        std::vector<matrix<rgb_pixel>> batch(static_cast<size_t>(count));
        for (size_t i = 0; i < batch.size(); ++i) {
            batch[i].set_size(FG_CHIP_SIZE, FG_CHIP_SIZE);
            std::memcpy(&batch[i](0, 0), chips + i * chip_bytes, chip_bytes);
        }
        std::vector<matrix<float, 0, 1>> descriptors = net->net(batch, batch_size);
        for (size_t i = 0; i < descriptors.size(); ++i) {
            std::memcpy(out + i * FG_DESCRIPTOR_DIMENSIONS, &descriptors[i](0), FG_DESCRIPTOR_DIMENSIONS * sizeof(float));
            explicit_bzero(&descriptors[i](0), FG_DESCRIPTOR_DIMENSIONS * sizeof(float));
            explicit_bzero(&batch[i](0, 0), chip_bytes);
        }
    });
}
