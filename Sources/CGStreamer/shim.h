// GStreamer's core and appsink, through pkg-config (gstreamer-app-1.0 brings
// gstreamer-1.0 and GLib). Only CRTSP includes it: Swift never sees GLib's types.
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
