/*
 * cmd_person.c — `vaxchain person eligibility`, `person show` and `rules list`.
 *
 * These commands are thin clients of the eligibility module (vx/elig.h) and the
 * store: they read data/eligibility.json, parse the personnummer, and either look
 * the person up in the database (when the database file exists) or build a person
 * from the number and the attribute options. Every read of a stored person is
 * written to the audit log before anything is printed, with the store id as the
 * object ("person:<id>") and never the personnummer; if the audit record cannot be
 * written, nothing is shown.
 *
 * Output is human text in Swedish (default) or English, or JSON (cJSON). The JSON
 * of `person eligibility` carries no personnummer either, only the birth date the
 * evaluation used, so it can be logged by whoever scripts around it.
 *
 * Exit codes of `person eligibility`: 0 eligible, 1 not eligible, 2 usage (bad
 * option or number), 3 failure (rules file, database, audit).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "cli_int.h"
#include "vx/arena.h"
#include "vx/elig.h"
#include "vx/person.h"
#include "vx/pnr.h"
#include "vx/store.h"

enum lang { LANG_SV = 0, LANG_EN = 1 };

/* Texts a person reads, one row per language. */
static const struct {
    const char *yes, *no;
    const char *eligible, *date, *age, *years, *rule, *opened, *opens, *none, *reason;
    const char *phase, *step;
    const char *overridden, *record_pnr, *record_name, *record_born, *record_kommun,
        *record_residence, *record_risk, *record_flags, *record_deso, *record_synthetic, *record_id,
        *male, *female, *unknown_sex, *rules_title, *risks_title;
} txt[2] = {
    {
        .yes = "ja",
        .no = "nej",
        .eligible = "Berättigad",
        .date = "Datum",
        .age = "Ålder",
        .years = "år",
        .rule = "Regel",
        .opened = "öppnade",
        .opens = "öppnar",
        .none = "ingen",
        .reason = "Skäl",
        .phase = "fas",
        .step = "steg",
        .overridden = " (regionalt datum)",
        .record_pnr = "Personnummer",
        .record_name = "Namn",
        .record_born = "Född",
        .record_kommun = "Kommun",
        .record_residence = "Boende",
        .record_risk = "Riskkoder",
        .record_flags = "Flaggor",
        .record_deso = "DeSO",
        .record_synthetic = "Syntetisk",
        .record_id = "Id",
        .male = "man",
        .female = "kvinna",
        .unknown_sex = "okänt kön",
        .rules_title = "Prioritetsordning",
        .risks_title = "Riskkoder",
    },
    {
        .yes = "yes",
        .no = "no",
        .eligible = "Eligible",
        .date = "Date",
        .age = "Age",
        .years = "years",
        .rule = "Rule",
        .opened = "opened",
        .opens = "opens",
        .none = "none",
        .reason = "Reason",
        .phase = "phase",
        .step = "step",
        .overridden = " (regional date)",
        .record_pnr = "Personal number",
        .record_name = "Name",
        .record_born = "Born",
        .record_kommun = "Municipality",
        .record_residence = "Residence",
        .record_risk = "Risk codes",
        .record_flags = "Flags",
        .record_deso = "DeSO",
        .record_synthetic = "Synthetic",
        .record_id = "Id",
        .male = "male",
        .female = "female",
        .unknown_sex = "sex unknown",
        .rules_title = "Priority order",
        .risks_title = "Risk codes",
    },
};

static const uint32_t all_flags[] = {VX_PF_CARE_STAFF, VX_PF_HOUSEHOLD_CONTACT,
                                     VX_PF_LSS_ASSISTANCE, VX_PF_HEALTH_STAFF, VX_PF_DECEASED};

/* "--lang": sv (default) or en. Prints a usage error and returns false otherwise. */
static bool get_lang(struct cli_ctx *ctx, enum lang *out)
{
    const char *v = cli_get(ctx, "lang");
    if (!v || !strcmp(v, "sv")) {
        *out = LANG_SV;
        return true;
    }
    if (!strcmp(v, "en")) {
        *out = LANG_EN;
        return true;
    }
    cli_error(ctx, "--lang: '%s' is not sv or en", v);
    return false;
}

