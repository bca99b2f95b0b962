/*
 * cvrs_expect.c — reading the CDC validator's expected results and comparing them.
 *
 * The shared samples come with the upstream validator's report lines per message
 * (errors/<name>.expected.txt: a fixed-width table whose header names the columns)
 * and a summary cell per message in index.csv ("ERROR:admin_name:REQD001; ...").
 * Agreement means the same multiset of (level, CVRS field, error code); messages and
 * their wording are not compared (they quote values that the report truncates).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "register_int.h"

static enum vx_status push(struct vx_arena *a, struct vx_cvrs_expected *out, size_t *cap,
                           const char *lvl, size_t ll, const char *field, size_t fl,
                           const char *code, size_t cl, struct vx_err *err)
{
    if (out->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct vx_cvrs_expected_issue *ni = vx_arena_alloc(a, ncap * sizeof *ni);
        if (!ni)
            return vx_err_set(err, VX_ENOMEM, "out of memory");
        if (out->n)
            memcpy(ni, out->issue, out->n * sizeof *ni);
        out->issue = ni;
        *cap = ncap;
    }
    struct vx_cvrs_expected_issue *is = &out->issue[out->n];
    if (ll == 5 && strncmp(lvl, "ERROR", 5) == 0)
        is->level = VX_CVRS_ERROR;
    else if (ll == 4 && strncmp(lvl, "WARN", 4) == 0)
        is->level = VX_CVRS_WARN;
    else
        return vx_err_set(err, VX_EPARSE, "unknown level '%.*s'", (int)ll, lvl);
    if (fl == 0 || cl == 0 || cl >= sizeof is->code)
        return vx_err_set(err, VX_EPARSE, "missing field name or error code");
    is->field = vx_arena_strndup(a, field, fl);
    if (!is->field)
        return vx_err_set(err, VX_ENOMEM, "out of memory");
    memcpy(is->code, code, cl);
    is->code[cl] = '\0';
    out->n++;
    return VX_OK;
}

/* The whitespace-free token starting at or after column `col` of line[0..len). */
static const char *token_at(const char *line, size_t len, size_t col, size_t *tl)
{
    size_t i = col;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    size_t j = i;
    while (j < len && !isspace((unsigned char)line[j]))
        j++;
    *tl = j - i;
    return line + (i < len ? i : len);
}

static bool find_col(const char *hdr, size_t hl, const char *name, size_t *col)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl <= hl; i++)
        if (memcmp(hdr + i, name, nl) == 0 && (i == 0 || hdr[i - 1] == ' ') &&
            (i + nl == hl || hdr[i + nl] == ' ')) {
            *col = i;
            return true;
        }
    return false;
}

enum vx_status vx_cvrs_expected_parse_report(const char *text, size_t len, struct vx_arena *a,
                                             struct vx_cvrs_expected *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0, lineno = 0, cl = 0, cf = 0, ce = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        const char *line = text + i;
        size_t ll = j - i;
        while (ll && (line[ll - 1] == '\r' || line[ll - 1] == ' '))
            ll--;
        i = j + 1;
        lineno++;
        if (lineno == 1) {
            if (!find_col(line, ll, "Level", &cl) || !find_col(line, ll, "Field", &cf) ||
                !find_col(line, ll, "Error", &ce))
                return vx_err_set(err, VX_EPARSE,
                                  "line 1: header lacks the Level, Field and Error columns");
            continue;
        }
        if (ll == 0)
            continue;
        if (ll <= ce)
            return vx_err_set(err, VX_EPARSE, "line %zu: too short", lineno);
        size_t tl1, tl2, tl3;
        const char *lvl = token_at(line, ll, cl, &tl1);
        const char *fld = token_at(line, ll, cf, &tl2);
        const char *code = token_at(line, ll, ce, &tl3);
        enum vx_status st = push(a, out, &cap, lvl, tl1, fld, tl2, code, tl3, err);
        if (st != VX_OK) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err ? err->msg : "");
            return vx_err_set(err, st, "line %zu: %s", lineno, m);
        }
    }
    if (lineno == 0)
        return vx_err_set(err, VX_EPARSE, "empty report");
    return VX_OK;
}

enum vx_status vx_cvrs_expected_parse_list(const char *cell, struct vx_arena *a,
                                           struct vx_cvrs_expected *out, struct vx_err *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    const char *p = cell;
    while (*p) {
        while (*p == ' ' || *p == ';')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *c1 = memchr(p, ':', n);
        const char *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - p)) : NULL;
        if (!c2)
            return vx_err_set(err, VX_EPARSE, "issue '%.*s' is not LEVEL:field:CODE", (int)n, p);
        size_t cl = n - (size_t)(c2 + 1 - p);
        while (cl && p[n - 1] == ' ')
            cl--, n--;
        enum vx_status st =
            push(a, out, &cap, p, (size_t)(c1 - p), c1 + 1, (size_t)(c2 - c1 - 1), c2 + 1, cl, err);
        if (st != VX_OK)
            return st;
        p += n;
    }
    return VX_OK;
}

bool vx_cvrs_agrees(const struct vx_cvrs_result *res, const struct vx_cvrs_expected *exp)
{
    if (res->n != exp->n)
        return false;
    bool used[256] = {false};
    if (exp->n > VX_ARRAY_LEN(used))
        return false;
    for (size_t i = 0; i < res->n; i++) {
        const struct vx_cvrs_issue *is = &res->issue[i];
        bool found = false;
        for (size_t k = 0; k < exp->n && !found; k++) {
            const struct vx_cvrs_expected_issue *x = &exp->issue[k];
            if (!used[k] && x->level == is->level && strcmp(x->field, is->field) == 0 &&
                strcmp(x->code, is->code) == 0)
                used[k] = found = true;
        }
        if (!found)
            return false;
    }
    return true;
}
