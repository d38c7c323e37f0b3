/*
 * libssh2 runs non-blocking on pinion's own socket: every libssh2 call that answers LIBSSH2_ERROR_EAGAIN is
 * repeated after poll() says the socket can move the way libssh2_session_block_directions() asks, until the
 * caller's deadline. Host keys are checked with knownhosts.h (not libssh2_knownhost_*, which knows neither the
 * hints nor @revoked), and signing is sshkey.h's.
 */
#include "ssh.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

#include "../../platform/clock.h"
#include "../core/log.h"
#include "../net/sock.h"
#include "knownhosts.h"
#include "sshkey.h"
#include "../core/banned.h"

/* poll() takes an int of milliseconds: wait in slices no longer than this. */
#define SSH_POLL_SLICE_MS 60000u
/* When libssh2 answers EAGAIN without saying which way it is blocked, look again this soon. */
#define SSH_NODIR_MS 10
/* Stderr is read in pieces of this size. */
#define SSH_STDERR_CHUNK 1024
/* EAGAIN answers tolerated while closing, after the socket was shut down (libssh2 should fail fast then). */
#define SSH_CLOSE_TRIES 100000u
/* "ssh <host> port <port>" for messages. */
#define SSH_WHERE_MAX 320

struct pn_ssh {
	int fd;
	int handshaken;
	int dropped;			/* socket shut down while closing */
	LIBSSH2_SESSION *session;
	LIBSSH2_CHANNEL *channel;
	struct pn_sshkey *key;		/* only until authenticated */
	struct pn_sshkey_signer signer;
	void *signer_ref;		/* libssh2 hands &signer_ref to the sign callback */
	uint64_t deadline_ms;		/* pn_ssh_connect's: bounds pn_ssh_exec too */
	char where[SSH_WHERE_MAX];
	char err[PN_SSH_STDERR_MAX + 1];	/* the server's stderr, NUL-terminated */
	size_t err_len;
};

/* Algorithms offered besides host keys: OpenSSH 9's client defaults as far as libssh2 on mbedTLS has them
 * (libssh2's own lists still carry group1-sha1 key exchange, CBC ciphers, 3DES, RC4 and hmac-md5, which an
 * old server would get to choose). libssh2 adds ext-info-c (server-sig-algs, which RSA keys need for SHA-2
 * signatures) and kex-strict-c (the Terrapin fix) to the KEX list itself. */
