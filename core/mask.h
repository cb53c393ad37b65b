/* SPDX-License-Identifier: MIT */
/*
 * core/mask.h - the one masking policy for secrets in messages, used by the
 * core (rt_db_error()) and lent to plugins (host->mask(),
 * host->secrets_of()).
 *
 * A secret of any length is replaced by "***" wherever it stands as a whole
 * token, never as a piece of a longer word: password "e" leaves "cannot
 * connect" alone, and "pw e rejected" becomes "pw *** rejected".  Then the
 * password of any URL in the text and the value of any password=, pwd=,
 * passwd= (quoted or braced too, and "password: x") become "***" whatever
 * the secrets list holds (rt_url_mask_text()).
 */
#ifndef RETORT_CORE_MASK_H
#define RETORT_CORE_MASK_H

#include <retort/dialect.h> /* IWYU pragma: export */

/*
 * The secrets a URL carries: its password, the value of every query
 * parameter whose key names a secret (rt_url_secret_key()), and what
 * follows the name in a mistyped key ("password:x").  NULL-terminated,
 * strings and array on the core's allocator; NULL when out of memory.
 */
char **rt_url_secrets(const struct retort_url *url);
/* Wipe and free what rt_url_secrets() returned (NULL is fine). */
void rt_secrets_free(char **secrets);

/*
 * `text` (NULL counts as "") with the policy above applied for the
 * NULL-terminated `secrets` (may be NULL), and the RETORT_MASK_* flags:
 * ONELINE turns each line break with the blanks after it into "; " (none
 * at the very end), TRIM drops blanks at the end.  NULL when out of memory.
 */
char *rt_mask(const char *text, const char *const *secrets, unsigned flags);

#endif
