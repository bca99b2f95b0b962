/*
 * util.c — helpers shared by the command handlers: option access, paths, the clock,
 * error printing and the terminal progress bar.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli_int.h"
#include "vx/store_stats.h"

static int opt_index(const struct cli_ctx *ctx, const char *name)
{
    for (int i = 0; i < CLI_MAX_OPTS && ctx->cmd->opts[i].name; i++)
        if (!strcmp(ctx->cmd->opts[i].name, name))
            return i;
    return -1;
}

const char *cli_get(const struct cli_ctx *ctx, const char *name)
{
    int i = opt_index(ctx, name);
    return i < 0 ? NULL : ctx->values[i];
}

bool cli_flag(const struct cli_ctx *ctx, const char *name)
{
    return cli_get(ctx, name) != NULL;
}

void cli_error(struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(ctx->err, "vaxchain %s: ", ctx->cmd->words);
    vfprintf(ctx->err, fmt, ap);
    fputc('\n', ctx->err);
    va_end(ap);
}

bool cli_get_day(struct cli_ctx *ctx, const char *name, vx_day def, vx_day *out)
{
    const char *v = cli_get(ctx, name);
    if (!v) {
        *out = def;
        return true;
    }
    if (vx_day_parse(v, out) != VX_OK) {
        cli_error(ctx, "--%s: '%s' is not a date (YYYY-MM-DD)", name, v);
        return false;
    }
    return true;
}

bool cli_get_long(struct cli_ctx *ctx, const char *name, long def, long lo, long hi, long *out)
{
    const char *v = cli_get(ctx, name);
    if (!v) {
        *out = def;
        return true;
    }
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        cli_error(ctx, "--%s: '%s' is not an integer in %ld..%ld", name, v, lo, hi);
        return false;
    }
    *out = x;
    return true;
}

bool cli_get_double(struct cli_ctx *ctx, const char *name, double def, double lo, double hi,
                    double *out)
{
    const char *v = cli_get(ctx, name);
    if (!v) {
        *out = def;
        return true;
    }
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo && x <= hi)) {
        cli_error(ctx, "--%s: '%s' is not a number in %g..%g", name, v, lo, hi);
        return false;
    }
    *out = x;
    return true;
}

const char *cli_db_path(const struct cli_ctx *ctx)
{
    const char *v = cli_get(ctx, "db");
    if (v)
        return v;
    v = getenv("VAXCHAIN_DB");
    return v && *v ? v : "vaxchain.db";
}

const char *cli_data_dir(const struct cli_ctx *ctx)
{
    const char *v = cli_get(ctx, "data-dir");
    if (v)
        return v;
    v = getenv("VAXCHAIN_DATA_DIR");
    return v && *v ? v : VX_DATA_DIR;
}

const char *cli_shared_dir(const struct cli_ctx *ctx)
{
    const char *v = getenv("VAXCHAIN_SHARED_DATA");
    return v && *v ? v : VX_SHARED_DATA_DIR;
}

vx_day cli_today(void)
{
    vx_day d;
    int minute;
    vx_stockholm_local((vx_time)time(NULL), &d, &minute);
    return d;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cli_progress_start(struct cli_progress *p, struct cli_ctx *ctx, const char *label,
                        long long total)
{
    p->ctx = ctx;
    p->label = label;
    p->total = total;
    p->last_shown = -1;
    p->started = now_seconds();
}

static void progress_draw(struct cli_progress *p, long long done)
{
    const int width = 30;
    double frac = p->total > 0 ? (double)done / (double)p->total : 0;
    if (frac > 1)
        frac = 1;
    int fill = (int)(frac * width);
    double el = now_seconds() - p->started;
    fprintf(p->ctx->err, "\r%-10s [", p->label);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', p->ctx->err);
    fprintf(p->ctx->err, "] %3d%% %lld/%lld %.0f/s ", (int)(frac * 100), done, p->total,
            el > 0 ? done / el : 0.0);
    fflush(p->ctx->err);
}

void cli_progress_update(struct cli_progress *p, long long done)
{
    if (!p->ctx || !p->ctx->tty || cli_flag(p->ctx, "quiet"))
        return;
    long long step = p->total > 200 ? p->total / 200 : 1;
    if (p->last_shown >= 0 && done - p->last_shown < step)
        return;
    p->last_shown = done;
    progress_draw(p, done);
}

void cli_progress_done(struct cli_progress *p, long long done)
{
    if (!p->ctx || !p->ctx->tty || cli_flag(p->ctx, "quiet"))
        return;
    progress_draw(p, done);
    fputc('\n', p->ctx->err);
}

enum vx_status cli_read_file(const char *path, char **out, size_t *len, size_t max)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? VX_ENOTFOUND : VX_EIO;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || (size_t)sb.st_size > max) {
        fclose(f);
        return VX_ENOMEM;
    }
    char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        fclose(f);
        return VX_ENOMEM;
    }
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return VX_EIO;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return VX_OK;
}

void cli_print_padded(FILE *f, const char *s, int width)
{
    int cols = 0;
    const char *p = s;
    while (*p && cols < width) {
        const char *start = p++;
        while ((*p & 0xC0) == 0x80) /* continuation bytes of the same character */
            p++;
        fwrite(start, 1, (size_t)(p - start), f);
        cols++;
    }
    for (; cols < width; cols++)
        fputc(' ', f);
}

bool cli_stats_refresh(struct cli_ctx *ctx, struct vx_store *st)
{
    int64_t n = 0;
    if (st->ops->stats->refresh_population(st, cli_today(), &n) != VX_OK) {
        cli_error(ctx, "statistics population (statistikens befolkning): %s", st->err);
        return false;
    }
    return true;
}
