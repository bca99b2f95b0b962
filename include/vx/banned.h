/*
 * banned.h — libc functions we never call (after git's banned.h).
 *
 * Included last by every .c file of vaxchain (via CMake's -include for our
 * sources), so that a use of one of these is a compile error. Use snprintf,
 * strtol/strtoll with full error checks, memcpy with explicit lengths, and
 * `struct vx_buf` for growing strings.
 */
#ifndef VX_BANNED_H
#define VX_BANNED_H

#define VX_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) VX_BANNED(strcpy)
#undef strcat
#define strcat(x, y) VX_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) VX_BANNED(strncpy)
#undef sprintf
#define sprintf(...) VX_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) VX_BANNED(vsprintf)
#undef gets
#define gets(x) VX_BANNED(gets)
#undef atoi
#define atoi(x) VX_BANNED(atoi)
#undef atol
#define atol(x) VX_BANNED(atol)

#endif