/* Reference date for reading a number: the later of the evaluation date and today,
 * so "+" and the century of a 10-digit number mean what they mean when written. */
static bool parse_pnr(struct cli_ctx *ctx, const char *s, vx_day ref, struct vx_pnr *out)
{
    struct vx_pnr_opts o = vx_pnr_opts_default(ref);
    struct vx_pnr_error e;
    if (vx_pnr_parse(s, &o, out, &e) != VX_OK) {
        char why[160];
        vx_pnr_error_text(&e, why, sizeof why);
        cli_error(ctx, "invalid personnummer: %s", why);
        return false;
    }
    return true;
}

/* Print `label` padded to `width` characters (not bytes: "Ålder" is 5 wide). */
static void put_label(FILE *f, const char *label, int width)
{
    int chars = 0;
    for (const char *c = label; *c; c++)
        chars += ((unsigned char)*c & 0xC0) != 0x80;
    fputs(label, f);
    for (; chars < width; chars++)
        fputc(' ', f);
}

/* One "label value" line of human output. */
static void row(FILE *f, int width, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void row(FILE *f, int width, const char *label, const char *fmt, ...)
{
    va_list ap;
    put_label(f, label, width + 1);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static enum vx_status audit(struct vx_store *st, const char *action, const char *actor,
                            const struct vx_person *p, const char *detail)
{
    struct vx_audit_rec a;
    memset(&a, 0, sizeof a);
    a.at = (vx_time)time(NULL);
    const char *user = getenv("USER");
    if (actor && *actor)
        snprintf(a.actor, sizeof a.actor, "%s", actor);
    else
        snprintf(a.actor, sizeof a.actor, "cli:%s", user && *user ? user : "unknown");
    snprintf(a.role, sizeof a.role, "cli");
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.object, sizeof a.object, "person:%lld", (long long)p->id);
    snprintf(a.region, sizeof a.region, "%s", p->region);
    snprintf(a.detail, sizeof a.detail, "%s", detail ? detail : "");
    return st->ops->audit_append(st, &a);
}

/*
 * Look the person up when the database file exists. Returns 1 found (rec filled),
 * 0 not stored / no database, -1 failure (message printed). The store handle is
 * returned open in *stp when found, for the audit record.
 */
static int lookup(struct cli_ctx *ctx, const char *norm, struct vx_store **stp,
                  struct vx_person_rec *rec)
{
    const char *db = cli_db_path(ctx);
    *stp = NULL;
    if (!file_exists(db))
        return 0;
    struct vx_err err = {0};
    struct vx_store *st = NULL;
    if (vx_store_open_sqlite(db, &st, &err) != VX_OK) {
        cli_error(ctx, "cannot open database %s: %s", db, err.msg);
        return -1;
    }
    enum vx_status s = st->ops->person_get(st, norm, rec);
    if (s == VX_ENOTFOUND) {
        vx_store_close(st);
        return 0;
    }
    if (s != VX_OK) {
        cli_error(ctx, "database %s: %s", db, st->err);
        vx_store_close(st);
        return -1;
    }
    *stp = st;
    return 1;
}

static bool attr_options_given(const struct cli_ctx *ctx)
{
    return cli_get(ctx, "residence") || cli_get(ctx, "risk") || cli_flag(ctx, "care-staff") ||
           cli_flag(ctx, "household") || cli_flag(ctx, "lss");
}

/* Person attributes from the options (number-only evaluation). */
static bool person_from_options(struct cli_ctx *ctx, const struct vx_elig_table *t,
                                struct vx_person *p)
{
    const char *res = cli_get(ctx, "residence");
    p->residence = VX_RES_OWN_HOME;
    if (res && vx_residence_parse(res, &p->residence) != VX_OK) {
        cli_error(ctx,
                  "--residence: '%s' is not own_home, special_housing, home_care, "
                  "home_health_care or lss_home",
                  res);
        return false;
    }
    const char *risk = cli_get(ctx, "risk");
    if (risk) {
        struct vx_err err = {0};
        if (vx_elig_risk_parse_list(t, risk, &p->risk, &err) != VX_OK) {
            cli_error(ctx, "--risk: %s (see `vaxchain rules list`)", err.msg);
            return false;
        }
    }
    if (cli_flag(ctx, "care-staff"))
        p->flags |= VX_PF_CARE_STAFF;
    if (cli_flag(ctx, "household"))
        p->flags |= VX_PF_HOUSEHOLD_CONTACT;
    if (cli_flag(ctx, "lss"))
        p->flags |= VX_PF_LSS_ASSISTANCE;
    return true;
}

static void format_flags(uint32_t flags, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < VX_ARRAY_LEN(all_flags); i++) {
        if (!(flags & all_flags[i]))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
                         vx_elig_flag_code(all_flags[i]));
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
    }
}

