/*
 * invite.c — one-time codes of invitation letters.
 *
 * A code is 12 symbols from a 32-symbol alphabet without the look-alikes 0/O and
 * 1/I (60 random bits from OpenSSL's RAND_bytes; each byte masked to 5 bits, which
 * keeps the symbols uniform because 256 is a multiple of 32), shown in three
 * groups "ABCD-EFGH-JKLM". People type codes from paper, so normalising forgives
 * case, spaces and dashes. The store keeps only the SHA-256 of the normalised
 * code: a leaked database does not leak usable codes, and 60 bits make guessing a
 * code from its hash, or online, impractical within a code's validity.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include "book_int.h"

static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
_Static_assert(sizeof alphabet - 1 == 32, "the code alphabet has 32 symbols");

bool vx_book_code_normalise(const char *in, char *out)
{
    int n = 0;
    for (const char *p = in; p && *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        int c = toupper((unsigned char)*p);
        if (!c || !strchr(alphabet, c) || n == BK_CODE_SYMBOLS)
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n == BK_CODE_SYMBOLS;
}

enum vx_status bk_code_new(char norm[13], char display[VX_BOOK_CODE_LEN + 1])
{
    unsigned char r[BK_CODE_SYMBOLS];
    if (RAND_bytes(r, sizeof r) != 1)
        return VX_EIO;
    int d = 0;
    for (int i = 0; i < BK_CODE_SYMBOLS; i++) {
        norm[i] = alphabet[r[i] & 31];
        if (i && i % 4 == 0)
            display[d++] = '-';
        display[d++] = norm[i];
    }
    norm[BK_CODE_SYMBOLS] = '\0';
    display[d] = '\0';
    return VX_OK;
}

void bk_code_hash(const char *norm, char hex[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    if (EVP_Digest(norm, strlen(norm), md, &len, EVP_sha256(), NULL) != 1 || len != 32)
        memset(md, 0, sizeof md); /* unreachable with OpenSSL's built-in SHA-256 */
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
