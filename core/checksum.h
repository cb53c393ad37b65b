/* SPDX-License-Identifier: MIT */
/*
 * core/checksum.h - checksums of script sections, as retort_history records
 * them (SPEC section 9).
 *
 * The algorithm has a name, stored next to every checksum, so that it can
 * never change silently: a checksum recorded under a name this retort does
 * not know is reported as such, never compared.  The one algorithm:
 *
 *   sha256-lf  SHA-256 (FIPS 180-4) of the section's text without the
 *              blanks and line breaks at its start and end, every CRLF or
 *              CR line end made LF, and one LF after the last line (an
 *              empty section hashes the empty string).
 *
 * So a script whose line ends were converted (git's autocrlf, a Windows
 * editor) or that gained blank lines at the end of a section keeps its
 * checksum; any other change to the SQL changes it.
 *
 * SHA-256 comes from OpenSSL's libcrypto, loaded when the first checksum is
 * computed (commands that never hash pay nothing for it).
 */
#ifndef RETORT_CORE_CHECKSUM_H
#define RETORT_CORE_CHECKSUM_H

#include "util.h" /* IWYU pragma: export */

#define RT_CHECKSUM_ALG "sha256-lf"
/* The checksum of an empty section, recorded for a script without the
 * section that ran (SHA-256 of nothing). */
#define RT_CHECKSUM_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* 64 hex digits and a NUL. */
#define RT_CHECKSUM_SIZE 65

/* SHA-256 of data[0..len) as 64 lowercase hex digits.  Fails (exit class
 * RT_EXIT_USAGE) only when libcrypto cannot be loaded or used. */
int rt_sha256_hex(char out[RT_CHECKSUM_SIZE], const void *data, size_t len, struct rt_err *err);

/* The RT_CHECKSUM_ALG checksum of a section's text (see above). */
int rt_checksum_section(char out[RT_CHECKSUM_SIZE], const char *text, size_t len,
                        struct rt_err *err);

#endif
