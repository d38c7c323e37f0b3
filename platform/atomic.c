#include "atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash.h"
#include "../agent/core/banned.h"

/* The temporary of pn_atomic_write(): "<path>.tmp.<pid>". */
static const char tmp_infix[] = ".tmp.";

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
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	int fd = -1, n;

	n = snprintf(tmp, sizeof(tmp), "%s%s%ld", path, tmp_infix, (long)getpid());
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
	pn_crash_point2(base, "written");
	if (fsync(fd) == -1) {
		err = pn_error_errno_fmt("fsync %s", tmp);
		goto done;
	}
	pn_crash_point2(base, "fsync");
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
	pn_crash_point2(base, "renamed");
	if ((err = pn_atomic_sync_dir(path)) == NULL)
		pn_crash_point2(base, "dir-fsync");
	return err;
done:
	if (fd != -1)
		close(fd);
	unlink(tmp); /* the target is untouched; the half-written temporary must not linger */
	return err;
}

/* Whether `name` is "<something>.tmp.<pid>"; *pid gets the pid. */
static int
tmp_name(const char *name, long *pid)
{
	const char *p = strstr(name, tmp_infix), *d;
	long v = 0;

	if (p == NULL || p == name)
		return 0;
	while (strstr(p + 1, tmp_infix) != NULL)
		p = strstr(p + 1, tmp_infix);
	d = p + sizeof(tmp_infix) - 1;
	if (*d == '\0')
		return 0;
	for (; *d != '\0'; d++) {
		if (*d < '0' || *d > '9' || v > (INT_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*d - '0');
	}
	*pid = v;
	return v > 0;
}

const struct pn_error *
pn_atomic_clean(const char *dir, size_t *removed)
{
	const struct pn_error *err = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (removed != NULL)
		*removed = 0;
	if ((d = opendir(dir)) == NULL)
		return pn_error_errno_fmt("open directory %s", dir);
	while ((errno = 0, de = readdir(d)) != NULL) {
		long pid;
		int n;

		if (!tmp_name(de->d_name, &pid) || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (unlink(path) == -1 && errno != ENOENT) {
			err = pn_error_errno_fmt("remove %s", path);
			break;
		}
		if (removed != NULL)
			(*removed)++;
	}
	if (err == NULL && errno != 0 && de == NULL)
		err = pn_error_errno_fmt("read directory %s", dir);
	closedir(d);
	return err;
}
