/*
 * persons.c — the persons file: one row per person.
 *
 * Every cell of a row is checked (so one pass reports all of a row's problems),
 * then the row is written with person_put(). The personnummer is parsed with
 * vx_pnr_parse() against the caller's reference date; its reason text never
 * contains the number itself, so messages and the audit log stay free of
 * personal identity numbers.
 *
 * Duplicates inside the file are caught with a set of 33-bit keys packed from the
 * normalised number (year since 1800, month, day, serial; the check digit is
 * implied), with the first line kept beside each key so that the message can point
 * at it. 10.4 M persons need a 16 M-slot table (128 MiB). Duplicates of persons
 * already stored come back from the store as VX_EEXIST.
 *
 * Risk conditions are names resolved by the caller (the rule table is data owned by
 * the eligibility module); the importer only maps names to bits.
 */
#include <string.h>
#include "import_int.h"

enum {
    P_PNR,
    P_GIVEN,
    P_FAMILY,
    P_KOMMUN,
    P_RESIDENCE,
    P_RISK,
    P_CARE_STAFF,
    P_DESO,
    P_HOUSEHOLD,
    P_LSS,
    P_HEALTH,
    P_SYNTHETIC,
    P_COUNT
};

static const struct vx_import_col cols[P_COUNT] = {
    [P_PNR] = {"pnr", true, "personnummer or samordningsnummer, 10 or 12 digits"},
    [P_GIVEN] = {"given_name", true, "given name(s), 1-63 bytes UTF-8"},
    [P_FAMILY] = {"family_name", true, "family name, 1-63 bytes UTF-8"},
    [P_KOMMUN] = {"kommun_code", true, "municipality code, 4 digits, e.g. 0180"},
    [P_RESIDENCE] = {"residence", false,
                     "own_home|special_housing|home_care|home_health_care|lss_home "
                     "(empty: own_home)"},
    [P_RISK] = {"risk", false, "risk codes separated by '|' or ';' (empty: none)"},
    [P_CARE_STAFF] = {"care_staff", false, "0/1, true/false, ja/nej (empty: 0)"},
    [P_DESO] = {"deso", false, "DeSO area code, e.g. 0180C1234 (empty: unknown)"},
    [P_HOUSEHOLD] = {"household_contact", false, "adult in a home-care household: 0/1"},
    [P_LSS] = {"lss_assistance", false, "LSS support or personal assistance: 0/1"},
    [P_HEALTH] = {"health_staff", false, "health-care staff close to risk patients: 0/1"},
    [P_SYNTHETIC] = {"synthetic", false, "generated demo person: 0/1 (empty: 0)"},
};

/* Packed key of a normalised number, false when it does not have the usual shape
 * (then only the store catches a duplicate). */
static bool pnr_key(const char *n, uint64_t *key)
{
    for (int i = 0; i < 12; i++)
        if (i != 8 && (n[i] < '0' || n[i] > '9'))
            return false;
    int year = (n[0] - '0') * 1000 + (n[1] - '0') * 100 + (n[2] - '0') * 10 + (n[3] - '0');
    int month = (n[4] - '0') * 10 + (n[5] - '0');
    int day = (n[6] - '0') * 10 + (n[7] - '0');
    int s8;
    if (n[8] >= '0' && n[8] <= '9')
        s8 = n[8] - '0';
    else if (n[8] >= 'A' && n[8] <= 'Z')
        s8 = 10 + (n[8] - 'A');
    else
        return false;
    int nn = (n[9] - '0') * 10 + (n[10] - '0');
    if (year < 1800 || year > 1800 + 511 || month > 15)
        return false;
    *key = (((((uint64_t)(year - 1800) * 16 + (uint64_t)month) * 128 + (uint64_t)day) * 64 +
             (uint64_t)s8) *
                128 +
            (uint64_t)nn);
    return true;
}

static void flag(struct import_run *r, int col, uint32_t bit, uint32_t *flags)
{
    bool v;
    if (vx_import_parse_bool(run_val(r, col), false, &v) != VX_OK) {
        run_problem(r, col, "not a yes/no value (use 0/1, true/false or ja/nej)");
        return;
    }
    if (v)
        *flags |= bit;
}

static void risk(struct import_run *r, uint32_t *bits)
{
    const char *s = run_val(r, P_RISK);
    const struct vx_import_opts *o = r->o;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *tok = s;
        while (*s && *s != '|' && *s != ';' && *s != ',')
            s++;
        size_t n = (size_t)(s - tok);
        while (n > 0 && tok[n - 1] == ' ')
            n--;
        if (*s)
            s++;
        if (n == 0)
            continue;
        char name[64];
        if (n >= sizeof name) {
            run_problem(r, P_RISK, "risk code too long (%zu bytes)", n);
            return;
        }
        memcpy(name, tok, n);
        name[n] = '\0';
        int bit = o->risk_resolve ? o->risk_resolve(o->risk_ctx, name) : -1;
        if (bit < 0 || bit >= VX_RISK_MAX) {
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
                    name[i] = '?';
            run_problem(r, P_RISK,
                        o->risk_resolve ? "unknown risk code '%s'"
                                        : "risk code '%s' given but no rule table "
                                          "is loaded",
                        name);
            continue;
        }
        *bits |= 1u << bit;
    }
}

