/*
 * walbuf.c — a SQLite VFS that gathers the writes of the write-ahead log into
 * one write per commit.
 *
 * Why. SQLite writes each WAL frame as two calls: its 24-byte header, then the
 * page (walWriteOneFrame). A frame is 24 + 4096 bytes, so every page lands across
 * two pages of the kernel's page cache, and a booking batch of ~100 frames cost
 * the writer ~200 pwrite calls, each walking the file system's buffered-write path
 * for two cache pages. That was a third of the booking writer's time
 * (docs/benchmarks.md). Gathered, a commit is one pwrite of whole, contiguous
 * cache pages.
 *
 * How. "vx-walbuf" wraps the default VFS. Every file but a WAL passes straight
 * through (same methods, same locks: the inner VFS keeps its per-inode lock
 * state, so connections on the default VFS share the database normally). For a
 * WAL, xWrite appends to a buffer while the writes are contiguous, and the buffer
 * goes to the file (one pwrite) as soon as it holds a commit frame — one whose
 * header carries the database size, as the WAL format defines
 * (https://sqlite.org/fileformat2.html#walformat) — and therefore before SQLite
 * publishes the commit in the shared WAL index, where other connections (the HTTP
 * threads' readers, another process's checkpoint) look for new frames. So nobody
 * can see a frame that is not in the file. The buffer is also written out before
 * a write elsewhere in the file, a read of a buffered range, and before xSync,
 * xTruncate, xFileSize, xFileControl and xClose. Durability is unchanged: what a
 * commit wrote is in the file when the commit returns, as before, and forced to
 * disk by the same syncs (PRAGMA synchronous, or the booking engine's sync thread).
 * A write error surfaces in the call that wrote the buffer out: for a commit, the
 * commit fails and SQLite rolls back.
 *
 * The frame size comes from the WAL header (page size, offset 8); until a header
 * has been seen or read, and for any write this file does not understand, the
 * buffer is written out first and the write goes through unchanged.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite_int.h"

#define WB_NAME     "vx-walbuf"
#define WB_CAP      (4 << 20)  /* bytes gathered at most before a write-out */
#define WB_CHUNK    (64 << 10) /* bytes per write call */
#define WB_PAGE     4096       /* a page of the kernel's cache */
#define WAL_HDR     32         /* WAL header */
#define WAL_FRM_HDR 24         /* frame header */

struct wb_file {
    sqlite3_file base;  /* pMethods: wb_methods (a WAL) or pass_v* (any other file) */
    sqlite3_file *real; /* the inner VFS's file, allocated right after this struct */
    bool wal;
    char *buf;          /* WB_CAP bytes once a WAL is written to */
    sqlite3_int64 off;  /* file offset of buf[0] */
    int len;            /* bytes in buf */
    int frame;          /* WAL_FRM_HDR + page size; 0 until known */
    sqlite3_int64 scan; /* file offset of the next frame header to look at */
};

static sqlite3_vfs wb_vfs;
static sqlite3_vfs *inner;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Write the first n bytes of the buffer to the file, in pieces of at most WB_CHUNK
 * bytes that end on a page of the kernel's cache (the unix VFS writes at most
 * 128 KiB per call), and keep the rest at the front of the buffer. */
static int wb_write_out(struct wb_file *f, int n)
{
    int rc = SQLITE_OK, done = 0;
    while (rc == SQLITE_OK && done < n) {
        sqlite3_int64 at = f->off + done;
        sqlite3_int64 end = (at + WB_CHUNK) / WB_PAGE * WB_PAGE;
        int k = end - at < n - done ? (int)(end - at) : n - done;
        rc = f->real->pMethods->xWrite(f->real, f->buf + done, k, at);
        done += k;
    }
    memmove(f->buf, f->buf + n, (size_t)(f->len - n));
    f->off += n;
    f->len -= n;
    return rc;
}

static int wb_flush(struct wb_file *f)
{
    return f->len ? wb_write_out(f, f->len) : SQLITE_OK;
}

/* The frame size from a WAL header (32 bytes); 0 if it does not look like one. */
static int frame_of_header(const unsigned char *h)
{
    uint32_t magic = be32(h), page = be32(h + 8);
    if ((magic & 0xfffffffe) != 0x377f0682)
        return 0;
    if (page == 1)
        page = 65536; /* the format's encoding of 64 KiB */
    if (page < 512 || page > 65536 || (page & (page - 1)))
        return 0;
    return WAL_FRM_HDR + (int)page;
}

/* Learn the frame size from the header in the file (a WAL that existed before). */
static void learn_frame(struct wb_file *f)
{
    unsigned char h[WAL_HDR];
    if (f->real->pMethods->xRead(f->real, h, WAL_HDR, 0) == SQLITE_OK)
        f->frame = frame_of_header(h);
}

