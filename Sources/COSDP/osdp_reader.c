// The OSDP reader over libosdp: a serial line, a Secure Channel only, card reads
// out, the panel's LED and buzzer commands in. One mutex guards the libosdp context:
// the refresh thread and the decision path both reach it.
#define _GNU_SOURCE
#include "COSDP.h"
#include "serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

// As the library was built (scripts/build-libosdp.sh): events live in memory the shim owns.
#define OPT_OSDP_APP_OWNED_QUEUE_DATA 1
#include <osdp.h>

/// Card reads in flight at most: a door lets one person in at a time.
enum { OUTSTANDING = 4 };
/// A card read goes out only while the panel polled within this, and is dropped if
/// the panel has not taken it within STALE_MS: libosdp itself would keep both for
/// seconds (its "online" lasts 8 s after the last poll), and a read delivered late
/// opens the door for whoever stands there then.
enum { POLLED_WITHIN_MS = 1000, STALE_MS = 1500 };

struct fg_osdp_reader {
    struct fg_serial line;
    osdp_t *ctx;
    pthread_mutex_t lock;
    fg_osdp_status status;  // counters guarded by `lock`
    int64_t submitted_at[OUTSTANDING];  // FIFO of the reads in flight (libosdp completes them in order)
    int first, outstanding;
    bool install;          // install mode: the panel's one KEYSET is taken
    bool key_set, key_taken;
    uint8_t new_key[16];
};

// With `lock` held.
static bool panel_listening(struct fg_osdp_reader *reader) {
    uint8_t secure = 0;
    osdp_get_sc_status_mask(reader->ctx, &secure);
    return (secure & 1) && reader->line.last_rx_ms > 0 && fg_monotonic_ms() - reader->line.last_rx_ms <= POLLED_WITHIN_MS;
}

static int64_t now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// Called with `lock` held (from inside osdp_pd_refresh).
static int on_command(void *arg, struct osdp_cmd *command) {
    struct fg_osdp_reader *reader = arg;
    switch (command->id) {
    case OSDP_CMD_LED: {
        const struct osdp_cmd_led_params *shown =
            command->led.temporary.control_code == 2 ? &command->led.temporary : &command->led.permanent;
        reader->status.led_commands += 1;
        reader->status.last_led_color = shown->on_color;
        reader->status.last_led_at_ms = now_ms();
        if (shown->on_color == OSDP_LED_COLOR_GREEN) reader->status.granted += 1;
        if (shown->on_color == OSDP_LED_COLOR_RED) reader->status.denied += 1;
        return 0;
    }
    case OSDP_CMD_BUZZER:
        reader->status.buzzer_commands += 1;
        return 0;
    case OSDP_CMD_KEYSET:
        // Outside install mode the key is the venue's to set in the reader's key file,
        // not the wire's: a changed key that could not be kept would cut the door off at
        // the next start. In install mode (`facegate osdp install`) the one key is kept.
        if (reader->install && !reader->key_set && command->keyset.type == 1 && command->keyset.length == 16) {
            memcpy(reader->new_key, command->keyset.data, 16);
            reader->key_set = true;
            return 0;
        }
        reader->status.keyset_refused += 1;
        return -1;
    default:
        return -1;
    }
}

// Called with `lock` held. The event was malloc'ed by submit_card.
static void on_event_done(void *arg, const struct osdp_event *event, enum osdp_completion_status done) {
    struct fg_osdp_reader *reader = arg;
    if (!event) return;
    if (reader->outstanding > 0) {
        reader->first = (reader->first + 1) % OUTSTANDING;
        reader->outstanding -= 1;
    }
    if (done == OSDP_COMPLETION_OK) {
        reader->status.cards_delivered += 1;
    } else {
        reader->status.cards_dropped += 1;
    }
    struct osdp_event *owned = (struct osdp_event *)event;
    memset(owned, 0, sizeof *owned);
    free(owned);
}

