/*
 * solve.c — the planner's optimisation problems, solved with GLPK (a real LP/MIP solver).
 *
 * Two models:
 *   - the perfect-information bound (LP): maximise dose 1 in the first weeks subject to
 *     cumulative stock per vaccine never below the doses used (dose 1 now plus dose 2
 *     `interval` weeks later), a shared weekly capacity and the number of people;
 *   - the regional -> site split (MIP): whole packages per site, booked demand first,
 *     capacity next, then as close as possible to a share of the rest proportional to spare
 *     capacity (absolute deviations linearised with two non-negative variables).
 *
 * GLPK keeps a per-thread-unsafe global environment; every solve here runs under one mutex
 * and frees that environment afterwards (glp_free_env), so the library leaks nothing and two
 * HTTP workers never use it at once. Terminal output is switched off.
 */
#include <glpk.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "vx/plan.h"

static pthread_mutex_t glpk_lock = PTHREAD_MUTEX_INITIALIZER;

/* Sparse matrix under construction (GLPK's 1-based triplets). */
struct triplets {
    int *ia, *ja;
    double *ar;
    int n, cap;
};

static bool trip_add(struct triplets *t, int row, int col, double v)
{
    if (t->n + 1 >= t->cap) {
        int cap = t->cap ? t->cap * 2 : 1024;
        int *ia = realloc(t->ia, (size_t)cap * sizeof *ia);
        if (ia == NULL)
            return false;
        t->ia = ia;
        int *ja = realloc(t->ja, (size_t)cap * sizeof *ja);
        if (ja == NULL)
            return false;
        t->ja = ja;
        double *ar = realloc(t->ar, (size_t)cap * sizeof *ar);
        if (ar == NULL)
            return false;
        t->ar = ar;
        t->cap = cap;
    }
    t->n++;
    t->ia[t->n] = row;
    t->ja[t->n] = col;
    t->ar[t->n] = v;
    return true;
}

static void trip_free(struct triplets *t)
{
    free(t->ia);
    free(t->ja);
    free(t->ar);
}

static void glpk_begin(void)
{
    pthread_mutex_lock(&glpk_lock);
    glp_term_out(GLP_OFF);
}

static void glpk_end(glp_prob *lp)
{
    if (lp)
        glp_delete_prob(lp);
    glp_free_env();
    pthread_mutex_unlock(&glpk_lock);
}

