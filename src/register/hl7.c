/*
 * hl7.c — HL7 v2 ER7 ("pipe and hat") parser, serializer and escaping.
 *
 * The parser copies the message once into the caller's arena and builds a tree of
 * spans into that copy: segments -> fields -> repetitions -> components ->
 * subcomponents. It splits on the delimiters only; escape sequences stay inside the
 * leaves untouched (the standard forbids raw delimiters inside them, so splitting
 * first is correct) and are checked afterwards, leaf by leaf. Because the leaves keep
 * the raw text and every empty trailing element is kept as an element, serialising
 * the tree gives back the input byte for byte, except that segment separators are
 * normalised to a single "\r" and blank lines are dropped.
 *
 * MSH is special in ER7: MSH-1 is the field separator itself and MSH-2 holds the
 * other delimiters, so both are stored as single unsplit leaves and field numbers
 * match the standard (MSH-9 is field[9]).
 *
 * Limits (VX_HL7_MAX_*) bound the work for untrusted input; the fuzz target
 * tests/fuzz/fuzz_hl7.c checks that whatever parses also round-trips.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "register_int.h"
#include "vx/buf.h"

static enum vx_status perr(struct vx_hl7_error *e, size_t segno, const char *name, int field,
                           size_t off, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static enum vx_status perr(struct vx_hl7_error *e, size_t segno, const char *name, int field,
                           size_t off, const char *fmt, ...)
{
    if (!e)
        return VX_EPARSE;
    memset(e, 0, sizeof *e);
    e->segment = segno;
    if (name)
        memcpy(e->seg_name, name, strnlen(name, 3));
    e->field = field;
    e->offset = off;
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (name && *name && field > 0)
        snprintf(e->msg, sizeof e->msg, "%s-%d (segment %zu): %s", e->seg_name, field, segno, what);
    else if (name && *name)
        snprintf(e->msg, sizeof e->msg, "%s (segment %zu): %s", e->seg_name, segno, what);
    else
        snprintf(e->msg, sizeof e->msg, "segment %zu: %s", segno, what);
    return VX_EPARSE;
}

static size_t count_char(const char *p, size_t len, char c)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += p[i] == c;
    return n;
}

/* Split p[0..len) on `d` into an arena array of spans; *n gets the count (>= 1). */
static struct vx_hl7_str *split(struct vx_arena *a, const char *p, size_t len, char d, size_t *n)
{
    size_t cnt = count_char(p, len, d) + 1;
    struct vx_hl7_str *v = vx_arena_alloc(a, cnt * sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || p[i] == d) {
            v[k].p = p + start;
            v[k].len = i - start;
            k++;
            start = i + 1;
        }
    }
    *n = cnt;
    return v;
}

static bool is_hex(char c)
{
    return isxdigit((unsigned char)c) != 0;
}

/* Check the escape sequences of one leaf. Returns NULL or a reason. */
static const char *check_escapes(const struct vx_hl7_enc *enc, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != enc->esc)
            continue;
        size_t j = i + 1;
        while (j < len && p[j] != enc->esc)
            j++;
        if (j >= len)
            return "escape sequence not closed";
        const char *s = p + i + 1;
        size_t n = j - i - 1;
        if (n == 0)
            return "empty escape sequence";
        bool ok = false;
        switch (s[0]) {
        case 'F':
        case 'S':
        case 'T':
        case 'R':
        case 'E':
        case 'H':
        case 'N':
            ok = n == 1;
            break;
        case 'X':
            ok = n >= 3 && (n - 1) % 2 == 0;
            for (size_t k = 1; ok && k < n; k++)
                ok = is_hex(s[k]);
            break;
        case 'C':
        case 'M':
            ok = n == 5 || (s[0] == 'M' && n == 7);
            for (size_t k = 1; ok && k < n; k++)
                ok = is_hex(s[k]);
            break;
        case 'Z':
            ok = true; /* locally defined */
            break;
        case '.':
            ok = n >= 3 && islower((unsigned char)s[1]) && islower((unsigned char)s[2]);
            for (size_t k = 3; ok && k < n; k++)
                ok = isdigit((unsigned char)s[k]) || s[k] == '+' || s[k] == '-';
            break;
        default:
            ok = false;
        }
        if (!ok)
            return "unknown escape sequence";
        i = j;
    }
    return NULL;
}