static fg_osdp_reader *open_reader(
    const char *device, int baud, int address, const uint8_t *scbk, bool install, uint32_t serial_number, fg_osdp_error *error) {
    if (address < 0 || address > 126) {
        fg_osdp_set_error(error, FG_OSDP_ARGUMENT, "%s: the address must be between 0 and 126", "osdp");
        return NULL;
    }
    struct fg_serial line;
    if (!fg_serial_open(&line, device, baud, error)) return NULL;
    struct fg_osdp_reader *reader = calloc(1, sizeof *reader);
    if (!reader) {
        fg_serial_close(&line);
        fg_osdp_set_error(error, FG_OSDP_SETUP, "%s: out of memory", "osdp");
        return NULL;
    }
    reader->line = line;
    reader->install = install;
    reader->status.last_led_color = -1;
    pthread_mutex_init(&reader->lock, NULL);

    static const struct osdp_pd_cap capabilities[] = {
        {OSDP_PD_CAP_CARD_DATA_FORMAT, 1, 0},
        {OSDP_PD_CAP_READER_LED_CONTROL, 1, 1},
        {OSDP_PD_CAP_READER_AUDIBLE_OUTPUT, 1, 1},
        {OSDP_PD_CAP_COMMUNICATION_SECURITY, 1, 1},
        {OSDP_PD_CAP_READERS, 0, 1},
        {(uint8_t)-1, 0, 0},
    };
    osdp_pd_info_t info = {
        .name = "facegate",
        .baud_rate = baud,
        .address = address,
        // Install mode cannot enforce the Secure Channel: it has no key to enforce it with.
        .flags = install ? OSDP_FLAG_INSTALL_MODE : OSDP_FLAG_ENFORCE_SECURE,
        .id = {.version = 1, .model = 1, .vendor_code = 0, .serial_number = serial_number, .firmware_version = 0x010000},
        .cap = capabilities,
        .channel = {.data = &reader->line, .id = 0, .recv = fg_serial_recv, .send = fg_serial_send, .flush = fg_serial_flush},
        .scbk = scbk,
    };
    fg_osdp_route_logs();
    reader->ctx = osdp_pd_setup(&info);
    if (!reader->ctx) {
        fg_osdp_set_error(error, FG_OSDP_SETUP, "%s: libosdp refused the reader's set-up", "osdp");
        pthread_mutex_destroy(&reader->lock);
        fg_serial_close(&reader->line);
        free(reader);
        return NULL;
    }
    osdp_pd_set_command_callback(reader->ctx, on_command, reader);
    osdp_pd_set_event_completion_callback(reader->ctx, on_event_done, reader);
    return reader;
}

fg_osdp_reader *fg_osdp_reader_open(
    const char *device, int baud, int address, const uint8_t *scbk, uint32_t serial_number, fg_osdp_error *error) {
    if (!scbk) {
        fg_osdp_set_error(error, FG_OSDP_ARGUMENT, "%s: a reader needs its key (install mode is fg_osdp_reader_open_install)", "osdp");
        return NULL;
    }
    return open_reader(device, baud, address, scbk, false, serial_number, error);
}

fg_osdp_reader *fg_osdp_reader_open_install(const char *device, int baud, int address, uint32_t serial_number, fg_osdp_error *error) {
    return open_reader(device, baud, address, NULL, true, serial_number, error);
}

bool fg_osdp_reader_take_key(fg_osdp_reader *reader, uint8_t *key) {
    pthread_mutex_lock(&reader->lock);
    bool taken = reader->key_set && !reader->key_taken;
    if (taken) {
        memcpy(key, reader->new_key, 16);
        memset(reader->new_key, 0, 16);
        reader->key_taken = true;
    }
    pthread_mutex_unlock(&reader->lock);
    return taken;
}

