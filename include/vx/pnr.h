/*
 * pnr.h — Swedish personal identity numbers.
 *
 * Parses, validates and normalises personnummer, samordningsnummer (coordination
 * numbers: day + 60, with Skatteverket's day 60 = unknown day and month 00 = unknown
 * month) and interim numbers (a letter T R S U W X J K L M N as the first serial
 * character; counted as 1 in the Luhn sum). Accepted input forms: YYMMDD-NNNC,
 * YYMMDD+NNNC (the person is 100 or older in the year of the reference date),
 * YYMMDDNNNC, YYYYMMDDNNNC, YYYYMMDD-NNNC (YYYYMMDD+NNNC is accepted too). No other
 * characters are allowed (not even surrounding spaces).
 *
 * Century of a 10-digit number: with '-' or no separator, the latest century
 * that puts the birth year at or before the reference year; with '+', 100 years
 * earlier. The normalised form is always 12 characters, "YYYYMMDDNNNC".
 *
 * Pure: no I/O, no clock; the reference date is a parameter.
 */
#ifndef VX_PNR_H
#define VX_PNR_H

#include <stdbool.h>
#include "vx/date.h"
#include "vx/status.h"

enum vx_pnr_kind {
    VX_PNR_PERSONNUMMER = 0,
    VX_PNR_SAMORDNING = 1, /* coordination number, day + 60 */
    VX_PNR_INTERIM = 2     /* letter in the first serial position */
};

enum vx_sex { VX_SEX_UNKNOWN = 0, VX_SEX_MALE = 1, VX_SEX_FEMALE = 2 };

/* Why a number was rejected; each has a fixed English text (vx_pnr_reason_text). */
enum vx_pnr_reason {
    VX_PNR_OK = 0,
    VX_PNR_EMPTY,                  /* empty input */
    VX_PNR_BAD_LENGTH,             /* not 10/11/12/13 characters */
    VX_PNR_BAD_CHAR,               /* a non-digit where a digit must be */
    VX_PNR_BAD_SEPARATOR,          /* separator other than '-' or '+', or in the wrong place */
    VX_PNR_BAD_CENTURY,            /* 12-digit form with a century outside 18..20 */
    VX_PNR_BAD_MONTH,              /* month outside 01..12 (00 only for samordningsnummer) */
    VX_PNR_BAD_DAY,                /* day outside the month (e.g. 30 February) */
    VX_PNR_FUTURE_DATE,            /* birth date after the reference date */
    VX_PNR_BAD_CHECK_DIGIT,        /* Luhn check digit wrong; `expected` says the right one */
    VX_PNR_BAD_SERIAL,             /* serial 000 (never issued) */
    VX_PNR_INTERIM_NOT_ALLOWED,    /* interim letter while options forbid interim numbers */
    VX_PNR_SAMORDNING_NOT_ALLOWED, /* coordination number while options forbid them */
    VX_PNR_PLUS_WITH_CENTURY       /* '+' with a 12-digit form of someone not yet 100 */
};

struct vx_pnr {
    char norm[13]; /* "YYYYMMDDNNNC" (interim: letter kept at position 8) */
    enum vx_pnr_kind kind;
    enum vx_sex sex;          /* from the second-to-last digit: odd = male */
    vx_day birth;             /* birth date; day/month unknown → 1st of month / 1 Jan */
    bool birth_day_unknown;   /* samordningsnummer with day 60 */
    bool birth_month_unknown; /* samordningsnummer with month 00 */
};

struct vx_pnr_opts {
    vx_day ref;            /* reference date for century inference ("today") */
    bool allow_interim;    /* accept interim numbers (vaxchain default: true) */
    bool allow_samordning; /* accept samordningsnummer (vaxchain default: true) */
};

/* The result of a failed parse: the reason and, for a check-digit error, the
 * digit that would have been right. */
struct vx_pnr_error {
    enum vx_pnr_reason reason;
    int expected; /* expected check digit (0..9) for VX_PNR_BAD_CHECK_DIGIT, else -1 */
    int position; /* 0-based character position at fault, or -1 */
    int got;      /* the offending value (check digit given, month, day, length), or -1 */
    int year;     /* the inferred birth year for date errors, or 0 */
};

/* Default options: both kinds allowed, ref = the given day. */
struct vx_pnr_opts vx_pnr_opts_default(vx_day ref);

/*
 * Parse `s` (borrowed, NUL-terminated, any length). On success fills `out` and
 * returns VX_OK; otherwise returns VX_EINVAL and fills `err` (may be NULL).
 */
enum vx_status vx_pnr_parse(const char *s, const struct vx_pnr_opts *opts, struct vx_pnr *out,
                            struct vx_pnr_error *err);

/* Write a specific English reason ("bad check digit: expected 4, got 5") to buf. */
void vx_pnr_error_text(const struct vx_pnr_error *err, char *buf, size_t len);
/* Fixed short English text of a reason code. */
const char *vx_pnr_reason_text(enum vx_pnr_reason r);

/* Luhn check digit for the 9 characters of YYMMDDNNN (letters count as 1); -1 if bad. */
int vx_pnr_luhn(const char *nine);

/* Short display form "YYMMDD-NNNC" or "YYMMDD+NNNC" (100+ in the year of `ref`).
 * buf needs 12 bytes. */
char *vx_pnr_format_short(const struct vx_pnr *p, vx_day ref, char *buf);

#endif