/* First frame boundary at or after `at`. */
static sqlite3_int64 frame_at_or_after(const struct wb_file *f, sqlite3_int64 at)
{
    if (at <= WAL_HDR)
        return WAL_HDR;
    sqlite3_int64 k = (at - WAL_HDR + f->frame - 1) / f->frame;
    return WAL_HDR + k * f->frame;
}

/* Write the buffer out if it now holds the whole of a commit frame. */
static int wb_commit_check(struct wb_file *f)
{
    if (f->scan < f->off)
        f->scan = frame_at_or_after(f, f->off); /* earlier frames went straight out */
    while (f->len > 0 && f->scan + f->frame <= f->off + f->len) {
        const unsigned char *h = (const unsigned char *)f->buf + (f->scan - f->off);
        f->scan += f->frame;
        if (be32(h + 4) != 0) /* "size of the database after the commit": a commit */
            return wb_flush(f);
    }
    return SQLITE_OK;
}

static int wb_write(sqlite3_file *pf, const void *data, int amt, sqlite3_int64 at)
{
    struct wb_file *f = (struct wb_file *)pf;
    int rc;
    if (at == 0 && amt >= WAL_HDR) /* a new log (created or restarted) */
        f->frame = frame_of_header(data);
    else if (f->frame == 0 && (rc = wb_flush(f)) == SQLITE_OK)
        learn_frame(f);
    if (f->frame == 0 || (!f->buf && !(f->buf = malloc(WB_CAP)))) {
        rc = wb_flush(f);
        return rc == SQLITE_OK ? f->real->pMethods->xWrite(f->real, data, amt, at) : rc;
    }
    if (at < f->scan) /* a frame written again (rollback, re-write): look at it again */
        f->scan = frame_at_or_after(f, at) - (at > WAL_HDR ? f->frame : 0);
    if (f->scan < WAL_HDR)
        f->scan = WAL_HDR;
    sqlite3_int64 end = f->off + f->len;
    if (f->len > 0 && at >= f->off && at + amt <= end) {
        memcpy(f->buf + (at - f->off), data, (size_t)amt); /* inside the buffer */
    } else if (f->len > 0 && at == end && amt <= WB_CAP / 2) {
        /* appended; when full, out with all but the frame being written, so that a
         * frame's header always stays with its page (wb_commit_check reads it) */
        if (f->len + amt > WB_CAP) {
            sqlite3_int64 keep = frame_at_or_after(f, end);
            if (keep > end)
                keep -= f->frame;
            if ((rc = wb_write_out(f, keep > f->off ? (int)(keep - f->off) : f->len)) != 0)
                return rc;
        }
        memcpy(f->buf + f->len, data, (size_t)amt);
        f->len += amt;
    } else {
        if ((rc = wb_flush(f)) != SQLITE_OK)
            return rc;
        if (amt > WB_CAP)
            return f->real->pMethods->xWrite(f->real, data, amt, at);
        memcpy(f->buf, data, (size_t)amt);
        f->off = at;
        f->len = amt;
    }
    return wb_commit_check(f);
}

