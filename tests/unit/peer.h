/*
 * Helpers for unit tests that need a real peer process (a TLS server, ...): a private temporary directory,
 * starting a helper that writes DIR/port, and stopping it by PID. The unit tests run from the repository root
 * (tests/run sets the working directory), natively or under qemu-user, which runs these host helpers natively.
 */
#ifndef PN_TEST_PEER_H
#define PN_TEST_PEER_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long a helper may take to start (ms), scaled by PN_TEST_SLOW for qemu and sanitizers. */
#define PN_TEST_PEER_START_MS 20000
#define PN_TEST_PATH_MAX 512

static inline long
pn_test_slow(void)
{
	const char *s = getenv("PN_TEST_SLOW");
	long v = s != NULL ? strtol(s, NULL, 10) : 1;
	return v > 0 ? v : 1;
}

/* mkdtemp under build/test; the path is written to `out`. */
static inline int
pn_test_tmpdir(const char *name, char *out, size_t len)
{
	mkdir("build", 0755);
	mkdir("build/test", 0755);
	if ((size_t)snprintf(out, len, "build/test/%s-XXXXXX", name) >= len)
		return -1;
	return mkdtemp(out) != NULL ? 0 : -1;
}

static inline void
pn_test_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Run argv with stdout/stderr to DIR/log, wait for DIR/port. Returns the pid, or -1; *port is set. */
static inline pid_t
pn_test_spawn(char *const argv[], const char *dir, int *port)
{
	char path[PN_TEST_PATH_MAX * 3], log[PN_TEST_PATH_MAX * 3];
	long waited = 0, limit = PN_TEST_PEER_START_MS * pn_test_slow();
	pid_t pid;

	snprintf(path, sizeof(path), "%s/port", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	unlink(path);
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0) {
		if (freopen(log, "w", stdout) == NULL || dup2(fileno(stdout), 2) == -1)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waited < limit) {
		FILE *f = fopen(path, "r");
		int status;

		if (f != NULL) {
			int ok = fscanf(f, "%d", port) == 1;
			fclose(f);
			if (ok)
				return pid;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		pn_test_sleep_ms(20);
		waited += 20;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static inline void
pn_test_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* rm -rf of a test directory (fork+exec: no nftw in a test helper). */
static inline void
pn_test_rmtree(const char *dir)
{
	pid_t pid;

	if (getenv("PN_KEEP") != NULL && strcmp(getenv("PN_KEEP"), "1") == 0)
		return;
	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

#endif
