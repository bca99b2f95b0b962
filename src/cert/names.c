/*
 * names.c — ICAO 9303 name standardisation and the UVCI with its check character.
 *
 * fnt/gnt of a DCC hold names the way a passport's machine-readable zone does (ICAO Doc
 * 9303 part 3, section 6): only A-Z and the filler "<". Letters with diacritics are
 * transliterated by one table (`latin[]`): each row gives the ICAO recommended form
 * (Å -> AA, Ä -> AE, Ö -> OE, Ü -> UE, ß -> SS, Ø -> OE, Æ -> AE, Þ -> TH) and the
 * plain form with the diacritic dropped, which part 3 allows as the alternative. The
 * Swedish eHealth Agency's own DCCs use the recommended form ("Lövström" ->
 * "LOEVSTROEM" in the shared SE test data), so VX_TRANSLIT_ICAO is the default.
 * Spaces and hyphens become "<" (runs collapsed, none at the ends), apostrophes and
 * other punctuation vanish ("d'Červenková Panklová" -> "DCERVENKOVA<PANKLOVA").
 *
 * The UVCI (eHealth Network guidelines, Annex 2) is "URN:UVCI:01:SE:<issuer>/<opaque>"
 * followed by "#" and a Luhn mod N check character over the 38-character set
 * A-Z 0-9 / : — computed over the whole string, prefix included (the vectors in the
 * shared AT and DK test data and the guideline's NL example agree with this).
 */
#include <stdio.h>
#include <string.h>
#include "vx/cert.h"

/* One transliterated code point (upper case; lower case is folded before lookup). */
struct latin {
    unsigned cp;
    const char *icao;
    const char *plain;
};

static const struct latin latin[] = {
    {0xC0, "A", "A"},    {0xC1, "A", "A"},    {0xC2, "A", "A"},   {0xC3, "A", "A"},
    {0xC4, "AE", "A"},   {0xC5, "AA", "A"},   {0xC6, "AE", "AE"}, {0xC7, "C", "C"},
    {0xC8, "E", "E"},    {0xC9, "E", "E"},    {0xCA, "E", "E"},   {0xCB, "E", "E"},
    {0xCC, "I", "I"},    {0xCD, "I", "I"},    {0xCE, "I", "I"},   {0xCF, "I", "I"},
    {0xD0, "D", "D"},    {0xD1, "N", "N"},    {0xD2, "O", "O"},   {0xD3, "O", "O"},
    {0xD4, "O", "O"},    {0xD5, "O", "O"},    {0xD6, "OE", "O"},  {0xD8, "OE", "O"},
    {0xD9, "U", "U"},    {0xDA, "U", "U"},    {0xDB, "U", "U"},   {0xDC, "UE", "U"},
    {0xDD, "Y", "Y"},    {0xDE, "TH", "TH"},  {0xDF, "SS", "SS"}, {0x100, "A", "A"},
    {0x102, "A", "A"},   {0x104, "A", "A"},   {0x106, "C", "C"},  {0x108, "C", "C"},
    {0x10A, "C", "C"},   {0x10C, "C", "C"},   {0x10E, "D", "D"},  {0x110, "D", "D"},
    {0x112, "E", "E"},   {0x114, "E", "E"},   {0x116, "E", "E"},  {0x118, "E", "E"},
    {0x11A, "E", "E"},   {0x11C, "G", "G"},   {0x11E, "G", "G"},  {0x120, "G", "G"},
    {0x122, "G", "G"},   {0x124, "H", "H"},   {0x126, "H", "H"},  {0x128, "I", "I"},
    {0x12A, "I", "I"},   {0x12C, "I", "I"},   {0x12E, "I", "I"},  {0x130, "I", "I"},
    {0x131, "I", "I"},   {0x132, "IJ", "IJ"}, {0x134, "J", "J"},  {0x136, "K", "K"},
    {0x139, "L", "L"},   {0x13B, "L", "L"},   {0x13D, "L", "L"},  {0x13F, "L", "L"},
    {0x141, "L", "L"},   {0x143, "N", "N"},   {0x145, "N", "N"},  {0x147, "N", "N"},
    {0x14A, "N", "N"},   {0x14C, "O", "O"},   {0x14E, "O", "O"},  {0x150, "O", "O"},
    {0x152, "OE", "OE"}, {0x154, "R", "R"},   {0x156, "R", "R"},  {0x158, "R", "R"},
    {0x15A, "S", "S"},   {0x15C, "S", "S"},   {0x15E, "S", "S"},  {0x160, "S", "S"},
    {0x162, "T", "T"},   {0x164, "T", "T"},   {0x166, "T", "T"},  {0x168, "U", "U"},
    {0x16A, "U", "U"},   {0x16C, "U", "U"},   {0x16E, "U", "U"},  {0x170, "U", "U"},
    {0x172, "U", "U"},   {0x174, "W", "W"},   {0x176, "Y", "Y"},  {0x178, "Y", "Y"},
    {0x179, "Z", "Z"},   {0x17B, "Z", "Z"},   {0x17D, "Z", "Z"},
};

