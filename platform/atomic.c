#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../agent/core/banned.h"

const struct pn_error *
pn_atomic_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash;
	struct stat st;
	int fd = -1;
	const struct pn_error *err = NULL;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
			return pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s", path);
	} else if ((slash = strrchr(path, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else {
		if ((size_t)(slash - path) >= sizeof(dir))
			return pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s", path);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return pn_error_errno_fmt("open directory %s", dir);
	if (fsync(fd) == -1)
		err = pn_error_errno_fmt("fsync directory %s", dir);
	if (close(fd) == -1 && err == NULL)
		err = pn_error_errno_fmt("close directory %s", dir);
	return err;
}

const struct pn_error *
pn_atomic_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	const char *p = data;
	const struct pn_error *err = NULL;
	int fd = -1, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return pn_error_fmt(PN_ERR_TOO_LARGE, "path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1) {
		err = pn_error_errno_fmt("create %s", tmp);
		goto done;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			err = pn_error_errno_fmt("write %s", tmp);
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1) {
		err = pn_error_errno_fmt("fsync %s", tmp);
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		err = pn_error_errno_fmt("close %s", tmp);
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		err = pn_error_errno_fmt("rename %s to %s", tmp, path);
		goto done;
	}
	err = pn_atomic_sync_dir(path);
	return err;
done:
	if (fd != -1)
		close(fd);
	unlink(tmp); /* the target is untouched; the half-written temporary must not linger */
	return err;
}