static void deso(struct import_run *r, const char *kommun, bool kommun_ok, char dst[10])
{
    const char *s = run_val(r, P_DESO);
    if (!*s)
        return;
    bool shape =
        strlen(s) == 9 && run_digits(s + 5, 4) && (s[4] == 'A' || s[4] == 'B' || s[4] == 'C');
    for (int i = 0; shape && i < 4; i++)
        shape = s[i] >= '0' && s[i] <= '9';
    if (!shape) {
        run_problem(r, P_DESO, "not a DeSO code (4 digits, A/B/C, 4 digits)");
        return;
    }
    if (kommun_ok && memcmp(s, kommun, 4) != 0) {
        run_problem(r, P_DESO, "DeSO area %.9s is not in municipality %s", s, kommun);
        return;
    }
    memcpy(dst, s, 10);
}

static enum vx_status persons_row(struct import_run *r)
{
    struct vx_person_rec rec;
    memset(&rec, 0, sizeof rec);
    struct vx_person *p = &rec.p;
    enum vx_status s;

    const char *pnr = run_val(r, P_PNR);
    bool pnr_ok = false;
    if (!*pnr) {
        run_problem(r, P_PNR, "empty");
    } else {
        struct vx_pnr_error pe;
        if (vx_pnr_parse(pnr, &r->o->pnr, &p->pnr, &pe) != VX_OK) {
            char why[128];
            vx_pnr_error_text(&pe, why, sizeof why);
            run_problem(r, P_PNR, "%s", why);
        } else {
            pnr_ok = true;
        }
    }
    run_text(r, P_GIVEN, run_val(r, P_GIVEN), rec.given_name, sizeof rec.given_name, true);
    run_text(r, P_FAMILY, run_val(r, P_FAMILY), rec.family_name, sizeof rec.family_name, true);

    const char *kommun = run_val(r, P_KOMMUN);
    s = run_kommun(r, P_KOMMUN, kommun, p->region);
    if (s != VX_OK && s != VX_EINVAL)
        return s;
    bool kommun_ok = s == VX_OK;
    if (kommun_ok)
        memcpy(p->kommun, kommun, 5);

    const char *res = run_val(r, P_RESIDENCE);
    p->residence = VX_RES_OWN_HOME;
    if (*res && vx_residence_parse(res, &p->residence) != VX_OK) {
        char shown[40];
        size_t n = strlen(res) < sizeof shown - 1 ? strlen(res) : sizeof shown - 1;
        for (size_t i = 0; i < n; i++)
            shown[i] = (unsigned char)res[i] < 0x20 ? '?' : res[i];
        shown[n] = '\0';
        run_problem(r, P_RESIDENCE,
                    "unknown residence '%s' (own_home, special_housing, home_care, "
                    "home_health_care, lss_home)",
                    shown);
    }
    risk(r, &p->risk);
    flag(r, P_CARE_STAFF, VX_PF_CARE_STAFF, &p->flags);
    flag(r, P_HOUSEHOLD, VX_PF_HOUSEHOLD_CONTACT, &p->flags);
    flag(r, P_LSS, VX_PF_LSS_ASSISTANCE, &p->flags);
    flag(r, P_HEALTH, VX_PF_HEALTH_STAFF, &p->flags);
    if (vx_import_parse_bool(run_val(r, P_SYNTHETIC), r->o->synthetic, &rec.synthetic) != VX_OK)
        run_problem(r, P_SYNTHETIC, "not a yes/no value (use 0/1, true/false or ja/nej)");
    deso(r, p->kommun, kommun_ok, p->deso);

    /* Remember the number even when the row is bad otherwise: a second row with it
     * is a duplicate either way. */
    uint64_t key;
    if (pnr_ok && pnr_key(p->pnr.norm, &key)) {
        long prev = key_set_insert(&r->pnrs, key, r->line);
        if (prev < 0)
            return vx_err_set(r->err, VX_ENOMEM, "line %ld: out of memory", r->line);
        if (prev > 0)
            run_problem(r, P_PNR, "duplicate: the same person as line %ld", prev);
    }
    if (r->row_bad)
        return VX_EINVAL;
    if (!r->st)
        return VX_OK;
    if (r->existing > 0) {
        /* A failed insert dooms the transaction, so look first; an empty table (the
         * big first import) needs no look-up. */
        struct vx_person_rec old;
        s = r->st->ops->person_get(r->st, p->pnr.norm, &old);
        if (s == VX_OK) {
            run_problem(r, P_PNR, "the person is already in the database");
            return VX_EINVAL;
        }
        if (s != VX_ENOTFOUND)
            return run_store_fail(r, s, "person");
    }
    if (r->doomed)
        return VX_OK;
    return run_put_result(r, r->st->ops->person_put(r->st, &rec, NULL), P_PNR, "the person");
}

const struct import_kind import_kind_persons = {
    .kind = VX_IMPORT_PERSONS,
    .name = "persons",
    .action = "person.import",
    .table = "persons",
    .cols = cols,
    .ncols = P_COUNT,
    .row = persons_row,
};