enum vx_status vx_plan_bound(size_t n_vac, const long long *const *supply, const int *interval,
                             const long long *cap, size_t n, long long demand, size_t first,
                             double *out, struct vx_err *err)
{
    *out = 0;
    if (n_vac == 0 || n_vac > VX_PLAN_MAX_VACCINES || n == 0 || n > VX_PLAN_MAX_WEEKS ||
        first > n || demand < 0)
        return vx_err_set(err, VX_EINVAL, "bound: bad sizes (vaccines %zu, weeks %zu, first %zu)",
                          n_vac, n, first);
    for (size_t v = 0; v < n_vac; v++)
        if (interval[v] < 1)
            return vx_err_set(err, VX_EINVAL, "bound: interval %d of vaccine %zu", interval[v], v);
    enum vx_status st = VX_OK;
    struct triplets t = {0};
    glpk_begin();
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MAX);
    int ncols = (int)(n_vac * n);
    glp_add_cols(lp, ncols);
    for (size_t v = 0; v < n_vac; v++)
        for (size_t k = 0; k < n; k++) {
            int c = (int)(v * n + k) + 1;
            glp_set_col_bnds(lp, c, GLP_LO, 0.0, 0.0);
            glp_set_obj_coef(lp, c, k < first ? (double)(first - k) : 1e-3);
        }
    int row = 0;
    for (size_t v = 0; v < n_vac; v++) {
        double cum = 0;
        for (size_t k = 0; k < n; k++) {
            cum += (double)supply[v][k];
            row = glp_add_rows(lp, 1);
            glp_set_row_bnds(lp, row, GLP_UP, 0.0, cum);
            for (size_t j = 0; j <= k; j++) {
                double coef = 1.0 + (j + (size_t)interval[v] <= k ? 1.0 : 0.0);
                if (!trip_add(&t, row, (int)(v * n + j) + 1, coef))
                    goto nomem;
            }
        }
        /* every dose 1 needs its dose 2 out of the total */
        row = glp_add_rows(lp, 1);
        glp_set_row_bnds(lp, row, GLP_UP, 0.0, cum);
        for (size_t j = 0; j < n; j++)
            if (!trip_add(&t, row, (int)(v * n + j) + 1, 2.0))
                goto nomem;
    }
    if (cap) {
        for (size_t k = 0; k < n; k++) {
            row = glp_add_rows(lp, 1);
            glp_set_row_bnds(lp, row, GLP_UP, 0.0, (double)cap[k]);
            for (size_t v = 0; v < n_vac; v++) {
                if (!trip_add(&t, row, (int)(v * n + k) + 1, 1.0))
                    goto nomem;
                if (k >= (size_t)interval[v] &&
                    !trip_add(&t, row, (int)(v * n + k - (size_t)interval[v]) + 1, 1.0))
                    goto nomem;
            }
        }
    }
    row = glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, row, GLP_UP, 0.0, (double)demand);
    for (int c = 1; c <= ncols; c++)
        if (!trip_add(&t, row, c, 1.0))
            goto nomem;
    glp_load_matrix(lp, t.n, t.ia, t.ja, t.ar);
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    int rc = glp_simplex(lp, &parm);
    if (rc != 0 || glp_get_status(lp) != GLP_OPT) {
        st = vx_err_set(err, VX_EINTERNAL, "bound: GLPK simplex failed (code %d, status %d)", rc,
                        glp_get_status(lp));
        goto out;
    }
    double sum = 0;
    for (size_t v = 0; v < n_vac; v++)
        for (size_t k = 0; k < first; k++)
            sum += glp_get_col_prim(lp, (int)(v * n + k) + 1);
    *out = sum;
    goto out;
nomem:
    st = vx_err_set(err, VX_ENOMEM, "bound: out of memory");
out:
    glpk_end(lp);
    trip_free(&t);
    return st;
}