/* Build one field from its raw text. */
static enum vx_status parse_field(struct vx_arena *a, const struct vx_hl7_enc *enc, const char *p,
                                  size_t len, struct vx_hl7_field *f, const char **why)
{
    struct vx_hl7_str *reps = split(a, p, len, enc->rep, &f->nrep);
    if (!reps)
        return VX_ENOMEM;
    f->rep = vx_arena_alloc(a, f->nrep * sizeof *f->rep);
    if (!f->rep)
        return VX_ENOMEM;
    for (size_t r = 0; r < f->nrep; r++) {
        struct vx_hl7_rep *rep = &f->rep[r];
        struct vx_hl7_str *comps = split(a, reps[r].p, reps[r].len, enc->comp, &rep->ncomp);
        if (!comps)
            return VX_ENOMEM;
        rep->comp = vx_arena_alloc(a, rep->ncomp * sizeof *rep->comp);
        if (!rep->comp)
            return VX_ENOMEM;
        for (size_t c = 0; c < rep->ncomp; c++) {
            struct vx_hl7_comp *comp = &rep->comp[c];
            comp->sub = split(a, comps[c].p, comps[c].len, enc->sub, &comp->nsub);
            if (!comp->sub)
                return VX_ENOMEM;
            for (size_t s = 0; s < comp->nsub; s++) {
                const char *w = check_escapes(enc, comp->sub[s].p, comp->sub[s].len);
                if (w) {
                    *why = w;
                    return VX_EPARSE;
                }
            }
        }
    }
    return VX_OK;
}

/* A single unsplit leaf holding `p[0..len)`. */
static enum vx_status leaf_field(struct vx_arena *a, const char *p, size_t len,
                                 struct vx_hl7_field *f)
{
    f->nrep = 1;
    f->rep = vx_arena_alloc(a, sizeof *f->rep);
    if (!f->rep)
        return VX_ENOMEM;
    f->rep->ncomp = 1;
    f->rep->comp = vx_arena_alloc(a, sizeof *f->rep->comp);
    if (!f->rep->comp)
        return VX_ENOMEM;
    f->rep->comp->nsub = 1;
    f->rep->comp->sub = vx_arena_alloc(a, sizeof *f->rep->comp->sub);
    if (!f->rep->comp->sub)
        return VX_ENOMEM;
    f->rep->comp->sub->p = p;
    f->rep->comp->sub->len = len;
    return VX_OK;
}

static enum vx_status parse_encoding(const char *line, size_t len, struct vx_hl7_enc *enc,
                                     size_t *enc_len, struct vx_hl7_error *err)
{
    if (len < 8)
        return perr(err, 1, "MSH", 2, 0,
                    "truncated: MSH needs a field separator and 4 "
                    "encoding characters");
    enc->field = line[3];
    size_t n = 0;
    while (4 + n < len && line[4 + n] != enc->field)
        n++;
    if (n < 4 || n > 5)
        return perr(err, 1, "MSH", 2, 4,
                    "bad encoding characters: %zu characters, expected 4 (^~\\&)", n);
    enc->comp = line[4];
    enc->rep = line[5];
    enc->esc = line[6];
    enc->sub = line[7];
    const char d[5] = {enc->field, enc->comp, enc->rep, enc->esc, enc->sub};
    for (int i = 0; i < 5; i++) {
        unsigned char c = (unsigned char)d[i];
        if (isalnum(c) || c == '\r' || c == '\n' || c < 0x20 || c >= 0x7f)
            return perr(err, 1, "MSH", i == 0 ? 1 : 2, (size_t)(3 + i),
                        "bad encoding characters: delimiter 0x%02x is not a printable "
                        "non-alphanumeric character",
                        c);
        for (int j = 0; j < i; j++)
            if (d[j] == d[i])
                return perr(err, 1, "MSH", 2, (size_t)(3 + i),
                            "bad encoding characters: delimiter '%c' used twice", d[i]);
    }
    *enc_len = n;
    return VX_OK;
}

static bool valid_seg_name(const char *p)
{
    for (int i = 0; i < 3; i++)
        if (!(isupper((unsigned char)p[i]) || isdigit((unsigned char)p[i])))
            return false;
    return true;
}

enum vx_status vx_hl7_parse(const char *text, size_t len, struct vx_arena *a,
                            struct vx_hl7_msg *out, struct vx_hl7_error *err)
{
    memset(out, 0, sizeof *out);
    if (err)
        memset(err, 0, sizeof *err);
    if (len > VX_HL7_MAX_BYTES)
        return perr(err, 0, NULL, 0, 0, "message larger than %u bytes", VX_HL7_MAX_BYTES);
    char *copy = vx_arena_strndup(a, text ? text : "", len);
    if (!copy)
        return VX_ENOMEM;

