/* libFuzzer target: the attach wire formats.
 * - ctrp_hello_parse() on the input: a parse that succeeds gives fields in range, and
 *   what ctrp_hello_format() writes of them parses to the same values;
 * - records cut from the input go through a socketpair(AF_UNIX, SOCK_SEQPACKET) to
 *   ctri_att_recv() / ctri_att_recv_nb(): each comes back whole with its type, or is
 *   refused as oversized; an empty socket is CTRI_ATT_NONE, a closed one CTRI_ATT_EOF;
 * - the mux framing writer, with lengths from the input, into a memfd: the frames read
 *   back are the header (stream, 0 0 0, big-endian length) and the payload, and empty
 *   payloads write nothing.
 * Input: the whole input is a HELLO; then records: 2 bytes big-endian length (up to 64 KiB,
 * so some exceed CTRI_ATT_BUF; short input is padded with zeroes), 1 byte flags
 * (bit 0: non-blocking receive), then the record. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctr/ctr.h"
#include "attach_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sp[2] = { -1, -1 }; /* sp[0] the monitor's end, sp[1] the client's */
static int mfd = -1;
static unsigned char rec[70000], buf[CTRI_ATT_BUF], back[1 << 20];

static void setup(void)
{
	int big = 1 << 20;

	if (mfd >= 0)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		abort();
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sp[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	mfd = memfd_create("fuzz-mux", MFD_CLOEXEC);
	if (mfd < 0)
		abort();
}

static void check_hello(const uint8_t *data, size_t size)
{
	struct ctrp_hello h, again;
	char text[128];

	if (ctrp_hello_parse((const char *)data, size, &h) < 0)
		return;
	if (h.proto < 0 || h.log_offset < 0 || h.rotations < 0 || (h.stdin_open & ~1) ||
	    (h.terminal & ~1))
		abort();
	size_t n = ctrp_hello_format(text, sizeof(text), &h);
	if (ctrp_hello_parse(text, n, &again) < 0 || again.proto != CTRP_PROTO ||
	    again.log_offset != h.log_offset || again.rotations != h.rotations ||
	    again.stdin_open != h.stdin_open || again.terminal != h.terminal)
		abort();
}

/* Send len bytes as one record and receive it back. */
static void one_record(const unsigned char *r, size_t len, int nb)
{
	int type = 99;

	if (len == 0)
		return; /* an empty record reads as EOF: a socket cannot tell them apart */
	if (send(sp[0], r, len, MSG_DONTWAIT) != (ssize_t)len)
		return; /* too large for the socket */
	int n = nb ? ctri_att_recv_nb(sp[1], buf, &type) : ctri_att_recv(sp[1], buf, &type);
	if (len > CTRI_ATT_BUF) {
		if (n != CTR_E_MONITOR)
			abort(); /* an oversized record accepted */
		return;
	}
	if (n < 0 || (size_t)n != len - 1 || type != r[0] || memcmp(buf, r, len))
		abort();
}

static void check_records(const uint8_t *data, size_t size)
{
	int type = 99;

	if (ctri_att_recv_nb(sp[1], buf, &type) != 0 || type != CTRI_ATT_NONE)
		abort(); /* an empty socket */
	while (size >= 3) {
		size_t len = (size_t)data[0] << 8 | data[1];
		int nb = data[2] & 1;
		data += 3;
		size -= 3;
		size_t have = len < size ? len : size;
		memset(rec, 0, len);
		memcpy(rec, data, have);
		one_record(rec, len, nb);
		data += have;
		size -= have;
	}
	if (ctri_att_recv_nb(sp[1], buf, &type) != 0 || type != CTRI_ATT_NONE)
		abort(); /* a record left over or invented */
}

/* The EOF case, on a pair of its own (once: it is the same every time). */
static void check_eof(void)
{
	static int done;
	int p[2], type = 99;

	if (done++)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
		abort();
	close(p[0]);
	if (ctri_att_recv(p[1], buf, &type) != 0 || type != CTRI_ATT_EOF)
		abort();
	type = 99;
	if (ctri_att_recv_nb(p[1], buf, &type) != 0 || type != CTRI_ATT_EOF)
		abort();
	close(p[1]);
}

/* Frames of the input's pieces: byte k says the next piece's length (0..255) and stream;
 * groups of pieces go through ctri_mux_writev, single ones through ctri_mux_write. */
static void check_mux(const uint8_t *data, size_t size)
{
	struct iovec iov[8];
	size_t want[64], stream[64], nf = 0, off = 0;

	if (ftruncate(mfd, 0) < 0 || lseek(mfd, 0, SEEK_SET) < 0)
		abort();
	while (size > 0 && nf < 64) {
		int k = 1 + data[0] % 8, many = data[0] & 0x80, st = (data[0] >> 3) & 3;
		size_t total = 0;
		data++;
		size--;
		int n = 0;
		for (; n < k && size > 0; n++) {
			size_t len = data[0] % 64;
			data++;
			size--;
			if (len > size)
				len = size;
			iov[n] = (struct iovec){ (void *)data, len };
			total += len;
			data += len;
			size -= len;
		}
		int r = many ? ctri_mux_writev(mfd, st, iov, n)
			     : ctri_mux_write(mfd, st, n ? iov[0].iov_base : NULL,
					      n ? iov[0].iov_len : 0);
		if (r < 0)
			abort();
		if (!many)
			total = n ? iov[0].iov_len : 0;
		if (total) {
			want[nf] = total;
			stream[nf++] = (size_t)st;
		}
	}
	ssize_t got = pread(mfd, back, sizeof(back), 0);
	if (got < 0)
		abort();
	for (size_t i = 0; i < nf; i++) {
		if ((size_t)got - off < CTRI_MUX_HDR)
			abort();
		unsigned char *h = back + off;
		size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		if (h[0] != stream[i] || h[1] || h[2] || h[3] || len != want[i])
			abort();
		off += CTRI_MUX_HDR + len;
		if (off > (size_t)got)
			abort();
	}
	if (off != (size_t)got)
		abort(); /* bytes beyond the frames (an empty frame written) */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	check_hello(data, size);
	check_records(data, size);
	check_eof();
	check_mux(data, size);
	return 0;
}