static cJSON *rule_json(const struct vx_elig_rule *r, vx_day opens, bool overridden)
{
    char d[16];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddNumberToObject(o, "phase", r->phase);
    cJSON_AddStringToObject(o, "step", r->step);
    cJSON_AddNumberToObject(o, "priority", r->priority);
    cJSON_AddStringToObject(o, "opens", vx_day_format(opens, d));
    cJSON_AddBoolToObject(o, "opens_overridden", overridden);
    cJSON *l = cJSON_AddObjectToObject(o, "label");
    cJSON_AddStringToObject(l, "sv", r->label_sv);
    cJSON_AddStringToObject(l, "en", r->label_en);
    return o;
}

/* Print a cJSON tree and free it; false on allocation failure. */
static bool print_json(struct cli_ctx *ctx, cJSON *root)
{
    char *s = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!s) {
        cli_error(ctx, "out of memory");
        return false;
    }
    fprintf(ctx->out, "%s\n", s);
    free(s);
    return true;
}

int cmd_person_eligibility(struct cli_ctx *ctx)
{
    vx_day today = cli_today(), at;
    enum lang lang;
    if (!cli_get_day(ctx, "date", today, &at) || !get_lang(ctx, &lang))
        return CLI_EXIT_USAGE;

    int rc = CLI_EXIT_FAILURE;
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    struct vx_store *st = NULL;
    struct vx_elig_table t;
    if (!cli_load_rules(ctx, &arena, &t, false))
        goto out;

    struct vx_person p;
    memset(&p, 0, sizeof p);
    if (!parse_pnr(ctx, ctx->argv[0], at > today ? at : today, &p.pnr) ||
        !person_from_options(ctx, &t, &p)) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }

    struct vx_person_rec rec;
    memset(&rec, 0, sizeof rec);
    int found = lookup(ctx, p.pnr.norm, &st, &rec);
    if (found < 0)
        goto out;
    if (found) {
        if (attr_options_given(ctx))
            fprintf(ctx->err,
                    "vaxchain %s: the person is in the database; "
                    "--residence/--risk/--care-staff/--household/--lss are ignored\n",
                    ctx->cmd->words);
        p = rec.p;
    }

    /* Regional opening dates will come from the store; national dates until then. */
    struct vx_elig_result res;
    if (vx_elig_eval(&t, NULL, &p, at, &res) != VX_OK) {
        cli_error(ctx, "internal error evaluating the rules");
        goto out;
    }

    char date[16], opens[16], born[16];
    vx_day_format(at, date);
    vx_day_format(p.pnr.birth, born);
    if (res.rule)
        vx_day_format(res.opens, opens);

    if (found) {
        char detail[128];
        snprintf(detail, sizeof detail, "date=%s eligible=%d rule=%s", date, res.eligible,
                 res.rule ? res.rule->id : "-");
        enum vx_status s = audit(st, "person.eligibility", NULL, &p, detail);
        if (s != VX_OK) {
            cli_error(ctx, "cannot write the audit record (nothing shown): %s", st->err);
            goto out;
        }
    }

    if (cli_flag(ctx, "json")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "eligible", res.eligible);
        cJSON_AddStringToObject(o, "status", vx_elig_why_code(res.why));
        cJSON_AddStringToObject(o, "date", date);
        cJSON_AddStringToObject(o, "birth_date", born);
        cJSON_AddNumberToObject(o, "age", res.age);
        if (res.why == VX_ELIG_UNDER_AGE)
            cJSON_AddNumberToObject(o, "min_age", res.min_age);
        if (res.rule)
            cJSON_AddItemToObject(o, "rule", rule_json(res.rule, res.opens, res.opens_overridden));
        else
            cJSON_AddNullToObject(o, "rule");
        cJSON *r = cJSON_AddObjectToObject(o, "reason");
        cJSON_AddStringToObject(r, "sv", res.reason_sv);
        cJSON_AddStringToObject(r, "en", res.reason_en);
        cJSON_AddStringToObject(o, "source", found ? "store" : "options");
        if (found)
            cJSON_AddNumberToObject(o, "person_id", (double)p.id);
        if (!print_json(ctx, o))
            goto out;
    } else {
        row(ctx->out, 11, txt[lang].eligible, "%s\n", res.eligible ? txt[lang].yes : txt[lang].no);
        row(ctx->out, 11, txt[lang].date, "%s\n", date);
        row(ctx->out, 11, txt[lang].age, "%d %s\n", res.age, txt[lang].years);
        if (res.rule)
            row(ctx->out, 11, txt[lang].rule, "%s (%s %d, %s %s), %s %s%s\n", res.rule->id,
                txt[lang].phase, res.rule->phase, txt[lang].step, res.rule->step,
                res.opens <= at ? txt[lang].opened : txt[lang].opens, opens,
                res.opens_overridden ? txt[lang].overridden : "");
        else
            row(ctx->out, 11, txt[lang].rule, "%s\n", txt[lang].none);
        row(ctx->out, 11, txt[lang].reason, "%s\n",
            lang == LANG_EN ? res.reason_en : res.reason_sv);
    }
    rc = res.eligible ? CLI_EXIT_OK : CLI_EXIT_PROBLEMS;