    /* Count the non-empty lines to size the segment array. */
    size_t nlines = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && copy[j] != '\r' && copy[j] != '\n')
            j++;
        nlines += j > i;
        i = j + 1;
    }
    if (nlines == 0)
        return perr(err, 0, NULL, 0, 0, "empty message: no MSH segment");
    if (nlines > VX_HL7_MAX_SEGMENTS)
        return perr(err, 0, NULL, 0, 0, "more than %d segments", VX_HL7_MAX_SEGMENTS);
    out->seg = vx_arena_alloc(a, nlines * sizeof *out->seg);
    if (!out->seg)
        return VX_ENOMEM;

    size_t segno = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && copy[j] != '\r' && copy[j] != '\n')
            j++;
        if (j == i) {
            i = j + 1;
            continue;
        }
        const char *line = copy + i;
        size_t ll = j - i;
        size_t off = i;
        i = j + 1;
        segno++;
        struct vx_hl7_seg *seg = &out->seg[out->nseg];
        if (ll < 3 || !valid_seg_name(line)) {
            if (segno == 1)
                return perr(err, segno, NULL, 0, off, "message does not start with an MSH segment");
            return perr(err, segno, NULL, 0, off,
                        "bad segment name: expected 3 upper-case letters or digits");
        }
        memcpy(seg->name, line, 3);
        bool msh = memcmp(line, "MSH", 3) == 0;
        if (segno == 1 && !msh)
            return perr(err, segno, seg->name, 0, off,
                        "message does not start with an MSH segment");
        if (segno > 1 && msh)
            return perr(err, segno, seg->name, 0, off,
                        "second MSH: one message per input (batches are not supported)");
        size_t pos = 3, first_field = 1;
        if (msh) {
            size_t enc_len = 0;
            enum vx_status st = parse_encoding(line, ll, &out->enc, &enc_len, err);
            if (st != VX_OK)
                return st;
            pos = 4 + enc_len; /* at the separator before MSH-3, or the end */
            first_field = 3;
        } else if (ll > 3 && line[3] != out->enc.field) {
            return perr(err, segno, seg->name, 0, off + 3,
                        "segment name must be followed by the field separator '%c'",
                        out->enc.field);
        }
        /* Fields after `pos` (each introduced by a separator). */
        size_t nf = pos < ll ? count_char(line + pos, ll - pos, out->enc.field) : 0;
        size_t total = (first_field - 1) + nf;
        if (total > VX_HL7_MAX_FIELDS)
            return perr(err, segno, seg->name, 0, off, "more than %d fields", VX_HL7_MAX_FIELDS);
        seg->nfield = total;
        seg->field = vx_arena_alloc(a, (total + 1) * sizeof *seg->field);
        if (!seg->field)
            return VX_ENOMEM;
        if (msh) {
            if (leaf_field(a, line + 3, 1, &seg->field[1]) != VX_OK ||
                leaf_field(a, line + 4, pos - 4, &seg->field[2]) != VX_OK)
                return VX_ENOMEM;
        }
        size_t fno = first_field;
        size_t k = pos + 1; /* start of the next field's text */
        for (size_t f = 0; f < nf; f++, fno++) {
            size_t e = k;
            while (e < ll && line[e] != out->enc.field)
                e++;
            const char *why = NULL;
            enum vx_status st = parse_field(a, &out->enc, line + k, e - k, &seg->field[fno], &why);
            if (st == VX_EPARSE)
                return perr(err, segno, seg->name, (int)fno, off + k, "%s", why);
            if (st != VX_OK)
                return st;
            k = e + 1;
        }
        out->nseg++;
    }
    return VX_OK;
}

enum vx_status vx_hl7_normalize(const char *text, size_t len, struct vx_buf *out)
{
    enum vx_status st = VX_OK;
    for (size_t i = 0; i < len && st == VX_OK;) {
        size_t j = i;
        while (j < len && text[j] != '\r' && text[j] != '\n')
            j++;
        if (j > i) {
            st = vx_buf_append(out, text + i, j - i);
            if (st == VX_OK)
                st = vx_buf_append(out, "\r", 1);
        }
        i = j + 1;
    }
    return st;
}

