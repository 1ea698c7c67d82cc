// CRTSP: an RTSP camera through GStreamer, behind an opaque handle.
//
// rtspsrc (over TCP) -> decodebin (H.264, MJPEG, whatever is installed) -> videoconvert
// -> videoscale -> packed RGB in memory -> appsink keeping only the newest frame. Frames
// never touch a file. Credentials are set as element properties, never put in the URL,
// so that GStreamer's own messages cannot repeat them.
//
// Thread safety: one handle is used by one thread at a time.
#ifndef CRTSP_H
#define CRTSP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(__has_feature) || !__has_feature(nullability)
#define _Nonnull
#define _Nullable
#endif

/// What `fg_rtsp_open` and `fg_rtsp_pull` return.
enum {
    FG_RTSP_FRAME = 0,         ///< a frame is held: read it with fg_rtsp_frame, then fg_rtsp_release
    FG_RTSP_TIMEOUT = 1,       ///< nothing arrived within the timeout, and no error either
    FG_RTSP_GONE = 2,          ///< the stream ended or the connection failed: reconnect later
    FG_RTSP_UNAUTHORIZED = 3,  ///< the camera refused the credentials, asked for some, or forbids access
    FG_RTSP_NOT_FOUND = 4,     ///< no such host, nothing listening, or no such stream path
    FG_RTSP_NO_DECODER = 5,    ///< GStreamer has no element for the stream's codec
    FG_RTSP_FAILED = 6,        ///< the camera refused otherwise (no stream over TCP, an odd codec...): the message says
};

typedef struct fg_rtsp fg_rtsp;

/// A borrowed view of the held frame's packed RGB pixels.
typedef struct fg_rtsp_frame_view {
    const uint8_t *_Nullable pixels;
    int32_t width;
    int32_t height;
    int32_t row_bytes;
} fg_rtsp_frame_view;

/// Makes GStreamer ready (once per process; later calls do nothing). Returns 0, or -1
/// with `message` filled.
int32_t fg_rtsp_initialize(char *_Nonnull message, size_t message_size);

/// Starts receiving `url` (rtsp://host[:port]/path, no credentials in it). `user` and
/// `password` may be NULL. Frames wider than `max_width` are scaled down to it, keeping
/// their shape. `latency_ms` is the jitter buffer. Returns a handle, or NULL with
/// `message` filled (a missing GStreamer element, say).
fg_rtsp *_Nullable fg_rtsp_open(
    const char *_Nonnull url, const char *_Nullable user, const char *_Nullable password, int32_t max_width,
    int32_t latency_ms, char *_Nonnull message, size_t message_size);

/// Waits up to `timeout_ms` for the next frame. On FG_RTSP_FRAME the frame is held until
/// fg_rtsp_release; on an error code `message` says what the stream reported.
int32_t fg_rtsp_pull(fg_rtsp *_Nonnull stream, int32_t timeout_ms, char *_Nonnull message, size_t message_size);

/// The held frame (pixels NULL when none is held).
fg_rtsp_frame_view fg_rtsp_frame(const fg_rtsp *_Nonnull stream);

/// Lets go of the held frame, zeroing its pixels first when GStreamer lets us write them.
void fg_rtsp_release(fg_rtsp *_Nonnull stream);

/// The stream's codec as RTP names it ("H264", "H265", "JPEG"), once known; empty
/// before the first frame.
const char *_Nonnull fg_rtsp_codec(const fg_rtsp *_Nonnull stream);

/// Stops the pipeline and frees everything.
void fg_rtsp_close(fg_rtsp *_Nullable stream);

#ifdef __cplusplus
}
#endif

#endif