out:
    vx_store_close(st);
    vx_arena_release(&arena);
    return rc;
}

static const char *sex_text(enum lang lang, enum vx_sex s)
{
    return s == VX_SEX_MALE     ? txt[lang].male
           : s == VX_SEX_FEMALE ? txt[lang].female
                                : txt[lang].unknown_sex;
}

int cmd_person_show(struct cli_ctx *ctx)
{
    enum lang lang = LANG_SV;
    if (cli_get(ctx, "lang") && !get_lang(ctx, &lang))
        return CLI_EXIT_USAGE;
    vx_day today = cli_today();
    struct vx_pnr pnr;
    if (!parse_pnr(ctx, ctx->argv[0], today, &pnr))
        return CLI_EXIT_USAGE;
    const char *db = cli_db_path(ctx);
    if (!file_exists(db)) {
        cli_error(ctx, "no database at %s (run `vaxchain init` first)", db);
        return CLI_EXIT_FAILURE;
    }

    int rc = CLI_EXIT_FAILURE;
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    struct vx_store *st = NULL;
    struct vx_person_rec rec;
    memset(&rec, 0, sizeof rec);
    int found = lookup(ctx, pnr.norm, &st, &rec);
    if (found < 0)
        goto out;
    if (!found) {
        cli_error(ctx, "no person with that number in %s", db);
        rc = CLI_EXIT_PROBLEMS;
        goto out;
    }
    enum vx_status s = audit(st, "person.read", cli_get(ctx, "actor"), &rec.p, "person show");
    if (s != VX_OK) {
        cli_error(ctx, "cannot write the audit record (nothing shown): %s", st->err);
        goto out;
    }

    /* Risk names come from the rule table; without it the bits are still shown. */
    struct vx_elig_table t;
    cli_load_rules(ctx, &arena, &t, true);
    char risk[512], flags[128], born[16], pnr_text[16];
    vx_elig_risk_format_list(&t, rec.p.risk, risk, sizeof risk);
    format_flags(rec.p.flags, flags, sizeof flags);
    vx_day_format(rec.p.pnr.birth, born);
    snprintf(pnr_text, sizeof pnr_text, "%.8s-%.4s", rec.p.pnr.norm, rec.p.pnr.norm + 8);

    if (cli_flag(ctx, "json")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)rec.p.id);
        cJSON_AddStringToObject(o, "pnr", rec.p.pnr.norm);
        cJSON_AddStringToObject(o, "kind",
                                rec.p.pnr.kind == VX_PNR_SAMORDNING ? "samordningsnummer"
                                : rec.p.pnr.kind == VX_PNR_INTERIM  ? "interim"
                                                                    : "personnummer");
        cJSON_AddStringToObject(o, "given_name", rec.given_name);
        cJSON_AddStringToObject(o, "family_name", rec.family_name);
        cJSON_AddStringToObject(o, "birth_date", born);
        cJSON_AddStringToObject(o, "sex",
                                rec.p.pnr.sex == VX_SEX_MALE     ? "male"
                                : rec.p.pnr.sex == VX_SEX_FEMALE ? "female"
                                                                 : "unknown");
        cJSON_AddStringToObject(o, "kommun", rec.p.kommun);
        cJSON_AddStringToObject(o, "region", rec.p.region);
        cJSON_AddStringToObject(o, "residence", vx_residence_code(rec.p.residence));
        cJSON_AddStringToObject(o, "risk", risk);
        cJSON_AddStringToObject(o, "flags", flags);
        cJSON_AddStringToObject(o, "deso", rec.p.deso);
        cJSON_AddBoolToObject(o, "synthetic", rec.synthetic);
        if (!print_json(ctx, o))
            goto out;
    } else {
        const char *dash = "-";
        row(ctx->out, 16, txt[lang].record_pnr, "%s\n", pnr_text);
        row(ctx->out, 16, txt[lang].record_name, "%s %s\n", rec.given_name, rec.family_name);
        row(ctx->out, 16, txt[lang].record_born, "%s (%s)\n", born, sex_text(lang, rec.p.pnr.sex));
        row(ctx->out, 16, txt[lang].record_kommun, "%s (region %s)\n", rec.p.kommun, rec.p.region);
        row(ctx->out, 16, txt[lang].record_residence, "%s\n", vx_residence_code(rec.p.residence));
        row(ctx->out, 16, txt[lang].record_risk, "%s\n", *risk ? risk : dash);
        row(ctx->out, 16, txt[lang].record_flags, "%s\n", *flags ? flags : dash);
        row(ctx->out, 16, txt[lang].record_deso, "%s\n", *rec.p.deso ? rec.p.deso : dash);
        row(ctx->out, 16, txt[lang].record_synthetic, "%s\n",
            rec.synthetic ? txt[lang].yes : txt[lang].no);
        row(ctx->out, 16, txt[lang].record_id, "%lld\n", (long long)rec.p.id);
    }
    rc = CLI_EXIT_OK;
