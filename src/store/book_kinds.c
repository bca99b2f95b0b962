/*
 * book_kinds.c — text codes of the booking enumerations (enum vx_booking_status,
 * enum vx_book_channel). One table each, used by the database, JSON and the CLI;
 * the bookings.status and bookings.channel CHECKs of the schema list the same
 * words.
 */
#include <string.h>
#include "vx/store.h"

static const char *const booking_status_codes[VX_BOOKING_STATUS_COUNT] = {
    [VX_BOOKING_BOOKED] = "booked",
    [VX_BOOKING_CANCELLED] = "cancelled",
    [VX_BOOKING_ATTENDED] = "attended",
    [VX_BOOKING_NO_SHOW] = "no_show",
};

static const char *const channel_codes[VX_CHANNEL_COUNT] = {
    [VX_CHANNEL_WEB] = "web",
    [VX_CHANNEL_CALL_CENTRE] = "call_centre",
    [VX_CHANNEL_INVITATION] = "invitation",
    [VX_CHANNEL_MUNICIPAL] = "municipal",
    [VX_CHANNEL_STANDBY] = "standby",
};

/* Static string; "unknown" for a value outside the enum. */
const char *vx_booking_status_code(enum vx_booking_status s)
{
    return (unsigned)s < VX_BOOKING_STATUS_COUNT ? booking_status_codes[s] : "unknown";
}

/* Static string; "unknown" for a value outside the enum. */
const char *vx_book_channel_code(enum vx_book_channel c)
{
    return (unsigned)c < VX_CHANNEL_COUNT ? channel_codes[c] : "unknown";
}

/* Parse a channel code (borrowed); VX_EINVAL if unknown, *out untouched. */
enum vx_status vx_book_channel_parse(const char *s, enum vx_book_channel *out)
{
    for (int i = 0; s && i < VX_CHANNEL_COUNT; i++) {
        if (!strcmp(s, channel_codes[i])) {
            *out = (enum vx_book_channel)i;
            return VX_OK;
        }
    }
    return VX_EINVAL;
}
