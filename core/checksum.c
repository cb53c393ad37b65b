/* SPDX-License-Identifier: MIT */
/*
 * core/checksum.c - checksums of script sections.  See checksum.h.
 *
 * libcrypto is opened through the loader (core/loader.c) the first time a
 * checksum is needed, by soname, so the binary does not link it and a
 * command that never hashes does not load it.  The six EVP functions used
 * have had these signatures since OpenSSL 1.1.0; their types are written
 * here, with the EVP objects opaque, so building needs no OpenSSL headers.
 */
#include "checksum.h"

#include <pthread.h>
#include <string.h>

#include "loader.h"

typedef void *(*md_ctx_new_fn)(void);
typedef void (*md_ctx_free_fn)(void *ctx);
typedef const void *(*md_fn)(void);
typedef int (*digest_init_fn)(void *ctx, const void *md, void *engine);
typedef int (*digest_update_fn)(void *ctx, const void *data, size_t len);
typedef int (*digest_final_fn)(void *ctx, unsigned char *md, unsigned int *len);

static struct {
	md_ctx_new_fn ctx_new;
	md_ctx_free_fn ctx_free;
	md_fn sha256;
	digest_init_fn init;
	digest_update_fn update;
	digest_final_fn final;
	struct rt_err err;            /* why it could not be loaded */
} evp;

static pthread_once_t evp_once = PTHREAD_ONCE_INIT;

/* Sonames of libcrypto with EVP_MD_CTX_new (OpenSSL >= 1.1): Linux, then
 * FreeBSD's. */
static const char *const sonames[] = {
	"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so.30", "libcrypto.so.111", NULL
};

static void *sym(void *lib, const char *name, int *missing)
{
	void *p = rt_loader_symbol(lib, name);
	if (!p && !*missing) {
		*missing = 1;
		rt_err_set(&evp.err, RT_EXIT_USAGE, "the libcrypto found lacks %s", name);
	}
	return p;
}

static void load_evp(void)
{
	void *lib = rt_loader_library(sonames, &evp.err);
	int missing = 0;
	if (!lib)
		return;
	/* object pointer -> function pointer through a function pointer type,
	 * as POSIX dlsym() requires */
	evp.ctx_new = (md_ctx_new_fn)(void (*)(void))sym(lib, "EVP_MD_CTX_new", &missing);
	evp.ctx_free = (md_ctx_free_fn)(void (*)(void))sym(lib, "EVP_MD_CTX_free", &missing);
	evp.sha256 = (md_fn)(void (*)(void))sym(lib, "EVP_sha256", &missing);
	evp.init = (digest_init_fn)(void (*)(void))sym(lib, "EVP_DigestInit_ex", &missing);
	evp.update = (digest_update_fn)(void (*)(void))sym(lib, "EVP_DigestUpdate", &missing);
	evp.final = (digest_final_fn)(void (*)(void))sym(lib, "EVP_DigestFinal_ex", &missing);
	if (missing)
		evp.ctx_new = NULL;
}

static int no_crypto(struct rt_err *err)
{
	return rt_err_set(err, RT_EXIT_USAGE, "retort records SHA-256 checksums of scripts with "
	                  "OpenSSL's libcrypto: %s; install it (Debian: libssl3)",
	                  evp.err.msg ? evp.err.msg : "out of memory");
}

/* A digest in progress over pieces of text. */
struct digest {
	void *ctx;
	int failed;
};

static int digest_begin(struct digest *d, struct rt_err *err)
{
	memset(d, 0, sizeof(*d));
	pthread_once(&evp_once, load_evp);
	if (!evp.ctx_new)
		return no_crypto(err);
	if (!(d->ctx = evp.ctx_new()))
		return rt_err_oom(err);
	if (evp.init(d->ctx, evp.sha256(), NULL) != 1) {
		evp.ctx_free(d->ctx);
		return rt_err_set(err, RT_EXIT_USAGE, "libcrypto cannot compute SHA-256 here "
		                  "(is it restricted by its configuration?)");
	}
	return 0;
}

static void digest_put(struct digest *d, const void *data, size_t len)
{
	if (len && !d->failed && evp.update(d->ctx, data, len) != 1)
		d->failed = 1;
}

static int digest_end(struct digest *d, char out[RT_CHECKSUM_SIZE], struct rt_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[64];
	unsigned int n = 0, i;
	int ok = !d->failed && evp.final(d->ctx, md, &n) == 1 && n == 32;
	evp.ctx_free(d->ctx);
	if (!ok)
		return rt_err_set(err, RT_EXIT_USAGE, "libcrypto failed to compute a SHA-256");
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int rt_sha256_hex(char out[RT_CHECKSUM_SIZE], const void *data, size_t len, struct rt_err *err)
{
	struct digest d;
	if (digest_begin(&d, err) < 0)
		return -1;
	digest_put(&d, data, len);
	return digest_end(&d, out, err);
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int rt_checksum_section(char out[RT_CHECKSUM_SIZE], const char *text, size_t len,
                        struct rt_err *err)
{
	struct digest d;
	size_t start = 0, end = len, i, run;

	while (start < end && blank(text[start]))
		start++;
	while (end > start && blank(text[end - 1]))
		end--;
	if (digest_begin(&d, err) < 0)
		return -1;
	/* Runs without '\r' go in whole; "\r\n" and a lone '\r' become "\n". */
	for (i = start, run = start; i < end; i++) {
		if (text[i] != '\r')
			continue;
		digest_put(&d, text + run, i - run);
		digest_put(&d, "\n", 1);
		if (i + 1 < end && text[i + 1] == '\n')
			i++;
		run = i + 1;
	}
	digest_put(&d, text + run, end - run);
	if (end > start)
		digest_put(&d, "\n", 1);
	return digest_end(&d, out, err);
}