enum vx_status vx_plan_site_split(long long doses, long long package, struct vx_site_need *sites,
                                  size_t n, struct vx_err *err)
{
    if (package < 1 || doses < 0 || doses % package != 0)
        return vx_err_set(err, VX_EINVAL,
                          "site split: %lld doses is not a whole number of "
                          "packages of %lld",
                          doses, package);
    if (n == 0 || n > 100000)
        return vx_err_set(err, VX_EINVAL, "site split: %zu sites", n);
    long long sum_b = 0, sum_spare = 0, sum_c = 0;
    for (size_t i = 0; i < n; i++) {
        if (sites[i].capacity < 0 || sites[i].booked < 0)
            return vx_err_set(err, VX_EINVAL, "site %lld: negative capacity or booked",
                              (long long)sites[i].site_id);
        sites[i].doses = 0;
        sum_b += sites[i].booked;
        sum_c += sites[i].capacity;
        if (sites[i].capacity > sites[i].booked)
            sum_spare += sites[i].capacity - sites[i].booked;
    }
    if (doses == 0)
        return VX_OK;
    long long P = doses / package;
    double *target = malloc(n * sizeof *target);
    if (target == NULL)
        return vx_err_set(err, VX_ENOMEM, "site split: out of memory");
    for (size_t i = 0; i < n; i++) {
        double b = (double)sites[i].booked;
        double spare = sites[i].capacity > sites[i].booked
                           ? (double)(sites[i].capacity - sites[i].booked)
                           : 0.0;
        if (doses <= sum_b)
            target[i] = sum_b > 0 ? (double)doses * b / (double)sum_b : 0.0;
        else if (sum_spare > 0)
            target[i] = b + (double)(doses - sum_b) * spare / (double)sum_spare;
        else if (sum_c > 0)
            target[i] = b + (double)(doses - sum_b) * (double)sites[i].capacity / (double)sum_c;
        else
            target[i] = b + (double)(doses - sum_b) / (double)n;
    }
    enum vx_status st = VX_OK;
    struct triplets t = {0};
    glpk_begin();
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    /* columns per site: y (packages, integer), short, over, dev+, dev- */
    int nc = (int)n * 5;
    glp_add_cols(lp, nc);
    for (size_t i = 0; i < n; i++) {
        int c = (int)i * 5 + 1;
        glp_set_col_kind(lp, c, GLP_IV);
        glp_set_col_bnds(lp, c, GLP_DB, 0.0, (double)P);
        glp_set_obj_coef(lp, c, 0.0);
        for (int j = 1; j < 5; j++)
            glp_set_col_bnds(lp, c + j, GLP_LO, 0.0, 0.0);
        glp_set_obj_coef(lp, c + 1, 1000.0);
        glp_set_obj_coef(lp, c + 2, 100.0);
        glp_set_obj_coef(lp, c + 3, 1.0);
        glp_set_obj_coef(lp, c + 4, 1.0);
    }
    int row = glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, row, GLP_FX, (double)P, (double)P);
    for (size_t i = 0; i < n; i++)
        if (!trip_add(&t, row, (int)i * 5 + 1, 1.0))
            goto nomem;
    for (size_t i = 0; i < n; i++) {
        int c = (int)i * 5 + 1;
        double pk = (double)package;
        row = glp_add_rows(lp, 1); /* pk*y + short >= booked */
        glp_set_row_bnds(lp, row, GLP_LO, (double)sites[i].booked, 0.0);
        if (!trip_add(&t, row, c, pk) || !trip_add(&t, row, c + 1, 1.0))
            goto nomem;
        row = glp_add_rows(lp, 1); /* pk*y - over <= capacity */
        glp_set_row_bnds(lp, row, GLP_UP, 0.0, (double)sites[i].capacity);
        if (!trip_add(&t, row, c, pk) || !trip_add(&t, row, c + 2, -1.0))
            goto nomem;
        row = glp_add_rows(lp, 1); /* pk*y - dev+ + dev- = target */
        glp_set_row_bnds(lp, row, GLP_FX, target[i], target[i]);
        if (!trip_add(&t, row, c, pk) || !trip_add(&t, row, c + 3, -1.0) ||
            !trip_add(&t, row, c + 4, 1.0))
            goto nomem;
    }
    glp_load_matrix(lp, t.n, t.ia, t.ja, t.ar);
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    parm.mip_gap = 1e-6;
    parm.tm_lim = 10000; /* ms: a site split is small; never hang a request */
    int rc = glp_intopt(lp, &parm);
    int ms = glp_mip_status(lp);
    if ((rc != 0 && rc != GLP_ETMLIM && rc != GLP_EMIPGAP) || (ms != GLP_OPT && ms != GLP_FEAS)) {
        st = vx_err_set(err, VX_EINTERNAL, "site split: GLPK intopt failed (code %d, status %d)",
                        rc, ms);
        goto out;
    }
    long long sum = 0;
    for (size_t i = 0; i < n; i++) {
        long long y = llround(glp_mip_col_val(lp, (int)i * 5 + 1));
        sites[i].doses = y * package;
        sum += y;
    }
    if (sum != P)
        st = vx_err_set(err, VX_EINTERNAL, "site split: %lld packages, expected %lld", sum, P);
    goto out;
nomem:
    st = vx_err_set(err, VX_ENOMEM, "site split: out of memory");
out:
    glpk_end(lp);
    trip_free(&t);
    free(target);
    return st;
}
