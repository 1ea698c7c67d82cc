#ifndef FACEGATE_COSDP_H
#define FACEGATE_COSDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An OSDP reader (a peripheral device, PD) on a serial line, toward the venue's
/// access panel (the control panel, CP). libosdp's types never reach Swift: this
/// handle, plain status numbers and code + message errors do.
typedef struct fg_osdp_reader fg_osdp_reader;

enum {
    FG_OSDP_OK = 0,
    FG_OSDP_DEVICE = 1,      // the serial device cannot be opened or set up
    FG_OSDP_SETUP = 2,       // libosdp refused the reader's set-up
    FG_OSDP_QUEUE_FULL = 3,  // too many card reads not yet taken by the panel
    FG_OSDP_ARGUMENT = 4,    // a card read too long, an address out of range
    FG_OSDP_NOT_SECURE = 5,  // no Secure Channel: a card read is never sent in the clear
};

typedef struct {
    int code;
    char message[256];
} fg_osdp_error;

/// What the reader knows of its link, for `status`, the console and `/metrics`.
typedef struct {
    bool online;             // the panel polls this reader
    bool secure;             // ... over an established Secure Channel
    uint64_t cards_submitted;
    uint64_t cards_delivered; // taken by the panel in a poll reply
    uint64_t cards_dropped;   // flushed unsent (link down, reader closed)
    uint64_t led_commands;
    uint64_t buzzer_commands;
    uint64_t granted;         // LED commands turning green
    uint64_t denied;          // LED commands turning red
    uint64_t keyset_refused;  // the panel tried to change the key
    int last_led_color;       // OSDP colour code of the last LED command, -1 before any
    int64_t last_led_at_ms;   // CLOCK_REALTIME milliseconds, 0 before any
    uint64_t errors_logged;   // libosdp's own errors and warnings
    bool device_failed;       // reading the device failed: open it again
    bool listening;           // polled within the last second over the Secure Channel: a card read goes out
} fg_osdp_status;

/// Opens `device` (a tty: raw, 8N1 at `baud`) and sets up a reader at `address`
/// (0-126) that accepts only a Secure Channel keyed with the 16 bytes `scbk`.
fg_osdp_reader *fg_osdp_reader_open(
    const char *device, int baud, int address, const uint8_t *scbk, uint32_t serial_number, fg_osdp_error *error);

/// The reader in install mode, for `facegate osdp install`: no key of its own yet,
/// it lets the panel open a Secure Channel with the published install key (SCBK-D)
/// and accepts the one KEYSET the panel then sends (`fg_osdp_reader_take_key`).
fg_osdp_reader *fg_osdp_reader_open_install(const char *device, int baud, int address, uint32_t serial_number, fg_osdp_error *error);

/// The key the panel set in install mode, once: copied into `key` (16 bytes) and wiped
/// from the shim; false while none came.
bool fg_osdp_reader_take_key(fg_osdp_reader *reader, uint8_t *key);

/// Answers whatever the panel sent since the last call; call it every few
/// milliseconds (a panel waits 200 ms for a reply).
void fg_osdp_reader_refresh(fg_osdp_reader *reader);

/// Queues a card read of `bit_count` bits (packed most significant bit first in
/// `bits`), raw Wiegand format, for the panel's next poll.
int fg_osdp_reader_submit_card(fg_osdp_reader *reader, const uint8_t *bits, int bit_count, fg_osdp_error *error);

void fg_osdp_reader_status(fg_osdp_reader *reader, fg_osdp_status *status);

/// Tears the reader down, closes the device and frees what it held.
void fg_osdp_reader_close(fg_osdp_reader *reader);

/// A card reader on a serial line that facegate polls as the control panel (CP): the
/// reader a member presents a card to, for a claim. Secure Channel only.
typedef struct fg_osdp_card_reader fg_osdp_card_reader;

typedef struct {
    bool online;              // the reader answers polls
    bool secure;              // ... over an established Secure Channel
    uint64_t cards_read;
    uint64_t cards_dropped;   // read while FG_OSDP_CARD_QUEUE were waiting
    uint64_t errors_logged;
    bool device_failed;
} fg_osdp_card_reader_state;

enum { FG_OSDP_CARD_QUEUE = 8, FG_OSDP_CARD_BYTES = 64 };

fg_osdp_card_reader *fg_osdp_card_reader_open(
    const char *device, int baud, int address, const uint8_t *scbk, fg_osdp_error *error);

/// Polls the reader; call it every few milliseconds.
void fg_osdp_card_reader_refresh(fg_osdp_card_reader *reader);

/// Takes the oldest card read waiting: its bits packed most significant first into
/// `bits` (FG_OSDP_CARD_BYTES), their count in `bit_count`; false when none waits.
/// The taken read is wiped from the shim's memory.
bool fg_osdp_card_reader_take(fg_osdp_card_reader *reader, uint8_t *bits, int *bit_count);

void fg_osdp_card_reader_status(fg_osdp_card_reader *reader, fg_osdp_card_reader_state *status);
void fg_osdp_card_reader_close(fg_osdp_card_reader *reader);

/// libosdp's version string.
const char *fg_osdp_version(void);

#ifdef __cplusplus
}
#endif

#endif
