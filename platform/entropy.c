#include "entropy.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "../agent/core/banned.h"

static const struct pn_error *
from_urandom(unsigned char *p, size_t len)
{
	const struct pn_error *err = NULL;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return pn_error_errno("open /dev/urandom");
	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n == 0 ? pn_error_fmt(PN_ERR_ERRNO, "read /dev/urandom: end of file")
				     : pn_error_errno("read /dev/urandom");
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) == -1 && err == NULL)
		err = pn_error_errno("close /dev/urandom");
	return err;
}

const struct pn_error *
pn_entropy(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOSYS) /* kernels before 3.17 */
				return from_urandom(p, len);
			return pn_error_errno("getrandom");
		}
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

int
pn_entropy_mbedtls(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return pn_entropy(buf, len) == NULL ? 0 : -1;
}
