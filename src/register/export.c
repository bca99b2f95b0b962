/*
 * export.c — the register outbox: exactly-once export of dose changes to the NVR
 * file, HL7 VXU messages and FHIR NDJSON (include/vx/regx.h).
 *
 * The change log and the cursors live in the store (store_regx.h); this file is the
 * protocol on top of them. Doses inserted since the last run enter the log when a run
 * starts (sync: in the batch's prepare transaction, or for hl7 just before reading).
 *
 * File registers (nvr, fhir). One run:
 *   1. an unfinished (prepared) batch is redone first: same seq range, same file
 *      name, same content (changes are read as of their version);
 *   2. otherwise a batch is prepared for (cursor, newest] and committed *before* the
 *      file is written;
 *   3. the file is written as DIR/.NAME.tmp, fsync'ed, renamed to DIR/NAME and the
 *      folder fsync'ed;
 *   4. "batch done + cursor = last seq" is committed in one transaction.
 *   A crash after 2 or 3 leaves a prepared batch that step 1 finishes; a crash after 4
 *   is the normal end. The register therefore sees each change in exactly one file
 *   (a redone file replaces an identical one under the same name).
 *
 * HL7 (one message per change through a transport that returns the ACK). One run:
 *   1. items of the retry table that are due are sent again, oldest first; a later
 *      item of a dose waits while an earlier one is still failing;
 *   2. new changes after the cursor are sent in chunks (policy.chunk); the outcomes of
 *      a chunk (retry rows, sent count, cursor) are committed together after it, with
 *      no store lock held while the transport talks. A crash inside a chunk resends
 *      its messages with the same MSH-10; the receiver de-duplicates (or answers
 *      "duplicate key", HL7 table 0357 code 205, which counts as delivered).
 *   ACK outcomes: AA/CA → delivered; AE/CE, and AR/CR naming a data error (0357 codes
 *   100–205) → rejected, recorded with the error, not retried (the dose must be
 *   corrected, which makes a new change); AR/CR otherwise, an unreadable ACK or an ACK
 *   for another control id → retry; a transport failure → retry, and the run stops
 *   (the transport is down; the rest waits). Retries back off exponentially
 *   (vx_regx_backoff) and give up (failed) after policy.max_attempts sends.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vx/regx.h"

#define RX_FLUSH_BYTES (1u << 20) /* write the file buffer out every MiB */
#define RX_MAX_DUE     1024       /* retries handled per run */
#define RX_MAX_CHUNK   10000

static const char *const reg_codes[VX_REGX_COUNT] = {"nvr", "hl7", "fhir"};
static const char *const action_codes[] = {"new", "correction", "void"};

const char *vx_regx_register_code(enum vx_regx_register r)
{
    return (unsigned)r < VX_REGX_COUNT ? reg_codes[r] : "?";
}

enum vx_status vx_regx_register_parse(const char *s, enum vx_regx_register *out)
{
    for (int i = 0; s && i < VX_REGX_COUNT; i++)
        if (!strcmp(s, reg_codes[i])) {
            *out = (enum vx_regx_register)i;
            return VX_OK;
        }
    return VX_EINVAL;
}

const char *vx_regx_action_code(enum vx_regx_action a)
{
    return (unsigned)a < VX_ARRAY_LEN(action_codes) ? action_codes[a] : "?";
}

static struct vx_regx_policy policy_of(const struct vx_regx_policy *p)
{
    struct vx_regx_policy r = p ? *p : (struct vx_regx_policy){0};
    if (r.base_s <= 0)
        r.base_s = 60;
    if (r.max_s <= 0)
        r.max_s = 6 * 3600;
    if (r.max_attempts <= 0)
        r.max_attempts = 12;
    if (r.chunk <= 0)
        r.chunk = 100;
    if (r.chunk > RX_MAX_CHUNK)
        r.chunk = RX_MAX_CHUNK;
    return r;
}

