// An RTSP camera through GStreamer: see include/CRTSP.h for the contract.
#include "CRTSP.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

struct fg_rtsp {
    GstElement *pipeline;
    GstElement *source;
    GstElement *decoder;
    GstElement *scaler;
    GstElement *sink;
    GstBus *bus;
    GstSample *held;
    GstBuffer *held_buffer;
    GstMapInfo held_map;
    fg_rtsp_frame_view view;
    char codec[64];
};

static void set_message(char *message, size_t size, const char *text) {
    if (size == 0) return;
    snprintf(message, size, "%s", text);
}

int32_t fg_rtsp_initialize(char *message, size_t message_size) {
    static gsize done = 0;
    static gboolean ok = FALSE;
    static char failure[256];
    if (g_once_init_enter(&done)) {
        GError *error = NULL;
        ok = gst_init_check(NULL, NULL, &error);
        // GST_DEBUG would have rtspsrc print the stream's path and query and every
        // header, Authorization included: never in this process.
        if (ok) gst_debug_set_active(FALSE);
        if (!ok) snprintf(failure, sizeof failure, "GStreamer did not start: %s", error ? error->message : "unknown error");
        if (error) g_error_free(error);
        g_once_init_leave(&done, 1);
    }
    if (!ok) set_message(message, message_size, failure);
    return ok ? 0 : -1;
}

/// The first video stream the camera offers goes to the decoder; the codec's RTP name
/// ("H264", "JPEG") is kept for doctor and the logs.
static void on_source_pad(GstElement *element, GstPad *pad, gpointer data) {
    (void)element;
    struct fg_rtsp *stream = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, NULL);
    gboolean video = FALSE;
    if (caps && gst_caps_get_size(caps) > 0) {
        const GstStructure *structure = gst_caps_get_structure(caps, 0);
        const char *media = gst_structure_get_string(structure, "media");
        video = media && strcmp(media, "video") == 0;
        const char *encoding = gst_structure_get_string(structure, "encoding-name");
        if (video && encoding && stream->codec[0] == 0) snprintf(stream->codec, sizeof stream->codec, "%s", encoding);
    }
    if (caps) gst_caps_unref(caps);
    if (!video) return;
    // Only the codecs a door camera sends reach a decoder: a spoofed or odd stream
    // description cannot make decodebin load whatever parser is installed.
    if (strcmp(stream->codec, "H264") != 0 && strcmp(stream->codec, "H265") != 0 && strcmp(stream->codec, "JPEG") != 0) {
        GST_ELEMENT_ERROR(
            stream->source, STREAM, CODEC_NOT_FOUND, ("the camera sends %s video", stream->codec[0] ? stream->codec : "unknown"),
            ("facegate takes H.264, H.265 or MJPEG"));
        return;
    }
    GstPad *target = gst_element_get_static_pad(stream->decoder, "sink");
    if (!gst_pad_is_linked(target) && gst_pad_link(pad, target) != GST_PAD_LINK_OK)
        GST_ELEMENT_ERROR(stream->source, CORE, NEGOTIATION, ("the camera's stream does not link to a decoder"), (NULL));
    gst_object_unref(target);
}

static void on_decoded_pad(GstElement *element, GstPad *pad, gpointer data) {
    (void)element;
    struct fg_rtsp *stream = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, NULL);
    gboolean raw = caps && gst_caps_get_size(caps) > 0 &&
                   g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/x-raw");
    if (caps) gst_caps_unref(caps);
    if (!raw) return;
    GstPad *target = gst_element_get_static_pad(stream->scaler, "sink");
    if (!gst_pad_is_linked(target) && gst_pad_link(pad, target) != GST_PAD_LINK_OK)
        GST_ELEMENT_ERROR(stream->decoder, CORE, NEGOTIATION, ("the decoded video does not link to the scaler"), (NULL));
    gst_object_unref(target);
}