static const struct {
	int type;
	const char *prefs;
} algorithms[] = {
	{LIBSSH2_METHOD_KEX, "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	    "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256"},
	{LIBSSH2_METHOD_CRYPT_CS, "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr"},
	{LIBSSH2_METHOD_CRYPT_SC, "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr"},
	{LIBSSH2_METHOD_MAC_CS, "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	    "hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"},
	{LIBSSH2_METHOD_MAC_SC, "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	    "hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"},
};
#define NALGORITHMS (sizeof(algorithms) / sizeof(algorithms[0]))

/* libssh2_init() is not thread-safe and needs calling once: pinion is single-threaded. */
static int lib_ready;

static const struct pn_error *
lib_init(void)
{
	int rc;

	if (lib_ready)
		return NULL;
	if ((rc = libssh2_init(0)) != 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "libssh2_init failed (%d)", rc);
	lib_ready = 1;
	return NULL;
}

/* Wait until the socket can move the way libssh2 is blocked: 0 ready (or worth another try), -1 deadline
 * passed, errno set for a poll failure (ETIMEDOUT for the deadline). Makes no error objects, so the close path
 * can use it without disturbing an error on its way out. */
static int
poll_io(struct pn_ssh *s, uint64_t deadline_ms)
{
	int dir = libssh2_session_block_directions(s->session);
	struct pollfd pfd;

	pfd.fd = s->fd;
	pfd.events = 0;
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	for (;;) {
		uint64_t now = pn_clock_mono_ms(), left;
		int r;

		if (now >= deadline_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		left = deadline_ms - now;
		if (left > SSH_POLL_SLICE_MS)
			left = SSH_POLL_SLICE_MS;
		if (pfd.events == 0) {
			pfd.events = POLLIN;
			if (left > SSH_NODIR_MS)
				left = SSH_NODIR_MS;
		}
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r > 0 || dir == 0)
			return 0;
	}
}

/* What the server wrote to stderr, on one line, for an error message ("" when nothing). */
static void
stderr_line(const struct pn_ssh *s, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < s->err_len && o + 1 < len; i++) {
		unsigned char c = (unsigned char)s->err[i];

		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = (char)c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* An error about the connection: "ssh HOST port P: what: message", with the server's stderr if it said
 * anything. */
static const struct pn_error *
conn_error(const struct pn_ssh *s, enum pn_err_code code, const char *what, const char *msg)
{
	char said[PN_ERROR_MSG_MAX];

	stderr_line(s, said, sizeof(said));
	if (said[0] != '\0')
		return pn_error_fmt(code, "%s: %s: %s; the server said: %s", s->where, what, msg, said);
	return pn_error_fmt(code, "%s: %s: %s", s->where, what, msg);
}

static const struct pn_error *
wait_io(struct pn_ssh *s, uint64_t deadline_ms, const char *what)
{
	if (poll_io(s, deadline_ms) == 0)
		return NULL;
	if (errno == ETIMEDOUT)
		return conn_error(s, PN_ERR_NET, what, "timed out");
	return conn_error(s, PN_ERR_ERRNO, what, strerror(errno));
}

/* A libssh2 failure, classified: lost connections are retryable (NET). */
static const struct pn_error *
lib_error(struct pn_ssh *s, int rc, const char *what)
{
	enum pn_err_code code = PN_ERR_PROTO;
	char *msg = NULL, buf[PN_ERROR_MSG_MAX];
	int len = 0;

	if (s->session != NULL)
		libssh2_session_last_error(s->session, &msg, &len, 0);
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
		code = PN_ERR_NET;
		break;
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
		code = PN_ERR_AUTH;
		break;
	case LIBSSH2_ERROR_ALLOC:
		code = PN_ERR_NOMEM;
		break;
	default:
		break;
	}
	snprintf(buf, sizeof(buf), "%s (libssh2 error %d)", msg != NULL && len > 0 ? msg : "failed", rc);
	return conn_error(s, code, what, buf);
}

/* Read what the server wrote to stderr so far; keep the first PN_SSH_STDERR_MAX bytes, drop the rest (git
 * writes one line; reading it all keeps the channel window open). */
static const struct pn_error *
drain_stderr(struct pn_ssh *s)
{
	char tmp[SSH_STDERR_CHUNK];

	for (;;) {
		ssize_t r = libssh2_channel_read_stderr(s->channel, tmp, sizeof(tmp));
		size_t room = PN_SSH_STDERR_MAX - s->err_len, n;

		if (r == 0 || r == LIBSSH2_ERROR_EAGAIN)
			return NULL;
		if (r < 0)
			return lib_error(s, (int)r, "read stderr");
		n = (size_t)r < room ? (size_t)r : room;
		memcpy(s->err + s->err_len, tmp, n);
		s->err_len += n;
		s->err[s->err_len] = '\0';
	}
}

static const struct pn_error *
handshake(struct pn_ssh *s, const char *methods, const char *known_hosts)
{
	const struct pn_error *err;
	char m[PN_ERROR_MSG_MAX];
	int rc;

	if ((rc = libssh2_session_method_pref(s->session, LIBSSH2_METHOD_HOSTKEY, methods)) != 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: libssh2 accepts none of the host key types %s (%d)", s->where,
		    methods, rc);
	for (size_t i = 0; i < NALGORITHMS; i++)
		if ((rc = libssh2_session_method_pref(s->session, algorithms[i].type, algorithms[i].prefs)) != 0)
			return pn_error_fmt(PN_ERR_INTERNAL, "%s: libssh2 accepts none of %s (%d)", s->where,
			    algorithms[i].prefs, rc);
	while ((rc = libssh2_session_handshake(s->session, s->fd)) == LIBSSH2_ERROR_EAGAIN)
		if ((err = wait_io(s, s->deadline_ms, "SSH handshake")) != NULL)
			return err;
	if (rc == LIBSSH2_ERROR_KEX_FAILURE || rc == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED) {
		/* most likely no host key type in common: the server has none of those known_hosts lists */
		snprintf(m, sizeof(m), "key exchange failed (libssh2 error %d); pinion offered the host key types %s "
		    "(from %s): does the server have such a key?", rc, methods, known_hosts);
		return conn_error(s, PN_ERR_PROTO, "SSH handshake", m);
	}
	if (rc != 0)
		return lib_error(s, rc, "SSH handshake");
	s->handshaken = 1;
	return NULL;
}

/* One debug line with what was negotiated, for "why is this slow / which key did it use". */
static void
log_session(struct pn_ssh *s, const unsigned char *hostkey, size_t len)
{
	char fp[PN_KNOWNHOSTS_FP_LEN];
	const char *kex = libssh2_session_methods(s->session, LIBSSH2_METHOD_KEX);
	const char *hk = libssh2_session_methods(s->session, LIBSSH2_METHOD_HOSTKEY);
	const char *cipher = libssh2_session_methods(s->session, LIBSSH2_METHOD_CRYPT_CS);
	const char *mac = libssh2_session_methods(s->session, LIBSSH2_METHOD_MAC_CS);

	pn_knownhosts_fingerprint(hostkey, len, fp);
	pn_log(PN_LOG_DEBUG, "%s: %s, host key %s %s, %s, %s", s->where, kex != NULL ? kex : "?",
	    hk != NULL ? hk : "?", fp, cipher != NULL ? cipher : "?", mac != NULL ? mac : "?");
}

static const struct pn_error *
authenticate(struct pn_ssh *s, const char *user, const char *key_file)
{
	const unsigned char *pub;
	size_t publen;
	char fp[PN_KNOWNHOSTS_FP_LEN], m[PN_ERROR_MSG_MAX];
	const struct pn_error *err;
	int rc;

	pub = pn_sshkey_public(s->key, &publen);
	s->signer.key = s->key;
	s->signer.err = NULL;
	s->signer_ref = &s->signer;
	while ((rc = libssh2_userauth_publickey(s->session, user, pub, publen, pn_sshkey_libssh2_sign,
	    &s->signer_ref)) == LIBSSH2_ERROR_EAGAIN)
		if ((err = wait_io(s, s->deadline_ms, "authentication")) != NULL)
			return err;
	if (rc == 0)
		return NULL;
	if (s->signer.err != NULL)
		return pn_error_wrap(s->signer.err, "%s: signing with %s (%s)", s->where, key_file,
		    s->signer.alg[0] != '\0' ? s->signer.alg : pn_sshkey_type_name(s->key));
	if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
		pn_knownhosts_fingerprint(pub, publen, fp);
		snprintf(m, sizeof(m), "the server refused the %s key %s from %s for user \"%s\" (is it a deploy key "
		    "of this repository?)", pn_sshkey_type_name(s->key), fp, key_file, user);
		return conn_error(s, PN_ERR_AUTH, "authentication", m);
	}
	return lib_error(s, rc, "authentication");
}

const struct pn_error *
pn_ssh_connect(const struct pn_ssh_options *opt, struct pn_ssh **out)
{
	const char *port = opt->port != NULL && opt->port[0] != '\0' ? opt->port : "22";
	const char *user = opt->user != NULL && opt->user[0] != '\0' ? opt->user : "git";
	char methods[PN_KNOWNHOSTS_METHODS_MAX];
	struct pn_knownhosts kh;
	const struct pn_error *err;
	const char *hostkey;
	struct pn_ssh *s = NULL;
	size_t hklen, ca_first;
	int hktype, kh_ready = 0;

	*out = NULL;
	if (opt->host == NULL || opt->host[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "ssh: no host");
	if (opt->private_key_file == NULL || opt->private_key_file[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "ssh %s: no private key file", opt->host);
	if (opt->known_hosts_file == NULL || opt->known_hosts_file[0] == '\0')
		return pn_error_fmt(PN_ERR_USAGE, "ssh %s: no known_hosts file (host key verification cannot be "
		    "turned off)", opt->host);
	if ((err = lib_init()) != NULL)
		return err;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return pn_error(PN_ERR_NOMEM);
	s->fd = -1;
	s->deadline_ms = opt->deadline_ms;
	snprintf(s->where, sizeof(s->where), "ssh %s port %s", opt->host, port);

	/* configuration first: a bad file fails without touching the network */
	if ((err = pn_knownhosts_load(&kh, opt->known_hosts_file, opt->host, port)) != NULL)
		goto done;
	kh_ready = 1;
	if ((err = pn_knownhosts_hostkey_methods(&kh, methods, sizeof(methods))) != NULL)
		goto done;
	if (pn_knownhosts_ca_lines(&kh, &ca_first) > 0)
		pn_log(PN_LOG_NOTICE, "%s line %zu: @cert-authority lines for %s are ignored (pinion does not check "
		    "host certificates)", opt->known_hosts_file, ca_first, pn_knownhosts_name(&kh));
	if ((err = pn_sshkey_load(opt->private_key_file, &s->key)) != NULL)
		goto done;

	if ((err = pn_sock_connect(opt->host, port, s->deadline_ms, &s->fd)) != NULL)
		goto done;
	if ((s->session = libssh2_session_init_ex(NULL, NULL, NULL, NULL)) == NULL) {
		err = pn_error(PN_ERR_NOMEM);
		goto done;
	}
	libssh2_session_set_blocking(s->session, 0);
	if ((err = handshake(s, methods, opt->known_hosts_file)) != NULL)
		goto done;
	/* the handshake proved the server holds this key (it signed the exchange hash): is it the host's? */
	hostkey = libssh2_session_hostkey(s->session, &hklen, &hktype);
	if (hostkey == NULL) {
		err = conn_error(s, PN_ERR_PROTO, "SSH handshake", "no host key");
		goto done;
	}
	if ((err = pn_knownhosts_verify(&kh, (const unsigned char *)hostkey, hklen)) != NULL)
		goto done;
	log_session(s, (const unsigned char *)hostkey, hklen);
	err = authenticate(s, user, opt->private_key_file);
	/* the private key is not needed again: wipe it now rather than when the connection ends */
	pn_sshkey_free(s->key);
	s->key = NULL;
	s->signer.key = NULL;
done:
	if (kh_ready)
		pn_knownhosts_release(&kh);
	if (err != NULL) {
		pn_ssh_free(s);
		return err;
	}
	*out = s;
	return NULL;
}

const struct pn_error *
pn_ssh_exec(struct pn_ssh *s, const char *command, const char *git_protocol)
{
	const struct pn_error *err;
	int rc;

	if (s->channel != NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: one command per connection", s->where);
	for (;;) {
		s->channel = libssh2_channel_open_ex(s->session, "session", sizeof("session") - 1, PN_SSH_WINDOW,
		    LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
		if (s->channel != NULL)
			break;
		if ((rc = libssh2_session_last_errno(s->session)) != LIBSSH2_ERROR_EAGAIN)
			return lib_error(s, rc, "open channel");
		if ((err = wait_io(s, s->deadline_ms, "open channel")) != NULL)
			return err;
	}
	if (git_protocol != NULL) {
		while ((rc = libssh2_channel_setenv(s->channel, "GIT_PROTOCOL", git_protocol)) == LIBSSH2_ERROR_EAGAIN)
			if ((err = wait_io(s, s->deadline_ms, "set GIT_PROTOCOL")) != NULL)
				return err;
		/* refused by a server without AcceptEnv GIT_PROTOCOL: it will speak v0, which the caller sees */
		if (rc != 0 && rc != LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED)
			return lib_error(s, rc, "set GIT_PROTOCOL");
	}
	while ((rc = libssh2_channel_exec(s->channel, command)) == LIBSSH2_ERROR_EAGAIN)
		if ((err = wait_io(s, s->deadline_ms, "exec")) != NULL)
			return err;
	if (rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED)
		return conn_error(s, PN_ERR_REJECTED, "exec", "the server refused to run the command");
	if (rc != 0)
		return lib_error(s, rc, "exec");
	return NULL;
}

const struct pn_error *
pn_ssh_read(struct pn_ssh *s, void *buf, size_t len, uint64_t deadline_ms, size_t *n)
{
	const struct pn_error *err;

	*n = 0;
	if (s->channel == NULL || len == 0)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: read without a command or a buffer", s->where);
	if (len > PN_SSH_READ_MAX)
		len = PN_SSH_READ_MAX;
	for (;;) {
		ssize_t r;

		if ((err = drain_stderr(s)) != NULL)
			return err;
		r = libssh2_channel_read(s->channel, buf, len);
		if (r > 0) {
			*n = (size_t)r;
			return NULL;
		}
		if (r == 0 && libssh2_channel_eof(s->channel))
			return drain_stderr(s);
		if (r < 0 && r != LIBSSH2_ERROR_EAGAIN)
			return lib_error(s, (int)r, "read");
		/* Sleep only right after a read that found nothing. Reading stderr here would pull packets off the
		 * socket, stdout data among them, into libssh2's buffers, and poll() would then wait for bytes that
		 * already arrived (a read that timed out under load). Stderr queued by the read above is taken at the
		 * top of the loop. */
		if ((err = wait_io(s, deadline_ms, "read")) != NULL)
			return err;
	}
}

const struct pn_error *
pn_ssh_write_all(struct pn_ssh *s, const void *buf, size_t len, uint64_t deadline_ms)
{
	const char *p = buf;
	const struct pn_error *err;

	if (s->channel == NULL)
		return pn_error_fmt(PN_ERR_INTERNAL, "%s: write without a command", s->where);
	while (len > 0) {
		ssize_t w = libssh2_channel_write(s->channel, p, len);

		if (w > 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && w != LIBSSH2_ERROR_EAGAIN)
			return lib_error(s, (int)w, "write");
		/* blocked by the socket or by the server's window: keep its stderr moving meanwhile */
		if ((err = drain_stderr(s)) != NULL)
			return err;
		if ((err = wait_io(s, deadline_ms, "write")) != NULL)
			return err;
	}
	return NULL;
}

const char *
pn_ssh_stderr(const struct pn_ssh *s)
{
	return s->err;
}

/* After EAGAIN while closing: wait, and once the deadline has passed shut the socket down, so that libssh2's
 * next attempt fails at once instead of waiting. 1 to try again, 0 to give up. */
static int
close_wait(struct pn_ssh *s, uint64_t deadline_ms, unsigned *tries)
{
	if (++*tries > SSH_CLOSE_TRIES)
		return 0;
	if (!s->dropped && poll_io(s, deadline_ms) != 0) {
		(void)shutdown(s->fd, SHUT_RDWR);
		s->dropped = 1;
	}
	return 1;
}

void
pn_ssh_free(struct pn_ssh *s)
{
	uint64_t deadline;
	unsigned tries;
	int rc;

	if (s == NULL)
		return;
	deadline = pn_clock_mono_ms() + PN_SSH_CLOSE_MS;
	if (s->channel != NULL) {
		tries = 0;
		while (libssh2_channel_close(s->channel) == LIBSSH2_ERROR_EAGAIN && close_wait(s, deadline, &tries))
			;
		tries = 0;
		while ((rc = libssh2_channel_free(s->channel)) == LIBSSH2_ERROR_EAGAIN &&
		    close_wait(s, deadline, &tries))
			;
		/* on a final EAGAIN libssh2 still lists the channel; libssh2_session_free frees it */
		(void)rc;
	}
	if (s->session != NULL) {
		tries = 0;
		while (s->handshaken && libssh2_session_disconnect(s->session, "pinion: done") == LIBSSH2_ERROR_EAGAIN &&
		    close_wait(s, deadline, &tries))
			;
		tries = 0;
		while (libssh2_session_free(s->session) == LIBSSH2_ERROR_EAGAIN && close_wait(s, deadline, &tries))
			;
	}
	if (s->fd != -1)
		(void)close(s->fd);
	pn_sshkey_free(s->key);
	free(s);
}