/* Fold a lower-case Latin-1 / Latin Extended-A letter onto its upper-case form. */
static unsigned fold(unsigned cp)
{
    if (cp >= 'a' && cp <= 'z')
        return cp - 32;
    if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
        return cp - 0x20;
    if (cp == 0xFF)
        return 0x178;
    if (cp == 0x131) /* dotless i has its own row */
        return cp;
    /* Latin Extended-A: pairs upper/lower, even/odd, except 0x139..0x148 and
     * 0x179..0x17E where the upper case is odd */
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177))
        return cp & ~1u;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return (cp & 1u) ? cp : cp - 1;
    return cp;
}

/* Decode one UTF-8 sequence at s; returns its length (0 = invalid). */
static size_t utf8_next(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n;
    unsigned v, min;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2, v = s[0] & 0x1Fu, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3, v = s[0] & 0x0Fu, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4, v = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

static const struct latin *find_latin(unsigned cp)
{
    size_t lo = 0, hi = VX_ARRAY_LEN(latin);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (latin[mid].cp == cp)
            return &latin[mid];
        if (latin[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

enum vx_status vx_cert_transliterate(const char *utf8, enum vx_translit mode, char *out, size_t cap)
{
    if (!utf8 || !out || cap == 0)
        return VX_EINVAL;
    char tmp[VX_CERT_NAME_MAX * 2];
    size_t len = 0;
    bool pending_filler = false;
    const unsigned char *s = (const unsigned char *)utf8;
    out[0] = '\0';
    while (*s) {
        unsigned cp;
        size_t n = utf8_next(s, &cp);
        if (n == 0)
            return VX_EINVAL;
        s += n;
        const char *add = NULL;
        char one[2] = {0, 0};
        unsigned up = fold(cp);
        if (up >= 'A' && up <= 'Z') {
            one[0] = (char)up;
            add = one;
        } else if (cp == ' ' || cp == '-' || cp == '\t' || cp == 0x2010 || cp == 0x2011 ||
                   cp == 0xA0) {
            pending_filler = len > 0;
            continue;
        } else {
            const struct latin *l = find_latin(up);
            if (!l)
                continue; /* apostrophes, digits, punctuation, other scripts */
            add = mode == VX_TRANSLIT_PLAIN ? l->plain : l->icao;
        }
        size_t k = strlen(add);
        if (len + k + (pending_filler ? 1 : 0) > 80)
            return VX_ERANGE;
        if (pending_filler)
            tmp[len++] = '<';
        pending_filler = false;
        memcpy(tmp + len, add, k);
        len += k;
    }
    if (len == 0)
        return VX_EINVAL;
    if (len + 1 > cap)
        return VX_ERANGE;
    memcpy(out, tmp, len);
    out[len] = '\0';
    return VX_OK;
}

/* ------------------------------------------------------------------ UVCI */

static const char uvci_set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:";
#define UVCI_N 38

static int uvci_index(char c)
{
    const char *p = c ? memchr(uvci_set, c, UVCI_N) : NULL;
    return p ? (int)(p - uvci_set) : -1;
}

char vx_uvci_checksum(const char *uvci, size_t n)
{
    int factor = 2, sum = 0;
    for (size_t i = n; i-- > 0;) {
        int cp = uvci_index(uvci[i]);
        if (cp < 0)
            return 0;
        int addend = factor * cp;
        factor = factor == 2 ? 1 : 2;
        sum += addend / UVCI_N + addend % UVCI_N;
    }
    return uvci_set[(UVCI_N - sum % UVCI_N) % UVCI_N];
}

bool vx_uvci_valid(const char *uvci)
{
    const char *hash = uvci ? strrchr(uvci, '#') : NULL;
    if (!hash || hash[1] == '\0' || hash[2] != '\0' || hash == uvci)
        return false;
    char c = vx_uvci_checksum(uvci, (size_t)(hash - uvci));
    return c && c == hash[1];
}

static bool uvci_part_ok(const char *s, bool allow_slash)
{
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || (allow_slash && *s == '/')))
            return false;
    }
    return true;
}

enum vx_status vx_uvci_make(const char *country, const char *issuer, const char *opaque, char *out,
                            size_t cap)
{
    if (!country || strlen(country) != 2 || !uvci_part_ok(country, false) || !opaque || !*opaque ||
        !uvci_part_ok(opaque, false) || (issuer && !uvci_part_ok(issuer, true)))
        return VX_EINVAL;
    char tmp[160];
    int n = snprintf(tmp, sizeof tmp, "URN:UVCI:01:%s:%s%s%s", country,
                     issuer && *issuer ? issuer : "", issuer && *issuer ? "/" : "", opaque);
    if (n < 0 || (size_t)n + 2 > 80 || (size_t)n + 3 > cap)
        return VX_ERANGE;
    char c = vx_uvci_checksum(tmp, (size_t)n);
    if (!c)
        return VX_EINVAL;
    memcpy(out, tmp, (size_t)n);
    out[n] = '#';
    out[n + 1] = c;
    out[n + 2] = '\0';
    return VX_OK;
}