fg_rtsp *fg_rtsp_open(
    const char *url, const char *user, const char *password, int32_t max_width, int32_t latency_ms, char *message,
    size_t message_size) {
    if (fg_rtsp_initialize(message, message_size) != 0) return NULL;
    struct fg_rtsp *stream = g_new0(struct fg_rtsp, 1);
    stream->pipeline = gst_pipeline_new("facegate-rtsp");
    stream->source = gst_element_factory_make("rtspsrc", "source");
    stream->decoder = gst_element_factory_make("decodebin", "decoder");
    stream->scaler = gst_element_factory_make("videoscale", "scaler");
    GstElement *converter = gst_element_factory_make("videoconvert", "converter");
    GstElement *filter = gst_element_factory_make("capsfilter", "filter");
    stream->sink = gst_element_factory_make("appsink", "sink");
    const char *missing = !stream->source    ? "rtspsrc (Debian: gstreamer1.0-plugins-good)"
                          : !stream->decoder ? "decodebin (Debian: gstreamer1.0-plugins-base)"
                          : !stream->scaler  ? "videoscale (Debian: gstreamer1.0-plugins-base)"
                          : !converter       ? "videoconvert (Debian: gstreamer1.0-plugins-base)"
                          : !filter          ? "capsfilter (Debian: libgstreamer1.0-0)"
                          : !stream->sink    ? "appsink (Debian: gstreamer1.0-plugins-base)"
                                             : NULL;
    if (missing) {
        snprintf(message, message_size, "GStreamer has no element %s; install it", missing);
        GstElement *made[] = {stream->source, stream->decoder, stream->scaler, converter, filter, stream->sink};
        for (size_t index = 0; index < sizeof made / sizeof made[0]; index++)
            if (made[index]) gst_object_unref(gst_object_ref_sink(made[index]));
        gst_object_unref(stream->pipeline);
        g_free(stream);
        return NULL;
    }
    // TCP: one connection a firewall can allow, no UDP ports to open, no lost packets
    // smearing faces. The jitter buffer drops what comes later than the latency.
    g_object_set(
        stream->source, "location", url, "latency", (guint)(latency_ms > 0 ? latency_ms : 0), "drop-on-latency", TRUE,
        "tcp-timeout", (guint64)5000000, NULL);
    gst_util_set_object_arg(G_OBJECT(stream->source), "protocols", "tcp");
    if (user && user[0]) g_object_set(stream->source, "user-id", user, NULL);
    if (password && password[0]) g_object_set(stream->source, "user-pw", password, NULL);
    // Packed RGB no wider than max_width, square pixels: videoscale keeps the shape.
    GstCaps *caps = gst_caps_new_simple(
        "video/x-raw", "format", G_TYPE_STRING, "RGB", "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
    GValue range = G_VALUE_INIT;
    g_value_init(&range, GST_TYPE_INT_RANGE);
    gst_value_set_int_range(&range, 16, max_width > 16 ? max_width : 16);
    gst_caps_set_value(caps, "width", &range);
    g_value_unset(&range);
    g_object_set(filter, "caps", caps, NULL);
    gst_caps_unref(caps);
    // Only the newest frame waits: a late one is dropped, never queued. No clock sync:
    // a frame is handed over as soon as it is decoded. No "last sample" kept alive.
    g_object_set(
        stream->sink, "max-buffers", (guint)1, "drop", TRUE, "sync", FALSE, "enable-last-sample", FALSE, "emit-signals", FALSE,
        NULL);
    gst_bin_add_many(
        GST_BIN(stream->pipeline), stream->source, stream->decoder, stream->scaler, converter, filter, stream->sink, NULL);
    if (!gst_element_link_many(stream->scaler, converter, filter, stream->sink, NULL)) {
        set_message(message, message_size, "GStreamer could not link videoscale, videoconvert and appsink");
        fg_rtsp_close(stream);
        return NULL;
    }
    g_signal_connect(stream->source, "pad-added", G_CALLBACK(on_source_pad), stream);
    g_signal_connect(stream->decoder, "pad-added", G_CALLBACK(on_decoded_pad), stream);
    stream->bus = gst_element_get_bus(stream->pipeline);
    if (gst_element_set_state(stream->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        // The reason is on the bus: the first pull reports it.
        GstMessage *error = gst_bus_pop_filtered(stream->bus, GST_MESSAGE_ERROR);
        if (error) {
            GError *detail = NULL;
            gst_message_parse_error(error, &detail, NULL);
            snprintf(message, message_size, "the stream did not start: %s", detail ? detail->message : "unknown error");
            if (detail) g_error_free(detail);
            gst_message_unref(error);
        } else {
            set_message(message, message_size, "the stream did not start");
        }
        fg_rtsp_close(stream);
        return NULL;
    }
    return stream;
}

/// What an error on the bus means for the caller: retry, fix the credentials, install a
/// decoder, or read the message. rtspsrc attaches the camera's RTSP status, which says
/// more than the error's code (a 403 and a dropped connection are both READ errors).
static int32_t classify(struct fg_rtsp *stream, GstMessage *message, const GError *error) {
    if (!error) return FG_RTSP_FAILED;
    const GstStructure *details = NULL;
    gst_message_parse_error_details(message, &details);
    guint status = 0;
    if (details && gst_structure_get_uint(details, "rtsp-status-code", &status)) {
        if (status == 401 || status == 403) return FG_RTSP_UNAUTHORIZED;
        if (status == 404) return FG_RTSP_NOT_FOUND;
        if (status >= 400 && status < 500) return FG_RTSP_FAILED;
    }
    gboolean from_source = GST_MESSAGE_SRC(message) == GST_OBJECT(stream->source) ||
                           gst_object_has_as_ancestor(GST_MESSAGE_SRC(message), GST_OBJECT(stream->source));
    // rtspsrc's own "no supported stream" (nothing over TCP, an odd codec) is not a
    // missing decoder.
    if (from_source && error->domain == GST_STREAM_ERROR) return FG_RTSP_FAILED;
    if (error->domain == GST_RESOURCE_ERROR) {
        switch (error->code) {
        case GST_RESOURCE_ERROR_NOT_AUTHORIZED: return FG_RTSP_UNAUTHORIZED;
        case GST_RESOURCE_ERROR_NOT_FOUND:
        case GST_RESOURCE_ERROR_OPEN_READ_WRITE: return FG_RTSP_NOT_FOUND;
        // "No supported authentication protocol", "does not support DESCRIBE": retrying
        // will not help.
        case GST_RESOURCE_ERROR_OPEN_READ:
        case GST_RESOURCE_ERROR_SETTINGS: return FG_RTSP_FAILED;
        default: return FG_RTSP_GONE;
        }
    }
    if ((error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_MISSING_PLUGIN) ||
        (error->domain == GST_STREAM_ERROR &&
         (error->code == GST_STREAM_ERROR_CODEC_NOT_FOUND || error->code == GST_STREAM_ERROR_WRONG_TYPE)))
        return FG_RTSP_NO_DECODER;
    if (error->domain == GST_STREAM_ERROR) return FG_RTSP_GONE;
    return FG_RTSP_FAILED;
}

/// An error or end of stream waiting on the bus, as a result code (FG_RTSP_TIMEOUT: none).
static int32_t bus_problem(struct fg_rtsp *stream, char *message, size_t message_size) {
    GstMessage *posted = gst_bus_pop_filtered(stream->bus, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    if (!posted) return FG_RTSP_TIMEOUT;
    int32_t result = FG_RTSP_GONE;
    if (GST_MESSAGE_TYPE(posted) == GST_MESSAGE_EOS) {
        set_message(message, message_size, "the camera ended the stream");
    } else {
        GError *error = NULL;
        gchar *debug = NULL;
        gst_message_parse_error(posted, &error, &debug);
        result = classify(stream, posted, error);
        // The debug text's last line is the useful part ("Failed to connect. (Generic error)").
        const char *detail = debug ? strrchr(debug, '\n') : NULL;
        detail = detail ? detail + 1 : debug;
        snprintf(
            message, message_size, "%s%s%s%s", error ? error->message : "unknown error", detail && detail[0] ? " (" : "",
            detail && detail[0] ? detail : "", detail && detail[0] ? ")" : "");
        if (error) g_error_free(error);
        g_free(debug);
    }
    gst_message_unref(posted);
    return result;
}

int32_t fg_rtsp_pull(fg_rtsp *stream, int32_t timeout_ms, char *message, size_t message_size) {
    fg_rtsp_release(stream);
    gint64 deadline = g_get_monotonic_time() + (gint64)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
    while (1) {
        int32_t problem = bus_problem(stream, message, message_size);
        if (problem != FG_RTSP_TIMEOUT) return problem;
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0) return FG_RTSP_TIMEOUT;
        // Short slices, so that an error on the bus is seen within 100 ms.
        GstClockTime slice = (GstClockTime)(left < 100000 ? left : 100000) * 1000;
        GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(stream->sink), slice);
        if (!sample) {
            if (gst_app_sink_is_eos(GST_APP_SINK(stream->sink))) {
                set_message(message, message_size, "the camera ended the stream");
                return FG_RTSP_GONE;
            }
            continue;
        }
        GstBuffer *buffer = gst_sample_get_buffer(sample);
        GstCaps *caps = gst_sample_get_caps(sample);
        gint width = 0, height = 0;
        if (caps && gst_caps_get_size(caps) > 0) {
            const GstStructure *structure = gst_caps_get_structure(caps, 0);
            gst_structure_get_int(structure, "width", &width);
            gst_structure_get_int(structure, "height", &height);
        }
        // GStreamer's packed RGB rows are padded to four bytes.
        gint row_bytes = (width * 3 + 3) & ~3;
        if (!buffer || width <= 0 || height <= 0 || !gst_buffer_map(buffer, &stream->held_map, GST_MAP_READ)) {
            gst_sample_unref(sample);
            set_message(message, message_size, "the stream delivered a frame without a size or pixels");
            return FG_RTSP_FAILED;
        }
        if (stream->held_map.size < (gsize)row_bytes * (gsize)height) {
            gst_buffer_unmap(buffer, &stream->held_map);
            gst_sample_unref(sample);
            set_message(message, message_size, "the stream delivered a frame smaller than its size says");
            return FG_RTSP_FAILED;
        }
        stream->held = sample;
        stream->held_buffer = buffer;
        stream->view = (fg_rtsp_frame_view){stream->held_map.data, width, height, row_bytes};
        return FG_RTSP_FRAME;
    }
}

fg_rtsp_frame_view fg_rtsp_frame(const fg_rtsp *stream) {
    return stream->held ? stream->view : (fg_rtsp_frame_view){NULL, 0, 0, 0};
}

void fg_rtsp_release(fg_rtsp *stream) {
    if (!stream->held) return;
    GstBuffer *buffer = stream->held_buffer;
    gst_buffer_unmap(buffer, &stream->held_map);
    // A decoded frame is a picture of someone: zero it before it goes back to a pool,
    // when this sample is its only holder (otherwise GStreamer would copy to write).
    gboolean writable = gst_buffer_is_writable(buffer);
    for (guint index = 0; writable && index < gst_buffer_n_memory(buffer); index++)
        writable = gst_memory_is_writable(gst_buffer_peek_memory(buffer, index));
    if (writable) gst_buffer_memset(buffer, 0, 0, gst_buffer_get_size(buffer));
    gst_sample_unref(stream->held);
    stream->held = NULL;
    stream->held_buffer = NULL;
    stream->view = (fg_rtsp_frame_view){NULL, 0, 0, 0};
}

const char *fg_rtsp_codec(const fg_rtsp *stream) { return stream->codec; }

void fg_rtsp_close(fg_rtsp *stream) {
    if (!stream) return;
    fg_rtsp_release(stream);
    if (stream->pipeline) {
        gst_element_set_state(stream->pipeline, GST_STATE_NULL);
        gst_object_unref(stream->pipeline);
    }
    if (stream->bus) gst_object_unref(stream->bus);
    g_free(stream);
}
