/*
 * Git over SSH: a libssh2 session (mbedTLS backend) on pinion's own socket, host key verified against
 * known_hosts before anything is sent, public-key authentication with pinion's own key parsing and signing
 * (sshkey.h), and one exec channel running `git-upload-pack '<path>'`, offered GIT_PROTOCOL=version=2 through
 * the environment. The channel is a plain duplex byte stream: the upload-pack protocol above it (upload.h) is
 * the same as over HTTP, but stateful (one conversation, not one request per command).
 *
 * Every call ends by its deadline (monotonic ms, platform/clock.h). Errors name host and port; the private key
 * never appears in them.
 */
#ifndef PN_SSH_H
#define PN_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

/* The server's stderr kept for messages (git writes one "fatal: ..." line); the rest is read and dropped. */
#define PN_SSH_STDERR_MAX 4096
/* Channel receive window: what the server may send ahead of our reads, i.e. what libssh2 queues in memory.
 * 1 MiB keeps a 50 ms link at ~20 MB/s and a Pi's memory use flat. */
#define PN_SSH_WINDOW (1024u * 1024)
/* Longest channel read handed to libssh2 at once (its window arithmetic is 32-bit). */
#define PN_SSH_READ_MAX (256u * 1024)
/* How long pn_ssh_free() waits for the polite close (channel close, disconnect) before dropping the socket. */
#define PN_SSH_CLOSE_MS 2000

struct pn_ssh_options {
	const char *host;		/* as in the URL; an IPv6 literal without brackets */
	const char *port;		/* "22" by default */
	const char *user;		/* "git" when the URL names none */
	const char *private_key_file;	/* required */
	const char *known_hosts_file;	/* required: host key verification cannot be turned off */
	uint64_t deadline_ms;
};

struct pn_ssh;

/* Connect, verify the host key, authenticate, all before opt->deadline_ms. The known_hosts and key files are
 * read first, so a configuration error fails without touching the network. Errors: NET (connect, timeout,
 * connection lost: retryable), AUTH (host key unknown, changed or revoked; public key refused), UNSUPPORTED
 * (known_hosts lists only host key types pinion cannot verify; key formats), PARSE/TOO_LARGE (the files),
 * PROTO (key exchange failed, e.g. no host key type in common). The caller frees it with pn_ssh_free(). */
const struct pn_error *pn_ssh_connect(const struct pn_ssh_options *opt, struct pn_ssh **out);

/* Open the exec channel for `command` (e.g. "git-upload-pack '/srv/repo.git'"). When git_protocol is not NULL
 * it is offered as GIT_PROTOCOL first; a server without AcceptEnv refuses it, which is not an error: the
 * caller tells the protocol version from the first packet. Bounded by the deadline given to pn_ssh_connect().
 * One channel per connection. */
const struct pn_error *pn_ssh_exec(struct pn_ssh *s, const char *command, const char *git_protocol);

/* Read up to len (> 0) bytes of the channel's stdout, waiting for at least one; *n == 0 at end of stream. The
 * server's stderr is collected meanwhile (the first PN_SSH_STDERR_MAX bytes): errors quote it, and a caller
 * that meets an early end of stream quotes pn_ssh_stderr(). */
const struct pn_error *pn_ssh_read(struct pn_ssh *s, void *buf, size_t len, uint64_t deadline_ms, size_t *n);
const struct pn_error *pn_ssh_write_all(struct pn_ssh *s, const void *buf, size_t len, uint64_t deadline_ms);

/* What the server wrote to stderr so far (NUL-terminated, may be ""). */
const char *pn_ssh_stderr(const struct pn_ssh *s);

/* Close the channel and the session (best effort, bounded) and free. NULL is allowed. */
void pn_ssh_free(struct pn_ssh *s);

#endif