out:
    vx_store_close(st);
    vx_arena_release(&arena);
    return rc;
}

/* One line of conditions, e.g. "age 18-59; risk diabetes,copd". Codes are the data
 * codes; only the words around them are translated. */
static void describe_when(const struct vx_elig_table *t, const struct vx_elig_rule *r,
                          enum lang lang, char *buf, size_t len)
{
    static const char *const w[2][6] = {
        {"ålder", "födda", "boende", "risk", "flaggor", "minst ett av"},
        {"age", "born", "residence", "risk", "flags", "any of"},
    };
    size_t used = 0;
    buf[0] = '\0';
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(buf + used, len - used, __VA_ARGS__);                                    \
        if (n_ < 0 || (size_t)n_ >= len - used)                                                    \
            return;                                                                                \
        used += (size_t)n_;                                                                        \
    } while (0)
    const char *sep = "";
    if (r->age_min != VX_ELIG_NO_AGE || r->age_max != VX_ELIG_NO_AGE) {
        if (r->age_max == VX_ELIG_NO_AGE)
            PUT("%s %d+", w[lang][0], r->age_min);
        else
            PUT("%s %d-%d", w[lang][0], r->age_min == VX_ELIG_NO_AGE ? 0 : r->age_min, r->age_max);
        sep = "; ";
    }
    if (r->born_from || r->born_to) {
        if (!r->born_from)
            PUT("%s%s <=%d", sep, w[lang][1], r->born_to);
        else if (!r->born_to)
            PUT("%s%s >=%d", sep, w[lang][1], r->born_from);
        else
            PUT("%s%s %d-%d", sep, w[lang][1], r->born_from, r->born_to);
        sep = "; ";
    }
    int kinds = !!r->residences + !!r->risk_any + !!r->flags_any;
    if (kinds > 1 && r->match == VX_ELIG_MATCH_ANY) {
        PUT("%s%s (", sep, w[lang][5]);
        sep = "";
    }
    if (r->residences) {
        PUT("%s%s ", sep, w[lang][2]);
        const char *c = "";
        for (int i = 0; i < VX_RES_COUNT; i++)
            if (r->residences & (1u << i)) {
                PUT("%s%s", c, vx_residence_code((enum vx_residence)i));
                c = ",";
            }
        sep = "; ";
    }
    if (r->risk_any) {
        char risks[512];
        vx_elig_risk_format_list(t, r->risk_any, risks, sizeof risks);
        PUT("%s%s %s", sep, w[lang][3], risks);
        sep = "; ";
    }
    if (r->flags_any) {
        char flags[128];
        format_flags(r->flags_any, flags, sizeof flags);
        PUT("%s%s %s", sep, w[lang][4], flags);
        sep = "; ";
    }
    if (kinds > 1 && r->match == VX_ELIG_MATCH_ANY)
        PUT(")");