int64_t vx_regx_backoff(const struct vx_regx_policy *p, int attempts)
{
    struct vx_regx_policy r = policy_of(p);
    int64_t s = r.base_s;
    for (int i = 1; i < attempts && s < r.max_s; i++)
        s *= 2;
    return s < r.max_s ? s : r.max_s;
}

/* Store failure as the run's error. */
static enum vx_status store_fail(struct vx_store *st, enum vx_status rc, struct vx_err *err)
{
    return vx_err_set(err, rc, "%s", st->err);
}

/* Log the doses inserted since the last export (store_regx.h: sync) in a transaction
 * of its own. */
static enum vx_status sync_log(struct vx_store *st, struct vx_err *err)
{
    enum vx_status rc = vx_store_begin(st);
    if (rc != VX_OK)
        return store_fail(st, rc, err);
    if ((rc = st->ops->regx->sync(st, NULL)) != VX_OK) {
        vx_err_set(err, rc, "%s", st->err);
        vx_store_rollback(st);
        return rc;
    }
    return (rc = vx_store_commit(st)) == VX_OK ? VX_OK : store_fail(st, rc, err);
}

/* ================================================================== files */

struct file_run {
    struct vx_store *st;
    enum vx_regx_register reg;
    FILE *f;
    EVP_MD_CTX *md;
    struct vx_buf buf;
    int64_t items;
    enum vx_status rc;
    struct vx_err *err;
};

static enum vx_status flush_buf(struct file_run *r)
{
    if (r->buf.len == 0)
        return VX_OK;
    if (EVP_DigestUpdate(r->md, r->buf.data, r->buf.len) != 1)
        return vx_err_set(r->err, VX_EINTERNAL, "SHA-256 failed");
    if (fwrite(r->buf.data, 1, r->buf.len, r->f) != r->buf.len)
        return vx_err_set(r->err, VX_EIO, "write failed: %s", strerror(errno));
    vx_buf_clear(&r->buf);
    return VX_OK;
}

static int file_row(void *ctx, const struct vx_regx_change_rec *c)
{
    struct file_run *r = ctx;
    enum vx_status rc;
    if (r->reg == VX_REGX_NVR) {
        rc = vx_nvr_row(c, &r->buf);
    } else {
        rc = vx_regx_fhir_line(c, true, &r->buf, r->err); /* = the cJSON path, byte for byte */
    }
    if (rc != VX_OK) {
        r->rc = r->err->msg[0] ? rc
                               : vx_err_set(r->err, rc, "record of change %lld", (long long)c->seq);
        return 1;
    }
    r->items++;
    if (r->buf.len >= RX_FLUSH_BYTES && (r->rc = flush_buf(r)) != VX_OK)
        return 1;
    return 0;
}

