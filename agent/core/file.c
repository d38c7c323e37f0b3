#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "banned.h"

/* Read in chunks of this size: enough for a key or a certificate bundle in a few calls. */
#define PN_FILE_CHUNK 16384

const struct pn_error *
pn_file_read(const char *path, struct pn_buf *b)
{
	const struct pn_error *err = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return pn_error_errno_fmt("open %s", path);
	for (;;) {
		size_t room = b->max - b->len;
		char probe, *p = &probe;
		ssize_t n;

		if (room > PN_FILE_CHUNK)
			room = PN_FILE_CHUNK;
		/* at the ceiling, read one byte into `probe` to tell "exactly full" from "too large" */
		if (room > 0 && (err = pn_buf_reserve(b, room, &p)) != NULL)
			break;
		n = read(fd, p, room > 0 ? room : 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = pn_error_errno_fmt("read %s", path);
			break;
		}
		if (n == 0)
			break;
		if (room == 0) {
			err = pn_error_fmt(PN_ERR_TOO_LARGE, "%s is larger than the %zu bytes allowed for %s", path,
			    b->max, b->what);
			break;
		}
		pn_buf_commit(b, (size_t)n);
	}
	if (close(fd) == -1 && err == NULL)
		err = pn_error_errno_fmt("close %s", path);
	return err;
}