#undef PUT
}

int cmd_rules_list(struct cli_ctx *ctx)
{
    enum lang lang;
    if (!get_lang(ctx, &lang))
        return CLI_EXIT_USAGE;
    int rc = CLI_EXIT_FAILURE;
    struct vx_arena arena;
    vx_arena_init(&arena, 0);
    struct vx_elig_table t;
    if (!cli_load_rules(ctx, &arena, &t, false))
        goto out;

    if (cli_flag(ctx, "json")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", t.name);
        cJSON *rules = cJSON_AddArrayToObject(o, "rules");
        for (int i = 0; i < t.n_rules; i++) {
            char when[768];
            cJSON *r = rule_json(&t.rules[i], t.rules[i].opens, false);
            describe_when(&t, &t.rules[i], LANG_EN, when, sizeof when);
            cJSON_AddStringToObject(r, "when", when);
            cJSON_AddStringToObject(r, "source", t.rules[i].source);
            cJSON_AddItemToArray(rules, r);
        }
        cJSON *risks = cJSON_AddArrayToObject(o, "risk_codes");
        for (int i = 0; i < t.n_risks; i++) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "code", t.risks[i].code);
            cJSON_AddNumberToObject(r, "bit", t.risks[i].bit);
            cJSON_AddStringToObject(r, "sv", t.risks[i].name_sv);
            cJSON_AddStringToObject(r, "en", t.risks[i].name_en);
            cJSON_AddItemToArray(risks, r);
        }
        if (!print_json(ctx, o))
            goto out;
        rc = CLI_EXIT_OK;
        goto out;
    }

    fprintf(ctx->out, "%s: %s\n\n", txt[lang].rules_title, t.name);
    for (int i = 0; i < t.n_rules; i++) {
        const struct vx_elig_rule *r = &t.rules[i];
        char opens[16], when[768];
        vx_day_format(r->opens, opens);
        describe_when(&t, r, lang, when, sizeof when);
        fprintf(ctx->out, "%-3s %-24s %s  %s\n    %s\n", r->step, r->id, opens,
                lang == LANG_EN ? r->label_en : r->label_sv, when);
    }
    fprintf(ctx->out, "\n%s:\n", txt[lang].risks_title);
    for (int i = 0; i < t.n_risks; i++)
        fprintf(ctx->out, "  %2d %-26s %s\n", t.risks[i].bit, t.risks[i].code,
                lang == LANG_EN ? t.risks[i].name_en : t.risks[i].name_sv);
    rc = CLI_EXIT_OK;
out:
    vx_arena_release(&arena);
    return rc;
}