static enum vx_status fsync_dir(const char *dir, struct vx_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return vx_err_set(err, VX_EIO, "%s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? VX_OK : vx_err_set(err, VX_EIO, "%s: fsync: %s", dir, strerror(errno));
}

/* Write batch `b` to o->out_dir atomically; *items and sha (65 bytes) get its figures. */
static enum vx_status write_batch(struct vx_store *st, const struct vx_regx_export_opts *o,
                                  const struct vx_regx_batch_rec *b, int64_t *items, char *sha,
                                  struct vx_err *err)
{
    char tmp[4200], path[4200];
    int n1 = snprintf(tmp, sizeof tmp, "%s/.%s.tmp", o->out_dir, b->file);
    int n2 = snprintf(path, sizeof path, "%s/%s", o->out_dir, b->file);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tmp || (size_t)n2 >= sizeof path)
        return vx_err_set(err, VX_EINVAL, "output folder name too long");
    struct file_run r = {.st = st, .reg = o->reg, .err = err};
    vx_buf_init(&r.buf, 64u << 20);
    enum vx_status rc = VX_OK;
    if (!(r.md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(r.md, EVP_sha256(), NULL) != 1) {
        rc = vx_err_set(err, VX_ENOMEM, "SHA-256: out of memory");
        goto out;
    }
    if (!(r.f = fopen(tmp, "wb"))) {
        rc = vx_err_set(err, VX_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (o->reg == VX_REGX_NVR && (rc = vx_buf_printf(&r.buf, "%s\n", vx_nvr_header())) != VX_OK)
        goto out;
    rc = st->ops->regx->change_foreach(st, b->first_seq - 1, b->last_seq, file_row, &r);
    if (rc != VX_OK) {
        rc = store_fail(st, rc, err);
        goto out;
    }
    if ((rc = r.rc) != VX_OK || (rc = flush_buf(&r)) != VX_OK)
        goto out;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (EVP_DigestFinal_ex(r.md, md, &mdlen) != 1 || mdlen != 32) {
        rc = vx_err_set(err, VX_EINTERNAL, "SHA-256 failed");
        goto out;
    }
    for (unsigned i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", md[i]);
    if (o->reg == VX_REGX_NVR) {
        if ((rc = vx_nvr_trailer(r.items, sha, &r.buf)) != VX_OK ||
            fwrite(r.buf.data, 1, r.buf.len, r.f) != r.buf.len) {
            rc = rc != VX_OK ? rc : vx_err_set(err, VX_EIO, "%s: %s", tmp, strerror(errno));
            goto out;
        }
    }
    if (fflush(r.f) != 0 || (!o->no_fsync && fsync(fileno(r.f)) != 0)) {
        rc = vx_err_set(err, VX_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    int cr = fclose(r.f);
    r.f = NULL;
    if (cr != 0) {
        rc = vx_err_set(err, VX_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = vx_err_set(err, VX_EIO, "rename %s: %s", path, strerror(errno));
        goto out;
    }
    if (!o->no_fsync && (rc = fsync_dir(o->out_dir, err)) != VX_OK)
        goto out;
    *items = r.items;
out:
    if (r.f) {
        fclose(r.f);
        unlink(tmp); /* nothing half-written stays behind */
    }
    EVP_MD_CTX_free(r.md);
    vx_buf_release(&r.buf);
    return rc;
}

/* Finish batch `b`: write its file, then commit done + cursor. */
static enum vx_status finish_batch(struct vx_store *st, const struct vx_regx_export_opts *o,
                                   const struct vx_regx_batch_rec *b,
                                   struct vx_regx_export_result *res, struct vx_err *err)
{
    int64_t items = 0;
    char sha[65] = "";
    enum vx_status rc = write_batch(st, o, b, &items, sha, err);
    if (rc != VX_OK)
        return rc;
    const struct vx_store_regx_ops *rx = st->ops->regx;
    if ((rc = vx_store_begin(st)) != VX_OK)
        return store_fail(st, rc, err);
    rc = rx->batch_done(st, b->id, items, sha, o->now);
    if (rc == VX_OK)
        rc = rx->cursor_advance(st, b->reg, b->last_seq, items, o->now);
    if (rc != VX_OK) {
        vx_err_set(err, rc, "%s", st->err);
        vx_store_rollback(st);
        return rc;
    }
    if ((rc = vx_store_commit(st)) != VX_OK)
        return store_fail(st, rc, err);
    res->items += items;
    res->sent += items;
    res->files++;
    snprintf(res->file, sizeof res->file, "%s", b->file);
    return VX_OK;
}

static enum vx_status export_files(struct vx_store *st, const struct vx_regx_export_opts *o,
                                   struct vx_regx_export_result *res, struct vx_err *err)
{
    const struct vx_store_regx_ops *rx = st->ops->regx;
    const char *reg = reg_codes[o->reg];
    if (!o->out_dir || !*o->out_dir)
        return vx_err_set(err, VX_EINVAL, "%s export needs an output folder", reg);
    if (o->day == 0)
        return vx_err_set(err, VX_EINVAL, "%s export needs the file's day", reg);
    struct vx_regx_batch_rec b;
    enum vx_status rc = rx->batch_pending(st, reg, &b);
    if (rc == VX_OK)
        return finish_batch(st, o, &b, res, err); /* a crash left it: redo it first */
    if (rc != VX_ENOTFOUND)
        return store_fail(st, rc, err);
    /* a new batch: (cursor, newest], prepared (with its file name) before it is written */
    if ((rc = vx_store_begin(st)) != VX_OK)
        return store_fail(st, rc, err);
    struct vx_regx_cursor_rec cur;
    int64_t last = 0;
    int day_no = 0;
    if ((rc = rx->sync(st, NULL)) != VX_OK || (rc = rx->cursor_get(st, reg, &cur)) != VX_OK ||
        (rc = rx->last_seq(st, &last)) != VX_OK ||
        (rc = rx->batch_next_day_no(st, reg, o->day, &day_no)) != VX_OK) {
        vx_err_set(err, rc, "%s", st->err);
        vx_store_rollback(st);
        return rc;
    }
    if (o->max_items > 0 && last - cur.last_seq > o->max_items)
        last = cur.last_seq + o->max_items;
    if (last <= cur.last_seq) {
        vx_store_rollback(st);
        return VX_OK; /* nothing new */
    }
    memset(&b, 0, sizeof b);
    snprintf(b.reg, sizeof b.reg, "%s", reg);
    b.first_seq = cur.last_seq + 1;
    b.last_seq = last;
    b.day = o->day;
    b.day_no = day_no;
    b.created_at = o->now;
    if (o->reg == VX_REGX_NVR)
        vx_nvr_file_name(o->day, day_no, b.file, sizeof b.file);
    else
        vx_fhir_file_name(o->day, day_no, b.file, sizeof b.file);
    rc = rx->batch_prepare(st, &b, &b.id);
    if (rc != VX_OK) {
        vx_err_set(err, rc, "%s", st->err);
        vx_store_rollback(st);
        return rc;
    }
    if ((rc = vx_store_commit(st)) != VX_OK)
        return store_fail(st, rc, err);
    return finish_batch(st, o, &b, res, err);
}

/* ================================================================== HL7 */

enum outcome { OUT_SENT, OUT_DUP, OUT_RETRY, OUT_REJECT, OUT_DOWN };

/* What the ACK `text` says about the message `ctrl`; `why` gets a short reason. */
static enum outcome classify(const char *text, size_t len, const char *ctrl, char *why, size_t wlen)
{
    struct vx_arena a;
    vx_arena_init(&a, 1u << 20);
    struct vx_ack ack;
    struct vx_err e = {0};
    enum outcome out;
    if (vx_ack_parse(text, len, &a, &ack, &e) != VX_OK) {
        snprintf(why, wlen, "unreadable ACK: %.200s", e.msg);
        out = OUT_RETRY;
        goto done;
    }
    if (strcmp(ack.control_id ? ack.control_id : "", ctrl) != 0) {
        snprintf(why, wlen, "ACK for another message (MSA-2 %.60s)",
                 ack.control_id ? ack.control_id : "");
        out = OUT_RETRY;
        goto done;
    }
    static const char *const names[] = {"?", "AA", "AE", "AR", "CA", "CE", "CR"};
    const char *code = (unsigned)ack.code < VX_ARRAY_LEN(names) ? names[ack.code] : "?";
    bool dup = false, data_error = false;
    for (size_t i = 0; i < ack.nerr; i++) {
        long k = ack.err[i].code ? strtol(ack.err[i].code, NULL, 10) : 0;
        dup |= k == 205;
        data_error |= k >= 100 && k <= 205;
    }
    const struct vx_ack_error *e0 = ack.nerr ? &ack.err[0] : NULL;
    snprintf(why, wlen, "%s%s%s %s%s%s", code, e0 ? " " : "",
             e0 && e0->location ? e0->location : "", e0 && e0->code ? e0->code : "",
             e0 && e0->message && *e0->message ? ": " : "",
             e0 && e0->message ? e0->message : (ack.text ? ack.text : ""));
    if (ack.accepted)
        out = OUT_SENT;
    else if (dup)
        out = OUT_DUP;
    else if (ack.retry && !data_error)
        out = OUT_RETRY;
    else
        out = OUT_REJECT;
done:
    vx_arena_release(&a);
    return out;
}

/* Send change `c`; returns the outcome with `why` filled for anything but SENT. */
static enum outcome send_change(const struct vx_regx_export_opts *o,
                                const struct vx_regx_change_rec *c, char *why, size_t wlen)
{
    struct vx_buf msg, ack;
    vx_buf_init(&msg, VX_HL7_MAX_BYTES);
    vx_buf_init(&ack, VX_HL7_MAX_BYTES);
    struct vx_err e = {0};
    char ctrl[48];
    vx_regx_control_id(c, ctrl, sizeof ctrl);
    enum outcome out;
    why[0] = '\0';
    if (vx_regx_vxu(c, o->now, &msg, &e) != VX_OK) {
        snprintf(why, wlen, "cannot build the VXU: %.200s", e.msg);
        out = OUT_REJECT; /* the content cannot be expressed: same as a refusal */
    } else if (o->transport->send(o->transport->ctx, ctrl, msg.data, msg.len, &ack, &e) != VX_OK) {
        snprintf(why, wlen, "transport: %.200s", e.msg[0] ? e.msg : "send failed");
        out = OUT_DOWN;
    } else {
        out = classify(ack.data ? ack.data : "", ack.len, ctrl, why, wlen);
    }
    vx_buf_release(&msg);
    vx_buf_release(&ack);
    return out;
}

/* The retry row that outcome `out` of (seq, dose) leads to after `attempts` sends. */
static void retry_row(const struct vx_regx_export_opts *o, const struct vx_regx_policy *p,
                      int64_t seq, int64_t dose, int attempts, enum outcome out, const char *why,
                      struct vx_regx_retry_rec *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->reg, sizeof r->reg, "hl7");
    r->seq = seq;
    r->dose_id = dose;
    r->attempts = attempts;
    r->updated_at = o->now;
    snprintf(r->last_error, sizeof r->last_error, "%s", why);
    if (out == OUT_REJECT) {
        r->state = VX_REGX_REJECTED;
        r->next_attempt_at = o->now;
    } else if (attempts >= p->max_attempts) {
        r->state = VX_REGX_FAILED;
        r->next_attempt_at = o->now;
    } else {
        r->state = VX_REGX_RETRY;
        r->next_attempt_at = o->now + vx_regx_backoff(p, attempts);
    }
}

static void count_outcome(struct vx_regx_export_result *res, const struct vx_regx_retry_rec *r,
                          enum outcome out)
{
    if (out == OUT_SENT || out == OUT_DUP) {
        res->sent++;
        res->duplicates += out == OUT_DUP;
    } else if (r->state == VX_REGX_REJECTED) {
        res->rejected++;
    } else if (r->state == VX_REGX_FAILED) {
        res->failed++;
    } else {
        res->deferred++;
    }
}

/* Step 1: the due retries, each outcome committed at once (they are few). */
static enum vx_status hl7_retries(struct vx_store *st, const struct vx_regx_export_opts *o,
                                  const struct vx_regx_policy *p, struct vx_regx_export_result *res,
                                  bool *down, struct vx_err *err)
{
    const struct vx_store_regx_ops *rx = st->ops->regx;
    struct vx_regx_retry_rec *due = calloc(RX_MAX_DUE, sizeof *due);
    if (!due)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    int n = 0;
    enum vx_status rc = rx->retry_due(st, "hl7", o->now, due, RX_MAX_DUE, &n);
    if (rc != VX_OK) {
        free(due);
        return store_fail(st, rc, err);
    }
    if (n > RX_MAX_DUE)
        n = RX_MAX_DUE;
    for (int i = 0; i < n && !*down; i++) {
        struct vx_regx_retry_rec blk, row;
        bool blocked = false;
        if ((rc = rx->retry_blocker(st, "hl7", due[i].dose_id, due[i].seq, &blk, &blocked)) !=
            VX_OK)
            break;
        enum outcome out;
        if (blocked) { /* an earlier version still failing: wait behind it */
            row = due[i];
            row.next_attempt_at = blk.next_attempt_at > o->now ? blk.next_attempt_at : o->now + 1;
            row.updated_at = o->now;
            rc = rx->retry_put(st, &row);
            if (rc != VX_OK)
                break;
            continue;
        }
        struct vx_regx_change_rec c;
        if ((rc = rx->change_get(st, due[i].seq, &c)) != VX_OK)
            break;
        char why[256];
        out = send_change(o, &c, why, sizeof why);
        res->retried++;
        *down = out == OUT_DOWN;
        if ((rc = vx_store_begin(st)) != VX_OK)
            break;
        if (out == OUT_SENT || out == OUT_DUP) {
            rc = rx->retry_delete(st, "hl7", due[i].seq);
            if (rc == VX_OK) {
                struct vx_regx_cursor_rec cur;
                rc = rx->cursor_get(st, "hl7", &cur);
                if (rc == VX_OK)
                    rc = rx->cursor_advance(st, "hl7", cur.last_seq, 1, o->now);
            }
        } else {
            retry_row(o, p, due[i].seq, due[i].dose_id, due[i].attempts + 1, out, why, &row);
            rc = rx->retry_put(st, &row);
        }
        if (rc != VX_OK) {
            vx_store_rollback(st);
            break;
        }
        if ((rc = vx_store_commit(st)) != VX_OK)
            break;
        count_outcome(res, &row, out);
    }
    free(due);
    return rc == VX_OK ? VX_OK : store_fail(st, rc, err);
}

struct chunk {
    struct vx_regx_change_rec *c;
    int n, cap;
};

static int chunk_add(void *ctx, const struct vx_regx_change_rec *c)
{
    struct chunk *k = ctx;
    k->c[k->n++] = *c;
    return k->n >= k->cap;
}

/* Step 2: new changes after the cursor, chunk by chunk. */
static enum vx_status hl7_new(struct vx_store *st, const struct vx_regx_export_opts *o,
                              const struct vx_regx_policy *p, struct vx_regx_export_result *res,
                              bool *down, struct vx_err *err)
{
    const struct vx_store_regx_ops *rx = st->ops->regx;
    struct chunk k = {.cap = p->chunk};
    k.c = calloc((size_t)k.cap, sizeof *k.c);
    struct vx_regx_retry_rec *rows = calloc((size_t)k.cap, sizeof *rows);
    enum outcome *outs = calloc((size_t)k.cap, sizeof *outs);
    enum vx_status rc = VX_OK;
    if (!k.c || !rows || !outs) {
        rc = vx_err_set(err, VX_ENOMEM, "out of memory");
        goto out;
    }
    struct vx_regx_cursor_rec cur;
    int64_t last = 0;
    if ((rc = sync_log(st, err)) != VX_OK)
        goto out;
    if ((rc = rx->cursor_get(st, "hl7", &cur)) != VX_OK ||
        (rc = rx->last_seq(st, &last)) != VX_OK) {
        rc = store_fail(st, rc, err);
        goto out;
    }
    if (o->max_items > 0 && last - cur.last_seq > o->max_items)
        last = cur.last_seq + o->max_items;
    int64_t pos = cur.last_seq;
    while (pos < last && !*down) {
        k.n = 0;
        if ((rc = rx->change_foreach(st, pos, last, chunk_add, &k)) != VX_OK) {
            rc = store_fail(st, rc, err);
            goto out;
        }
        if (k.n == 0)
            break;
        int done = 0;
        for (; done < k.n && !*down; done++) {
            const struct vx_regx_change_rec *c = &k.c[done];
            struct vx_regx_retry_rec blk;
            bool blocked = false;
            /* an earlier change of this dose deferred in this chunk, or in the table */
            for (int j = 0; j < done && !blocked; j++)
                if (k.c[j].dose.id == c->dose.id && outs[j] != OUT_SENT && outs[j] != OUT_DUP &&
                    rows[j].state == VX_REGX_RETRY) {
                    blocked = true;
                    blk = rows[j];
                }
            if (!blocked &&
                (rc = rx->retry_blocker(st, "hl7", c->dose.id, c->seq, &blk, &blocked)) != VX_OK) {
                rc = store_fail(st, rc, err);
                goto out;
            }
            if (blocked) {
                retry_row(o, p, c->seq, c->dose.id, 0, OUT_RETRY, "waiting for an earlier version",
                          &rows[done]);
                rows[done].next_attempt_at = blk.next_attempt_at;
                outs[done] = OUT_RETRY;
                continue;
            }
            char why[256];
            outs[done] = send_change(o, c, why, sizeof why);
            *down = outs[done] == OUT_DOWN;
            if (outs[done] != OUT_SENT && outs[done] != OUT_DUP)
                retry_row(o, p, c->seq, c->dose.id, 1, outs[done], why, &rows[done]);
        }
        /* commit the outcomes of changes [0, done) and move the cursor past them */
        int64_t sent = 0;
        if ((rc = vx_store_begin(st)) != VX_OK) {
            rc = store_fail(st, rc, err);
            goto out;
        }
        for (int j = 0; j < done && rc == VX_OK; j++) {
            if (outs[j] == OUT_SENT || outs[j] == OUT_DUP)
                sent++;
            else
                rc = rx->retry_put(st, &rows[j]);
        }
        if (rc == VX_OK)
            rc = rx->cursor_advance(st, "hl7", k.c[done - 1].seq, sent, o->now);
        if (rc != VX_OK) {
            vx_err_set(err, rc, "%s", st->err);
            vx_store_rollback(st);
            goto out;
        }
        if ((rc = vx_store_commit(st)) != VX_OK) {
            rc = store_fail(st, rc, err);
            goto out;
        }
        for (int j = 0; j < done; j++) {
            res->items++;
            count_outcome(res, &rows[j], outs[j]);
        }
        pos = k.c[done - 1].seq;
    }
out:
    free(k.c);
    free(rows);
    free(outs);
    return rc;
}

static enum vx_status export_hl7(struct vx_store *st, const struct vx_regx_export_opts *o,
                                 struct vx_regx_export_result *res, struct vx_err *err)
{
    if (!o->transport || !o->transport->send)
        return vx_err_set(err, VX_EINVAL, "hl7 export needs a transport");
    struct vx_regx_policy p = policy_of(&o->policy);
    bool down = false;
    enum vx_status rc = hl7_retries(st, o, &p, res, &down, err);
    if (rc == VX_OK && !down)
        rc = hl7_new(st, o, &p, res, &down, err);
    return rc;
}

enum vx_status vx_regx_export(struct vx_store *st, const struct vx_regx_export_opts *o,
                              struct vx_regx_export_result *res, struct vx_err *err)
{
    memset(res, 0, sizeof *res);
    if (!st || !o || (unsigned)o->reg >= VX_REGX_COUNT)
        return vx_err_set(err, VX_EINVAL, "unknown register");
    if (!st->ops->regx || !st->ops->regx->change_foreach || !st->ops->regx->sync)
        return vx_err_set(err, VX_EINTERNAL, "this store has no register outbox");
    return o->reg == VX_REGX_HL7 ? export_hl7(st, o, res, err) : export_files(st, o, res, err);
}