static int wb_read(sqlite3_file *pf, void *data, int amt, sqlite3_int64 at)
{
    struct wb_file *f = (struct wb_file *)pf;
    if (f->len > 0 && at < f->off + f->len && at + amt > f->off) {
        int rc = wb_flush(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    return f->real->pMethods->xRead(f->real, data, amt, at);
}

static int wb_close(sqlite3_file *pf)
{
    struct wb_file *f = (struct wb_file *)pf;
    int rc = f->wal ? wb_flush(f) : SQLITE_OK;
    int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    struct wb_file *f = (struct wb_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wb_sync(sqlite3_file *pf, int flags)
{
    struct wb_file *f = (struct wb_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wb_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    struct wb_file *f = (struct wb_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wb_lock(sqlite3_file *pf, int lock)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xLock(f->real, lock);
}

static int wb_unlock(sqlite3_file *pf, int lock)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xUnlock(f->real, lock);
}

static int wb_check_reserved(sqlite3_file *pf, int *out)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int wb_file_control(sqlite3_file *pf, int op, void *arg)
{
    struct wb_file *f = (struct wb_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int wb_sector_size(sqlite3_file *pf)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xSectorSize(f->real);
}

static int wb_device_characteristics(sqlite3_file *pf)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* A WAL has no shared memory or memory map of its own (those are the database
 * file's): version 1 methods. */
static const sqlite3_io_methods wb_methods = {
    .iVersion = 1,
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_file_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_check_reserved,
    .xFileControl = wb_file_control,
    .xSectorSize = wb_sector_size,
    .xDeviceCharacteristics = wb_device_characteristics,
};

/* ---- other files: every call forwarded to the inner file ---- */

static int pass_close(sqlite3_file *pf)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xClose(f->real);
}

static int pass_read(sqlite3_file *pf, void *data, int amt, sqlite3_int64 at)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xRead(f->real, data, amt, at);
}

static int pass_write(sqlite3_file *pf, const void *data, int amt, sqlite3_int64 at)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xWrite(f->real, data, amt, at);
}

static int pass_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int pass_sync(sqlite3_file *pf, int flags)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xSync(f->real, flags);
}

static int pass_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int pass_file_control(sqlite3_file *pf, int op, void *arg)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int pass_shm_map(sqlite3_file *pf, int region, int size, int extend, void volatile **out)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

static int pass_shm_lock(sqlite3_file *pf, int offset, int n, int flags)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void pass_shm_barrier(sqlite3_file *pf)
{
    struct wb_file *f = (struct wb_file *)pf;
    f->real->pMethods->xShmBarrier(f->real);
}

static int pass_shm_unmap(sqlite3_file *pf, int del)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xShmUnmap(f->real, del);
}

static int pass_fetch(sqlite3_file *pf, sqlite3_int64 at, int amt, void **out)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xFetch(f->real, at, amt, out);
}

static int pass_unfetch(sqlite3_file *pf, sqlite3_int64 at, void *p)
{
    struct wb_file *f = (struct wb_file *)pf;
    return f->real->pMethods->xUnfetch(f->real, at, p);
}

#define PASS_V1                                                                                    \
    .xClose = pass_close, .xRead = pass_read, .xWrite = pass_write, .xTruncate = pass_truncate,    \
    .xSync = pass_sync, .xFileSize = pass_file_size, .xLock = wb_lock, .xUnlock = wb_unlock,       \
    .xCheckReservedLock = wb_check_reserved, .xFileControl = pass_file_control,                    \
    .xSectorSize = wb_sector_size, .xDeviceCharacteristics = wb_device_characteristics

static const sqlite3_io_methods pass_v1 = {.iVersion = 1, PASS_V1};
static const sqlite3_io_methods pass_v2 = {
    .iVersion = 2,
    PASS_V1,
    .xShmMap = pass_shm_map,
    .xShmLock = pass_shm_lock,
    .xShmBarrier = pass_shm_barrier,
    .xShmUnmap = pass_shm_unmap,
};
static const sqlite3_io_methods pass_v3 = {
    .iVersion = 3,
    PASS_V1,
    .xShmMap = pass_shm_map,
    .xShmLock = pass_shm_lock,
    .xShmBarrier = pass_shm_barrier,
    .xShmUnmap = pass_shm_unmap,
    .xFetch = pass_fetch,
    .xUnfetch = pass_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags, int *out_flags)
{
    (void)vfs;
    struct wb_file *f = (struct wb_file *)pf;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = inner->xOpen(inner, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || !f->real->pMethods)
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN; /* pMethods NULL: nothing to close */
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    int v = f->real->pMethods->iVersion;
    f->base.pMethods = f->wal ? &wb_methods : v >= 3 ? &pass_v3 : v == 2 ? &pass_v2 : &pass_v1;
    return SQLITE_OK;
}

static int wb_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return inner->xDelete(inner, name, sync_dir);
}

static int wb_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return inner->xAccess(inner, name, flags, out);
}

static int wb_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return inner->xFullPathname(inner, name, n, out);
}

static void *wb_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return inner->xDlOpen(inner, name);
}

static void wb_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    inner->xDlError(inner, n, msg);
}

static void (*wb_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return inner->xDlSym(inner, h, sym);
}

static void wb_dlclose(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    inner->xDlClose(inner, h);
}

static int wb_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return inner->xRandomness(inner, n, out);
}

static int wb_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return inner->xSleep(inner, us);
}

static int wb_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return inner->xCurrentTime(inner, out);
}

static int wb_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return inner->xGetLastError ? inner->xGetLastError(inner, n, out) : 0;
}

static int wb_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return inner->xCurrentTimeInt64(inner, out);
}

static int register_rc = SQLITE_ERROR;

static void wb_register(void)
{
    inner = sqlite3_vfs_find(NULL);
    if (!inner || inner->iVersion < 2 || !inner->xCurrentTimeInt64)
        return;
    wb_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct wb_file) + inner->szOsFile,
        .mxPathname = inner->mxPathname,
        .zName = WB_NAME,
        .xOpen = wb_open,
        .xDelete = wb_delete,
        .xAccess = wb_access,
        .xFullPathname = wb_full_pathname,
        .xDlOpen = wb_dlopen,
        .xDlError = wb_dlerror,
        .xDlSym = wb_dlsym,
        .xDlClose = wb_dlclose,
        .xRandomness = wb_randomness,
        .xSleep = wb_sleep,
        .xCurrentTime = wb_current_time,
        .xGetLastError = wb_last_error,
        .xCurrentTimeInt64 = wb_current_time_int64,
    };
    register_rc = sqlite3_vfs_register(&wb_vfs, 0);
}

const char *sq_walbuf_vfs(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, wb_register);
    return register_rc == SQLITE_OK ? WB_NAME : NULL;
}