static enum vx_status put_field(const struct vx_hl7_enc *enc, const struct vx_hl7_field *f,
                                struct vx_buf *out)
{
    enum vx_status st = VX_OK;
    for (size_t r = 0; r < f->nrep && st == VX_OK; r++) {
        if (r)
            st = vx_buf_append(out, &enc->rep, 1);
        for (size_t c = 0; c < f->rep[r].ncomp && st == VX_OK; c++) {
            if (c)
                st = vx_buf_append(out, &enc->comp, 1);
            const struct vx_hl7_comp *comp = &f->rep[r].comp[c];
            for (size_t s = 0; s < comp->nsub && st == VX_OK; s++) {
                if (s)
                    st = vx_buf_append(out, &enc->sub, 1);
                if (st == VX_OK && comp->sub[s].len)
                    st = vx_buf_append(out, comp->sub[s].p, comp->sub[s].len);
            }
        }
    }
    return st;
}

enum vx_status vx_hl7_serialize(const struct vx_hl7_msg *m, struct vx_buf *out)
{
    enum vx_status st = VX_OK;
    for (size_t i = 0; i < m->nseg && st == VX_OK; i++) {
        const struct vx_hl7_seg *seg = &m->seg[i];
        st = vx_buf_append(out, seg->name, 3);
        size_t first = 1;
        if (st == VX_OK && memcmp(seg->name, "MSH", 3) == 0 && seg->nfield >= 2) {
            st = vx_buf_append(out, &m->enc.field, 1);
            if (st == VX_OK)
                st = put_field(&m->enc, &seg->field[2], out);
            first = 3;
        }
        for (size_t f = first; f <= seg->nfield && st == VX_OK; f++) {
            st = vx_buf_append(out, &m->enc.field, 1);
            if (st == VX_OK)
                st = put_field(&m->enc, &seg->field[f], out);
        }
        if (st == VX_OK)
            st = vx_buf_append(out, "\r", 1);
    }
    return st;
}

enum vx_status vx_hl7_unescape(const struct vx_hl7_enc *enc, const char *raw, size_t len,
                               struct vx_buf *out)
{
    enum vx_status st = VX_OK;
    for (size_t i = 0; i < len && st == VX_OK; i++) {
        if (raw[i] != enc->esc) {
            st = vx_buf_append(out, raw + i, 1);
            continue;
        }
        size_t j = i + 1;
        while (j < len && raw[j] != enc->esc)
            j++;
        if (j >= len) { /* unclosed: keep literally (the parser rejects this) */
            st = vx_buf_append(out, raw + i, len - i);
            break;
        }
        const char *s = raw + i + 1;
        size_t n = j - i - 1;
        const struct {
            char code;
            char value;
        } single[] = {
            {'F', enc->field}, {'S', enc->comp}, {'T', enc->sub}, {'R', enc->rep}, {'E', enc->esc}};
        bool done = false;
        for (size_t k = 0; n == 1 && k < VX_ARRAY_LEN(single); k++)
            if (s[0] == single[k].code) {
                st = vx_buf_append(out, &single[k].value, 1);
                done = true;
            }
        if (!done && n >= 3 && s[0] == 'X') {
            for (size_t k = 1; k + 1 < n && st == VX_OK; k += 2) {
                int hi = vx_hex_digit(s[k]), lo = vx_hex_digit(s[k + 1]);
                if (hi < 0 || lo < 0)
                    break;
                char c = (char)(hi * 16 + lo);
                st = vx_buf_append(out, &c, 1);
            }
        } else if (!done && n == 3 && memcmp(s, ".br", 3) == 0) {
            st = vx_buf_append(out, "\n", 1);
        }
        /* \H\ \N\ \Z..\ \.xx\ \C..\ \M..\: formatting or charset switches, dropped. */
        i = j;
    }
    return st;
}

enum vx_status vx_hl7_escape(const struct vx_hl7_enc *enc, const char *s, size_t len,
                             struct vx_buf *out)
{
    enum vx_status st = VX_OK;
    for (size_t i = 0; i < len && st == VX_OK; i++) {
        char c = s[i];
        char seq[8] = {0};
        if (c == enc->field)
            seq[0] = 'F';
        else if (c == enc->comp)
            seq[0] = 'S';
        else if (c == enc->sub)
            seq[0] = 'T';
        else if (c == enc->rep)
            seq[0] = 'R';
        else if (c == enc->esc)
            seq[0] = 'E';
        else if (c == '\r')
            memcpy(seq, "X0D", 3);
        else if (c == '\n')
            memcpy(seq, "X0A", 3);
        if (!seq[0]) {
            st = vx_buf_append(out, &c, 1);
            continue;
        }
        st = vx_buf_append(out, &enc->esc, 1);
        if (st == VX_OK)
            st = vx_buf_puts(out, seq);
        if (st == VX_OK)
            st = vx_buf_append(out, &enc->esc, 1);
    }
    return st;
}

