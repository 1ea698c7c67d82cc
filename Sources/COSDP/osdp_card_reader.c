// facegate as the control panel of one card reader: libosdp polls it over a Secure
// Channel and hands its card reads to a small queue the daemon takes them from.
#define _GNU_SOURCE
#include "COSDP.h"
#include "serial.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define OPT_OSDP_APP_OWNED_QUEUE_DATA 1
#include <osdp.h>

struct card {
    uint8_t bits[FG_OSDP_CARD_BYTES];
    int bit_count;
};

struct fg_osdp_card_reader {
    struct fg_serial line;
    osdp_t *ctx;
    pthread_mutex_t lock;
    struct card queue[FG_OSDP_CARD_QUEUE];
    int head, count;
    fg_osdp_card_reader_state status;
};

// Called with `lock` held (inside osdp_cp_refresh).
static int on_event(void *arg, int pd, struct osdp_event *event) {
    (void)pd;
    struct fg_osdp_card_reader *reader = arg;
    // libosdp hands the event unaligned: copied out before its fields are read.
    struct osdp_event copy;
    memcpy(&copy, event, sizeof copy);
    if (copy.type != OSDP_EVENT_CARDREAD) return 0;
    const struct osdp_event_cardread *read = &copy.cardread;
    // Raw card bits only: a reader's ASCII or keypad data is no card number.
    if (read->format != OSDP_CARD_FMT_RAW_WIEGAND && read->format != OSDP_CARD_FMT_RAW_UNSPECIFIED) return 0;
    int bytes = (read->length + 7) / 8;
    if (read->length <= 0 || bytes > FG_OSDP_CARD_BYTES) return 0;
    if (reader->count == FG_OSDP_CARD_QUEUE) {
        reader->status.cards_dropped += 1;
        return 0;
    }
    struct card *slot = &reader->queue[(reader->head + reader->count) % FG_OSDP_CARD_QUEUE];
    memset(slot, 0, sizeof *slot);
    memcpy(slot->bits, read->data, (size_t)bytes);
    slot->bit_count = read->length;
    memset(&copy, 0, sizeof copy);
    reader->count += 1;
    reader->status.cards_read += 1;
    return 0;
}

fg_osdp_card_reader *fg_osdp_card_reader_open(
    const char *device, int baud, int address, const uint8_t *scbk, fg_osdp_error *error) {
    if (address < 0 || address > 126) {
        fg_osdp_set_error(error, FG_OSDP_ARGUMENT, "%s: the address must be between 0 and 126", "osdp");
        return NULL;
    }
    struct fg_osdp_card_reader *reader = calloc(1, sizeof *reader);
    if (!reader) {
        fg_osdp_set_error(error, FG_OSDP_SETUP, "%s: out of memory", "osdp");
        return NULL;
    }
    if (!fg_serial_open(&reader->line, device, baud, error)) {
        free(reader);
        return NULL;
    }
    pthread_mutex_init(&reader->lock, NULL);
    osdp_pd_info_t info = {
        .name = "card-reader",
        .baud_rate = baud,
        .address = address,
        .flags = OSDP_FLAG_ENFORCE_SECURE,
        .channel = {.data = &reader->line, .id = 0, .recv = fg_serial_recv, .send = fg_serial_send, .flush = fg_serial_flush},
        .scbk = scbk,
    };
    fg_osdp_route_logs();
    reader->ctx = osdp_cp_setup(1, &info);
    if (!reader->ctx) {
        fg_osdp_set_error(error, FG_OSDP_SETUP, "%s: libosdp refused the control panel's set-up", "osdp");
        pthread_mutex_destroy(&reader->lock);
        fg_serial_close(&reader->line);
        free(reader);
        return NULL;
    }
    osdp_cp_set_event_callback(reader->ctx, on_event, reader);
    return reader;
}

void fg_osdp_card_reader_refresh(fg_osdp_card_reader *reader) {
    pthread_mutex_lock(&reader->lock);
    osdp_cp_refresh(reader->ctx);
    pthread_mutex_unlock(&reader->lock);
}

bool fg_osdp_card_reader_take(fg_osdp_card_reader *reader, uint8_t *bits, int *bit_count) {
    pthread_mutex_lock(&reader->lock);
    bool taken = reader->count > 0;
    if (taken) {
        struct card *slot = &reader->queue[reader->head];
        memcpy(bits, slot->bits, FG_OSDP_CARD_BYTES);
        *bit_count = slot->bit_count;
        memset(slot, 0, sizeof *slot);
        reader->head = (reader->head + 1) % FG_OSDP_CARD_QUEUE;
        reader->count -= 1;
    }
    pthread_mutex_unlock(&reader->lock);
    return taken;
}

void fg_osdp_card_reader_status(fg_osdp_card_reader *reader, fg_osdp_card_reader_state *status) {
    pthread_mutex_lock(&reader->lock);
    *status = reader->status;
    uint8_t online = 0, secure = 0;
    osdp_get_status_mask(reader->ctx, &online);
    osdp_get_sc_status_mask(reader->ctx, &secure);
    pthread_mutex_unlock(&reader->lock);
    status->online = online & 1;
    status->secure = secure & 1;
    status->errors_logged = fg_osdp_logged_errors();
    status->device_failed = reader->line.failed;
}

void fg_osdp_card_reader_close(fg_osdp_card_reader *reader) {
    if (!reader) return;
    pthread_mutex_lock(&reader->lock);
    osdp_cp_teardown(reader->ctx);
    memset(reader->queue, 0, sizeof reader->queue);
    pthread_mutex_unlock(&reader->lock);
    pthread_mutex_destroy(&reader->lock);
    fg_serial_close(&reader->line);
    free(reader);
}