void fg_osdp_reader_refresh(fg_osdp_reader *reader) {
    pthread_mutex_lock(&reader->lock);
    osdp_pd_refresh(reader->ctx);
    // A card read waits for no link: one delivered when the panel comes back would
    // open the door for whoever stands there then.
    bool stale = reader->outstanding > 0 && fg_monotonic_ms() - reader->submitted_at[reader->first] > STALE_MS;
    if (reader->outstanding > 0 && (stale || !panel_listening(reader))) osdp_pd_flush_events(reader->ctx);
    pthread_mutex_unlock(&reader->lock);
}

int fg_osdp_reader_submit_card(fg_osdp_reader *reader, const uint8_t *bits, int bit_count, fg_osdp_error *error) {
    if (bit_count <= 0 || bit_count > OSDP_EVENT_CARDREAD_MAX_DATALEN * 8) {
        fg_osdp_set_error(error, FG_OSDP_ARGUMENT, "%s: a card read holds 1 to 512 bits", "osdp");
        return FG_OSDP_ARGUMENT;
    }
    struct osdp_event *event = calloc(1, sizeof *event);
    if (!event) {
        fg_osdp_set_error(error, FG_OSDP_QUEUE_FULL, "%s: out of memory", "osdp");
        return FG_OSDP_QUEUE_FULL;
    }
    pthread_mutex_lock(&reader->lock);
    if (!panel_listening(reader)) {
        pthread_mutex_unlock(&reader->lock);
        free(event);
        fg_osdp_set_error(
            error, FG_OSDP_NOT_SECURE, "%s: the panel is not polling this reader over a Secure Channel now; nothing was sent", "osdp");
        return FG_OSDP_NOT_SECURE;
    }
    if (reader->outstanding == OUTSTANDING) {
        pthread_mutex_unlock(&reader->lock);
        free(event);
        fg_osdp_set_error(error, FG_OSDP_QUEUE_FULL, "%s: the panel is not taking card reads; nothing was sent", "osdp");
        return FG_OSDP_QUEUE_FULL;
    }
    event->type = OSDP_EVENT_CARDREAD;
    event->cardread.reader_no = 0;
    event->cardread.format = OSDP_CARD_FMT_RAW_WIEGAND;
    event->cardread.direction = 0;
    event->cardread.length = bit_count;
    memcpy(event->cardread.data, bits, (size_t)((bit_count + 7) / 8));
    int result = osdp_pd_submit_event(reader->ctx, event);
    if (result == 0) {
        reader->status.cards_submitted += 1;
        reader->submitted_at[(reader->first + reader->outstanding) % OUTSTANDING] = fg_monotonic_ms();
        reader->outstanding += 1;
    }
    pthread_mutex_unlock(&reader->lock);
    if (result != 0) {
        memset(event, 0, sizeof *event);
        free(event);
        fg_osdp_set_error(error, FG_OSDP_QUEUE_FULL, "%s: the reader's queue is full; the panel is not taking card reads", "osdp");
        return FG_OSDP_QUEUE_FULL;
    }
    return FG_OSDP_OK;
}

void fg_osdp_reader_status(fg_osdp_reader *reader, fg_osdp_status *status) {
    pthread_mutex_lock(&reader->lock);
    *status = reader->status;
    uint8_t online = 0, secure = 0;
    osdp_get_status_mask(reader->ctx, &online);
    osdp_get_sc_status_mask(reader->ctx, &secure);
    status->listening = panel_listening(reader);
    pthread_mutex_unlock(&reader->lock);
    status->online = online & 1;
    status->secure = secure & 1;
    status->errors_logged = fg_osdp_logged_errors();
    status->device_failed = reader->line.failed;
}

void fg_osdp_reader_close(fg_osdp_reader *reader) {
    if (!reader) return;
    pthread_mutex_lock(&reader->lock);
    osdp_pd_teardown(reader->ctx);
    reader->ctx = NULL;
    pthread_mutex_unlock(&reader->lock);
    pthread_mutex_destroy(&reader->lock);
    fg_serial_close(&reader->line);
    memset(reader->new_key, 0, sizeof reader->new_key);
    free(reader);
}

const char *fg_osdp_version(void) { return osdp_get_version(); }