/* Parse a decimal number at *p (1..999); advances *p. */
static bool loc_num(const char **p, int *out)
{
    int v = 0, n = 0;
    while (isdigit((unsigned char)**p) && n < 4) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    if (n == 0 || n > 3 || isdigit((unsigned char)**p))
        return false;
    *out = v;
    return true;
}

enum vx_status vx_hl7_loc_parse(const char *s, struct vx_hl7_loc *out)
{
    memset(out, 0, sizeof *out);
    if (!s || strlen(s) < 5 || !valid_seg_name(s) || s[3] != '-')
        return VX_EINVAL;
    memcpy(out->seg, s, 3);
    const char *p = s + 4;
    if (!loc_num(&p, &out->field) || out->field < 1)
        return VX_EINVAL;
    out->comp = 1;
    out->sub = 1;
    if (*p == '[' || *p == '(') {
        char close = *p == '[' ? ']' : ')';
        bool one_based = *p == '[';
        p++;
        int r;
        if (!loc_num(&p, &r) || *p != close)
            return VX_EINVAL;
        p++;
        if (one_based && r < 1)
            return VX_EINVAL;
        out->rep = one_based ? r - 1 : r;
    }
    if (*p == '-') {
        p++;
        if (!loc_num(&p, &out->comp) || out->comp < 1)
            return VX_EINVAL;
        if (*p == '-') {
            p++;
            if (!loc_num(&p, &out->sub) || out->sub < 1)
                return VX_EINVAL;
        }
    }
    return *p ? VX_EINVAL : VX_OK;
}

struct vx_hl7_str vx_hl7_seg_get(const struct vx_hl7_seg *seg, const struct vx_hl7_loc *loc)
{
    struct vx_hl7_str none = {"", 0};
    if (!seg || loc->field < 1 || (size_t)loc->field > seg->nfield)
        return none;
    const struct vx_hl7_field *f = &seg->field[loc->field];
    if ((size_t)loc->rep >= f->nrep)
        return none;
    const struct vx_hl7_rep *r = &f->rep[loc->rep];
    if ((size_t)(loc->comp - 1) >= r->ncomp)
        return none;
    const struct vx_hl7_comp *c = &r->comp[loc->comp - 1];
    if ((size_t)(loc->sub - 1) >= c->nsub)
        return none;
    return c->sub[loc->sub - 1];
}

const struct vx_hl7_seg *vx_hl7_find(const struct vx_hl7_msg *m, const char *name, size_t *from)
{
    for (size_t i = from ? *from : 0; i < m->nseg; i++)
        if (memcmp(m->seg[i].name, name, 3) == 0) {
            if (from)
                *from = i;
            return &m->seg[i];
        }
    return NULL;
}

char *reg_decode(const struct vx_hl7_enc *enc, struct vx_hl7_str raw, struct vx_arena *a)
{
    struct vx_buf b;
    vx_buf_init(&b, VX_HL7_MAX_BYTES);
    char *s = NULL;
    if (vx_hl7_unescape(enc, raw.p, raw.len, &b) == VX_OK)
        s = vx_arena_strndup(a, b.data ? b.data : "", b.len);
    vx_buf_release(&b);
    return s;
}

char *vx_hl7_get(const struct vx_hl7_msg *m, const struct vx_hl7_loc *loc, struct vx_arena *a)
{
    return reg_decode(&m->enc, vx_hl7_seg_get(vx_hl7_find(m, loc->seg, NULL), loc), a);
}

void reg_hl7_dtm(vx_time t, char buf[40])
{
    vx_day day;
    int minute;
    vx_stockholm_local(t, &day, &minute);
    struct vx_ymd ymd = vx_ymd_from_day(day);
    int off = vx_stockholm_offset(t) / 60;
    long sec = (long)(((t % 60) + 60) % 60);
    snprintf(buf, 40, "%04d%02d%02d%02d%02d%02ld%c%02d%02d", ymd.year, ymd.month, ymd.day,
             minute / 60, minute % 60, sec, off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
}

void reg_hl7_dt(vx_day d, char buf[12])
{
    struct vx_ymd ymd = vx_ymd_from_day(d);
    snprintf(buf, 12, "%04d%02d%02d", ymd.year, ymd.month, ymd.day);
}
