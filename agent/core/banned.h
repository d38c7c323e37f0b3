/*
 * Functions pinion never calls: each has a bounded or reentrant replacement, and a slip is a compile error
 * rather than a review comment (the idea of git's banned.h).
 *
 *   strcpy strcat strncpy  -> pn_buf, snprintf, memcpy with an explicit length
 *   sprintf vsprintf       -> snprintf / vsnprintf (and check for truncation)
 *   strtok                 -> explicit scanning (not reentrant)
 *   gmtime localtime       -> gmtime_r / localtime_r (static result buffers)
 *   atoi                   -> pn_num_parse_* (no error detection, undefined on overflow)
 *
 * Include it last, after every system header, in each .c file of agent/ and platform/.
 */
#ifndef PN_BANNED_H
#define PN_BANNED_H

#define PN_BANNED(func) sorry_##func##_is_banned_in_pinion

#undef strcpy
#define strcpy(x, y) PN_BANNED(strcpy)
#undef strcat
#define strcat(x, y) PN_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) PN_BANNED(strncpy)
#undef sprintf
#define sprintf(...) PN_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) PN_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) PN_BANNED(strtok)
#undef gmtime
#define gmtime(t) PN_BANNED(gmtime)
#undef localtime
#define localtime(t) PN_BANNED(localtime)
#undef atoi
#define atoi(s) PN_BANNED(atoi)

#endif
